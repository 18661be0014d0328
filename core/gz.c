/* gz.c - gzip streams over io readers and writers (zlib) */
#include "core/gz.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* see gz.h */

enum { GZ_BUF = 16384 };

int gz_sniff(const void *p, size_t n)
{
  const unsigned char *b = p;

  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return GZ_GZIP;
  if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
    return GZ_ZSTD;
  if (n >= 6 && !memcmp(b, "\xfd" "7zXZ\0", 6)) return GZ_XZ;
  if (n >= 3 && !memcmp(b, "BZh", 3)) return GZ_BZIP2;
  return GZ_NONE;
}

const char *gz_name(int kind)
{
  static const char *const names[] = { "none", "gzip", "zstd", "xz",
                                       "bzip2" };
  return names[kind];
}

struct gz_reader {
  struct io_reader *in;
  z_stream z;                 /* next_in/avail_in serve zstd input too */
  ZSTD_DStream *zd;
  int autodetect, kind, started, inited, done;
  size_t zret;                /* zstd: 0 when a frame has just ended */
  unsigned char buf[GZ_BUF];
};

struct gz_reader *gz_reader_new(struct io_reader *in, int autodetect)
{
  struct gz_reader *r = xzalloc(sizeof(*r));

  r->in = in;
  r->autodetect = autodetect;
  r->kind = autodetect ? GZ_NONE : GZ_GZIP;
  return r;
}

int gz_reader_kind(struct gz_reader *r)
{
  return r->kind;
}

static int fill(struct gz_reader *r)
{
  ssize_t k = io_read(r->in, r->buf, sizeof(r->buf));

  if (k < 0) return -1;
  r->z.next_in = r->buf;
  r->z.avail_in = k;
  return k;
}

/* Read the first bytes and decide what the stream is. */
static int start(struct gz_reader *r)
{
  size_t got = 0;

  r->started = 1;
  while (got < 6) {
    ssize_t k = io_read(r->in, r->buf + got, 6 - got);
    if (k < 0) return -1;
    if (!k) break;
    got += k;
  }
  r->z.next_in = r->buf;
  r->z.avail_in = got;
  if (r->autodetect) r->kind = gz_sniff(r->buf, got);
  if (r->kind == GZ_GZIP) {
    /* 16 + MAX_WBITS: gzip wrapper only */
    if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
      return fail("inflateInit failed");
    r->inited = 1;
  } else if (r->kind == GZ_ZSTD) {
    /* frames needing a window over 128 MiB are refused (zstd's default
     * limit): memory stays bounded whatever the layer asks */
    if (!(r->zd = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(r->zd)))
      return fail("zstd init failed");
    r->zret = 1;
  } else if (r->kind != GZ_NONE) {
    return fail("%s compression is not supported", gz_name(r->kind));
  }
  return 0;
}

static ssize_t zstd_read(struct gz_reader *r, void *buf, size_t n)
{
  ZSTD_outBuffer out = { buf, n, 0 };

  while (!out.pos) {
    ZSTD_inBuffer in;
    if (!r->z.avail_in) {
      int k = fill(r);
      if (k < 0) return -1;
      if (!k) {
        if (r->zret == 0) return 0;    /* ended on a frame boundary */
        return fail("zstd stream truncated");
      }
    }
    in = (ZSTD_inBuffer){ r->z.next_in, r->z.avail_in, 0 };
    r->zret = ZSTD_decompressStream(r->zd, &out, &in);
    r->z.next_in += in.pos;
    r->z.avail_in -= in.pos;
    if (ZSTD_isError(r->zret))
      return fail("zstd data corrupt: %s", ZSTD_getErrorName(r->zret));
  }
  return out.pos;
}

ssize_t gz_read(void *ctx, void *buf, size_t n)
{
  struct gz_reader *r = ctx;
  int ret;

  if (!r->started && start(r) < 0) return -1;
  if (r->kind == GZ_NONE) {
    if (r->z.avail_in) {
      if (n > r->z.avail_in) n = r->z.avail_in;
      memcpy(buf, r->z.next_in, n);
      r->z.next_in += n;
      r->z.avail_in -= n;
      return n;
    }
    return io_read(r->in, buf, n);
  }
  if (r->kind == GZ_ZSTD) return r->done || !n ? 0 : zstd_read(r, buf, n);
  if (r->done || !n) return 0;
  r->z.next_out = buf;
  r->z.avail_out = n;
  while (r->z.avail_out == n) {
    if (!r->z.avail_in) {
      int k = fill(r);
      if (k < 0) return -1;
      if (!k) return fail("gzip stream truncated");
    }
    ret = inflate(&r->z, Z_NO_FLUSH);
    if (ret == Z_STREAM_END) {
      /* another member may follow; anything else is garbage */
      if (!r->z.avail_in && fill(r) < 0) return -1;
      if (!r->z.avail_in) {
        r->done = 1;
        break;
      }
      if (r->z.avail_in && r->z.next_in[0] != 0x1f)
        return fail("trailing garbage after gzip data");
      inflateReset(&r->z);
      continue;
    }
    if (ret != Z_OK && ret != Z_BUF_ERROR)
      return fail("gzip data corrupt: %s", r->z.msg ? r->z.msg : "error");
  }
  return n - r->z.avail_out;
}

struct io_reader gz_reader_io(struct gz_reader *r)
{
  return (struct io_reader){ gz_read, r };
}

void gz_reader_free(struct gz_reader *r)
{
  if (!r) return;
  if (r->inited) inflateEnd(&r->z);
  if (r->zd) ZSTD_freeDStream(r->zd);
  free(r);
}

