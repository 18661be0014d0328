/* http.c - HTTP/1.1 client with keep-alive, chunked bodies, TLS, proxies */
#include "core/http.h"
#include "core/tls.h"
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* see http.h */

enum {
  CONNECT_MS = 30000, READ_MS = 60000, HEADER_MAX = 64 << 10,
  STALL_SECONDS = 30, STALL_BYTES = 1024,
};

struct http_conn {
  int fd;
  struct tls *tls;
  char *key;                 /* "scheme://hostport" it serves */
  unsigned char buf[16384];
  size_t pos, len;
  int busy;                  /* a response body is being read */
};

/* --- URLs --- */

int url_parse(const char *s, struct url *u)
{
  const char *p = strstr(s, "://"), *h, *end, *colon;

  memset(u, 0, sizeof(*u));
  if (!p) return fail("invalid URL '%s'", s);
  u->scheme = xstrndup(s, p - s);
  for (char *c = u->scheme; *c; c++) *c = tolower((unsigned char)*c);
  if (strcmp(u->scheme, "http") && strcmp(u->scheme, "https")) {
    url_free(u);
    return fail("unsupported URL scheme in '%s'", s);
  }
  h = p + 3;
  end = h + strcspn(h, "/?#");
  u->hostport = xstrndup(h, end - h);
  if (*h == '[') {              /* [v6]:port */
    const char *rb = memchr(h, ']', end - h);
    if (!rb) {
      url_free(u);
      return fail("invalid URL '%s'", s);
    }
    u->host = xstrndup(h + 1, rb - h - 1);
    colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
  } else {
    colon = memchr(h, ':', end - h);
    u->host = xstrndup(h, (colon ? colon : end) - h);
  }
  u->port = colon ? atoi(colon + 1) : !strcmp(u->scheme, "https") ? 443 : 80;
  if (!*u->host || u->port <= 0 || u->port > 65535) {
    url_free(u);
    return fail("invalid URL '%s'", s);
  }
  u->path = *end == '/' ? xstrdup(end) : xasprintf("/%s", end);
  if (strchr(u->path, '#')) *strchr(u->path, '#') = 0;
  return 0;
}

void url_free(struct url *u)
{
  free(u->scheme);
  free(u->host);
  free(u->hostport);
  free(u->path);
  memset(u, 0, sizeof(*u));
}

char *url_resolve(const struct url *base, const char *loc)
{
  if (strstr(loc, "://")) return xstrdup(loc);
  if (loc[0] == '/' && loc[1] == '/') return xasprintf("%s:%s", base->scheme,
                                                       loc);
  if (loc[0] == '/')
    return xasprintf("%s://%s%s", base->scheme, base->hostport, loc);
  {
    /* relative to the base path's directory */
    const char *q = strchr(base->path, '?');
    size_t n = q ? (size_t)(q - base->path) : strlen(base->path);
    while (n && base->path[n - 1] != '/') n--;
    return xasprintf("%s://%s%.*s%s", base->scheme, base->hostport, (int)n,
                     base->path, loc);
  }
}

/* --- connections --- */

static int64_t now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec;
}

static int wait_fd(int fd, short ev, int ms)
{
  struct pollfd p = { fd, ev, 0 };
  int r;

  do r = poll(&p, 1, ms);
  while (r < 0 && errno == EINTR);
  if (r == 0) errno = ETIMEDOUT;
  return r > 0 ? 0 : -1;
}

static int tcp_connect(const char *host, int port)
{
  struct addrinfo hints = { 0 }, *res, *ai;
  char ps[16];
  int fd = -1, r, err = 0;

  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  snprintf(ps, sizeof(ps), "%d", port);
  if ((r = getaddrinfo(host, ps, &hints, &res)))
    return fail("lookup %s: %s", host, gai_strerror(r));
  for (ai = res; ai; ai = ai->ai_next) {
    socklen_t el = sizeof(err);
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
        (errno == EINPROGRESS && wait_fd(fd, POLLOUT, CONNECT_MS) == 0 &&
         getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && !err))
      break;
    if (err) errno = err;
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    errno = err ? err : ECONNREFUSED;
    return pfail("dial tcp %s:%d", host, port);
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
  return fd;
}

static ssize_t raw_read(struct http_conn *c, void *buf, size_t n)
{
  ssize_t r;

  if (c->tls) return tls_read(c->tls, buf, n);
  for (;;) {
    if (wait_fd(c->fd, POLLIN, READ_MS) < 0) return pfail("read");
    r = read(c->fd, buf, n);
    if (r >= 0) return r;
    if (errno != EINTR && errno != EAGAIN) return pfail("read");
  }
}

