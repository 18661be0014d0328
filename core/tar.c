/* tar.c - tar streams: libtar's header codec, plus PAX, GNU long names,
 * base-256 numbers and 64-bit sizes of our own */
#include "core/tar.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libtar.h>

/* see tar.h */

/* not in libtar.h, but exported: one header block, checksum verified */
int th_read_internal(TAR *t);

enum {
  BLOCK = T_BLOCKSIZE,
  MAX_META = 1 << 20,     /* a PAX header or GNU long name */
  MAX_XATTRS = 128,
};

/* libtar calls its I/O hooks with an int "fd": we pass an index into this
 * table of streams instead. */
static struct slot {
  struct io_reader *in;
  struct io_writer *out;
  int used;
} slots[16];

static ssize_t slot_read(int fd, void *buf, size_t n)
{
  size_t got = 0;

  while (got < n) {
    ssize_t r = io_read(slots[fd].in, (char *)buf + got, n - got);
    if (r < 0) return -1;
    if (!r) break;
    got += r;
  }
  return got;
}

static ssize_t slot_write(int fd, const void *buf, size_t n)
{
  return io_write(slots[fd].out, buf, n) < 0 ? -1 : (ssize_t)n;
}

static int slot_open(const char *p, int f, ...) { return -1; }
static int slot_close(int fd) { return 0; }
static tartype_t slot_type = { slot_open, slot_close, slot_read,
                               (writefunc_t)slot_write };

static TAR *slot_new(struct io_reader *in, struct io_writer *out, int *slot)
{
  TAR *t = NULL;

  for (*slot = 0; *slot < (int)ARRAY_LEN(slots) && slots[*slot].used;
       (*slot)++);
  if (*slot == ARRAY_LEN(slots)) return fail("too many tar streams"), NULL;
  slots[*slot] = (struct slot){ in, out, 1 };
  if (tar_fdopen(&t, *slot, "stream", &slot_type, 0, 0, 0) < 0) {
    slots[*slot].used = 0;
    return pfail("tar"), NULL;
  }
  return t;
}

static void slot_free(TAR *t, int slot)
{
  if (!t) return;
  free(t->th_buf.gnu_longname);
  free(t->th_buf.gnu_longlink);
  t->th_buf.gnu_longname = t->th_buf.gnu_longlink = NULL;
  tar_close(t);
  slots[slot].used = 0;
}

void tar_entry_clear(struct tar_entry *e)
{
  free(e->path);
  free(e->linkpath);
  free(e->uname);
  free(e->gname);
  for (size_t i = 0; i < e->nxattrs; i++) {
    free(e->xattrs[i].name);
    free(e->xattrs[i].value);
  }
  free(e->xattrs);
  memset(e, 0, sizeof(*e));
}

/* A numeric field: octal (space or NUL terminated) or base-256 (first byte
 * 0x80; 0xff, negative, is refused). */
static int num(const char *f, size_t n, uint64_t *out)
{
  const unsigned char *p = (const unsigned char *)f;
  uint64_t v = 0;
  size_t i = 0;

  if (p[0] & 0x80) {
    if (p[0] != 0x80) return fail("negative number in tar header");
    for (i = 1; i < n; i++) {
      if (v >> 56) return fail("number overflows in tar header");
      v = v << 8 | p[i];
    }
    *out = v;
    return 0;
  }
  while (i < n && (p[i] == ' ' || !p[i])) {
    if (!p[i] && i == 0) break;
    i++;
  }
  for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
    if (v >> 61) return fail("number overflows in tar header");
    v = v << 3 | (p[i] - '0');
  }
  if (i < n && p[i] != ' ' && p[i]) return fail("bad number in tar header");
  *out = v;
  return 0;
}

/* Decimal from a PAX value. */
static int dec(const char *s, uint64_t *out)
{
  uint64_t v = 0;

  if (!*s) return fail("empty number in PAX header");
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
      return fail("bad number in PAX header");
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return 0;
}

