/* ref.c - image references: Docker's grammar and normalisation */
#include "core/ref.h"
#include "core/util.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* see ref.h */

#define DEFAULT_DOMAIN "docker.io"

static int alnum_lower(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static int path_ok(const char *p, size_t n)
{
  size_t i = 0;

  if (!n) return 0;
  for (;;) {
    if (i >= n || !alnum_lower(p[i])) return 0;
    while (i < n && alnum_lower(p[i])) i++;
    if (i == n) return 1;
    if (p[i] == '/') {
      i++;
      continue;
    }
    if (p[i] == '.') i++;
    else if (p[i] == '_') i += (i + 1 < n && p[i + 1] == '_') ? 2 : 1;
    else if (p[i] == '-') while (i < n && p[i] == '-') i++;
    else return 0;
  }
}

/* domain := host [':' port]; host := name ('.' name)* | '[' v6 ']' */
static int domain_ok(const char *d, size_t n)
{
  size_t i = 0;

  if (n && d[0] == '[') {
    for (i = 1; i < n && (isxdigit((unsigned char)d[i]) || d[i] == ':' ||
                          d[i] == '.'); i++);
    if (i >= n || d[i] != ']' || i == 1) return 0;
    i++;
  } else {
    for (;;) {
      size_t s = i;
      if (i >= n || !isalnum((unsigned char)d[i])) return 0;
      while (i < n && (isalnum((unsigned char)d[i]) || d[i] == '-')) i++;
      if (d[i - 1] == '-' || i == s) return 0;
      if (i < n && d[i] == '.') {
        i++;
        continue;
      }
      break;
    }
  }
  if (i < n && d[i] == ':') {
    size_t s = ++i;
    while (i < n && isdigit((unsigned char)d[i])) i++;
    if (i == s) return 0;
  }
  return i == n;
}

/* tag := [\w][\w.-]{0,127} */
static int tag_ok(const char *t)
{
  size_t n = strlen(t);

  if (!n || n > 128 || !(isalnum((unsigned char)*t) || *t == '_')) return 0;
  for (size_t i = 1; i < n; i++)
    if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i])) return 0;
  return 1;
}

static int digest_check(const char *d)
{
  const char *colon = strchr(d, ':');
  size_t alg, hex;

  if (!colon) return fail("invalid reference format");
  alg = colon - d;
  hex = strlen(colon + 1);
  for (size_t i = 0; i < alg; i++)
    if (!isalnum((unsigned char)d[i]) && !strchr("+.-_", d[i]))
      return fail("invalid reference format");
  if (!alg || !isalpha((unsigned char)*d) || hex < 32)
    return fail("invalid reference format");
  for (size_t i = 0; i < hex; i++)
    if (!isxdigit((unsigned char)colon[1 + i]))
      return fail("invalid reference format");
  if (alg == 6 && !strncmp(d, "sha256", 6)) {
    if (hex != 64) return fail("invalid checksum digest length");
    if (!is_hex(colon + 1, 64)) return fail("invalid checksum digest format");
    return 0;
  }
  if (alg == 6 && !strncmp(d, "sha512", 6) && hex == 128) return 0;
  return fail("unsupported digest algorithm");
}

int ref_is_id(const char *s)
{
  if (str_starts(s, "sha256:")) s += 7;
  return strlen(s) == 64 && is_hex(s, 64);
}

void ref_free(struct ref *r)
{
  free(r->domain);
  free(r->path);
  free(r->tag);
  free(r->digest);
  memset(r, 0, sizeof(*r));
}

