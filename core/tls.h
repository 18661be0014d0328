/* tls.h - TLS client connections (BearSSL) over a connected socket
 * See https://bearssl.org/apidoc/bearssl__ssl_8h.html
 *
 * Trust anchors: SSL_CERT_FILE, else every file of SSL_CERT_DIR, else the
 * system bundle (/etc/ssl/certs/ca-certificates.crt and the usual other
 * places); plus, per registry, DIR/HOST[:PORT]/ca.crt (and *.crt) where DIR
 * is OCIBOX_CERTS_D or /etc/docker/certs.d, whose client.cert/client.key
 * are presented when the server asks. SNI and the host name check use the
 * name connected to (BearSSL matches DNS names, not IP addresses).
 *
 * A router without a real-time clock boots in 1970: when the clock reads
 * earlier than this binary was built, certificates are checked as of the
 * build time instead, and that is said once on standard error. */
#ifndef OCIBOX_TLS_H
#define OCIBOX_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct tls;

/* Handshake as a client on fd for host (hostport: "host:port" as in
 * certs.d). NULL with the reason ("x509: certificate signed by unknown
 * authority", ...). */
struct tls *tls_connect(int fd, const char *host, const char *hostport);
ssize_t tls_read(struct tls *t, void *buf, size_t n);
int tls_write(struct tls *t, const void *buf, size_t n);   /* all, flushed */
void tls_close(struct tls *t);

#endif
