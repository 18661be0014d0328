/* util.c - errors, allocation, cleanup, paths, small string and I/O helpers */
#include "core/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* see util.h */

static char errbuf[2048];
int debug_on;

static void verr(const char *fmt, va_list ap, int with_errno)
{
  int e = errno;
  size_t n;

  vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
  n = strlen(errbuf);
  if (with_errno && n < sizeof(errbuf))
    snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", strerror(e));
  errno = e;
}

int fail(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  verr(fmt, ap, 0);
  va_end(ap);
  return -1;
}

int pfail(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  verr(fmt, ap, 1);
  va_end(ap);
  return -1;
}

int fail_wrap(const char *fmt, ...)
{
  char old[sizeof(errbuf)];
  va_list ap;
  size_t n;

  memcpy(old, errbuf, sizeof(old));
  va_start(ap, fmt);
  vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
  va_end(ap);
  n = strlen(errbuf);
  if (*old && n < sizeof(errbuf))
    snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", old);
  return -1;
}

const char *fail_msg(void)
{
  return *errbuf ? errbuf : "unknown error";
}

void debug(const char *fmt, ...)
{
  va_list ap;

  if (!debug_on) return;
  va_start(ap, fmt);
  fputs("debug: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void *oom(void *p)
{
  if (!p) {
    fputs("ocibox: out of memory\n", stderr);
    exit(1);
  }
  return p;
}

void *xmalloc(size_t n) { return oom(malloc(n ? n : 1)); }
void *xzalloc(size_t n) { return oom(calloc(1, n ? n : 1)); }
void *xrealloc(void *p, size_t n) { return oom(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return oom(strdup(s)); }
char *xstrndup(const char *s, size_t n) { return oom(strndup(s, n)); }

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *s;

  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return oom(s);
}

void cleanup_freep(void *p)
{
  free(*(void **)p);
}

void cleanup_closep(int *fd)
{
  if (*fd >= 0) close(*fd);
}

void strv_add(struct strv *s, char *owned)
{
  if (s->n + 2 > s->cap) {
    s->cap = s->cap ? 2 * s->cap : 8;
    s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
  }
  s->v[s->n++] = owned;
  s->v[s->n] = NULL;
}

void strv_free(struct strv *s)
{
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof(*s));
}

int strv_has(const struct strv *s, const char *str)
{
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->v[i], str)) return 1;
  return 0;
}

void buf_add(struct buf *b, const void *data, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 256;
    b->p = xrealloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = 0;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
  cleanup_free char *s = NULL;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vasprintf(&s, fmt, ap);
  va_end(ap);
  oom(n < 0 ? NULL : s);
  buf_add(b, s, n);
}

char *buf_str(struct buf *b)
{
  if (!b->p) buf_add(b, "", 0);
  return b->p;
}

ssize_t read_full(int fd, void *p, size_t n)
{
  size_t got = 0;

  while (got < n) {
    ssize_t r = read(fd, (char *)p + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (!r) break;
    got += r;
  }
  return got;
}

int write_full(int fd, const void *p, size_t n)
{
  while (n) {
    ssize_t r = write(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p = (const char *)p + r;
    n -= r;
  }
  return 0;
}

char *file_read(int dirfd, const char *path, size_t max, size_t *len)
{
  cleanup_close int fd = -1;
  cleanup_free char *p = NULL;
  struct stat st;
  ssize_t r;

  if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) < 0)
    return pfail("open '%s'", path), NULL;
  if (fstat(fd, &st) < 0) return pfail("stat '%s'", path), NULL;
  if (st.st_size == 0) {
    /* /proc and /sys files say 0 and have more: read up to max */
    size_t cap = 4096, n = 0;
    p = xmalloc(cap + 1);
    while ((r = read(fd, p + n, cap - n)) > 0 || (r < 0 && errno == EINTR)) {
      if (r < 0) continue;
      if ((n += r) == cap) {
        if (cap > max)
          return fail("'%s' is too large (limit %zu)", path, max), NULL;
        p = xrealloc(p, (cap *= 2) + 1);
      }
    }
    if (r < 0) return pfail("read '%s'", path), NULL;
    p[n] = 0;
    if (len) *len = n;
    return steal_pointer(&p);
  }
  if ((uint64_t)st.st_size > max)
    return fail("'%s' is too large (%lld bytes, limit %zu)", path,
                (long long)st.st_size, max), NULL;
  p = xmalloc(st.st_size + 1);
  /* read one byte more than expected to notice a file that grew */
  if ((r = read_full(fd, p, st.st_size + 1)) < 0)
    return pfail("read '%s'", path), NULL;
  if (r > st.st_size) return fail("'%s' changed while read", path), NULL;
  p[r] = 0;
  if (len) *len = r;
  return steal_pointer(&p);
}

