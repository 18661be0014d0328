/* logs.c - the output of a detached container
 * See https://docs.docker.com/reference/cli/docker/container/logs/ */
#include "core/core.h"
#include "core/container.h"

#include <sys/stat.h>

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

/* Where the last n lines start (a final newline ends the last line);
 * *got: how many it found (fewer than n: the whole file). */
static off_t tail_start(int fd, long n, long *got)
{
  static char b[8192];
  off_t end = lseek(fd, 0, SEEK_END), pos = end;
  long seen = 0;

  *got = 0;
  if (end <= 0 || n == 0) return end < 0 ? 0 : end;
  while (pos > 0) {
    size_t k = pos > (off_t)sizeof(b) ? sizeof(b) : (size_t)pos;
    pos -= k;
    if (pread(fd, b, k, pos) != (ssize_t)k) return 0;
    for (size_t i = k; i-- > 0;)
      if (b[i] == '\n' && pos + (off_t)i != end - 1 && ++seen == n) {
        *got = n;
        return pos + i + 1;
      }
  }
  *got = seen + 1;      /* the first line has no newline before it */
  return 0;
}

static int copy_out(int fd, off_t from, const char *p)
{
  static char buf[65536];
  ssize_t n;

  if (lseek(fd, from, SEEK_SET) < 0) return pfail("seek '%s'", p);
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    if (write_full(1, buf, n) < 0) return pfail("write");
  return n < 0 ? pfail("read '%s'", p) : 0;
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
  {
    long k, want = lines;
    off_t *from = NULL;
    int *fds = NULL, err = 0;

    /* log, then log.1, log.2... (--log-opt max-file), newest first, and
     * the part of each that the tail takes */
    for (k = 0;; k++) {
      cleanup_free char *r = k ? xasprintf("%s.%ld", p, k) : xstrdup(p);
      int f = openat(s.dfd, r, O_RDONLY | O_CLOEXEC);
      long got = 0;
      if (f < 0 && k) break;
      if (f < 0) err = errno;
      fds = xrealloc(fds, (k + 1) * sizeof(*fds));
      from = xrealloc(from, (k + 1) * sizeof(*from));
      fds[k] = f;
      from[k] = 0;
      if (f < 0 || want < 0) continue;             /* all of it */
      if (want == 0) {                             /* none of it */
        from[k] = lseek(f, 0, SEEK_END);
        continue;
      }
      from[k] = tail_start(f, want, &got);
      want -= got;
    }
    /* printed oldest first */
    for (long i = k - 1; i > 0; i--) {
      cleanup_free char *r = xasprintf("%s.%ld", p, i);
      if (copy_out(fds[i], from[i], r) < 0) return -1;
      close(fds[i]);
    }
    fd = fds[0];
    if (fd >= 0 && lseek(fd, from[0], SEEK_SET) < 0)
      return pfail("seek '%s'", p);
    free(fds);
    free(from);
    if (fd < 0) {
      errno = err;
      return err == ENOENT ? 0 : pfail("open '%s'", p);
    }
  }
  for (;;) {
    while ((n = read(fd, buf, sizeof(buf))) > 0)
      if (write_full(1, buf, n) < 0) return pfail("write");
    if (n < 0) return pfail("read '%s'", p);
    if (!follow) break;
    {
      /* cut to 0 by --log-opt max-size: read it again from its start */
      struct stat st;
      if (fstat(fd, &st) == 0 && st.st_size < lseek(fd, 0, SEEK_CUR))
        lseek(fd, 0, SEEK_SET);
    }
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