/* PAX values that apply to the next entry ('x') or to all ('g'). */
struct pax {
  char *path, *linkpath, *uname, *gname;
  int has_size, has_uid, has_gid, has_mtime;
  uint64_t size, uid, gid;
  int64_t mtime;
  uint32_t nsec;
  struct tar_xattr *xattrs;
  size_t nxattrs;
};

static void pax_clear(struct pax *p)
{
  free(p->path);
  free(p->linkpath);
  free(p->uname);
  free(p->gname);
  for (size_t i = 0; i < p->nxattrs; i++) {
    free(p->xattrs[i].name);
    free(p->xattrs[i].value);
  }
  free(p->xattrs);
  memset(p, 0, sizeof(*p));
}

static void setstr(char **dst, const char *v, size_t n)
{
  free(*dst);
  *dst = xstrndup(v, n);
}

static int pax_record(struct pax *p, const char *k, const char *v, size_t vn)
{
  cleanup_free char *val = xstrndup(v, vn);

  if (!strcmp(k, "path")) setstr(&p->path, v, vn);
  else if (!strcmp(k, "linkpath")) setstr(&p->linkpath, v, vn);
  else if (!strcmp(k, "uname")) setstr(&p->uname, v, vn);
  else if (!strcmp(k, "gname")) setstr(&p->gname, v, vn);
  else if (!strcmp(k, "size")) {
    if (dec(val, &p->size) < 0) return -1;
    p->has_size = 1;
  } else if (!strcmp(k, "uid")) {
    if (dec(val, &p->uid) < 0) return -1;
    p->has_uid = 1;
  } else if (!strcmp(k, "gid")) {
    if (dec(val, &p->gid) < 0) return -1;
    p->has_gid = 1;
  } else if (!strcmp(k, "mtime")) {
    char *dot = strchr(val, '.');
    uint64_t s, frac = 0;
    int neg = *val == '-';
    if (dot) *dot = 0;
    if (dec(val + neg, &s) < 0) return -1;
    if (dot) {
      int digits = 0;
      for (char *q = dot + 1; *q && digits < 9; q++, digits++) {
        if (*q < '0' || *q > '9') return fail("bad mtime in PAX header");
        frac = frac * 10 + (*q - '0');
      }
      while (digits++ < 9) frac *= 10;
    }
    p->mtime = neg ? -(int64_t)s : (int64_t)s;
    p->nsec = neg ? 0 : frac;
    p->has_mtime = 1;
  } else if (str_starts(k, "SCHILY.xattr.") && k[13]) {
    struct tar_xattr *x;
    if (p->nxattrs >= MAX_XATTRS) return fail("too many xattrs in PAX header");
    p->xattrs = xrealloc(p->xattrs, (p->nxattrs + 1) * sizeof(*p->xattrs));
    x = &p->xattrs[p->nxattrs++];
    x->name = xstrdup(k + 13);
    x->value = xmalloc(vn + 1);
    memcpy(x->value, v, vn);
    x->len = vn;
  }
  /* other keys (atime, ctime, GNU.sparse.*, comment ...) are ignored */
  return 0;
}

/* "LEN KEY=VALUE\n" records; LEN counts the whole record. */
static int pax_parse(struct pax *p, const char *b, size_t n)
{
  size_t off = 0;

  while (off < n) {
    const char *r = b + off, *sp, *eq;
    uint64_t len = 0;
    char key[256];

    if (!b[off] && off) break;  /* NUL padding */
    for (sp = r; sp < b + n && *sp >= '0' && *sp <= '9'; sp++) {
      len = len * 10 + (*sp - '0');
      if (len > n) return fail("bad PAX record length");
    }
    if (sp == r || sp >= b + n || *sp != ' ' || len < 5 || off + len > n ||
        r[len - 1] != '\n')
      return fail("malformed PAX record");
    if (!(eq = memchr(sp + 1, '=', r + len - 1 - (sp + 1))) ||
        eq == sp + 1 || (size_t)(eq - sp - 1) >= sizeof(key))
      return fail("malformed PAX record");
    snprintf(key, sizeof(key), "%.*s", (int)(eq - sp - 1), sp + 1);
    if (pax_record(p, key, eq + 1, r + len - 1 - (eq + 1)) < 0) return -1;
    off += len;
  }
  return 0;
}