int fsync_dir(int dirfd, const char *path)
{
  cleanup_free char *dir = xstrdup(path);
  cleanup_close int fd = -1;
  char *slash = strrchr(dir, '/');

  if (slash) *slash = 0;
  if ((fd = openat(dirfd, slash ? (*dir ? dir : "/") : ".",
                   O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return pfail("open directory of '%s'", path);
  if (fsync(fd) < 0 && errno != EINVAL) return pfail("fsync '%s'", dir);
  return 0;
}

int sync_off;

int exit_code(int status)
{
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int out_open(const char *path, char **tmp)
{
  int fd;

  *tmp = NULL;
  if (!path || !strcmp(path, "-")) return 1;
  *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  if ((fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
    pfail("create '%s'", *tmp);
  return fd;
}

int out_close(int fd, char *tmp, const char *path, int ok)
{
  int ret = ok ? 0 : -1;

  if (!tmp) return ret;
  if (ok && (fsync(fd) < 0 || close(fd) < 0)) ret = pfail("write '%s'", path);
  else if (!ok) close(fd);
  if (!ret && rename(tmp, path) < 0) ret = pfail("rename '%s'", tmp);
  if (ret) unlink(tmp);
  return ret;
}

int file_write_atomic(int dirfd, const char *path, const void *p, size_t n,
                      mode_t mode)
{
  cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  int fd;

  if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                   mode)) < 0)
    return pfail("create '%s'", tmp);
  if (write_full(fd, p, n) < 0 || (!sync_off && fsync(fd) < 0)) {
    pfail("write '%s'", tmp);
    goto fail;
  }
  if (close(fd) < 0) {
    fd = -1;
    pfail("close '%s'", tmp);
    goto fail;
  }
  fd = -1;
  if (renameat(dirfd, tmp, dirfd, path) < 0) {
    pfail("rename '%s'", tmp);
    goto fail;
  }
  return sync_off ? 0 : fsync_dir(dirfd, path);
fail:
  if (fd >= 0) close(fd);
  unlinkat(dirfd, tmp, 0);
  return -1;
}

int mkdir_p(int dirfd, const char *path, mode_t mode)
{
  cleanup_free char *p = xstrdup(path);
  char *s = p;

  for (;;) {
    char *slash = strchr(s + (*s == '/'), '/');
    if (slash) *slash = 0;
    if (*p && mkdirat(dirfd, p, mode) < 0 && errno != EEXIST)
      return pfail("mkdir '%s'", p);
    if (!slash) break;
    *slash = '/';
    s = slash + 1;
  }
  return 0;
}

DIR *dir_open(int dirfd, const char *path, int flags)
{
  int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags);
  DIR *d;

  if (fd < 0) return NULL;
  if (!(d = fdopendir(fd))) {
    int e = errno;
    close(fd);
    errno = e;
  }
  return d;
}

int64_t dir_bytes(int at, const char *path)
{
  struct dirent *e;
  struct stat st;
  int64_t sum = 0;
  DIR *d;

  if (!(d = dir_open(at, path, O_NOFOLLOW))) return 0;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (S_ISDIR(st.st_mode)) sum += dir_bytes(dirfd(d), e->d_name);
    else if (S_ISREG(st.st_mode)) sum += st.st_size;
  }
  closedir(d);
  return sum;
}

int rm_rf(int at, const char *path)
{
  struct stat st;
  DIR *d;
  struct dirent *e;
  int ret = 0;

  if (fstatat(at, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : pfail("stat '%s'", path);
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(at, path, 0) < 0 && errno != ENOENT)
      return pfail("remove '%s'", path);
    return 0;
  }
  if (!(d = dir_open(at, path, O_NOFOLLOW)))
    return pfail("open '%s'", path);
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (rm_rf(dirfd(d), e->d_name) < 0) ret = -1;
  }
  closedir(d);
  if (unlinkat(at, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return pfail("remove '%s'", path);
  return ret;
}

char *fmt_size(char *buf, int64_t size)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB",
                                       "EB" };
  double v = size;
  unsigned i = 0;

  while (v >= 1000 && i + 1 < ARRAY_LEN(units)) {
    v /= 1000;
    i++;
  }
  snprintf(buf, 32, "%.3g%s", v, units[i]);
  return buf;
}