static int raw_write(struct http_conn *c, const void *buf, size_t n)
{
  const char *p = buf;

  if (c->tls) return tls_write(c->tls, buf, n);
  while (n) {
    ssize_t r;
    if (wait_fd(c->fd, POLLOUT, READ_MS) < 0) return pfail("write");
    if ((r = write(c->fd, p, n)) < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return pfail("write");
    }
    p += r;
    n -= r;
  }
  return 0;
}

/* Buffered: fill if empty; 0 at EOF. */
static ssize_t conn_read(struct http_conn *c, void *buf, size_t n)
{
  if (c->pos == c->len) {
    ssize_t r;
    /* large reads go straight through */
    if (n >= sizeof(c->buf)) return raw_read(c, buf, n);
    if ((r = raw_read(c, c->buf, sizeof(c->buf))) <= 0) return r;
    c->pos = 0;
    c->len = r;
  }
  if (n > c->len - c->pos) n = c->len - c->pos;
  memcpy(buf, c->buf + c->pos, n);
  c->pos += n;
  return n;
}

/* A CRLF- (or LF-) terminated line, without it; -1 at EOF or too long. */
static int conn_line(struct http_conn *c, struct buf *b, size_t max)
{
  b->len = 0;
  for (;;) {
    char ch;
    ssize_t r = conn_read(c, &ch, 1);
    if (r < 0) return -1;
    if (r == 0) return fail("connection closed");
    if (ch == '\n') break;
    if (b->len >= max) return fail("header line too long");
    buf_add(b, &ch, 1);
  }
  if (b->len && b->p[b->len - 1] == '\r') b->len--;
  buf_add(b, "", 1);
  b->len--;
  return 0;
}

static void conn_free(struct http_conn *c)
{
  if (!c) return;
  tls_close(c->tls);
  if (c->fd >= 0) close(c->fd);
  free(c->key);
  free(c);
}

void http_close(struct http *h)
{
  conn_free(h->c);
  h->c = NULL;
}

/* The proxy for a URL, from the environment, or NULL. */
static char *proxy_for(const struct url *u)
{
  const char *np = getenv("NO_PROXY") ? getenv("NO_PROXY")
                                      : getenv("no_proxy");
  const char *p = !strcmp(u->scheme, "https")
    ? (getenv("HTTPS_PROXY") ? getenv("HTTPS_PROXY") : getenv("https_proxy"))
    : (getenv("HTTP_PROXY") ? getenv("HTTP_PROXY") : getenv("http_proxy"));

  if (!p || !*p) return NULL;
  if (np) {
    cleanup_free char *l = xstrdup(np);
    char *save = NULL;
    for (char *t = strtok_r(l, ", ", &save); t; t = strtok_r(NULL, ", ",
                                                            &save)) {
      size_t hl = strlen(u->host), tl;
      if (!strcmp(t, "*")) return NULL;
      if (*t == '.') t++;
      tl = strlen(t);
      if (!strcmp(t, u->host) || !strcmp(t, u->hostport) ||
          (hl > tl && u->host[hl - tl - 1] == '.' &&
           !strcmp(u->host + hl - tl, t)))
        return NULL;
    }
  }
  return strstr(p, "://") ? xstrdup(p) : xasprintf("http://%s", p);
}

static struct http_conn *conn_open(const struct url *u, int *via_proxy)
{
  struct http_conn *c = xzalloc(sizeof(*c));
  cleanup_free char *proxy = proxy_for(u);
  struct url pu = { 0 };

  c->fd = -1;
  *via_proxy = 0;
  if (proxy && url_parse(proxy, &pu) == 0) {
    if ((c->fd = tcp_connect(pu.host, pu.port)) < 0) goto fail;
    if (!strcmp(u->scheme, "https")) {
      /* a tunnel: CONNECT, then TLS to the real host through it */
      struct buf line = { 0 };
      cleanup_free char *req = xasprintf(
          "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", u->host, u->port,
          u->host, u->port);
      if (raw_write(c, req, strlen(req)) < 0 ||
          conn_line(c, &line, HEADER_MAX) < 0) {
        free(line.p);
        goto fail;
      }
      if (strncmp(line.p, "HTTP/1.", 7) || atoi(line.p + 9) != 200) {
        fail("proxy %s refused CONNECT to %s: %s", pu.hostport, u->hostport,
             line.p);
        free(line.p);
        goto fail;
      }
      do {
        if (conn_line(c, &line, HEADER_MAX) < 0) {
          free(line.p);
          goto fail;
        }
      } while (line.len);
      free(line.p);
    } else {
      *via_proxy = 1;
    }
  } else if ((c->fd = tcp_connect(u->host, u->port)) < 0) {
    goto fail;
  }
  if (!strcmp(u->scheme, "https") &&
      !(c->tls = tls_connect(c->fd, u->host, u->hostport)))
    goto fail;
  c->key = xasprintf("%s://%s%s", u->scheme, u->hostport,
                     *via_proxy ? " (proxy)" : "");
  url_free(&pu);
  return c;
fail:
  url_free(&pu);
  conn_free(c);
  return NULL;
}

