/* tag.c - give an image another name
 * See https://docs.docker.com/reference/cli/docker/image/tag/ */
#include "core/core.h"
#include "core/image.h"
#include "core/ref.h"

static const char usage[] =
"usage: tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
"Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE (a name or an ID).\n";

static const struct opt opts[] = { OPT_END };

static int tag_main(int argc, char **argv)
{
  cleanup_free char *fam = NULL, *full = NULL;
  struct image *v;
  struct store s;
  size_t n;
  cJSON *idx, *desc;
  int i;

  if (ref_target(argv[1], &fam, &full) < 0) return -1;
  if (store_open(&s, STORE_WRITE) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  if ((i = image_find(v, n, argv[0])) < 0) return -1;
  desc = image_desc(&s, &v[i]);
  store_index_tag(idx, desc, fam, full);
  return store_index_save(&s, idx);
}

APPLET(tag, 2, 2);
