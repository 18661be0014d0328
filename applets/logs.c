/* logs.c - the output of a detached container
 * See https://docs.docker.com/reference/cli/docker/container/logs/ */
#include "core/core.h"
#include "core/container.h"

static const char usage[] =
"usage: logs [-f] [-n N] CONTAINER\n\n"
"Print what a detached container wrote to its standard output and error.\n\n"
"-f, --follow   keep printing until the container stops\n"
"-n, --tail     only the last N lines (default: all)\n";

static int follow;
static char *tail;
static const struct opt opts[] = {
  OPT_FLAG('f', "follow", &follow), OPT_STR('n', "tail", &tail), OPT_END
};

/* Where the last n lines start (a final newline ends the last line). */
static off_t tail_start(int fd, long n)
{
  static char b[8192];
  off_t end = lseek(fd, 0, SEEK_END), pos = end;
  long seen = 0;

  if (end <= 0 || n == 0) return end < 0 ? 0 : end;
  while (pos > 0) {
    size_t k = pos > (off_t)sizeof(b) ? sizeof(b) : (size_t)pos;
    pos -= k;
    if (pread(fd, b, k, pos) != (ssize_t)k) return 0;
    for (size_t i = k; i-- > 0;)
      if (b[i] == '\n' && pos + (off_t)i != end - 1 && ++seen == n)
        return pos + i + 1;
  }
  return 0;
}

static int logs_main(int argc, char **argv)
{
  cleanup_free char *p = NULL;
  static char buf[65536];
  struct container c;
  struct store s;
  long lines = -1;
  int fd;
  ssize_t n;

  if (tail && strcmp(tail, "all")) {
    char *end;
    lines = strtol(tail, &end, 10);
    if (!*tail || *end || lines < 0)
      return fail("invalid value for --tail: '%s'", tail);
  }
  if (store_open(&s, STORE_READ) < 0 || container_find(&s, argv[0], &c) < 0)
    return -1;
  p = container_path(&c, "log");
  if ((fd = openat(s.dfd, p, O_RDONLY | O_CLOEXEC)) < 0)
    return errno == ENOENT ? 0 : pfail("open '%s'", p);
  if (lines >= 0 && lseek(fd, tail_start(fd, lines), SEEK_SET) < 0)
    return pfail("seek '%s'", p);
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
