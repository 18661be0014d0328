/* logs.c - the output of a detached container
 * See https://docs.docker.com/reference/cli/docker/container/logs/ */
#include "core/core.h"
#include "core/container.h"

static const char usage[] =
"usage: logs [-f] CONTAINER\n\n"
"Print what a detached container wrote to its standard output and error.\n\n"
"-f, --follow   keep printing until the container stops\n";

static int follow;
static const struct opt opts[] = { OPT_FLAG('f', "follow", &follow), OPT_END };

static int logs_main(int argc, char **argv)
{
  cleanup_free char *p = NULL;
  static char buf[65536];
  struct container c;
  struct store s;
  int fd;
  ssize_t n;

  if (store_open(&s, STORE_READ) < 0 || container_find(&s, argv[0], &c) < 0)
    return -1;
  p = container_path(&c, "log");
  if ((fd = openat(s.dfd, p, O_RDONLY | O_CLOEXEC)) < 0)
    return errno == ENOENT ? 0 : pfail("open '%s'", p);
  for (;;) {
    while ((n = read(fd, buf, sizeof(buf))) > 0)
      if (write_full(1, buf, n) < 0) return pfail("write");
    if (n < 0) return pfail("read '%s'", p);
    if (!follow) break;
    {
      struct container now;
      int running;
      if (container_find(&s, c.id, &now) < 0) break;
      running = container_status(&now) == CT_RUNNING;
      container_free(&now);
      if (!running) {
        while ((n = read(fd, buf, sizeof(buf))) > 0) write_full(1, buf, n);
        break;
      }
    }
    usleep(200000);
  }
  return 0;
}

APPLET(logs, 1, 1);
