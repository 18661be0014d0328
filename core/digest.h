/* digest.h - streaming SHA-256 and "sha256:<hex>" strings
 * See https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests */
#ifndef OCIBOX_DIGEST_H
#define OCIBOX_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl_hash.h>

#include "core/io.h"

enum { DIGEST_LEN = 72 };  /* "sha256:" + 64 hex + NUL */

/* Caller-allocated; digest_init, any number of updates, digest_final.
 * On x86-64 CPUs with the SHA extensions the blocks go through those
 * (about 7x BearSSL's portable code); elsewhere through BearSSL. */
struct digest {
  br_sha256_context ctx;   /* the portable path */
  uint32_t h[8];           /* the SHA-NI path: state, partial block */
  unsigned char buf[64];
  int fast;
  uint64_t size;           /* bytes hashed so far */
};

/* Use the portable path only (for tests comparing the two). */
extern int digest_portable;

void digest_init(struct digest *d);
void digest_update(struct digest *d, const void *p, size_t n);
/* Write "sha256:<hex>" into out (DIGEST_LEN bytes). */
void digest_final(struct digest *d, char *out);
/* One shot. */
void digest_buf(const void *p, size_t n, char *out);

/* 1 if s is "sha256:" followed by exactly 64 lowercase hex digits. Other
 * algorithms are refused: the store names blobs by SHA-256 only. */
int digest_valid(const char *s);
/* The hex part of a valid digest. */
static inline const char *digest_hex(const char *s) { return s + 7; }

/* A writer that hashes what passes through and forwards it to next (which
 * may be NULL: hash only). */
struct digest_tee {
  struct digest d;
  struct io_writer *next;
};
int digest_tee_write(void *ctx, const void *p, size_t n);

#endif