/* --- requests --- */

const char *http_header(const struct http_resp *r, const char *name)
{
  size_t n = strlen(name);

  for (size_t i = 0; i < r->headers.n; i++)
    if (!strncmp(r->headers.v[i], name, n) && r->headers.v[i][n] == ':') {
      const char *v = r->headers.v[i] + n + 1;
      while (*v == ' ' || *v == '\t') v++;
      return v;
    }
  return NULL;
}

static int send_request(struct http_conn *c, const char *method,
                        const struct url *u, int via_proxy,
                        const char *const *headers, struct io_reader *body,
                        int64_t body_len)
{
  static char chunk[65536];
  struct buf b = { 0 };
  int ret;

  if (via_proxy)
    buf_printf(&b, "%s %s://%s%s HTTP/1.1\r\n", method, u->scheme,
               u->hostport, u->path);
  else
    buf_printf(&b, "%s %s HTTP/1.1\r\n", method, u->path);
  buf_printf(&b, "Host: %s\r\nUser-Agent: ocibox/" OCIBOX_VERSION "\r\n",
             u->hostport);
  for (size_t i = 0; headers && headers[i]; i++)
    buf_printf(&b, "%s\r\n", headers[i]);
  if (body || !strcmp(method, "PUT") || !strcmp(method, "POST") ||
      !strcmp(method, "PATCH"))
    buf_printf(&b, "Content-Length: %lld\r\n",
               (long long)(body ? body_len : 0));
  buf_printf(&b, "\r\n");
  ret = raw_write(c, b.p, b.len);
  free(b.p);
  if (ret < 0) return -1;
  for (int64_t left = body ? body_len : 0; left > 0;) {
    ssize_t n = io_read(body, chunk, left < (int64_t)sizeof(chunk)
                                     ? (size_t)left : sizeof(chunk));
    if (n <= 0) return n < 0 ? -1 : fail("request body ended early");
    if (raw_write(c, chunk, n) < 0) return -1;
    left -= n;
  }
  return 0;
}

static int read_head(struct http_conn *c, struct http_resp *r,
                     const char *method)
{
  struct buf line = { 0 };
  size_t total = 0;
  const char *te, *cl, *conn;

  do {                                   /* 1xx: skip to the real one */
    if (conn_line(c, &line, HEADER_MAX) < 0) goto fail;
    if (strncmp(line.p, "HTTP/1.", 7) || line.len < 12) {
      fail("malformed HTTP status line");
      goto fail;
    }
    r->status = atoi(line.p + 9);
    for (size_t i = 0; i < r->headers.n; i++) free(r->headers.v[i]);
    r->headers.n = 0;
    for (;;) {
      char *colon;
      if (conn_line(c, &line, HEADER_MAX) < 0) goto fail;
      if (!line.len) break;
      if ((total += line.len) > HEADER_MAX) {
        fail("response headers too large");
        goto fail;
      }
      if (!(colon = strchr(line.p, ':'))) continue;
      for (char *p = line.p; p < colon; p++) *p = tolower((unsigned char)*p);
      strv_add(&r->headers, xstrdup(line.p));
    }
  } while (r->status >= 100 && r->status < 200);
  free(line.p);
  te = http_header(r, "transfer-encoding");
  cl = http_header(r, "content-length");
  conn = http_header(r, "connection");
  r->length = -1;
  if (cl) {
    char *end;
    long long v = strtoll(cl, &end, 10);
    if (v < 0 || end == cl) return fail("bad Content-Length '%s'", cl);
    r->length = v;
  }
  r->chunked = te && strstr(te, "chunked");
  r->done = !strcmp(method, "HEAD") || r->status == 204 || r->status == 304;
  r->until_close = !r->done && !r->chunked && r->length < 0;
  r->left = r->chunked ? 0 : r->length > 0 ? (uint64_t)r->length : 0;
  if (!r->done && !r->chunked && r->length == 0) r->done = 1;
  r->conn_close = conn && strstr(conn, "close");
  r->win_start = now_s();
  return 0;
fail:
  free(line.p);
  return -1;
}

