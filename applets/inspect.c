/* inspect.c - show images as Docker's JSON
 * See https://docs.docker.com/reference/cli/docker/image/inspect/ */
#include "core/core.h"
#include "core/image.h"
#include "core/tmpl.h"

static const char usage[] =
"usage: inspect [-f FORMAT] [--type image] IMAGE...\n\n"
"Print a JSON array of the images (Id, RepoTags, RepoDigests, Created,\n"
"Author, Config, Architecture, Os, Size, RootFS, Metadata).\n\n"
"-f, --format  Go template per image: {{.Config.Cmd}}, {{json .Config}},\n"
"              {{index .Config.Labels \"k\"}}, {{range .RepoTags}}...{{end}}\n"
"--type        only 'image' is known\n";

static char *format, *type;
static const struct opt opts[] = {
  OPT_STR('f', "format", &format), OPT_STR(0, "type", &type), OPT_END
};

static void copy(cJSON *to, const cJSON *from, const char *key,
                 const char *as, cJSON *deflt)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);

  cJSON_AddItemToObject(to, as, v ? cJSON_Duplicate(v, 1) : deflt);
  if (v) cJSON_Delete(deflt);
}

/* Docker's inspect object for an image. */
static cJSON *describe(const struct image *img)
{
  cJSON *o = cJSON_CreateObject(), *tags, *layers, *rootfs, *meta, *d;
  const cJSON *cfg = img->config;
  char t[40];

  cJSON_AddStringToObject(o, "Id", img->id);
  tags = cJSON_AddArrayToObject(o, "RepoTags");
  for (size_t i = 0; i < img->tags.n; i++)
    cJSON_AddItemToArray(tags, cJSON_CreateString(img->tags.v[i]));
  tags = cJSON_AddArrayToObject(o, "RepoDigests");
  for (size_t i = 0; i < img->repo_digests.n; i++)
    cJSON_AddItemToArray(tags, cJSON_CreateString(img->repo_digests.v[i]));
  copy(o, cfg, "parent", "Parent", cJSON_CreateString(""));
  copy(o, cfg, "comment", "Comment", cJSON_CreateString(""));
  copy(o, cfg, "created", "Created", cJSON_CreateString(""));
  copy(o, cfg, "docker_version", "DockerVersion", cJSON_CreateString(""));
  copy(o, cfg, "author", "Author", cJSON_CreateString(""));
  copy(o, cfg, "config", "Config", cJSON_CreateNull());
  copy(o, cfg, "architecture", "Architecture", cJSON_CreateString(""));
  if (json_str(cfg, "variant")) copy(o, cfg, "variant", "Variant", NULL);
  copy(o, cfg, "os", "Os", cJSON_CreateString(""));
  cJSON_AddNumberToObject(o, "Size", img->size);
  rootfs = cJSON_AddObjectToObject(o, "RootFS");
  cJSON_AddStringToObject(rootfs, "Type", "layers");
  layers = cJSON_AddArrayToObject(rootfs, "Layers");
  cJSON_ArrayForEach(d, json_arr(json_obj(cfg, "rootfs"), "diff_ids"))
    cJSON_AddItemToArray(layers, cJSON_Duplicate(d, 0));
  meta = cJSON_AddObjectToObject(o, "Metadata");
  cJSON_AddStringToObject(meta, "LastTagTime", img->tagged ?
                          time_fmt(t, img->tagged) : "0001-01-01T00:00:00Z");
  return o;
}

static int inspect_main(int argc, char **argv)
{
  cJSON *arr = cJSON_CreateArray(), *idx;
  struct image *v;
  struct store s;
  size_t n;
  int ret = 0;

  if (type && strcmp(type, "image"))
    return fail("unknown type '%s': only 'image' is supported", type);
  if (store_open(&s, STORE_READ) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  for (int i = 0; i < argc; i++) {
    int k = image_find(v, n, argv[i]);
    cJSON *o;
    if (k < 0) {
      fail("No such image: %s", argv[i]);
      fail_print();
      ret = 1;
      continue;
    }
    o = describe(&v[k]);
    if (format) {
      struct buf b = { 0 };
      if (tmpl_render(format, o, &b) < 0) return -1;
      printf("%s\n", buf_str(&b));
      free(b.p);
      cJSON_Delete(o);
    } else {
      cJSON_AddItemToArray(arr, o);
    }
  }
  if (!format) {
    char *p = json_print_pretty(arr);
    printf("%s\n", p);
    free(p);
  }
  return ret;
}

APPLET(inspect, 1, -1);
