/* digest.c - streaming SHA-256 (BearSSL) and digest strings */
#include "core/digest.h"
#include "core/util.h"

#include <string.h>

/* see digest.h */

int digest_portable;

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static int have_shani(void)
{
  static int known = -1;
  unsigned a, b, c, d;

  if (known < 0) {
    known = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) &&
            (c & bit_SSE4_1) && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
            ((b >> 29) & 1);
  }
  return known;
}

/* n 64-byte blocks into h[8] with the SHA extensions. The state lives as
 * (A,B,E,F) and (C,D,G,H) in two registers, as sha256rnds2 wants it; each
 * step does 4 rounds, extending the message schedule 4 words at a time
 * (sha256msg1/msg2 compute the sigma terms). */
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_shani(uint32_t h[8], const unsigned char *p, size_t n)
{
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
                                       0x0405060700010203ULL);
  __m128i t = _mm_loadu_si128((const __m128i *)&h[0]);   /* D C B A */
  __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]);  /* H G F E */
  __m128i s0;

  t = _mm_shuffle_epi32(t, 0xB1);                 /* C D A B */
  s1 = _mm_shuffle_epi32(s1, 0x1B);               /* E F G H */
  s0 = _mm_alignr_epi8(t, s1, 8);                 /* A B E F */
  s1 = _mm_blend_epi16(s1, t, 0xF0);              /* C D G H */
  for (; n; n--, p += 64) {
    __m128i save0 = s0, save1 = s1, w[4];
    for (int i = 0; i < 16; i++) {
      __m128i m, k;
      if (i < 4) {
        m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)),
                             bswap);
      } else {
        m = _mm_sha256msg1_epu32(w[(i - 4) & 3], w[(i - 3) & 3]);
        m = _mm_add_epi32(m, _mm_alignr_epi8(w[(i - 1) & 3],
                                             w[(i - 2) & 3], 4));
        m = _mm_sha256msg2_epu32(m, w[(i - 1) & 3]);
      }
      w[i & 3] = m;
      k = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&K[4 * i]));
      s1 = _mm_sha256rnds2_epu32(s1, s0, k);
      s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k, 0x0E));
    }
    s0 = _mm_add_epi32(s0, save0);
    s1 = _mm_add_epi32(s1, save1);
  }
  t = _mm_shuffle_epi32(s0, 0x1B);                /* F E B A */
  s1 = _mm_shuffle_epi32(s1, 0xB1);               /* D C H G */
  s0 = _mm_blend_epi16(t, s1, 0xF0);              /* D C B A */
  s1 = _mm_alignr_epi8(s1, t, 8);                 /* H G F E */
  _mm_storeu_si128((__m128i *)&h[0], s0);
  _mm_storeu_si128((__m128i *)&h[4], s1);
}
#else
static int have_shani(void) { return 0; }
static void blocks_shani(uint32_t h[8], const unsigned char *p, size_t n)
{
  (void)h, (void)p, (void)n;
}
#endif

void digest_init(struct digest *d)
{
  static const uint32_t iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
    0x1f83d9ab, 0x5be0cd19,
  };

  d->fast = !digest_portable && have_shani();
  if (d->fast) memcpy(d->h, iv, sizeof(iv));
  else br_sha256_init(&d->ctx);
  d->size = 0;
}

void digest_update(struct digest *d, const void *p, size_t n)
{
  const unsigned char *c = p;
  size_t used = d->size & 63;

  d->size += n;
  if (!d->fast) {
    br_sha256_update(&d->ctx, p, n);
    return;
  }
  if (used) {
    size_t k = n < 64 - used ? n : 64 - used;
    memcpy(d->buf + used, c, k);
    c += k;
    n -= k;
    if (used + k < 64) return;
    blocks_shani(d->h, d->buf, 1);
  }
  blocks_shani(d->h, c, n / 64);
  memcpy(d->buf, c + (n & ~(size_t)63), n & 63);
}

void digest_final(struct digest *d, char *out)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char h[32];

  if (d->fast) {
    /* padding: 0x80, zeros, the length in bits (big endian) */
    unsigned char pad[72] = { 0x80 };
    uint64_t bits = d->size * 8;
    size_t used = d->size & 63, k = (used < 56 ? 56 : 120) - used;
    for (int i = 0; i < 8; i++) pad[k + i] = bits >> (56 - 8 * i);
    digest_update(d, pad, k + 8);
    d->size -= k + 8;     /* size counts the content, not the padding */
    for (int i = 0; i < 8; i++) {
      h[4 * i] = d->h[i] >> 24;
      h[4 * i + 1] = d->h[i] >> 16;
      h[4 * i + 2] = d->h[i] >> 8;
      h[4 * i + 3] = d->h[i];
    }
  } else {
    br_sha256_out(&d->ctx, h);
  }
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
