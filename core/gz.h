/* gz.h - gzip streams (zlib), and format sniffing for layers and archives
 * See RFC 1952 */
#ifndef OCIBOX_GZ_H
#define OCIBOX_GZ_H

#include "core/io.h"

enum { GZ_NONE, GZ_GZIP, GZ_ZSTD, GZ_XZ, GZ_BZIP2 };

/* Which compression the first bytes announce (GZ_NONE: none known). */
int gz_sniff(const void *p, size_t n);
const char *gz_name(int kind);

struct gz_reader;

/* A reader that decompresses what in delivers. With auto set, the first
 * bytes decide: gzip is inflated, anything else passes through unchanged
 * (zstd, xz and bzip2 are refused with a message naming them). Concatenated
 * gzip members are read as one stream; data after the last member that is
 * not another member is an error. Caller frees with gz_reader_free. */
struct gz_reader *gz_reader_new(struct io_reader *in, int autodetect);
ssize_t gz_read(void *ctx, void *buf, size_t n);
/* An io_reader over r. */
struct io_reader gz_reader_io(struct gz_reader *r);
/* The kind found (valid after the first gz_read). */
int gz_reader_kind(struct gz_reader *r);
void gz_reader_free(struct gz_reader *r);

struct gz_inflate;

/* Push-style decompression: gzip data written in comes out inflated into
 * out (for hashing a layer's uncompressed content while it streams to
 * disk). Concatenated members are accepted. */
struct gz_inflate *gz_inflate_new(struct io_writer *out);
int gz_inflate_write(void *ctx, const void *p, size_t n);
/* -1 if the stream ended before a complete gzip member. */
int gz_inflate_finish(struct gz_inflate *g);
void gz_inflate_free(struct gz_inflate *g);

struct gz_writer;

/* A writer that gzips into out (level 1..9, or -1 for zlib's default),
 * with no name and no mtime in the header so output is reproducible. */
struct gz_writer *gz_writer_new(struct io_writer *out, int level);
int gz_write(void *ctx, const void *p, size_t n);
/* Flush the last block and the trailer. */
int gz_writer_finish(struct gz_writer *w);
void gz_writer_free(struct gz_writer *w);

#endif