int signal_parse(const char *s)
{
  static const struct { const char *name; int n; } sigs[] = {
    { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
    { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
    { "TERM", SIGTERM }, { "ALRM", SIGALRM }, { "CONT", SIGCONT },
    { "STOP", SIGSTOP }, { "PWR", SIGPWR }, { "WINCH", SIGWINCH },
  };
  char *end;
  long n;

  if (!s || !*s) return -1;
  n = strtol(s, &end, 10);
  if (!*end) return n > 0 && n < 65 ? (int)n : -1;
  if (!strncasecmp(s, "SIG", 3)) s += 3;
  for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
    if (!strcasecmp(s, sigs[i].name)) return sigs[i].n;
  return -1;
}

char *fmt_created_at(char *buf, time_t t)
{
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(buf, 40, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return buf;
}

char *fmt_ago(char *buf, time_t then)
{
  double d = difftime(time(NULL), then);
  long s = d, m = s / 60, h = (long)(d / 3600 + 0.5);

  if (s < 1) snprintf(buf, 32, "Less than a second");
  else if (s == 1) snprintf(buf, 32, "1 second");
  else if (s < 60) snprintf(buf, 32, "%ld seconds", s);
  else if (m == 1) snprintf(buf, 32, "About a minute");
  else if (m < 60) snprintf(buf, 32, "%ld minutes", m);
  else if (h == 1) snprintf(buf, 32, "About an hour");
  else if (h < 48) snprintf(buf, 32, "%ld hours", h);
  else if (h < 24 * 7 * 2) snprintf(buf, 32, "%ld days", h / 24);
  else if (h < 24 * 30 * 2) snprintf(buf, 32, "%ld weeks", h / 24 / 7);
  else if (h < 24 * 365 * 2) snprintf(buf, 32, "%ld months", h / 24 / 30);
  else snprintf(buf, 32, "%ld years", (long)(d / 3600) / 24 / 365);
  strcat(buf, " ago");
  return buf;
}

int time_parse(const char *s, time_t *t)
{
  struct tm tm = { 0 };
  const char *p;
  long off = 0;

  if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))) return -1;
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p)) p++;
  }
  if (*p == '+' || *p == '-') {
    int hh, mm;
    if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return -1;
    off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
    p += 6;
  } else if (*p == 'Z' || *p == 'z') {
    p++;
  }
  if (*p) return -1;
  *t = timegm(&tm) - off;
  return 0;
}

char *time_fmt(char *buf, time_t t)
{
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(buf, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

char *time_fmt_now_ns(char *buf)
{
  struct timespec ts;
  struct tm tm;

  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + 19, 21, ".%09ldZ", ts.tv_nsec);
  return buf;
}

int str_starts(const char *s, const char *prefix)
{
  return !strncmp(s, prefix, strlen(prefix));
}

int str_ends(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

int is_hex(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return 0;
  return 1;
}

int parse_bytes(const char *s, int64_t *out)
{
  char *end;
  double v = strtod(s, &end);
  int64_t mul = 1;

  if (end == s || v < 0) return fail("invalid size: '%s'", s);
  switch (tolower((unsigned char)*end)) {
  case 0: break;
  case 'b': mul = 1; break;
  case 'k': mul = 1LL << 10; break;
  case 'm': mul = 1LL << 20; break;
  case 'g': mul = 1LL << 30; break;
  case 't': mul = 1LL << 40; break;
  default: return fail("invalid size: '%s'", s);
  }
  if (*end && end[1] && !((end[1] == 'b' || end[1] == 'B') && !end[2]) &&
      !(tolower((unsigned char)*end) == 'b' && !end[1]))
    return fail("invalid size: '%s'", s);
  *out = (int64_t)(v * mul);
  return 0;
}

static const char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *p, size_t n)
{
  const unsigned char *s = p;
  char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;

  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0) |
                 (i + 2 < n ? s[i + 2] : 0);
    *o++ = b64[v >> 18];
    *o++ = b64[(v >> 12) & 63];
    *o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    *o++ = i + 2 < n ? b64[v & 63] : '=';
  }
  *o = 0;
  return out;
}

