/* save.c - write images to a tar archive that Docker, Podman and skopeo load
 * See https://docs.docker.com/reference/cli/docker/image/save/ */
#include "core/core.h"
#include "core/archive.h"
#include "core/ref.h"

static const char usage[] =
"usage: save [-o FILE] IMAGE...\n\n"
"Write the images (names or IDs) as one archive in Docker 25's form: an OCI\n"
"layout with manifest.json and repositories, metadata first, each blob once.\n\n"
"-o, --output  write to FILE (atomically) instead of standard output\n";

static char *output;
static const struct opt opts[] = { OPT_STR('o', "output", &output), OPT_END };

static int save_main(int argc, char **argv)
{
  struct save_item *items = xzalloc(argc * sizeof(*items));
  cleanup_free char *tmp = NULL;
  struct image *v;
  struct store s;
  struct io_writer w;
  size_t n, ni = 0;
  int fd = 1, ret;
  cJSON *idx;

  if (!output && isatty(1))
    return fail("cowardly refusing to save to a terminal. Use the -o flag "
                "or redirect");
  if (store_open(&s, STORE_READ) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  for (int i = 0; i < argc; i++) {
    int k = image_find(v, n, argv[i]);
    size_t j;
    struct ref r;
    if (k < 0) return -1;
    for (j = 0; j < ni && items[j].img != &v[k]; j++);
    if (j == ni) items[ni++].img = &v[k];
    /* a name (not an ID) is recorded in the archive */
    if (ref_parse(&r, argv[i], REF_DEFAULT_TAG) == 0) {
      cleanup_free char *fam = ref_familiar(&r);
      if (!r.digest && strv_has(&v[k].tags, fam) &&
          !strv_has(&items[j].names, fam))
        strv_add(&items[j].names, xstrdup(fam));
      ref_free(&r);
    }
  }
  if ((fd = out_open(output, &tmp)) < 0) return -1;
  w = IO_FD_WRITER(&fd);
  ret = archive_save(&s, items, ni, &w);
  if (out_close(fd, tmp, output, !ret) < 0) ret = -1;
  return ret;
}

APPLET(save, 1, -1);
