/* inspect.c - show containers and images as Docker's JSON
 * See https://docs.docker.com/reference/cli/docker/inspect/ */
#include "core/core.h"
#include "core/container.h"
#include "core/image.h"
#include "core/tmpl.h"

static const char usage[] =
"usage: inspect [-f FORMAT] [--type container|image] NAME...\n\n"
"Print a JSON array of the containers (Id, Created, Path, Args, State,\n"
"Image, Name, RestartCount, Driver, HostConfig, Config) or images (Id,\n"
"RepoTags, RepoDigests, Created, Author, Config, Architecture, Os, Size,\n"
"RootFS, Metadata) named; a container is looked for first.\n\n"
"-f, --format  Go template per object: {{.State.Status}}, {{.Config.Cmd}},\n"
"              {{json .Config}}, {{index .Config.Labels \"k\"}},\n"
"              {{range .RepoTags}}...{{end}}\n"
"--type        container or image only\n";

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

/* Docker's inspect object for a container. */
static cJSON *describe_container(const struct container *c)
{
  const cJSON *cfg = c->config, *spec = json_obj(cfg, "Spec"), *b;
  cJSON *o = cJSON_CreateObject(), *st, *hc, *a;
  int k = container_status(c), live = k == CT_RUNNING || k == CT_PAUSED;
  const char *name = json_str(cfg, "Name"), *none = "0001-01-01T00:00:00Z";
  cleanup_free char *slash = xasprintf("%s%s", name && *name == '/' ? ""
                                       : "/", name ? name : "");

  cJSON_AddStringToObject(o, "Id", c->id);
  copy(o, cfg, "Created", "Created", cJSON_CreateString(""));
  copy(o, cfg, "Path", "Path", cJSON_CreateString(""));
  copy(o, cfg, "Args", "Args", cJSON_CreateArray());
  st = cJSON_AddObjectToObject(o, "State");
  cJSON_AddStringToObject(st, "Status", container_status_name(k));
  cJSON_AddBoolToObject(st, "Running", live);
  cJSON_AddBoolToObject(st, "Paused", k == CT_PAUSED);
  cJSON_AddBoolToObject(st, "Restarting", k == CT_RESTARTING);
  cJSON_AddBoolToObject(st, "OOMKilled", 0);
  cJSON_AddBoolToObject(st, "Dead", 0);
  cJSON_AddNumberToObject(st, "Pid", live ? json_int(c->state, "Pid", 0) : 0);
  cJSON_AddNumberToObject(st, "ExitCode",
                          k == CT_CREATED ? 0 : json_int(c->state, "ExitCode",
                                                         0));
  cJSON_AddStringToObject(st, "Error", "");
  cJSON_AddStringToObject(st, "StartedAt", json_str(c->state, "StartedAt")
                          ?: none);
  cJSON_AddStringToObject(st, "FinishedAt", !live &&
                          json_str(c->state, "FinishedAt")
                          ? json_str(c->state, "FinishedAt") : none);
  copy(o, cfg, "Image", "Image", cJSON_CreateString(""));
  cJSON_AddStringToObject(o, "Name", slash);
  cJSON_AddNumberToObject(o, "RestartCount",
                          json_int(c->state, "RestartCount", 0));
  cJSON_AddStringToObject(o, "Driver", json_str(spec, "Flat") ? "vfs"
                                                               : "overlay");
  cJSON_AddStringToObject(o, "Platform", "linux");
  hc = cJSON_AddObjectToObject(o, "HostConfig");
  a = cJSON_AddArrayToObject(hc, "Binds");
  cJSON_ArrayForEach(b, json_arr(spec, "Binds")) {
    cleanup_free char *v = xasprintf("%s:%s%s", json_str(b, "Src"),
                                     json_str(b, "Dst"),
                                     cJSON_IsTrue(cJSON_GetObjectItem(b, "Ro"))
                                     ? ":ro" : "");
    cJSON_AddItemToArray(a, cJSON_CreateString(v));
  }
  cJSON_AddStringToObject(hc, "NetworkMode",
                          cJSON_IsTrue(cJSON_GetObjectItem(spec, "NetHost"))
                          ? "host" : "none");
  {
    cJSON *no = cJSON_CreateObject();
    cJSON_AddStringToObject(no, "Name", "no");
    cJSON_AddNumberToObject(no, "MaximumRetryCount", 0);
    copy(hc, cfg, "RestartPolicy", "RestartPolicy", no);
  }
  copy(hc, cfg, "AutoRemove", "AutoRemove", cJSON_CreateFalse());
  copy(hc, cfg, "LogConfig", "LogConfig", cJSON_CreateObject());
  cJSON_AddBoolToObject(hc, "Privileged",
                        cJSON_IsTrue(cJSON_GetObjectItem(spec, "Privileged")));
  cJSON_AddBoolToObject(hc, "ReadonlyRootfs",
                        cJSON_IsTrue(cJSON_GetObjectItem(spec, "ReadOnly")));
  cJSON_AddBoolToObject(hc, "Init",
                        cJSON_IsTrue(cJSON_GetObjectItem(spec, "Init")));
  cJSON_AddNumberToObject(hc, "Memory", json_int(spec, "Memory", 0));
  cJSON_AddNumberToObject(hc, "PidsLimit", json_int(spec, "Pids", 0));
  {
    double cpus = cJSON_GetNumberValue(cJSON_GetObjectItem(spec, "Cpus"));
    cJSON_AddNumberToObject(hc, "NanoCpus", cpus == cpus ? cpus * 1e9 : 0);
  }
  copy(o, cfg, "Config", "Config", cJSON_CreateObject());
  a = json_obj(o, "Config");
  json_set_str(a, "Hostname", json_str(spec, "Hostname") ?: "");
  copy(a, cfg, "ImageName", "Image", cJSON_CreateString(""));
  cJSON_AddBoolToObject(a, "Tty", cJSON_IsTrue(cJSON_GetObjectItem(spec,
                                                                   "Tty")));
  return o;
}

static int inspect_main(int argc, char **argv)
{
  cJSON *arr = cJSON_CreateArray(), *idx;
  struct image *v;
  struct store s;
  size_t n;
  int ret = 0;

  if (type && strcmp(type, "image") && strcmp(type, "container"))
    return fail("unknown type '%s': container or image", type);
  if (store_open(&s, STORE_READ) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  for (int i = 0; i < argc; i++) {
    struct container c = { 0 };
    int k = -1;
    cJSON *o = NULL;
    if ((!type || !strcmp(type, "container")) &&
        container_find(&s, argv[i], &c) == 0)
      o = describe_container(&c);
    container_free(&c);
    if (!o && (!type || !strcmp(type, "image")) &&
        (k = image_find(v, n, argv[i])) >= 0)
      o = describe(&v[k]);
    if (!o) {
      fail("No such %s: %s", type ? type : "object", argv[i]);
      fail_print();
      ret = 1;
      continue;
    }
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
