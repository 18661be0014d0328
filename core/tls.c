/* tls.c - BearSSL client: trust anchors from PEM files, SNI, name check */
#include "core/tls.h"
#include "core/util.h"

#include <bearssl.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buildtime.h"

/* see tls.h */

enum { TLS_TIMEOUT_MS = 30000, PEM_MAX = 4 << 20 };

struct tls {
  int fd;
  br_ssl_client_context sc;
  br_x509_minimal_context xc;
  const br_x509_class *lazy;    /* xc behind anchors loaded on first use */
  const char *hostport;
  br_sslio_context io;
  unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
  br_x509_certificate *chain;   /* client certificate, if any */
  size_t nchain;
  br_skey_decoder_context key;
};

/* --- trust anchors --- */

static br_x509_trust_anchor *tas;
static size_t ntas, nsystem;   /* the system's first, then one host's */
static int tas_loaded;

struct bytes { unsigned char *p; size_t len; };

static void append(void *ctx, const void *p, size_t n)
{
  struct bytes *b = ctx;
  b->p = xrealloc(b->p, b->len + n);
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

static void *dup_bytes(const void *p, size_t n)
{
  void *d = xmalloc(n ? n : 1);
  memcpy(d, p, n);
  return d;
}

static void add_anchor(const unsigned char *der, size_t len)
{
  br_x509_decoder_context dc;
  struct bytes dn = { 0 };
  br_x509_pkey *pk;
  br_x509_trust_anchor *ta;

  br_x509_decoder_init(&dc, append, &dn);
  br_x509_decoder_push(&dc, der, len);
  if (!(pk = br_x509_decoder_get_pkey(&dc))) {
    free(dn.p);
    return;
  }
  tas = xrealloc(tas, (ntas + 1) * sizeof(*tas));
  ta = &tas[ntas++];
  memset(ta, 0, sizeof(*ta));
  ta->dn.data = dn.p;
  ta->dn.len = dn.len;
  ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
  ta->pkey.key_type = pk->key_type;
  if (pk->key_type == BR_KEYTYPE_RSA) {
    ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
    ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
    ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
    ta->pkey.key.rsa.elen = pk->key.rsa.elen;
  } else {
    ta->pkey.key.ec.curve = pk->key.ec.curve;
    ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
    ta->pkey.key.ec.qlen = pk->key.ec.qlen;
  }
}

/* Every CERTIFICATE of a PEM file: as anchors (chain NULL), or as a chain. */
static int load_pem(const char *path, br_x509_certificate **chain,
                    size_t *nchain)
{
  cleanup_free char *text = NULL;
  br_pem_decoder_context pc;
  struct bytes der = { 0 };
  size_t len, off = 0;
  int inobj = 0, count = 0;

  if (!(text = file_read(AT_FDCWD, path, PEM_MAX, &len))) return -1;
  br_pem_decoder_init(&pc);
  while (off < len) {
    off += br_pem_decoder_push(&pc, text + off, len - off);
    switch (br_pem_decoder_event(&pc)) {
    case BR_PEM_BEGIN_OBJ:
      inobj = !strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") ||
              !strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE") ||
              !strcmp(br_pem_decoder_name(&pc), "TRUSTED CERTIFICATE");
      der.len = 0;
      br_pem_decoder_setdest(&pc, inobj ? append : NULL, &der);
      break;
    case BR_PEM_END_OBJ:
      if (inobj && der.len) {
        if (chain) {
          *chain = xrealloc(*chain, (*nchain + 1) * sizeof(**chain));
          (*chain)[*nchain].data = dup_bytes(der.p, der.len);
          (*chain)[(*nchain)++].data_len = der.len;
        } else {
          add_anchor(der.p, der.len);
        }
        count++;
      }
      inobj = 0;
      break;
    case BR_PEM_ERROR:
      free(der.p);
      return fail("%s: not valid PEM", path);
    }
  }
  free(der.p);
  return count;
}

static void load_dir(const char *dir, const char *suffix)
{
  DIR *d = opendir(dir);
  struct dirent *e;

  if (!d) return;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name), k = strlen(suffix);
    cleanup_free char *p = NULL;
    if (n <= k || strcmp(e->d_name + n - k, suffix)) continue;
    p = xasprintf("%s/%s", dir, e->d_name);
    load_pem(p, NULL, NULL);
  }
  closedir(d);
}

static void load_system(void)
{
  static const char *const bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  };
  const char *f = getenv("SSL_CERT_FILE"), *d = getenv("SSL_CERT_DIR");

  if (tas_loaded) return;
  tas_loaded = 1;
  if (f && *f) {
    load_pem(f, NULL, NULL);
  } else if (d && *d) {
    load_dir(d, ".pem");
    load_dir(d, ".crt");
  } else {
    for (size_t i = 0; i < ARRAY_LEN(bundles); i++)
      if (load_pem(bundles[i], NULL, NULL) > 0) break;
  }
  nsystem = ntas;
}

