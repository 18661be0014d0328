/* tar.h - tar archives as streams: read and write, with the formats layers
 * and archives use in the wild
 * See https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html
 * and https://www.gnu.org/software/tar/manual/html_node/Standard.html
 *
 * libtar is the 512-byte header codec (only this module includes libtar.h;
 * its extraction helpers are never built). On top of it this module reads
 * and writes PAX extended headers ('x' per entry, 'g' global: path,
 * linkpath, size, mtime, uid, gid, uname, gname, SCHILY.xattr.*), GNU long
 * names and links ('L', 'K'), base-256 numeric fields and 64-bit sizes.
 *
 * It only decodes and encodes: where an entry lands on disk, and whether its
 * path is safe, is the caller's business (layer.c). */
#ifndef OCIBOX_TAR_H
#define OCIBOX_TAR_H

#include <stdint.h>
#include <sys/types.h>

#include "core/io.h"

enum {
  TAR_REG = '0', TAR_HARDLINK = '1', TAR_SYMLINK = '2', TAR_CHR = '3',
  TAR_BLK = '4', TAR_DIR = '5', TAR_FIFO = '6',
};

struct tar_xattr {
  char *name;            /* "security.capability" (without "SCHILY.xattr.") */
  unsigned char *value;
  size_t len;
};

struct tar_entry {
  char *path;            /* as stored ("./a/b", "a/b/" ...), never NULL */
  char *linkpath;        /* symlink target or hardlink source, or NULL */
  int type;              /* TAR_*; '\0' and '7' are reported as TAR_REG */
  unsigned mode;         /* permission bits incl. suid/sgid/sticky (07777) */
  uint64_t uid, gid;
  char *uname, *gname;   /* or NULL */
  uint64_t size;         /* data bytes that follow (0 for non-regular) */
  int64_t mtime;         /* seconds */
  uint32_t mtime_nsec;
  unsigned devmajor, devminor;
  struct tar_xattr *xattrs;
  size_t nxattrs;
};

/* Free what an entry owns (not the struct itself). */
void tar_entry_clear(struct tar_entry *e);

struct tar_reader;

/* Caller-owned input; the reader buffers nothing beyond the current header,
 * so the input's position after tar_next() returns 0 is just past the
 * end-of-archive blocks that were read. Caller frees with tar_reader_free. */
struct tar_reader *tar_reader_new(struct io_reader *in);
void tar_reader_free(struct tar_reader *t);

/* Advance to the next entry (skipping any unread data of the current one).
 * 1 and *e filled (valid until the next call), 0 at the end of the archive
 * (two zero blocks, or a clean end of stream exactly at a header boundary),
 * -1 on error: bad checksum, truncated header or data, malformed PAX record,
 * size field out of range, a PAX header or GNU long name over 1 MiB. */
int tar_next(struct tar_reader *t, struct tar_entry **e);

/* Read up to n bytes of the current entry's data: count, 0 when the entry's
 * data is exhausted, -1 on error (a stream that ends early is an error,
 * never a short file). */
ssize_t tar_read(struct tar_reader *t, void *buf, size_t n);

/* An io_reader over the current entry's data (valid until tar_next). */
struct io_reader tar_entry_reader(struct tar_reader *t);

struct tar_writer;

/* Writes through out. Caller frees with tar_writer_free. */
struct tar_writer *tar_writer_new(struct io_writer *out);
void tar_writer_free(struct tar_writer *w);

/* Write e's header. A PAX 'x' header precedes the ustar one whenever a
 * value does not fit ustar: path over 100 bytes (or not splittable into
 * prefix/name), linkpath over 100, size or uid/gid beyond octal range,
 * mtime_nsec, xattrs. The ustar header then carries a truncated name and
 * the field set to fit. e->size bytes must follow via tar_write_data. */
int tar_write_header(struct tar_writer *w, const struct tar_entry *e);
int tar_write_data(struct tar_writer *w, const void *buf, size_t n);
/* Pad the current entry's data to 512 bytes; -1 if fewer than e->size bytes
 * were written. */
int tar_write_end_entry(struct tar_writer *w);
/* Two zero blocks. */
int tar_writer_finish(struct tar_writer *w);
/* Total bytes written so far. */
uint64_t tar_writer_offset(struct tar_writer *w);

/* Convenience: one whole regular file from memory (header, data, pad). */
int tar_write_file(struct tar_writer *w, const char *path, const void *data,
                   size_t n, unsigned mode, int64_t mtime);

#endif