struct tar_reader {
  struct io_reader *in;
  TAR *t;
  int slot;
  struct tar_entry e;
  struct pax global;
  uint64_t left, pad;     /* data bytes of the current entry, then padding */
};

struct tar_reader *tar_reader_new(struct io_reader *in)
{
  struct tar_reader *r = xzalloc(sizeof(*r));

  r->in = in;
  r->slot = -1;
  return r;
}

void tar_reader_free(struct tar_reader *r)
{
  if (!r) return;
  if (r->t) slot_free(r->t, r->slot);
  tar_entry_clear(&r->e);
  pax_clear(&r->global);
  free(r);
}

static int skip(struct tar_reader *r, uint64_t n)
{
  static char buf[4096];

  while (n) {
    ssize_t k = io_read(r->in, buf, n < sizeof(buf) ? n : sizeof(buf));
    if (k < 0) return -1;
    if (!k) return fail("unexpected end of data (archive truncated)");
    n -= k;
  }
  return 0;
}

/* Read a metadata entry's data (PAX or GNU long name) into memory. */
static char *meta(struct tar_reader *r, uint64_t size)
{
  char *b;

  if (size > MAX_META)
    return fail("tar metadata entry too large (%llu bytes)",
                (unsigned long long)size), NULL;
  b = xmalloc(size + 1);
  if (io_read_full(r->in, b, size) < 0 ||
      skip(r, (BLOCK - size % BLOCK) % BLOCK) < 0) {
    free(b);
    return fail("unexpected end of data (archive truncated)"), NULL;
  }
  b[size] = 0;
  return b;
}

/* Types whose size field does not announce data (as Go's archive/tar). */
static int header_only(int type)
{
  return type == TAR_HARDLINK || type == TAR_SYMLINK || type == TAR_CHR ||
         type == TAR_BLK || type == TAR_DIR || type == TAR_FIFO;
}