int ref_parse(struct ref *r, const char *s, int flags)
{
  cleanup_free char *copy = xstrdup(s);
  char *name = copy, *at, *slash, *colon, *rest;
  size_t dl;

  memset(r, 0, sizeof(*r));
  if (!*s) return fail("invalid reference format: repository name must have "
                       "at least one component");
  if (strlen(s) == 64 && is_hex(s, 64))
    return fail("invalid repository name (%s), cannot specify 64-byte "
                "hexadecimal strings", s);
  if ((at = strchr(name, '@'))) {
    *at++ = 0;
    if (digest_check(at) < 0) goto fail;
    r->digest = xstrdup(at);
  }
  /* a tag is after a ':' that follows the last '/' */
  slash = strrchr(name, '/');
  if ((colon = strrchr(slash ? slash : name, ':'))) {
    *colon++ = 0;
    if (!tag_ok(colon)) {
      fail("invalid reference format");
      goto fail;
    }
    r->tag = xstrdup(colon);
  }
  /* the first component is a domain when it looks like one (has '.' or
   * ':', is "localhost", or has capitals) and more follows */
  rest = name;
  if ((slash = strchr(name, '/'))) {
    dl = slash - name;
    int upper = 0;
    for (size_t i = 0; i < dl; i++) upper |= isupper((unsigned char)name[i]);
    if (memchr(name, '.', dl) || memchr(name, ':', dl) ||
        (dl == 9 && !strncmp(name, "localhost", 9)) || upper) {
      if (!domain_ok(name, dl)) {
        fail("invalid reference format");
        goto fail;
      }
      r->domain = xstrndup(name, dl);
      rest = slash + 1;
    }
  }
  if (!r->domain || !strcmp(r->domain, "index.docker.io")) {
    free(r->domain);
    r->domain = xstrdup(DEFAULT_DOMAIN);
  }
  for (char *p = rest; *p; p++)
    if (isupper((unsigned char)*p)) {
      /* Docker names the repository as normalised so far */
      int lib = !strcmp(r->domain, DEFAULT_DOMAIN) && !strchr(rest, '/');
      fail("invalid reference format: repository name (%s%s) must be "
           "lowercase", lib ? "library/" : "", rest);
      goto fail;
    }
  if (!path_ok(rest, strlen(rest)) || str_ends(rest, "/")) {
    fail("invalid reference format");
    goto fail;
  }
  if (!strcmp(r->domain, DEFAULT_DOMAIN) && !strchr(rest, '/'))
    r->path = xasprintf("library/%s", rest);
  else
    r->path = xstrdup(rest);
  if (strlen(r->domain) + 1 + strlen(r->path) > 255) {
    fail("invalid reference format: repository name must not be more than "
         "255 characters");
    goto fail;
  }
  if ((flags & REF_NO_DIGEST) && r->digest) {
    fail("invalid reference format: a digest is not allowed here");
    goto fail;
  }
  if ((flags & REF_NO_TAG) && r->tag) {
    fail("invalid reference format: a tag is not allowed here");
    goto fail;
  }
  if ((flags & REF_DEFAULT_TAG) && !r->tag && !r->digest)
    r->tag = xstrdup("latest");
  return 0;
fail:
  ref_free(r);
  return -1;
}

char *ref_repo_full(const struct ref *r)
{
  return xasprintf("%s/%s", r->domain, r->path);
}

char *ref_repo_familiar(const struct ref *r)
{
  if (strcmp(r->domain, DEFAULT_DOMAIN))
    return xasprintf("%s/%s", r->domain, r->path);
  if (str_starts(r->path, "library/") && !strchr(r->path + 8, '/'))
    return xstrdup(r->path + 8);
  return xstrdup(r->path);
}

static char *with_suffix(char *repo, const struct ref *r)
{
  char *s = xasprintf("%s%s%s%s%s", repo, r->tag ? ":" : "",
                      r->tag ? r->tag : "", r->digest ? "@" : "",
                      r->digest ? r->digest : "");
  free(repo);
  return s;
}

char *ref_full(const struct ref *r)
{
  return with_suffix(ref_repo_full(r), r);
}

char *ref_familiar(const struct ref *r)
{
  return with_suffix(ref_repo_familiar(r), r);
}

int ref_match(const char *pattern, const char *familiar)
{
  cleanup_free char *name = xstrdup(familiar);
  char *slash = strrchr(name, '/'), *colon, *at;

  if (!fnmatch(pattern, familiar, FNM_PATHNAME)) return 1;
  /* Docker's FamiliarMatch: then against the name without tag/digest */
  if ((at = strchr(name, '@'))) *at = 0;
  if ((colon = strrchr(slash ? slash : name, ':'))) *colon = 0;
  return !fnmatch(pattern, name, FNM_PATHNAME);
}

int ref_target(const char *s, char **familiar, char **full)
{
  struct ref r;

  if (ref_parse(&r, s, REF_DEFAULT_TAG | REF_NO_DIGEST) < 0) return -1;
  *familiar = ref_familiar(&r);
  *full = ref_full(&r);
  ref_free(&r);
  return 0;
}
