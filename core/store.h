/* store.h - the on-disk store: an OCI image layout plus ocibox's own state
 * See https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 *
 *   oci-layout, index.json   the layout; index.json's manifests[] are the
 *                            images, one entry per tag (annotation
 *                            org.opencontainers.image.ref.name = familiar
 *                            name, "busybox:latest"), one without a name
 *                            for each untagged ("dangling") image
 *   blobs/sha256/<hex>       content-addressed, immutable
 *   diffs/<hex>              for a layer blob <hex>: "<diff_id> <size>\n",
 *                            its verified uncompressed digest and size
 *   ingest/                  blobs being written; not trusted
 *   lock                     flock(2) by writers
 *
 * Every write is temp + fsync + rename + fsync(dir): after a crash the
 * store holds the old state or the new one. Readers take no lock: what they
 * open is always complete. */
#ifndef OCIBOX_STORE_H
#define OCIBOX_STORE_H

#include <stdint.h>

#include "core/digest.h"
#include "core/json.h"

struct store {
  char *root;
  int dfd;          /* the root directory */
  int lockfd;       /* held while open for writing, else -1 */
  int gcfd;         /* gc.lock held shared (store_gc_hold), else -1 */
};

enum {
  STORE_READ = 0, STORE_WRITE = 1,
  /* with STORE_WRITE, taken before the writer lock (always in that order):
   * STORE_GC for store_gc/layer_gc (waits for pulls), STORE_PULL for work
   * that adds blobs without the writer lock (keeps the collector out) */
  STORE_GC = 2, STORE_PULL = 4,
};

/* The root: --root, else $OCIBOX_ROOT, else /var/lib/ocibox. */
const char *store_root(void);
/* Open the store. STORE_WRITE creates the layout if needed and takes the
 * writer lock (waiting for another writer); STORE_READ of a missing store
 * succeeds with an empty view. Stale ingest files of dead writers are
 * removed. */
int store_open(struct store *s, int mode);
void store_close(struct store *s);

/* "blobs/sha256/<hex>" for a valid digest; caller frees. */
char *store_blob_path(const char *digest);
/* 1 if the blob is present (size returned when size != NULL), 0 if not. */
int store_has_blob(struct store *s, const char *digest, int64_t *size);
/* Open a blob for reading; -1 if missing. */
int store_blob_open(struct store *s, const char *digest);
/* Read a whole (metadata) blob of at most max bytes and check that its
 * content still matches its name; caller frees. */
char *store_blob_read(struct store *s, const char *digest, size_t max,
                      size_t *len);
/* Store a small blob from memory; digest written to out. */
int store_blob_put(struct store *s, const void *p, size_t n, char *out);

/* An ingest: a blob being written. The temp file lives in ingest/ until
 * store_ingest_commit renames it to blobs/ under its computed digest. */
struct ingest {
  struct store *s;
  int fd;
  char *name;                 /* path relative to the root */
  struct digest d;
  char digest[DIGEST_LEN];    /* set by store_ingest_done */
  uint64_t size;
};

int store_ingest_begin(struct store *s, struct ingest *in);
int store_ingest_write(void *in, const void *p, size_t n);
/* fsync and close the temp file; the digest is then in in->digest. */
int store_ingest_done(struct ingest *in);
/* Move a done ingest to blobs/ (if the blob exists already, the temp file
 * is dropped). */
int store_ingest_commit(struct ingest *in);
/* Remove the temp file. Safe on a zeroed or already finished ingest. */
void store_ingest_abort(struct ingest *in);
/* A resumable ingest of the blob digest: ingest/partial-<hex>, kept across
 * runs (never swept), locked against a second writer. in->size is what
 * is there already, not yet hashed: the caller reads it back (pread) to
 * hash it, or truncates with store_partial_restart; writes append. To
 * stop without losing it, store_partial_keep; to commit, as any ingest. */
int store_partial_open(struct store *s, const char *digest, struct ingest *in);
int store_partial_restart(struct ingest *in);
void store_partial_keep(struct ingest *in);
/* Remove the partial downloads no pull is resuming (with STORE_GC held,
 * none is); returns the bytes freed. */
int64_t store_partials_gc(struct store *s);
/* Let other writers in while a long download runs, and take the lock
 * back before changing the store. */
void store_unlock(struct store *s);
int store_relock(struct store *s);

/* Layer facts: the verified diff_id and uncompressed size of a layer blob. */
int store_diff_get(struct store *s, const char *blob, char *diff_id,
                   int64_t *size);
int store_diff_put(struct store *s, const char *blob, const char *diff_id,
                   int64_t size);

/* index.json: load (an empty index if missing) and save atomically. */
cJSON *store_index_load(struct store *s);
int store_index_save(struct store *s, cJSON *idx);

/* Annotation keys on index entries. */
#define ANN_REF "org.opencontainers.image.ref.name"
#define ANN_NAME "io.containerd.image.name"
#define ANN_TAGGED "io.ocibox.last-tag-time"
/* "repo@sha256:..." where this manifest was pulled from or pushed to */
#define ANN_REPO_DIGEST "io.ocibox.repo-digest"

/* The entry tagged with a familiar name, or NULL. */
cJSON *store_index_find(cJSON *idx, const char *familiar);
/* Point familiar name (NULL: none, a dangling image) at the manifest
 * described by desc ({mediaType, digest, size}); a manifest that loses its
 * last name stays as an unnamed entry. */
void store_index_tag(cJSON *idx, const cJSON *desc, const char *familiar,
                     const char *full);
/* Remove the name; the manifest stays as an unnamed entry if it has no
 * other. 0 if the name was not there. */
int store_index_untag(cJSON *idx, const char *familiar);
/* Remove every entry of a manifest. */
void store_index_drop(cJSON *idx, const char *manifest_digest);

/* Delete blobs (and their diffs/ records) that no index entry reaches
 * through its manifest; each deleted layer/config digest is passed to cb
 * (may be NULL) with its size. Returns the bytes freed, or -1. */
int64_t store_gc(struct store *s, cJSON *idx,
                 void (*cb)(void *ctx, const char *digest, int64_t size),
                 void *ctx);

#endif
