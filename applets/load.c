/* load.c - load images from a tar archive (docker-archive, OCI layout)
 * See https://docs.docker.com/reference/cli/docker/image/load/ */
#include "core/core.h"
#include "core/archive.h"

static const char usage[] =
"usage: load [-i FILE] [-q]\n\n"
"Load images from an archive made by save, docker save, podman save or\n"
"skopeo (docker-archive or OCI layout, gzip-compressed or not), streamed:\n"
"blobs are verified as they arrive and nothing is kept unless all is good.\n\n"
"-i, --input   read FILE instead of standard input\n"
"-q, --quiet   print nothing but errors\n";

static char *input;
static int quiet;
static const struct opt opts[] = {
  OPT_STR('i', "input", &input), OPT_FLAG('q', "quiet", &quiet), OPT_END
};

static int load_main(int argc, char **argv)
{
  struct strv out = { 0 };
  struct io_reader r;
  struct store s;
  int fd = 0;

  if (input && strcmp(input, "-") &&
      (fd = open(input, O_RDONLY | O_CLOEXEC)) < 0)
    return pfail("open '%s'", input);
  if (!input && isatty(0))
    return fail("requested load from stdin, but stdin is empty");
  r = IO_FD_READER(&fd);
  if (store_open(&s, STORE_WRITE) < 0) return -1;
  if (archive_load(&s, &r, &out) < 0) return -1;
  for (size_t i = 0; !quiet && i < out.n; i++) printf("%s\n", out.v[i]);
  return 0;
}

APPLET(load, 0, 0);
