/* io.c - byte streams through callbacks */
#include "core/io.h"
#include "core/util.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* see io.h */

int io_read_full(struct io_reader *r, void *buf, size_t n)
{
  size_t got = 0;

  while (got < n) {
    ssize_t k = io_read(r, (char *)buf + got, n - got);
    if (k < 0) return -1;
    if (!k) return fail("unexpected end of data");
    got += k;
  }
  return 0;
}

ssize_t io_fd_read(void *ctx, void *buf, size_t n)
{
  ssize_t r;

  do r = read(*(int *)ctx, buf, n);
  while (r < 0 && errno == EINTR);
  if (r < 0) return pfail("read");
  return r;
}

int io_fd_write(void *ctx, const void *buf, size_t n)
{
  if (write_full(*(int *)ctx, buf, n) < 0) return pfail("write");
  return 0;
}

ssize_t io_mem_read(void *ctx, void *buf, size_t n)
{
  struct io_mem *m = ctx;

  if (n > m->len - m->off) n = m->len - m->off;
  memcpy(buf, m->p + m->off, n);
  m->off += n;
  return n;
}

int io_null_write(void *ctx, const void *buf, size_t n)
{
  if (ctx) *(uint64_t *)ctx += n;
  return 0;
}
