/* http.h - an HTTP/1.1 client: one kept-alive connection, plain or TLS
 * See https://www.rfc-editor.org/rfc/rfc9112
 *
 * Content-Length and chunked bodies (and bodies up to the close),
 * keep-alive across requests to the same scheme, host and port, IPv4 and
 * IPv6, connect and read timeouts, and stall detection by throughput: a
 * body that brings less than 1 KiB in 30 seconds has stalled. Proxies:
 * HTTPS_PROXY / HTTP_PROXY (and lower case) with CONNECT for https and
 * absolute URIs for http, NO_PROXY honoured (names, suffixes, "*"). */
#ifndef OCIBOX_HTTP_H
#define OCIBOX_HTTP_H

#include <stdint.h>
#include <sys/types.h>

#include "core/io.h"
#include "core/util.h"

struct url {
  char *scheme;      /* "http", "https" */
  char *host;        /* without brackets */
  char *hostport;    /* "host:port" as written ("[::1]:5000"), port shown
                        only when given */
  int port;
  char *path;        /* from the first "/", query included */
};

int url_parse(const char *s, struct url *u);
void url_free(struct url *u);
/* loc (absolute, or relative to base as a Location may be) as a URL. */
char *url_resolve(const struct url *base, const char *loc);

struct http_conn;
struct http {
  struct http_conn *c;       /* the kept-alive connection, or NULL */
};

struct http_resp {
  int status;
  struct strv headers;       /* "name: value", names lower-cased */
  int64_t length;            /* Content-Length, -1 if none */
  /* body state */
  struct http *h;
  int chunked, until_close, done;
  int conn_close;            /* the server closes the connection after it */
  uint64_t left;             /* of the body or of the current chunk */
  uint64_t got;              /* body bytes so far */
  int64_t win_start;         /* stall detection */
  uint64_t win_bytes;
};

/* Send method url with headers ("Name: value", NULL-terminated), and a
 * body of body_len bytes from body (or none); fill r with the status and
 * headers. The body is then read with http_read. -1 with the reason
 * (naming the host). */
int http_request(struct http *h, const char *method, const char *url,
                 const char *const *headers, struct io_reader *body,
                 int64_t body_len, struct http_resp *r);
/* The value of a header (name lower case), or NULL. */
const char *http_header(const struct http_resp *r, const char *name);
ssize_t http_read(void *resp, void *buf, size_t n);
static inline struct io_reader http_body(struct http_resp *r)
{
  return (struct io_reader){ http_read, r };
}
/* Read the whole body into memory, refusing more than max bytes. */
char *http_slurp(struct http_resp *r, size_t max, size_t *len);
/* Done with r: an unread body keeps the connection only if small. */
void http_resp_free(struct http_resp *r);
void http_close(struct http *h);

#endif