unsigned char *b64_decode(const char *s, size_t *n)
{
  size_t len = strlen(s);
  unsigned char *out = xmalloc(len / 4 * 3 + 3);
  uint32_t v = 0;
  int bits = 0;

  *n = 0;
  for (size_t i = 0; i < len; i++) {
    const char *c;
    if (s[i] == '=') break;
    if (!(c = strchr(b64, s[i])) || !s[i]) {
      free(out);
      return NULL;
    }
    v = v << 6 | (uint32_t)(c - b64);
    if ((bits += 6) >= 8) {
      bits -= 8;
      out[(*n)++] = v >> bits;
    }
  }
  out[*n] = 0;
  return out;
}

static size_t fnv(const char *s)
{
  size_t h = 14695981039346656037ULL & SIZE_MAX;

  while (*s) h = (h ^ (unsigned char)*s++) * (sizeof(size_t) > 4 ?
                                               (size_t)1099511628211ULL :
                                               (size_t)16777619);
  return h;
}

static size_t sset_slot(const struct sset *s, const char *str)
{
  size_t i = fnv(str) & (s->cap - 1);

  while (s->slot[i] && strcmp(s->slot[i], str)) i = (i + 1) & (s->cap - 1);
  return i;
}

int sset_has(const struct sset *s, const char *str)
{
  return s->cap && s->slot[sset_slot(s, str)];
}

void sset_add(struct sset *s, const char *str)
{
  size_t i;

  if (2 * (s->n + 1) > s->cap) {   /* keep it at most half full */
    struct sset g = { xzalloc((s->cap ? 2 * s->cap : 64) * sizeof(char *)),
                      s->n, s->cap ? 2 * s->cap : 64 };
    for (size_t k = 0; k < s->cap; k++)
      if (s->slot[k]) g.slot[sset_slot(&g, s->slot[k])] = s->slot[k];
    free(s->slot);
    *s = g;
  }
  i = sset_slot(s, str);
  if (!s->slot[i]) {
    s->slot[i] = xstrdup(str);
    s->n++;
  }
}

void sset_free(struct sset *s)
{
  for (size_t i = 0; i < s->cap; i++) free(s->slot[i]);
  free(s->slot);
  memset(s, 0, sizeof(*s));
}

/* Environment lists (K=V strings). */

void env_set(struct strv *env, const char *kv)
{
  size_t k = strcspn(kv, "=");

  for (size_t i = 0; i < env->n; i++)
    if (!strncmp(env->v[i], kv, k) && env->v[i][k] == '=') {
      free(env->v[i]);
      env->v[i] = xstrdup(kv);
      return;
    }
  strv_add(env, xstrdup(kv));
}

/* -e K=V, or -e K: the host's value, skipped when unset (as Docker). */
void env_opt(struct strv *env, const char *kv)
{
  if (!strchr(kv, '=')) {
    const char *v = getenv(kv);
    if (v) {
      cleanup_free char *s = xasprintf("%s=%s", kv, v);
      env_set(env, s);
    }
    return;
  }
  env_set(env, kv);
}

int env_file(struct strv *env, const char *path)
{
  cleanup_free char *text = file_read(AT_FDCWD, path, 1 << 20, NULL);
  char *save = NULL;

  if (!text) return -1;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n",
                                                               &save)) {
    while (*l == ' ' || *l == '\t') l++;
    if (*l && *l != '#') env_opt(env, l);
  }
  return 0;
}