int tar_next(struct tar_reader *r, struct tar_entry **out)
{
  struct pax x = { 0 };
  char *longname = NULL, *longlink = NULL;
  struct tar_header *h;
  struct tar_entry *e = &r->e;
  uint64_t size, v;
  int ret = -1, i;

  if (!r->t && !(r->t = slot_new(r->in, NULL, &r->slot))) return -1;
  if (skip(r, r->left + r->pad) < 0) return -1;
  r->left = r->pad = 0;
  tar_entry_clear(e);
  h = &r->t->th_buf;
  for (;;) {
    memset(h, 0, sizeof(*h));
    i = th_read_internal(r->t);
    if (i == 0) {
      ret = 0;
      goto out;
    }
    if (i == -2) {
      fail("bad tar header checksum");
      goto out;
    }
    if (i != BLOCK) {
      fail("unexpected end of data (archive truncated in a header)");
      goto out;
    }
    if (num(h->size, sizeof(h->size), &size) < 0) goto out;
    if (h->typeflag == 'x' || h->typeflag == 'g') {
      cleanup_free char *b = meta(r, size);
      if (!b || pax_parse(h->typeflag == 'x' ? &x : &r->global, b, size) < 0)
        goto out;
      continue;
    }
    if (h->typeflag == GNU_LONGNAME_TYPE || h->typeflag == GNU_LONGLINK_TYPE) {
      char *b = meta(r, size), **dst;
      if (!b) goto out;
      dst = h->typeflag == GNU_LONGNAME_TYPE ? &longname : &longlink;
      free(*dst);
      *dst = b;
      continue;
    }
    break;
  }

  e->type = h->typeflag == '\0' || h->typeflag == '7' ? TAR_REG : h->typeflag;
  if (x.path) e->path = xstrdup(x.path);
  else if (r->global.path) e->path = xstrdup(r->global.path);
  else if (longname) e->path = xstrdup(longname);
  else if (!strncmp(h->magic, "ustar", 5) && h->magic[5] == 0 && h->prefix[0])
    e->path = xasprintf("%.*s/%.*s", (int)strnlen(h->prefix, 155), h->prefix,
                        (int)strnlen(h->name, 100), h->name);
  else
    e->path = xstrndup(h->name, strnlen(h->name, 100));
  if (x.linkpath) e->linkpath = xstrdup(x.linkpath);
  else if (longlink) e->linkpath = xstrdup(longlink);
  else if (h->linkname[0])
    e->linkpath = xstrndup(h->linkname, strnlen(h->linkname, 100));
  if (num(h->mode, sizeof(h->mode), &v) < 0) goto out;
  e->mode = v & 07777;
#define FIELD(dst, name, paxv, has) \
  if (x.has) dst = x.paxv; \
  else if (r->global.has) dst = r->global.paxv; \
  else if (num(h->name, sizeof(h->name), &v) < 0) goto out; \
  else dst = v;
  FIELD(e->uid, uid, uid, has_uid)
  FIELD(e->gid, gid, gid, has_gid)
  FIELD(size, size, size, has_size)
#undef FIELD
  if (x.has_mtime || r->global.has_mtime) {
    e->mtime = x.has_mtime ? x.mtime : r->global.mtime;
    e->mtime_nsec = x.has_mtime ? x.nsec : r->global.nsec;
  } else {
    if (num(h->mtime, sizeof(h->mtime), &v) < 0) goto out;
    e->mtime = v;
  }
  if (x.uname || r->global.uname) e->uname = xstrdup(x.uname ? x.uname : r->global.uname);
  else if (h->uname[0]) e->uname = xstrndup(h->uname, strnlen(h->uname, 32));
  if (x.gname || r->global.gname) e->gname = xstrdup(x.gname ? x.gname : r->global.gname);
  else if (h->gname[0]) e->gname = xstrndup(h->gname, strnlen(h->gname, 32));
  if (e->type == TAR_CHR || e->type == TAR_BLK) {
    if (num(h->devmajor, sizeof(h->devmajor), &v) < 0) goto out;
    e->devmajor = v;
    if (num(h->devminor, sizeof(h->devminor), &v) < 0) goto out;
    e->devminor = v;
  }
  e->xattrs = x.xattrs;
  e->nxattrs = x.nxattrs;
  x.xattrs = NULL;
  x.nxattrs = 0;
  if (size > (1ULL << 50)) {
    fail("tar entry '%.200s': absurd size %llu", e->path,
         (unsigned long long)size);
    goto out;
  }
  e->size = header_only(e->type) ? 0 : size;
  r->left = e->size;
  r->pad = (BLOCK - e->size % BLOCK) % BLOCK;
  *out = e;
  ret = 1;
out:
  pax_clear(&x);
  free(longname);
  free(longlink);
  return ret;
}

ssize_t tar_read(struct tar_reader *r, void *buf, size_t n)
{
  ssize_t k;

  if (!r->left) return 0;
  if (n > r->left) n = r->left;
  if ((k = io_read(r->in, buf, n)) < 0) return -1;
  if (!k) return fail("unexpected end of data (archive truncated in '%.200s')",
                      r->e.path ? r->e.path : "?");
  r->left -= k;
  return k;
}

static ssize_t entry_read(void *ctx, void *buf, size_t n)
{
  return tar_read(ctx, buf, n);
}

struct io_reader tar_entry_reader(struct tar_reader *r)
{
  return (struct io_reader){ entry_read, r };
}

