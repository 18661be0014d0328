/* registry.c - registry sessions: endpoint, Bearer/Basic auth, retries */
#include "core/registry.h"
#include "core/creds.h"
#include "core/json.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* see registry.h */

enum { MAX_REDIRECTS = 5, MAX_TRIES = 3, TOKEN_MAX = 1 << 20 };

/* insecure-registries and registry-mirrors from our config or Docker's */
static cJSON *daemon_config(void)
{
  const char *own = getenv("OCIBOX_CONFIG");
  cJSON *j = json_read(AT_FDCWD, own && *own ? own
                                             : "/etc/ocibox/config.json",
                       JSON_MAX);

  if (!j) j = json_read(AT_FDCWD, "/etc/docker/daemon.json", JSON_MAX);
  return j;
}

static int listed(const cJSON *a, const char *name)
{
  const cJSON *e;

  cJSON_ArrayForEach(e, a) {
    const char *s = cJSON_GetStringValue(e);
    if (!s) continue;
    if (strstr(s, "://")) s = strstr(s, "://") + 3;
    if (!strcmp(s, name)) return 1;
  }
  return 0;
}

static int is_local(const char *name)
{
  cleanup_free char *host = xstrdup(name);
  char *colon = strrchr(host, ':');

  if (*host == '[') {
    char *rb = strchr(host, ']');
    if (rb) *rb = 0;
    return !strcmp(host + 1, "::1");
  }
  if (colon) *colon = 0;
  return !strcmp(host, "localhost") || !strncmp(host, "127.", 4);
}

static char *pct(const char *s)
{
  struct buf b = { 0 };

  for (; *s; s++)
    if (isalnum((unsigned char)*s) || strchr("-._~:/", *s))
      buf_add(&b, s, 1);
    else
      buf_printf(&b, "%%%02X", (unsigned char)*s);
  return buf_str(&b);
}