static const char *certs_d(void)
{
  const char *d = getenv("OCIBOX_CERTS_D");
  return d && *d ? d : "/etc/docker/certs.d";
}

/* --- the connection --- */

static int wait_fd(int fd, short ev)
{
  struct pollfd p = { fd, ev, 0 };
  int r;

  do r = poll(&p, 1, TLS_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0) errno = ETIMEDOUT;
  return r > 0 ? 0 : -1;
}

static int sock_read(void *ctx, unsigned char *buf, size_t len)
{
  int fd = *(int *)ctx;
  ssize_t n;

  for (;;) {
    if (wait_fd(fd, POLLIN) < 0) return -1;
    n = read(fd, buf, len);
    if (n > 0) return n;
    if (n == 0) return -1;
    if (errno != EINTR && errno != EAGAIN) return -1;
  }
}

static int sock_write(void *ctx, const unsigned char *buf, size_t len)
{
  int fd = *(int *)ctx;
  ssize_t n;

  for (;;) {
    if (wait_fd(fd, POLLOUT) < 0) return -1;
    n = write(fd, buf, len);
    if (n > 0) return n;
    if (n < 0 && errno != EINTR && errno != EAGAIN) return -1;
  }
}

static const char *why(int err)
{
  static char b[64];

  switch (err) {
  case BR_ERR_X509_NOT_TRUSTED:
    return "x509: certificate signed by unknown authority";
  case BR_ERR_X509_BAD_SERVER_NAME:
    return "x509: certificate is not valid for this host name";
  case BR_ERR_X509_EXPIRED:
    return "x509: certificate has expired or is not yet valid";
  case BR_ERR_IO:
    return "connection closed during the TLS handshake";
  }
  snprintf(b, sizeof(b), "TLS error %d%s", err,
           err >= 32 && err < 64 ? " (certificate)" : "");
  return b;
}

/* The clock: the real one, or the build time when it is obviously wrong. */
static void set_time(br_x509_minimal_context *xc)
{
  static int said;
  time_t now = time(NULL);

  if (now >= (time_t)OCIBOX_BUILD_TIME) return;
  if (!said++) {
    char t[40];
    fprintf(stderr, "ocibox: the clock reads %s, before this program was "
            "built: checking certificates as of %s\n", time_fmt(t, now),
            time_fmt((char[40]){ 0 }, OCIBOX_BUILD_TIME));
  }
  /* days since 0000-01-01 (proleptic Gregorian): 719528 to the epoch */
  br_x509_minimal_set_time(xc, (uint32_t)(719528 + OCIBOX_BUILD_TIME / 86400),
                           (uint32_t)(OCIBOX_BUILD_TIME % 86400));
}

/* The registry's own CA files, from certs.d: trusted for this host only
 * (the previous host's are dropped; a handshake is over before the next
 * connection is made, so no context still needs them). */
static void host_anchors(const char *hostport)
{
  cleanup_free char *dir = xasprintf("%s/%s", certs_d(), hostport);

  while (ntas > nsystem) {
    br_x509_trust_anchor *ta = &tas[--ntas];
    free(ta->dn.data);
    if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
      free(ta->pkey.key.rsa.n);
      free(ta->pkey.key.rsa.e);
    } else {
      free(ta->pkey.key.ec.q);
    }
  }
  load_dir(dir, ".crt");
}

/* The registry's client certificate, from certs.d, if there is one. */
static void per_host(struct tls *t, const char *hostport)
{
  cleanup_free char *dir = xasprintf("%s/%s", certs_d(), hostport);
  cleanup_free char *cert = xasprintf("%s/client.cert", dir);
  cleanup_free char *keyf = xasprintf("%s/client.key", dir);
  cleanup_free char *ktext = NULL;
  br_pem_decoder_context pc;
  struct bytes der = { 0 };
  size_t len, off = 0;

  if (access(cert, R_OK) || access(keyf, R_OK) ||
      !(ktext = file_read(AT_FDCWD, keyf, PEM_MAX, &len)))
    return;
  if (load_pem(cert, &t->chain, &t->nchain) <= 0) return;
  br_pem_decoder_init(&pc);
  while (off < len) {
    off += br_pem_decoder_push(&pc, ktext + off, len - off);
    int ev = br_pem_decoder_event(&pc);
    if (ev == BR_PEM_BEGIN_OBJ) br_pem_decoder_setdest(&pc, append, &der);
    else if (ev == BR_PEM_END_OBJ || ev == BR_PEM_ERROR) break;
  }
  br_skey_decoder_init(&t->key);
  br_skey_decoder_push(&t->key, der.p, der.len);
  free(der.p);
  if (br_skey_decoder_last_error(&t->key)) return;
  if (br_skey_decoder_key_type(&t->key) == BR_KEYTYPE_RSA)
    br_ssl_client_set_single_rsa(&t->sc, t->chain, t->nchain,
                                 br_skey_decoder_get_rsa(&t->key),
                                 br_rsa_pkcs1_sign_get_default());
  else
    br_ssl_client_set_single_ec(&t->sc, t->chain, t->nchain,
                                br_skey_decoder_get_ec(&t->key),
                                BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN,
                                BR_KEYTYPE_EC, br_ec_get_default(),
                                br_ecdsa_sign_asn1_get_default());
}

