/* io.h - byte streams through callbacks (BearSSL br_sslio style)
 *
 * A reader fills buf with up to n bytes and returns the count, 0 at end of
 * stream, -1 on error (message recorded). A writer consumes all n bytes or
 * returns -1. Filters (gzip, digest tee, tar) are built on these, so every
 * format code can be tested over plain memory or a pipe. */
#ifndef OCIBOX_IO_H
#define OCIBOX_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct io_reader {
  ssize_t (*read)(void *ctx, void *buf, size_t n);
  void *ctx;
};

struct io_writer {
  int (*write)(void *ctx, const void *buf, size_t n);
  void *ctx;
};

static inline ssize_t io_read(struct io_reader *r, void *buf, size_t n)
{
  return r->read(r->ctx, buf, n);
}

static inline int io_write(struct io_writer *w, const void *buf, size_t n)
{
  return w->write(w->ctx, buf, n);
}

/* Read exactly n bytes; -1 with "unexpected end of data" when short. */
int io_read_full(struct io_reader *r, void *buf, size_t n);

/* File descriptor streams; ctx points at an int holding the fd. */
ssize_t io_fd_read(void *ctx, void *buf, size_t n);
int io_fd_write(void *ctx, const void *buf, size_t n);
#define IO_FD_READER(fdp) ((struct io_reader){ io_fd_read, (fdp) })
#define IO_FD_WRITER(fdp) ((struct io_writer){ io_fd_write, (fdp) })

/* A reader over a memory block. */
struct io_mem { const unsigned char *p; size_t len, off; };
ssize_t io_mem_read(void *ctx, void *buf, size_t n);

/* A writer that counts and discards. */
int io_null_write(void *ctx, const void *buf, size_t n);

#endif
