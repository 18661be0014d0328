/* import.c - make an image from a filesystem tarball
 * See https://docs.docker.com/reference/cli/docker/image/import/ */
#include "core/core.h"
#include "core/change.h"
#include "core/gz.h"
#include "core/image.h"
#include "core/ref.h"
#include "core/tar.h"

static const char usage[] =
"usage: import [-c CHANGE]... [-m MESSAGE] [--platform OS/ARCH] FILE|- [REPOSITORY[:TAG]]\n\n"
"Create an image of one layer from a tarball (plain or gzip) and print its ID.\n\n"
"-c, --change   apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE,\n"
"               LABEL, ONBUILD, USER, VOLUME, WORKDIR\n"
"-m, --message  commit message for the history\n"
"--platform     os/arch[/variant] to record (default: the host's)\n";

static struct strv changes;
static char *message, *platform;
static const struct opt opts[] = {
  OPT_LIST('c', "change", &changes), OPT_STR('m', "message", &message),
  OPT_STR(0, "platform", &platform), OPT_END
};

/* Everything read through it is hashed (diff_id) and gzipped to ingest. */
struct tee {
  struct io_reader *in;
  struct io_writer *out;
};

static ssize_t tee_read(void *ctx, void *buf, size_t n)
{
  struct tee *t = ctx;
  ssize_t r = io_read(t->in, buf, n);

  if (r > 0 && io_write(t->out, buf, r) < 0) return -1;
  return r;
}

static int import_main(int argc, char **argv)
{
  cleanup_free char *fam = NULL, *full = NULL;
  static unsigned char buf[65536];
  struct platform pl;
  struct ingest in;
  struct store s;
  struct gz_reader *gz;
  struct gz_writer *gw;
  struct io_reader src, raw, teed;
  struct io_writer iw, gww;
  struct digest_tee diff;
  struct tar_reader *t;
  struct tar_entry *e;
  struct tee tee;
  cJSON *cfg, *conf, *h, *m, *idx;
  char cfgd[DIGEST_LEN], now[40], diffid[DIGEST_LEN];
  int fd = 0, r;
  ssize_t k;

  if (platform) {
    if (image_parse_platform(platform, &pl) < 0) return -1;
  } else {
    image_host_platform(&pl);
  }
  if (argc > 1 && ref_target(argv[1], &fam, &full) < 0) return -1;
  /* the config first: a bad -c fails before anything is written */
  conf = cJSON_CreateObject();
  for (size_t i = 0; i < changes.n; i++)
    if (change_apply(conf, changes.v[i]) < 0) return -1;

  if (strcmp(argv[0], "-") && (fd = open(argv[0], O_RDONLY | O_CLOEXEC)) < 0)
    return pfail("open '%s'", argv[0]);
  if (store_open(&s, STORE_WRITE) < 0 || store_ingest_begin(&s, &in) < 0)
    return -1;
  raw = IO_FD_READER(&fd);
  gz = gz_reader_new(&raw, 1);
  src = gz_reader_io(gz);
  iw = (struct io_writer){ store_ingest_write, &in };
  if (!(gw = gz_writer_new(&iw, -1))) goto fail;
  gww = (struct io_writer){ gz_write, gw };
  digest_init(&diff.d);
  diff.next = &gww;
  tee.in = &src;
  tee.out = &(struct io_writer){ digest_tee_write, &diff };
  teed = (struct io_reader){ tee_read, &tee };
  /* read it as a tar: a file that is not one is refused, not imported */
  t = tar_reader_new(&teed);
  while ((r = tar_next(t, &e)) > 0);
  tar_reader_free(t);
  if (r < 0) {
    fail_wrap("'%s' is not a valid tar archive", argv[0]);
    goto fail;
  }
  while ((k = io_read(&teed, buf, sizeof(buf))) > 0);
  if (k < 0 || gz_writer_finish(gw) < 0 || store_ingest_done(&in) < 0)
    goto fail;
  digest_final(&diff.d, diffid);

  time_fmt(now, time(NULL));
  cfg = cJSON_CreateObject();
  cJSON_AddStringToObject(cfg, "architecture", pl.arch);
  if (*pl.variant && strcmp(pl.arch, "arm64"))
    cJSON_AddStringToObject(cfg, "variant", pl.variant);
  cJSON_AddStringToObject(cfg, "os", pl.os);
  cJSON_AddStringToObject(cfg, "created", now);
  cJSON_AddItemToObject(cfg, "config", conf);
  h = cJSON_AddArrayToObject(cfg, "history");
  m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "created", now);
  cJSON_AddStringToObject(m, "created_by", "");
  {
    cleanup_free char *c = message ? xstrdup(message)
                                   : xasprintf("Imported from %s", argv[0]);
    cJSON_AddStringToObject(m, "comment", c);
  }
  cJSON_AddItemToArray(h, m);
  m = cJSON_AddObjectToObject(cfg, "rootfs");
  cJSON_AddStringToObject(m, "type", "layers");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "diff_ids"),
                       cJSON_CreateString(diffid));
  if (!(idx = store_index_load(&s)) ||
      image_store_new(&s, idx, cfg, NULL, &in, diffid, diff.d.size, fam, full,
                      cfgd) < 0)
    goto fail;
  printf("%s\n", cfgd);
  return 0;
fail:
  store_ingest_abort(&in);
  return -1;
}

APPLET(import, 1, 2);
