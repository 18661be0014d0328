/* commit.c - an image from a container's changes
 * See https://docs.docker.com/reference/cli/docker/container/commit/ */
#include "core/core.h"
#include "core/change.h"
#include "core/container.h"
#include "core/gz.h"
#include "core/image.h"
#include "core/launch.h"
#include "core/ref.h"
#include "core/tar.h"
#include "core/tree.h"

static const char usage[] =
"usage: commit [-a AUTHOR] [-c CHANGE]... [-m MESSAGE] [-p=true|false] CONTAINER [REPOSITORY[:TAG]]\n\n"
"Make a new image of the container's image plus one layer: what the\n"
"container changed in its file system. Prints the new image's ID.\n\n"
"-a, --author   author (\"Name <mail>\")\n"
"-c, --change   apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV,\n"
"               EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR)\n"
"-m, --message  commit message\n"
"-p, --pause    freeze the container while its layer is read (default\n"
"               true)\n";

static char *author, *message;
static struct strv changes;
static int dopause = 1;
static const struct opt opts[] = {
  OPT_STR('a', "author", &author), OPT_LIST('c', "change", &changes),
  OPT_STR('m', "message", &message), OPT_FLAG('p', "pause", &dopause),
  OPT_END
};

/* The layer: tar of the changes -> diff_id -> gzip -> blob digest ->
 * ingest, in one pass. */
static int layer(struct store *s, struct container *c, struct ingest *in,
                 char *diffid, uint64_t *usize)
{
  struct tree_change *v = NULL;
  struct gz_writer *gw = NULL;
  struct tar_writer *t = NULL;
  struct io_writer iw, gww, tw;
  struct digest_tee diff;
  size_t nl = 0, n = 0;
  int upper = -1, *lowers = NULL, ret = -1;

  if (container_layers(s, c, &upper, &lowers, &nl) < 0 ||
      tree_changes(upper, lowers, nl, &v, &n) < 0)
    goto out;
  iw = (struct io_writer){ store_ingest_write, in };
  if (!(gw = gz_writer_new(&iw, -1))) goto out;
  gww = (struct io_writer){ gz_write, gw };
  digest_init(&diff.d);
  diff.next = &gww;
  tw = (struct io_writer){ digest_tee_write, &diff };
  t = tar_writer_new(&tw);
  if (tree_tar_changes(upper, v, n, t) < 0 || tar_writer_finish(t) < 0 ||
      gz_writer_finish(gw) < 0 || store_ingest_done(in) < 0)
    goto out;
  digest_final(&diff.d, diffid);
  *usize = diff.d.size;
  ret = 0;
out:
  if (t) tar_writer_free(t);
  if (gw) gz_writer_free(gw);
  tree_changes_free(v, n);
  if (upper >= 0) close(upper);
  for (size_t i = 0; i < nl; i++) close(lowers[i]);
  free(lowers);
  return ret;
}

static int commit_main(int argc, char **argv)
{
  cleanup_free char *fam = NULL, *full = NULL;
  char cfgd[DIGEST_LEN], now[40], diffid[DIGEST_LEN];
  struct image *v = NULL, *img = NULL;
  struct container c;
  struct ingest in;
  struct store s;
  size_t nv = 0;
  uint64_t usize = 0;
  cJSON *idx, *cfg, *conf, *h, *m, *a;
  int frozen = 0, ret;
  const cJSON *l;

  if (argc > 1 && ref_target(argv[1], &fam, &full) < 0) return -1;
  if (store_open(&s, STORE_WRITE) < 0 || container_find(&s, argv[0], &c) < 0 ||
      !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &nv);
  for (size_t i = 0; i < nv && !img; i++)
    if (!strcmp(v[i].id, json_str(c.config, "Image") ?
                         json_str(c.config, "Image") : ""))
      img = &v[i];
  if (!img)
    return fail("the image of container %.12s (%s) is no longer in the "
                "store", c.id, json_str(c.config, "ImageName"));

  /* the new config: the image's, the container's settings, then -c; a
   * bad -c fails before anything is written */
  cfg = cJSON_Duplicate(img->config, 1);
  conf = cJSON_Duplicate(json_obj(c.config, "Config") ?
                         json_obj(c.config, "Config") :
                         json_obj(img->config, "config"), 1);
  if (!conf) conf = cJSON_CreateObject();
  for (size_t i = 0; i < changes.n; i++)
    if (change_apply(conf, changes.v[i]) < 0) return -1;
  json_set(cfg, "config", conf);

  if (dopause && container_status(&c) == CT_RUNNING) {
    if (launch_pause(&s, &c, 1) < 0) return -1;
    frozen = 1;
  }
  if (store_ingest_begin(&s, &in) < 0) {
    ret = -1;
  } else {
    ret = layer(&s, &c, &in, diffid, &usize);
    if (ret < 0) store_ingest_abort(&in);
  }
  if (frozen && launch_pause(&s, &c, 0) < 0 && !ret) ret = -1;
  if (ret < 0) return -1;

  time_fmt(now, time(NULL));
  json_set_str(cfg, "created", now);
  if (author) json_set_str(cfg, "author", author);
  json_set_str(cfg, "container", c.id);
  if (!(h = json_arr(cfg, "history")))
    h = cJSON_AddArrayToObject(cfg, "history");
  m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "created", now);
  if (author) cJSON_AddStringToObject(m, "author", author);
  {
    struct buf b = { 0 };
    cleanup_free char *cmd = NULL;
    buf_printf(&b, "%s", json_str(c.config, "Path") ?
               json_str(c.config, "Path") : "");
    cJSON_ArrayForEach(l, json_arr(c.config, "Args"))
      if (cJSON_IsString(l)) buf_printf(&b, " %s", l->valuestring);
    cmd = buf_str(&b);
    cJSON_AddStringToObject(m, "created_by", cmd);
  }
  if (message) cJSON_AddStringToObject(m, "comment", message);
  cJSON_AddItemToArray(h, m);
  if (!(a = json_arr(json_obj(cfg, "rootfs"), "diff_ids")))
    return fail("image %s has no rootfs", img->id);
  cJSON_AddItemToArray(a, cJSON_CreateString(diffid));
  if (image_store_new(&s, idx, cfg, &img->m, &in, diffid, usize, fam, full,
                      cfgd) < 0)
    return -1;
  printf("%s\n", cfgd);
  image_list_free(v, nv);
  container_free(&c);
  return 0;
}

APPLET(commit, 1, 2);
