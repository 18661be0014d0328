/* registry.h - a session with one registry: endpoint, auth, requests
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 * and https://distribution.github.io/distribution/spec/auth/token/
 *
 * The endpoint is https://HOST unless HOST is insecure (named with
 * --insecure, in insecure-registries of /etc/ocibox/config.json or
 * /etc/docker/daemon.json, or localhost / 127.0.0.0/8 / ::1 as Docker
 * has it): then HTTPS is tried first and plain HTTP used if that fails.
 * docker.io is registry-1.docker.io; registry-mirrors (same files) are
 * tried first for it.
 *
 * A 401 on any request is answered: Bearer (a token from the realm, for
 * the request's scope, with the user's credentials if any; cached per
 * scope) or Basic. Redirects are followed (GET and HEAD, at most 5);
 * credentials never go to another host. GET and HEAD are retried with
 * back-off on 5xx, resets and timeouts. */
#ifndef OCIBOX_REGISTRY_H
#define OCIBOX_REGISTRY_H

#include "core/http.h"

struct registry {
  char *name;             /* as the reference has it: "localhost:5000" */
  char *base;             /* "https://registry-1.docker.io" */
  struct http http;
  char *user, *pass;      /* credentials, or NULL */
  char *scope, *token;    /* the last Bearer token and its scope */
  char *realm, *service;  /* from the last Bearer challenge */
  int basic;              /* the registry asked for Basic */
};

/* Open a session; insecure: the command line's --insecure. Pings /v2/. */
int registry_open(struct registry *r, const char *name, int insecure);
void registry_close(struct registry *r);
/* Use these credentials instead of the stored ones (login). */
void registry_set_creds(struct registry *r, const char *user,
                        const char *pass);

/* method on path ("/v2/...", or an absolute URL such as an upload
 * Location) with the scope's authorization. The response is the final
 * one, after auth and redirects; the caller reads and frees it. */
int registry_do(struct registry *r, const char *method, const char *path,
                const char *scope, const char *const *headers,
                struct io_reader *body, int64_t body_len,
                struct http_resp *resp);

/* An error for a response the caller did not expect: "HOST: 404 Not
 * Found: MANIFEST_UNKNOWN: manifest unknown" (reads the body). */
int registry_fail(struct registry *r, struct http_resp *resp,
                  const char *what);

#endif