struct gz_inflate {
  struct io_writer *out;
  z_stream z;
  ZSTD_DStream *zd;     /* a zstd stream (decided by its first bytes) */
  int inited, ended;    /* ended: last member complete, nothing after */
  int sniffed;
  size_t zret;
  unsigned char buf[GZ_BUF];
};

struct gz_inflate *gz_inflate_new(struct io_writer *out)
{
  struct gz_inflate *g = xzalloc(sizeof(*g));

  g->out = out;
  if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
    free(g);
    return fail("inflateInit failed"), NULL;
  }
  g->inited = 1;
  return g;
}

static int zstd_push(struct gz_inflate *g, const void *p, size_t n)
{
  ZSTD_inBuffer in = { p, n, 0 };

  while (in.pos < in.size) {
    ZSTD_outBuffer out = { g->buf, sizeof(g->buf), 0 };
    g->zret = ZSTD_decompressStream(g->zd, &out, &in);
    if (ZSTD_isError(g->zret))
      return fail("zstd data corrupt: %s", ZSTD_getErrorName(g->zret));
    if (io_write(g->out, g->buf, out.pos) < 0) return -1;
  }
  return 0;
}

int gz_inflate_write(void *ctx, const void *p, size_t n)
{
  struct gz_inflate *g = ctx;
  int ret;

  if (!g->sniffed && n) {
    g->sniffed = 1;
    if (gz_sniff(p, n) == GZ_ZSTD) {
      if (!(g->zd = ZSTD_createDStream()) ||
          ZSTD_isError(ZSTD_initDStream(g->zd)))
        return fail("zstd init failed");
      g->zret = 1;
    }
  }
  if (g->zd) return zstd_push(g, p, n);

  g->z.next_in = (unsigned char *)p;
  g->z.avail_in = n;
  while (g->z.avail_in) {
    if (g->ended) {
      /* another member may follow a complete one */
      if (g->z.next_in[0] != 0x1f)
        return fail("trailing garbage after gzip data");
      inflateReset(&g->z);
      g->ended = 0;
    }
    g->z.next_out = g->buf;
    g->z.avail_out = sizeof(g->buf);
    ret = inflate(&g->z, Z_NO_FLUSH);
    if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
      return fail("gzip data corrupt: %s", g->z.msg ? g->z.msg : "error");
    if (io_write(g->out, g->buf, sizeof(g->buf) - g->z.avail_out) < 0)
      return -1;
    if (ret == Z_STREAM_END) g->ended = 1;
    else if (ret == Z_BUF_ERROR && g->z.avail_out) break;
  }
  return 0;
}

int gz_inflate_finish(struct gz_inflate *g)
{
  int ret;

  if (g->zd) {
    /* 0: the last frame was decoded and flushed; otherwise flush what
     * zstd still holds, then it must have ended */
    while (g->zret) {
      ZSTD_inBuffer in = { NULL, 0, 0 };
      ZSTD_outBuffer out = { g->buf, sizeof(g->buf), 0 };
      g->zret = ZSTD_decompressStream(g->zd, &out, &in);
      if (ZSTD_isError(g->zret))
        return fail("zstd data corrupt: %s", ZSTD_getErrorName(g->zret));
      if (io_write(g->out, g->buf, out.pos) < 0) return -1;
      if (!out.pos) break;
    }
    return g->zret ? fail("zstd stream truncated") : 0;
  }

  /* drain what zlib still holds */
  do {
    g->z.next_out = g->buf;
    g->z.avail_out = sizeof(g->buf);
    ret = inflate(&g->z, Z_FINISH);
    if (io_write(g->out, g->buf, sizeof(g->buf) - g->z.avail_out) < 0)
      return -1;
    if (ret == Z_STREAM_END) g->ended = 1;
  } while (ret == Z_OK || (ret == Z_BUF_ERROR && !g->z.avail_out));
  if (!g->ended) return fail("gzip stream truncated");
  return 0;
}

void gz_inflate_free(struct gz_inflate *g)
{
  if (!g) return;
  if (g->inited) inflateEnd(&g->z);
  if (g->zd) ZSTD_freeDStream(g->zd);
  free(g);
}

struct gz_writer {
  struct io_writer *out;
  z_stream z;
  unsigned char buf[GZ_BUF];
};

struct gz_writer *gz_writer_new(struct io_writer *out, int level)
{
  struct gz_writer *w = xzalloc(sizeof(*w));

  w->out = out;
  /* 16 + MAX_WBITS: gzip header with mtime 0, no name; memLevel 8 */
  if (deflateInit2(&w->z, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    free(w);
    return fail("deflateInit failed"), NULL;
  }
  return w;
}

static int pump(struct gz_writer *w, int flush)
{
  int ret;

  do {
    w->z.next_out = w->buf;
    w->z.avail_out = sizeof(w->buf);
    ret = deflate(&w->z, flush);
    if (ret == Z_STREAM_ERROR) return fail("deflate failed");
    if (io_write(w->out, w->buf, sizeof(w->buf) - w->z.avail_out) < 0)
      return -1;
  } while (w->z.avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
  return 0;
}

int gz_write(void *ctx, const void *p, size_t n)
{
  struct gz_writer *w = ctx;

  w->z.next_in = (unsigned char *)p;
  w->z.avail_in = n;
  return pump(w, Z_NO_FLUSH);
}

int gz_writer_finish(struct gz_writer *w)
{
  w->z.next_in = NULL;
  w->z.avail_in = 0;
  return pump(w, Z_FINISH);
}

void gz_writer_free(struct gz_writer *w)
{
  if (!w) return;
  deflateEnd(&w->z);
  free(w);
}
