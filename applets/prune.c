/* prune.c - remove dangling (or, with -a, all unused) images
 * See https://docs.docker.com/reference/cli/docker/image/prune/ */
#include "core/core.h"
#include "core/layer.h"
#include "core/image.h"

static const char usage[] =
"usage: prune [-a] [-f] [--filter label=KEY[=VALUE]]\n\n"
"Remove images without a tag (with -a: every image no container uses) and\n"
"the blobs only they used; print the space reclaimed. Also 'image prune'.\n\n"
"-a, --all     remove all images not used by a container, and interrupted\n"
"              downloads\n"
"-f, --force   do not ask for confirmation\n"
"--filter      only images with this label\n";

static int all, force;
static struct strv filters;
static const struct opt opts[] = {
  OPT_FLAG('a', "all", &all), OPT_FLAG('f', "force", &force),
  OPT_LIST(0, "filter", &filters), OPT_END
};

static void freed(void *ctx, const char *digest, int64_t size)
{
  *(int64_t *)ctx += size;
}

static int labelled(const struct image *img)
{
  cJSON *labels = json_obj(json_obj(img->config, "config"), "Labels");

  for (size_t i = 0; i < filters.n; i++) {
    const char *f = filters.v[i], *eq;
    cleanup_free char *k = NULL;
    const char *v;
    if (!str_starts(f, "label=")) continue;
    f += 6;
    eq = strchr(f, '=');
    k = eq ? xstrndup(f, eq - f) : xstrdup(f);
    if (!(v = json_str(labels, k)) || (eq && strcmp(v, eq + 1))) return 0;
  }
  return 1;
}

static int prune_main(int argc, char **argv)
{
  struct image *v;
  struct store s;
  size_t n;
  int64_t bytes = 0;
  int any = 0;
  char sz[32];
  cJSON *idx;

  for (size_t i = 0; i < filters.n; i++)
    if (!str_starts(filters.v[i], "label="))
      return fail("invalid filter '%s'", filters.v[i]);
  if (!force) {
    char answer[16] = "";
    fprintf(stderr, "WARNING! This will remove all %s.\n"
            "Are you sure you want to continue? [y/N] ",
            all ? "images without at least one container associated to them"
                : "dangling images");
    if (!fgets(answer, sizeof(answer), stdin) ||
        (answer[0] != 'y' && answer[0] != 'Y'))
      return 0;
  }
  if (store_open(&s, STORE_WRITE | STORE_GC) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  for (size_t i = 0; i < n; i++) {
    if ((v[i].tags.n && !all) || image_users(&s, v[i].id, NULL) ||
        !labelled(&v[i]))
      continue;
    if (!any++) printf("Deleted Images:\n");
    for (size_t t = 0; t < v[i].tags.n; t++)
      printf("untagged: %s\n", v[i].tags.v[t]);
    store_index_drop(idx, v[i].digest);
    printf("deleted: %s\n", v[i].id);
  }
  if (any) {
    if (store_index_save(&s, idx) < 0 || store_gc(&s, idx, freed, &bytes) < 0)
      return -1;
    printf("\n");
  }
  /* unpacked layers nothing uses any more count too (also those of images
   * deleted while a container still used them) */
  {
    int64_t f = layer_gc(&s, idx);
    if (f > 0) bytes += f;
  }
  /* -a: interrupted downloads go too (they would have resumed) */
  if (all) bytes += store_partials_gc(&s);
  printf("Total reclaimed space: %s\n", fmt_size(sz, bytes));
  return 0;
}

APPLET(prune, 0, 0);