struct tar_writer {
  struct io_writer *out;
  TAR *t;
  int slot;
  uint64_t off, left, size;
};

struct tar_writer *tar_writer_new(struct io_writer *out)
{
  struct tar_writer *w = xzalloc(sizeof(*w));

  w->out = out;
  w->slot = -1;
  return w;
}

void tar_writer_free(struct tar_writer *w)
{
  if (!w) return;
  if (w->t) slot_free(w->t, w->slot);
  free(w);
}

uint64_t tar_writer_offset(struct tar_writer *w)
{
  return w->off;
}

static int raw(struct tar_writer *w, const void *p, size_t n)
{
  if (io_write(w->out, p, n) < 0) return -1;
  w->off += n;
  return 0;
}

/* Octal into a field with a NUL at the end; 0 if it does not fit. */
static int oct(char *f, size_t n, uint64_t v)
{
  char tmp[32];

  snprintf(tmp, sizeof(tmp), "%0*llo", (int)n - 1, (unsigned long long)v);
  if (strlen(tmp) > n - 1) return 0;
  memcpy(f, tmp, n);
  f[n - 1] = 0;
  return 1;
}

static void rec(struct buf *b, const char *k, const void *v, size_t vn)
{
  /* the length counts its own digits: find the fixed point */
  size_t body = strlen(k) + vn + 3, len = body + 1;
  char d[24];

  while ((size_t)snprintf(d, sizeof(d), "%zu", len) + body != len) len++;
  buf_printf(b, "%zu %s=", len, k);
  buf_add(b, v, vn);
  buf_add(b, "\n", 1);
}

static int header(struct tar_writer *w, const struct tar_entry *e, int type,
                  const char *name, uint64_t size)
{
  struct tar_header *h = &w->t->th_buf;
  size_t nl = strlen(name);

  memset(h, 0, sizeof(*h));
  h->typeflag = type;
  /* ustar splits a long path at a '/' into prefix (155) and name (100) */
  if (nl <= 100) {
    memcpy(h->name, name, nl);
  } else {
    const char *cut = name + nl - 101;
    while (*cut && *cut != '/') cut++;
    if (*cut && cut - name <= 155 && cut > name && cut[1]) {
      memcpy(h->prefix, name, cut - name);
      memcpy(h->name, cut + 1, nl - (cut + 1 - name));
    } else {
      memcpy(h->name, name, 100);   /* the PAX header has it whole */
    }
  }
  if (!oct(h->mode, 8, e->mode & 07777)) oct(h->mode, 8, 0644);
  if (!oct(h->uid, 8, e->uid)) oct(h->uid, 8, 0);
  if (!oct(h->gid, 8, e->gid)) oct(h->gid, 8, 0);
  if (!oct(h->size, 12, size)) oct(h->size, 12, 0);
  if (!oct(h->mtime, 12, e->mtime > 0 ? e->mtime : 0)) oct(h->mtime, 12, 0);
  if (e->linkpath) {
    size_t ll = strlen(e->linkpath);
    memcpy(h->linkname, e->linkpath, ll > 100 ? 100 : ll);
  }
  if (e->uname) snprintf(h->uname, sizeof(h->uname), "%s", e->uname);
  if (e->gname) snprintf(h->gname, sizeof(h->gname), "%s", e->gname);
  if (type == TAR_CHR || type == TAR_BLK) {
    oct(h->devmajor, 8, e->devmajor);
    oct(h->devminor, 8, e->devminor);
  }
  /* libtar sets the ustar magic and the checksum, and writes the block */
  th_finish(w->t);
  if (th_write(w->t) < 0) return pfail("write tar header");
  w->off += BLOCK;
  return 0;
}

