/* rmi.c - remove images: untag, and delete when the last name goes
 * See https://docs.docker.com/reference/cli/docker/image/rm/ */
#include "core/core.h"
#include "core/layer.h"
#include "core/image.h"
#include "core/ref.h"

static const char usage[] =
"usage: rmi [-f] [--no-prune] IMAGE...\n\n"
"Untag images; an image whose last tag goes is deleted with the blobs no\n"
"other image uses.\n\n"
"-f, --force   remove an image with several tags, or one a container uses\n"
"--no-prune    keep the blobs\n";

static int force, noprune;
static const struct opt opts[] = {
  OPT_FLAG('f', "force", &force), OPT_FLAG(0, "no-prune", &noprune), OPT_END
};

static struct image *cur;

static void deleted(void *ctx, const char *digest, int64_t size)
{
  for (size_t i = 0; cur && i < cur->m.nlayers; i++)
    if (!strcmp(cur->m.layers[i].digest, digest))
      printf("Deleted: %s\n", digest);
}

/* Remove one name or ID; 0, or -1 with the reason. */
static int rmi_one(struct store *s, cJSON *idx, const char *name)
{
  struct image *v;
  size_t n;
  int i, by_name = 0, users;
  char who[65];
  struct ref r;
  cleanup_free char *fam = NULL;

  image_list(s, idx, &v, &n);
  if ((i = image_find(v, n, name)) < 0) goto fail;
  if (ref_parse(&r, name, REF_DEFAULT_TAG) == 0) {
    fam = ref_familiar(&r);
    by_name = !r.digest && strv_has(&v[i].tags, fam);
    ref_free(&r);
  }
  users = image_users(s, v[i].id, who);
  if (by_name && (v[i].tags.n > 1 || !users || force)) {
    /* a name: untag; the image goes with its last name */
    store_index_untag(idx, fam);
    printf("Untagged: %s\n", fam);
    if (v[i].tags.n > 1) goto done;
  } else {
    if (users && !force) {
      if (by_name)
        fail("conflict: unable to remove repository reference \"%s\" (must "
             "force) - container %.12s is using its referenced image %.12s",
             name, who, v[i].id + 7);
      else
        fail("conflict: unable to delete %.12s (must be forced) - image is "
             "being used by container %.12s", v[i].id + 7, who);
      goto fail;
    }
    if (v[i].tags.n > 1 && !force) {
      fail("conflict: unable to delete %.12s (must be forced) - image is "
           "referenced in multiple repositories", v[i].id + 7);
      goto fail;
    }
    for (size_t t = 0; t < v[i].tags.n; t++)
      printf("Untagged: %s\n", v[i].tags.v[t]);
  }
  /* every manifest of this image ID goes */
  for (size_t k = 0; k < n; k++)
    if (!strcmp(v[k].id, v[i].id)) store_index_drop(idx, v[k].digest);
  printf("Deleted: %s\n", v[i].id);
  if (store_index_save(s, idx) < 0) goto fail;
  cur = &v[i];
  if (!noprune && (store_gc(s, idx, deleted, NULL) < 0 ||
                   layer_gc(s, idx) < 0))
    goto fail;
  cur = NULL;
done:
  image_list_free(v, n);
  return store_index_save(s, idx);
fail:
  image_list_free(v, n);
  return -1;
}

static int rmi_main(int argc, char **argv)
{
  struct store s;
  cJSON *idx;
  int ret = 0;

  if (store_open(&s, STORE_WRITE | STORE_GC) < 0 || !(idx = store_index_load(&s)))
    return -1;
  for (int i = 0; i < argc; i++) {
    if (rmi_one(&s, idx, argv[i]) < 0) {
      fail_print();
      ret = 1;
      /* start again from what is on disk */
      cJSON_Delete(idx);
      if (!(idx = store_index_load(&s))) return -1;
    }
  }
  return ret;
}

APPLET(rmi, 1, -1);
