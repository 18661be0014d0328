/* digest.c - streaming SHA-256 (BearSSL) and digest strings */
#include "core/digest.h"
#include "core/util.h"

#include <string.h>

/* see digest.h */

void digest_init(struct digest *d)
{
  br_sha256_init(&d->ctx);
  d->size = 0;
}

void digest_update(struct digest *d, const void *p, size_t n)
{
  br_sha256_update(&d->ctx, p, n);
  d->size += n;
}

void digest_final(struct digest *d, char *out)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char h[32];

  br_sha256_out(&d->ctx, h);
  memcpy(out, "sha256:", 7);
  for (int i = 0; i < 32; i++) {
    out[7 + 2 * i] = hex[h[i] >> 4];
    out[8 + 2 * i] = hex[h[i] & 15];
  }
  out[71] = 0;
}

void digest_buf(const void *p, size_t n, char *out)
{
  struct digest d;

  digest_init(&d);
  digest_update(&d, p, n);
  digest_final(&d, out);
}

int digest_valid(const char *s)
{
  return s && !strncmp(s, "sha256:", 7) && strlen(s) == 71 &&
         is_hex(s + 7, 64);
}

int digest_tee_write(void *ctx, const void *p, size_t n)
{
  struct digest_tee *t = ctx;

  digest_update(&t->d, p, n);
  return t->next ? io_write(t->next, p, n) : 0;
}