/* The anchors are parsed (a bundle of ~150 PEM certificates, tens of ms on
 * a small CPU) only when a server presents a certificate: a registry that
 * speaks plain HTTP on a port tried with TLS first costs nothing. */
#define LAZY_TLS(ctx) \
  ((struct tls *)((char *)(ctx) - offsetof(struct tls, lazy)))

static void lazy_start_chain(const br_x509_class **ctx, const char *name)
{
  struct tls *t = LAZY_TLS(ctx);

  load_system();
  host_anchors(t->hostport);
  t->xc.trust_anchors = tas;
  t->xc.trust_anchors_num = ntas;
  t->xc.vtable->start_chain(&t->xc.vtable, name);
}
static void lazy_start_cert(const br_x509_class **ctx, uint32_t len)
{
  LAZY_TLS(ctx)->xc.vtable->start_cert(&LAZY_TLS(ctx)->xc.vtable, len);
}
static void lazy_append(const br_x509_class **ctx, const unsigned char *b,
                        size_t len)
{
  LAZY_TLS(ctx)->xc.vtable->append(&LAZY_TLS(ctx)->xc.vtable, b, len);
}
static void lazy_end_cert(const br_x509_class **ctx)
{
  LAZY_TLS(ctx)->xc.vtable->end_cert(&LAZY_TLS(ctx)->xc.vtable);
}
static unsigned lazy_end_chain(const br_x509_class **ctx)
{
  return LAZY_TLS(ctx)->xc.vtable->end_chain(&LAZY_TLS(ctx)->xc.vtable);
}
static const br_x509_pkey *lazy_get_pkey(const br_x509_class *const *ctx,
                                         unsigned *usages)
{
  struct tls *t = LAZY_TLS(ctx);
  return t->xc.vtable->get_pkey(&t->xc.vtable, usages);
}
static const br_x509_class lazy_vtable = {
  sizeof(struct tls), lazy_start_chain, lazy_start_cert, lazy_append,
  lazy_end_cert, lazy_end_chain, lazy_get_pkey,
};

struct tls *tls_connect(int fd, const char *host, const char *hostport)
{
  struct tls *t = xzalloc(sizeof(*t));

  t->fd = fd;
  t->hostport = hostport;
  t->lazy = &lazy_vtable;
  br_ssl_client_init_full(&t->sc, &t->xc, NULL, 0);
  br_ssl_engine_set_x509(&t->sc.eng, &t->lazy);
  /* anchors may move once the handshake is over: none is checked again */
  br_ssl_engine_add_flags(&t->sc.eng, BR_OPT_NO_RENEGOTIATION);
  per_host(t, hostport);
  set_time(&t->xc);
  br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof(t->iobuf), 1);
  br_ssl_client_reset(&t->sc, host, 0);
  br_sslio_init(&t->io, &t->sc.eng, sock_read, &t->fd, sock_write, &t->fd);
  /* the handshake runs on the first flush (the only use of hostport) */
  if (br_sslio_flush(&t->io) < 0 ||
      (br_ssl_engine_current_state(&t->sc.eng) & BR_SSL_CLOSED)) {
    int err = br_ssl_engine_last_error(&t->sc.eng);
    fail("%s", err ? why(err) : strerror(errno ? errno : ECONNRESET));
    tls_close(t);
    return NULL;
  }
  return t;
}

ssize_t tls_read(struct tls *t, void *buf, size_t n)
{
  int r = br_sslio_read(&t->io, buf, n);

  if (r >= 0) return r;
  /* a close_notify, or the peer closing after the response: end of data */
  if (br_ssl_engine_current_state(&t->sc.eng) == BR_SSL_CLOSED &&
      (br_ssl_engine_last_error(&t->sc.eng) == 0 ||
       br_ssl_engine_last_error(&t->sc.eng) == BR_ERR_IO))
    return 0;
  return fail("TLS read: %s", why(br_ssl_engine_last_error(&t->sc.eng)));
}

int tls_write(struct tls *t, const void *buf, size_t n)
{
  if (br_sslio_write_all(&t->io, buf, n) < 0 || br_sslio_flush(&t->io) < 0)
    return fail("TLS write: %s", why(br_ssl_engine_last_error(&t->sc.eng)));
  return 0;
}

void tls_close(struct tls *t)
{
  if (!t) return;
  for (size_t i = 0; i < t->nchain; i++) free(t->chain[i].data);
  free(t->chain);
  free(t);
}