int tar_write_header(struct tar_writer *w, const struct tar_entry *e)
{
  struct buf pax = { 0 };
  char tmp[64];
  int ret = -1;
  uint64_t size = e->type == TAR_REG || !e->type ? e->size : 0;

  if (!w->t && !(w->t = slot_new(NULL, w->out, &w->slot))) return -1;
  slots[w->slot].out = w->out;
  /* what ustar cannot hold goes into a PAX header first */
  {
    size_t nl = strlen(e->path);
    const char *cut = nl > 100 ? e->path + nl - 101 : NULL;
    if (cut) {
      while (*cut && *cut != '/') cut++;
      if (!(*cut && cut - e->path <= 155 && cut > e->path && cut[1]))
        rec(&pax, "path", e->path, nl);
    }
  }
  if (e->linkpath && strlen(e->linkpath) > 100)
    rec(&pax, "linkpath", e->linkpath, strlen(e->linkpath));
  if (size > 077777777777ULL) {
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)size);
    rec(&pax, "size", tmp, strlen(tmp));
  }
  if (e->uid > 07777777) {
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)e->uid);
    rec(&pax, "uid", tmp, strlen(tmp));
  }
  if (e->gid > 07777777) {
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)e->gid);
    rec(&pax, "gid", tmp, strlen(tmp));
  }
  if (e->mtime_nsec || e->mtime < 0 || e->mtime > 077777777777LL) {
    if (e->mtime_nsec)
      snprintf(tmp, sizeof(tmp), "%lld.%09u", (long long)e->mtime,
               e->mtime_nsec);
    else
      snprintf(tmp, sizeof(tmp), "%lld", (long long)e->mtime);
    rec(&pax, "mtime", tmp, strlen(tmp));
  }
  for (size_t i = 0; i < e->nxattrs; i++) {
    cleanup_free char *k = xasprintf("SCHILY.xattr.%s", e->xattrs[i].name);
    rec(&pax, k, e->xattrs[i].value, e->xattrs[i].len);
  }
  if (pax.len) {
    const char *base = strrchr(e->path, '/');
    cleanup_free char *pn = NULL;
    struct tar_entry pe = { 0 };
    base = base && base[1] ? base + 1 : e->path;
    pn = xasprintf("PaxHeaders/%.80s", base);
    pe.mode = 0644;
    pe.mtime = e->mtime > 0 && e->mtime <= 077777777777LL ? e->mtime : 0;
    if (header(w, &pe, 'x', pn, pax.len) < 0) goto out;
    if (raw(w, pax.p, pax.len) < 0) goto out;
    if (pax.len % BLOCK && raw(w, (char[BLOCK]){ 0 }, BLOCK - pax.len % BLOCK)
        < 0)
      goto out;
  }
  if (header(w, e, e->type ? e->type : TAR_REG, e->path, size) < 0)
    goto out;
  w->left = w->size = size;
  ret = 0;
out:
  free(pax.p);
  return ret;
}

int tar_write_data(struct tar_writer *w, const void *buf, size_t n)
{
  if (n > w->left) return fail("tar entry data longer than its header says");
  w->left -= n;
  return raw(w, buf, n);
}

int tar_write_end_entry(struct tar_writer *w)
{
  static const char zero[BLOCK];

  if (w->left) return fail("tar entry data shorter than its header says");
  if (w->size % BLOCK && raw(w, zero, BLOCK - w->size % BLOCK) < 0)
    return -1;
  w->size = 0;
  return 0;
}

int tar_writer_finish(struct tar_writer *w)
{
  static const char zero[2 * BLOCK];

  return raw(w, zero, sizeof(zero));
}

int tar_write_file(struct tar_writer *w, const char *path, const void *data,
                   size_t n, unsigned mode, int64_t mtime)
{
  struct tar_entry e = { 0 };

  e.path = (char *)path;
  e.type = TAR_REG;
  e.mode = mode;
  e.size = n;
  e.mtime = mtime;
  if (tar_write_header(w, &e) < 0 || tar_write_data(w, data, n) < 0)
    return -1;
  return tar_write_end_entry(w);
}
