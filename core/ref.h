/* ref.h - image references, parsed and normalised by Docker's rules
 * See https://github.com/distribution/reference (grammar and normalisation)
 *
 *   busybox                   -> docker.io/library/busybox:latest
 *   me/app:1                  -> docker.io/me/app:1
 *   localhost:5000/a/b@sha256:<64 hex>
 *   [::1]:5000/x:y
 *
 * Familiar form (what `images` shows, and the name stored in the store's
 * index.json) drops "docker.io/" and "library/": busybox:latest,
 * me/app:1, localhost:5000/a/b:tag. Full and familiar forms map one to one. */
#ifndef OCIBOX_REF_H
#define OCIBOX_REF_H

struct ref {
  char *domain;   /* "docker.io", "localhost:5000", "[::1]:5000" */
  char *path;     /* "library/busybox", "a/b" */
  char *tag;      /* "latest", or NULL */
  char *digest;   /* "sha256:<hex>", or NULL */
};

enum {
  REF_DEFAULT_TAG = 1,  /* no tag and no digest: tag "latest" */
  REF_NO_DIGEST = 2,    /* refuse "@digest" (tag, commit, import targets) */
  REF_NO_TAG = 4,       /* refuse ":tag" (a repository name only) */
};

/* Parse and normalise s into r (strings owned by r, free with ref_free).
 * -1 with Docker's message on error, e.g. "invalid reference format",
 * "invalid reference format: repository name (library/Busybox) must be
 * lowercase", "invalid repository name (<64 hex>), cannot specify 64-byte
 * hexadecimal strings". */
int ref_parse(struct ref *r, const char *s, int flags);
void ref_free(struct ref *r);

/* Caller frees each of these. */
char *ref_full(const struct ref *r);        /* docker.io/library/busybox:latest */
char *ref_familiar(const struct ref *r);    /* busybox:latest */
char *ref_repo_full(const struct ref *r);   /* docker.io/library/busybox */
char *ref_repo_familiar(const struct ref *r); /* busybox */

/* A name to give an image (tag, import, commit): parsed with the default
 * tag and no digest; its familiar and full forms, which the caller frees. */
int ref_target(const char *s, char **familiar, char **full);
/* 1 if s is a 64-hex image ID, with or without "sha256:". */
int ref_is_id(const char *s);

/* Match a familiar "repo:tag" against a Docker reference filter pattern
 * (path.Match globs, as `images --filter reference=` uses); 1 on match. */
int ref_match(const char *pattern, const char *familiar);

#endif