int http_request(struct http *h, const char *method, const char *url,
                 const char *const *headers, struct io_reader *body,
                 int64_t body_len, struct http_resp *r)
{
  struct url u;
  int via_proxy = 0, reused;
  cleanup_free char *key = NULL;

  memset(r, 0, sizeof(*r));
  r->h = h;
  if (url_parse(url, &u) < 0) return -1;
  key = xasprintf("%s://%s", u.scheme, u.hostport);
  for (int attempt = 0; attempt < 2; attempt++) {
    reused = 0;
    if (h->c && (h->c->busy || strncmp(h->c->key, key, strlen(key)) ||
                 (h->c->key[strlen(key)] && strcmp(h->c->key + strlen(key),
                                                   " (proxy)"))))
      http_close(h);
    if (h->c) {
      reused = 1;
      via_proxy = strstr(h->c->key, " (proxy)") != NULL;
    } else if (!(h->c = conn_open(&u, &via_proxy))) {
      fail_wrap("%s", u.hostport);
      url_free(&u);
      return -1;
    }
    if (send_request(h->c, method, &u, via_proxy, headers, body,
                     body_len) == 0 &&
        read_head(h->c, r, method) == 0) {
      h->c->busy = !r->done;
      if (r->done && r->conn_close) http_close(h);   /* no body to end */
      url_free(&u);
      return 0;
    }
    http_close(h);
    /* a kept-alive connection the server had closed: once more, if the
     * request can be sent again */
    if (!reused || body) break;
  }
  fail_wrap("%s %s", method, u.hostport);
  url_free(&u);
  return -1;
}

static void finish(struct http_resp *r)
{
  r->done = 1;
  if (r->h && r->h->c) {
    r->h->c->busy = 0;
    /* not kept alive when the server says so, or ended the body by
     * closing */
    if (r->until_close || r->conn_close) http_close(r->h);
  }
}

ssize_t http_read(void *ctx, void *buf, size_t n)
{
  struct http_resp *r = ctx;
  struct http_conn *c = r->h ? r->h->c : NULL;
  ssize_t got;

  if (r->done) return 0;
  if (!c) return fail("connection gone");
  if (r->chunked && !r->left) {
    struct buf line = { 0 };
    char *end;
    if (r->got && conn_line(c, &line, 64) < 0) goto bad;   /* CRLF */
    if (conn_line(c, &line, 1024) < 0) goto bad;
    r->left = strtoull(line.p, &end, 16);
    if (end == line.p) goto bad;
    if (!r->left) {                     /* last chunk: trailers, then CRLF */
      do if (conn_line(c, &line, HEADER_MAX) < 0) goto bad;
      while (line.len);
      free(line.p);
      finish(r);
      return 0;
    }
    free(line.p);
    if (0) {
bad:
      free(line.p);
      http_close(r->h);
      return fail("malformed chunked body");
    }
  }
  if (!r->until_close && n > r->left) n = r->left;
  got = conn_read(c, buf, n);
  if (got < 0) {
    http_close(r->h);
    return -1;
  }
  if (got == 0) {
    if (r->until_close) {
      finish(r);
      return 0;
    }
    http_close(r->h);
    return fail("connection closed after %llu of %s bytes",
                (unsigned long long)r->got, r->length >= 0 ? "the" : "?");
  }
  r->got += got;
  if (!r->until_close) r->left -= got;
  /* throughput, not liveness: a trickle is a stall */
  r->win_bytes += got;
  if (now_s() - r->win_start >= STALL_SECONDS) {
    if (r->win_bytes < STALL_BYTES) {
      http_close(r->h);
      return fail("download stalled (%llu bytes in %d seconds)",
                  (unsigned long long)r->win_bytes, STALL_SECONDS);
    }
    r->win_start = now_s();
    r->win_bytes = 0;
  }
  if (!r->chunked && !r->until_close && !r->left) finish(r);
  return got;
}

char *http_slurp(struct http_resp *r, size_t max, size_t *len)
{
  struct buf b = { 0 };
  char tmp[16384];
  ssize_t n;

  if (r->length > (int64_t)max) {
    http_close(r->h);
    return fail("response of %lld bytes is over the %zu limit",
                (long long)r->length, max), NULL;
  }
  while ((n = http_read(r, tmp, sizeof(tmp))) > 0) {
    if (b.len + n > max) {
      free(b.p);
      http_close(r->h);
      return fail("response is over the %zu byte limit", max), NULL;
    }
    buf_add(&b, tmp, n);
  }
  if (n < 0) {
    free(b.p);
    return NULL;
  }
  buf_add(&b, "", 1);
  if (len) *len = b.len - 1;
  return b.p;
}

void http_resp_free(struct http_resp *r)
{
  if (!r->done && r->h && r->h->c) {
    /* a small rest is read to keep the connection; a big one is not */
    char tmp[4096];
    ssize_t n = 0;
    for (int i = 0; i < 16 && (n = http_read(r, tmp, sizeof(tmp))) > 0; i++);
    if (!r->done && r->h->c) http_close(r->h);
  }
  strv_free(&r->headers);
  memset(r, 0, sizeof(*r));
}