/* key="value", ... of a challenge */
static char *param(const char *h, const char *key)
{
  size_t k = strlen(key);

  for (const char *p = h; (p = strstr(p, key)); p += k) {
    const char *v;
    if (p > h && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
    v = p + k;
    while (*v == ' ') v++;
    if (*v++ != '=') continue;
    while (*v == ' ') v++;
    if (*v == '"') {
      const char *e = strchr(++v, '"');
      return e ? xstrndup(v, e - v) : NULL;
    }
    return xstrndup(v, strcspn(v, ", "));
  }
  return NULL;
}

static void challenge(struct registry *r, const char *h)
{
  if (!h) return;
  if (!strncasecmp(h, "bearer", 6)) {
    free(r->realm);
    free(r->service);
    r->realm = param(h, "realm");
    r->service = param(h, "service");
    r->basic = 0;
  } else if (!strncasecmp(h, "basic", 5)) {
    r->basic = 1;
  }
}

/* A token for scope from the realm (a connection of its own). */
static int get_token(struct registry *r, const char *scope)
{
  struct http h = { 0 };
  struct http_resp resp;
  struct buf u = { 0 };
  cleanup_free char *url = NULL, *body = NULL, *auth = NULL;
  const char *hdr[2] = { NULL, NULL };
  const char *tok;
  cJSON *j;
  int ret = -1;

  if (!r->realm) return fail("%s: Bearer challenge without a realm", r->name);
  buf_printf(&u, "%s%s", r->realm, strchr(r->realm, '?') ? "&" : "?");
  if (r->service) {
    cleanup_free char *s = pct(r->service);
    buf_printf(&u, "service=%s", s);
  }
  if (scope) {
    cleanup_free char *s = pct(scope);
    buf_printf(&u, "%sscope=%s", r->service ? "&" : "", s);
  }
  url = buf_str(&u);
  if (r->user) {
    cleanup_free char *up = xasprintf("%s:%s", r->user, r->pass);
    cleanup_free char *enc = b64_encode(up, strlen(up));
    auth = xasprintf("Authorization: Basic %s", enc);
    hdr[0] = auth;
  }
  if (http_request(&h, "GET", url, hdr, NULL, 0, &resp) < 0) {
    http_close(&h);
    return fail_wrap("%s: token", r->name);
  }
  if (resp.status == 401 || resp.status == 403) {
    fail("%s: unauthorized: %s", r->name, r->user
         ? "incorrect username or password" : "authentication required");
    goto out;
  }
  if (resp.status != 200) {
    fail("%s: token endpoint answered %d", r->name, resp.status);
    goto out;
  }
  if (!(body = http_slurp(&resp, TOKEN_MAX, NULL))) goto out;
  if (!(j = cJSON_Parse(body))) {
    fail("%s: token endpoint answered something that is not JSON", r->name);
    goto out;
  }
  tok = json_str(j, "token") ? json_str(j, "token")
                             : json_str(j, "access_token");
  if (!tok || !*tok || strpbrk(tok, "\r\n")) {
    cJSON_Delete(j);
    fail("%s: token endpoint answered no token", r->name);
    goto out;
  }
  free(r->token);
  free(r->scope);
  r->token = xstrdup(tok);
  r->scope = scope ? xstrdup(scope) : NULL;
  cJSON_Delete(j);
  ret = 0;
out:
  http_resp_free(&resp);
  http_close(&h);
  return ret;
}

static int same(const char *a, const char *b)
{
  return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The Authorization header for scope, or NULL. */
static char *authorization(struct registry *r, const char *scope)
{
  if (r->token && same(r->scope, scope))
    return xasprintf("Authorization: Bearer %s", r->token);
  if (r->basic && r->user) {
    cleanup_free char *up = xasprintf("%s:%s", r->user, r->pass);
    cleanup_free char *enc = b64_encode(up, strlen(up));
    return xasprintf("Authorization: Basic %s", enc);
  }
  return NULL;
}

static int host_of(const char *url, const char *base)
{
  struct url a, b;
  int r;

  if (url_parse(url, &a) < 0) return 0;
  if (url_parse(base, &b) < 0) {
    url_free(&a);
    return 0;
  }
  r = !strcmp(a.hostport, b.hostport) && !strcmp(a.scheme, b.scheme);
  url_free(&a);
  url_free(&b);
  return r;
}

int registry_do(struct registry *r, const char *method, const char *path,
                const char *scope, const char *const *headers,
                struct io_reader *body, int64_t body_len,
                struct http_resp *resp)
{
  cleanup_free char *url = strstr(path, "://") ? xstrdup(path)
                                               : xasprintf("%s%s", r->base,
                                                           path);
  int idem = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  int redirects = 0, tries = 0, authed = 0;

  for (;;) {
    const char *hdr[24];
    cleanup_free char *auth = NULL;
    size_t n = 0;
    int ours = host_of(url, r->base);

    for (; headers && headers[n] && n < ARRAY_LEN(hdr) - 2; n++)
      hdr[n] = headers[n];
    /* credentials go to the registry only, never where it redirects */
    if (ours && (auth = authorization(r, scope))) hdr[n++] = auth;
    hdr[n] = NULL;
    if (http_request(&r->http, method, url, hdr, body, body_len, resp) < 0) {
      if (idem && ++tries < MAX_TRIES) {
        debug("%s %s: %s; again", method, url, fail_msg());
        sleep(tries);
        continue;
      }
      return -1;
    }
    if (resp->status == 401 && ours && !authed++) {
      challenge(r, http_header(resp, "www-authenticate"));
      http_resp_free(resp);
      if (!r->basic && get_token(r, scope) < 0) return -1;
      if (r->basic && !r->user)
        return fail("%s: unauthorized: authentication required", r->name);
      if (body) return fail("%s: unauthorized", r->name);
      continue;
    }
    if (idem && resp->status >= 300 && resp->status < 400 &&
        resp->status != 304 && http_header(resp, "location")) {
      struct url base;
      char *next;
      if (++redirects > MAX_REDIRECTS) {
        http_resp_free(resp);
        return fail("%s: stopped after %d redirects", r->name,
                    MAX_REDIRECTS);
      }
      if (url_parse(url, &base) < 0) return -1;
      next = url_resolve(&base, http_header(resp, "location"));
      url_free(&base);
      http_resp_free(resp);
      free(url);
      url = next;
      debug("redirected to %s", url);
      continue;
    }
    if (idem && resp->status >= 500 && ++tries < MAX_TRIES) {
      debug("%s %s: %d; again", method, url, resp->status);
      http_resp_free(resp);
      sleep(tries);
      continue;
    }
    return 0;
  }
}

int registry_fail(struct registry *r, struct http_resp *resp,
                  const char *what)
{
  cleanup_free char *body = http_slurp(resp, 64 << 10, NULL);
  cJSON *j = body ? cJSON_Parse(body) : NULL;
  const cJSON *e = cJSON_GetArrayItem(json_arr(j, "errors"), 0);
  int status = resp->status;

  http_resp_free(resp);
  if (status == 401 || status == 403) {
    cJSON_Delete(j);
    return fail("%s: %s: %s", r->name, what, status == 401
                ? "unauthorized: authentication required" : "denied");
  }
  if (e && json_str(e, "code")) {
    fail("%s: %s: %d: %s: %s", r->name, what, status, json_str(e, "code"),
         json_str(e, "message") ? json_str(e, "message") : "");
  } else {
    fail("%s: %s: the registry answered %d", r->name, what, status);
  }
  cJSON_Delete(j);
  return -1;
}

static int ping(struct registry *r)
{
  cleanup_free char *url = xasprintf("%s/v2/", r->base);
  struct http_resp resp;

  if (http_request(&r->http, "GET", url, NULL, NULL, 0, &resp) < 0)
    return -1;
  if (resp.status == 401) challenge(r, http_header(&resp, "www-authenticate"));
  else if (resp.status != 200) {
    int st = resp.status;
    http_resp_free(&resp);
    return fail("%s does not look like a registry (/v2/ answered %d)",
                r->name, st);
  }
  http_resp_free(&resp);
  return 0;
}

int registry_open(struct registry *r, const char *name, int insecure)
{
  cJSON *cfg = daemon_config();
  const char *host = !strcmp(name, "docker.io") ? "registry-1.docker.io"
                                                : name;
  const cJSON *m;

  memset(r, 0, sizeof(*r));
  r->name = xstrdup(name);
  insecure |= is_local(host) || listed(json_arr(cfg, "insecure-registries"),
                                       name);
  if (creds_get(name, &r->user, &r->pass) < 0) debug("%s", fail_msg());
  /* mirrors (of Docker Hub, as Docker has them) first */
  if (!strcmp(name, "docker.io"))
    cJSON_ArrayForEach(m, json_arr(cfg, "registry-mirrors")) {
      const char *u = cJSON_GetStringValue(m);
      if (!u) continue;
      r->base = xstrdup(u);
      if (r->base[strlen(r->base) - 1] == '/') r->base[strlen(r->base) - 1] = 0;
      if (ping(r) == 0) {
        cJSON_Delete(cfg);
        return 0;
      }
      debug("mirror %s: %s", u, fail_msg());
      free(r->base);
      http_close(&r->http);
    }
  cJSON_Delete(cfg);
  r->base = xasprintf("https://%s", host);
  if (ping(r) == 0) return 0;
  if (!insecure) return -1;
  {
    /* plain HTTP, as Docker does for insecure registries; if that fails
     * too, HTTPS's reason is the one to tell */
    cleanup_free char *why = xstrdup(fail_msg());
    debug("https://%s: %s; trying http", host, why);
    http_close(&r->http);
    free(r->base);
    r->base = xasprintf("http://%s", host);
    if (ping(r) == 0) return 0;
    debug("http://%s: %s", host, fail_msg());
    return fail("%s", why);
  }
}

void registry_set_creds(struct registry *r, const char *user,
                        const char *pass)
{
  free(r->user);
  free(r->pass);
  r->user = user ? xstrdup(user) : NULL;
  r->pass = pass ? xstrdup(pass) : NULL;
  free(r->token);
  r->token = NULL;
}

void registry_close(struct registry *r)
{
  http_close(&r->http);
  free(r->name);
  free(r->base);
  free(r->user);
  free(r->pass);
  free(r->scope);
  free(r->token);
  free(r->realm);
  free(r->service);
  memset(r, 0, sizeof(*r));
}
