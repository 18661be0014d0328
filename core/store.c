/* store.c - the on-disk store (OCI image layout plus ocibox's state) */
#include "core/store.h"
#include "core/opt.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* see store.h */

static const char layout[] = "{\"imageLayoutVersion\": \"1.0.0\"}";

const char *store_root(void)
{
  const char *e = getenv("OCIBOX_ROOT");

  if (opt_root) return opt_root;
  return e && *e ? e : "/var/lib/ocibox";
}

/* Remove what a dead writer left half-done: temp ingest files and temp
 * copies of index.json and diffs/ records. Resumable downloads
 * (ingest/<hex>.partial) are kept. Called with the lock held. */
static void sweep(struct store *s)
{
  static const char *const dirs[] = { ".", "ingest", "diffs" };

  for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
    DIR *d = dir_open(s->dfd, dirs[i], 0);
    struct dirent *e;

    if (!d) continue;
    while ((e = readdir(d)))
      if (strstr(e->d_name, ".tmp.") || str_starts(e->d_name, "tmp-"))
        unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
  }
}

static int gc_open(struct store *s, int how)
{
  int fd = openat(s->dfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0 || flock(fd, how) < 0) {
    if (fd >= 0) close(fd);
    return pfail("lock '%s/gc.lock'", s->root);
  }
  return fd;
}

int store_open(struct store *s, int mode)
{
  const char *root = store_root();
  int fd;

  memset(s, 0, sizeof(*s));
  s->lockfd = s->gcfd = -1;
  s->root = xstrdup(root);
  if ((mode & STORE_WRITE) && mkdir_p(AT_FDCWD, root, 0700) < 0)
    return fail_wrap("store '%s'", root);
  if ((s->dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    if (errno == ENOENT && mode == STORE_READ) return 0;  /* empty view */
    return pfail("open store '%s'", root);
  }
  if (!(mode & STORE_WRITE)) return 0;
  /* the collector's lock first, then the writer's: never the other way */
  if ((mode & (STORE_GC | STORE_PULL)) &&
      (s->gcfd = gc_open(s, mode & STORE_GC ? LOCK_EX : LOCK_SH)) < 0)
    return -1;

  if ((s->lockfd = openat(s->dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
                          0600)) < 0)
    return pfail("open '%s/lock'", root);
  /* one writer at a time; another waits rather than fails */
  if (flock(s->lockfd, LOCK_EX) < 0) return pfail("lock '%s'", root);
  if (mkdir_p(s->dfd, "blobs/sha256", 0755) < 0 ||
      mkdir_p(s->dfd, "ingest", 0700) < 0 || mkdir_p(s->dfd, "diffs", 0755))
    return fail_wrap("store '%s'", root);
  if (faccessat(s->dfd, "oci-layout", F_OK, 0) < 0 &&
      file_write_atomic(s->dfd, "oci-layout", layout, strlen(layout),
                        0644) < 0)
    return -1;
  sweep(s);
  (void)fd;
  return 0;
}

void store_close(struct store *s)
{
  if (s->lockfd >= 0) close(s->lockfd);
  if (s->gcfd >= 0) close(s->gcfd);
  if (s->dfd > 0) close(s->dfd);
  free(s->root);
  memset(s, 0, sizeof(*s));
  s->dfd = s->lockfd = s->gcfd = -1;
}

char *store_blob_path(const char *digest)
{
  return xasprintf("blobs/sha256/%s", digest_hex(digest));
}

int store_has_blob(struct store *s, const char *digest, int64_t *size)
{
  cleanup_free char *p = NULL;
  struct stat st;

  if (s->dfd < 0 || !digest_valid(digest)) return 0;
  p = store_blob_path(digest);
  if (fstatat(s->dfd, p, &st, 0) < 0 || !S_ISREG(st.st_mode)) return 0;
  if (size) *size = st.st_size;
  return 1;
}

int store_blob_open(struct store *s, const char *digest)
{
  cleanup_free char *p = NULL;
  int fd;

  if (!digest_valid(digest)) return fail("invalid digest '%s'", digest);
  p = store_blob_path(digest);
  if (s->dfd < 0 || (fd = openat(s->dfd, p, O_RDONLY | O_CLOEXEC)) < 0)
    return fail("blob %s is missing from the store", digest);
  return fd;
}

char *store_blob_read(struct store *s, const char *digest, size_t max,
                      size_t *len)
{
  cleanup_free char *p = NULL, *data = NULL;
  char got[DIGEST_LEN];
  size_t n;

  if (!digest_valid(digest))
    return fail("invalid digest '%s'", digest), NULL;
  if (s->dfd < 0) return fail("blob %s is missing", digest), NULL;
  p = store_blob_path(digest);
  if (!(data = file_read(s->dfd, p, max, &n)))
    return fail_wrap("blob %s", digest), NULL;
  digest_buf(data, n, got);
  if (strcmp(got, digest))
    return fail("blob %s is corrupt (content has digest %s)", digest, got),
           NULL;
  if (len) *len = n;
  return steal_pointer(&data);
}

int store_ingest_begin(struct store *s, struct ingest *in)
{
  static unsigned seq;

  memset(in, 0, sizeof(*in));
  in->s = s;
  in->name = xasprintf("ingest/tmp-%d-%u", (int)getpid(), seq++);
  if ((in->fd = openat(s->dfd, in->name, O_WRONLY | O_CREAT | O_EXCL |
                       O_CLOEXEC, 0644)) < 0) {
    pfail("create '%s'", in->name);
    free(in->name);
    in->name = NULL;
    return -1;
  }
  digest_init(&in->d);
  return 0;
}

int store_ingest_write(void *ctx, const void *p, size_t n)
{
  struct ingest *in = ctx;

  if (write_full(in->fd, p, n) < 0) return pfail("write '%s'", in->name);
  digest_update(&in->d, p, n);
  in->size += n;
  return 0;
}

int store_ingest_done(struct ingest *in)
{
  int fd = steal_fd(&in->fd);

  if (fsync(fd) < 0) {
    close(fd);
    return pfail("fsync '%s'", in->name);
  }
  if (close(fd) < 0) return pfail("close '%s'", in->name);
  digest_final(&in->d, in->digest);
  return 0;
}

int store_ingest_commit(struct ingest *in)
{
  cleanup_free char *p = store_blob_path(in->digest);

  if (store_has_blob(in->s, in->digest, NULL)) {
    store_ingest_abort(in);
    return 0;
  }
  if (renameat(in->s->dfd, in->name, in->s->dfd, p) < 0)
    return pfail("rename '%s'", in->name);
  free(in->name);
  in->name = NULL;
  return fsync_dir(in->s->dfd, p);
}

void store_ingest_abort(struct ingest *in)
{
  if (in->fd > 0) close(in->fd);
  in->fd = -1;
  if (in->name) unlinkat(in->s->dfd, in->name, 0);
  free(in->name);
  in->name = NULL;
}

int store_partial_open(struct store *s, const char *digest, struct ingest *in)
{
  struct stat st;

  memset(in, 0, sizeof(*in));
  in->s = s;
  in->name = xasprintf("ingest/partial-%s", digest_hex(digest));
  if ((in->fd = openat(s->dfd, in->name, O_RDWR | O_CREAT | O_CLOEXEC,
                       0644)) < 0 ||
      flock(in->fd, LOCK_EX) < 0 || fstat(in->fd, &st) < 0 ||
      lseek(in->fd, 0, SEEK_END) < 0) {
    pfail("open '%s'", in->name);
    store_partial_keep(in);
    return -1;
  }
  digest_init(&in->d);
  in->size = st.st_size;
  return 0;
}

int store_partial_restart(struct ingest *in)
{
  if (ftruncate(in->fd, 0) < 0 || lseek(in->fd, 0, SEEK_SET) < 0)
    return pfail("truncate '%s'", in->name);
  digest_init(&in->d);
  in->size = 0;
  return 0;
}

void store_partial_keep(struct ingest *in)
{
  if (in->fd >= 0) close(in->fd);
  in->fd = -1;
  free(in->name);
  in->name = NULL;
}

int64_t store_partials_gc(struct store *s)
{
  struct dirent *e;
  int64_t freed = 0;
  DIR *d;

  if (!(d = dir_open(s->dfd, "ingest", 0))) return 0;
  while ((e = readdir(d))) {
    struct stat st;
    int pf;
    if (!str_starts(e->d_name, "partial-")) continue;
    if ((pf = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC)) < 0) continue;
    /* a pull holds its partial file locked */
    if (flock(pf, LOCK_EX | LOCK_NB) == 0 && fstat(pf, &st) == 0 &&
        unlinkat(dirfd(d), e->d_name, 0) == 0)
      freed += st.st_size;
    close(pf);
  }
  closedir(d);
  return freed;
}

void store_unlock(struct store *s)
{
  if (s->lockfd >= 0) close(s->lockfd);
  s->lockfd = -1;
}

int store_relock(struct store *s)
{
  if (s->lockfd >= 0) return 0;
  if ((s->lockfd = openat(s->dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
                          0600)) < 0 || flock(s->lockfd, LOCK_EX) < 0)
    return pfail("lock '%s'", s->root);
  return 0;
}

int store_blob_put(struct store *s, const void *p, size_t n, char *out)
{
  struct ingest in;

  if (store_ingest_begin(s, &in) < 0) return -1;
  if (store_ingest_write(&in, p, n) < 0 || store_ingest_done(&in) < 0 ||
      store_ingest_commit(&in) < 0) {
    store_ingest_abort(&in);
    return -1;
  }
  memcpy(out, in.digest, DIGEST_LEN);
  return 0;
}

int store_diff_get(struct store *s, const char *blob, char *diff_id,
                   int64_t *size)
{
  cleanup_free char *p = NULL, *data = NULL;
  char d[80];
  long long sz;

  if (s->dfd < 0 || !digest_valid(blob)) return -1;
  p = xasprintf("diffs/%s", digest_hex(blob));
  if (!(data = file_read(s->dfd, p, 256, NULL))) return -1;
  if (sscanf(data, "%79s %lld", d, &sz) != 2 || !digest_valid(d) || sz < 0)
    return fail("'%s' is corrupt", p);
  if (diff_id) memcpy(diff_id, d, DIGEST_LEN);
  if (size) *size = sz;
  return 0;
}

int store_diff_put(struct store *s, const char *blob, const char *diff_id,
                   int64_t size)
{
  cleanup_free char *p = xasprintf("diffs/%s", digest_hex(blob));
  cleanup_free char *data = xasprintf("%s %lld\n", diff_id, (long long)size);

  return file_write_atomic(s->dfd, p, data, strlen(data), 0644);
}

cJSON *store_index_load(struct store *s)
{
  cJSON *idx;

  if (s->dfd >= 0 && faccessat(s->dfd, "index.json", F_OK, 0) == 0) {
    if (!(idx = json_read(s->dfd, "index.json", JSON_MAX))) return NULL;
    if (!json_arr(idx, "manifests"))
      json_set(idx, "manifests", cJSON_CreateArray());
    return idx;
  }
  idx = cJSON_CreateObject();
  cJSON_AddNumberToObject(idx, "schemaVersion", 2);
  cJSON_AddStringToObject(idx, "mediaType",
                          "application/vnd.oci.image.index.v1+json");
  cJSON_AddItemToObject(idx, "manifests", cJSON_CreateArray());
  return idx;
}

int store_index_save(struct store *s, cJSON *idx)
{
  cleanup_free char *p = json_print(idx);

  return file_write_atomic(s->dfd, "index.json", p, strlen(p), 0644);
}

static const char *entry_name(const cJSON *e)
{
  return json_str(json_obj(e, "annotations"), ANN_REF);
}

cJSON *store_index_find(cJSON *idx, const char *familiar)
{
  cJSON *e;

  cJSON_ArrayForEach(e, json_arr(idx, "manifests")) {
    const char *n = entry_name(e);
    if (n && !strcmp(n, familiar)) return e;
  }
  return NULL;
}

/* Entries of this manifest: named ones counted in *named, an unnamed one
 * returned. */
static cJSON *entries_of(cJSON *idx, const char *digest, int *named)
{
  cJSON *e, *unnamed = NULL;

  *named = 0;
  cJSON_ArrayForEach(e, json_arr(idx, "manifests")) {
    const char *d = json_str(e, "digest");
    if (!d || strcmp(d, digest)) continue;
    if (entry_name(e)) (*named)++;
    else unnamed = e;
  }
  return unnamed;
}

static cJSON *new_entry(const cJSON *desc)
{
  cJSON *e = cJSON_CreateObject();

  cJSON_AddStringToObject(e, "mediaType", json_str(desc, "mediaType"));
  cJSON_AddStringToObject(e, "digest", json_str(desc, "digest"));
  cJSON_AddNumberToObject(e, "size", json_int(desc, "size", 0));
  if (json_obj(desc, "platform"))
    cJSON_AddItemToObject(e, "platform",
                          cJSON_Duplicate(json_obj(desc, "platform"), 1));
  return e;
}

int store_index_untag(cJSON *idx, const char *familiar)
{
  cJSON *e = store_index_find(idx, familiar), *m = json_arr(idx, "manifests");
  cleanup_free char *digest = NULL;
  int named;

  if (!e) return 0;
  digest = xstrdup(json_str(e, "digest"));
  cJSON_DetachItemViaPointer(m, e);
  /* the manifest stays, unnamed, when this was its last name */
  if (!entries_of(idx, digest, &named) && !named) {
    cJSON_DeleteItemFromObject(e, "annotations");
    cJSON_AddItemToArray(m, e);
  } else {
    cJSON_Delete(e);
  }
  return 1;
}

void store_index_tag(cJSON *idx, const cJSON *desc, const char *familiar,
                     const char *full)
{
  cJSON *m = json_arr(idx, "manifests"), *e, *ann, *unnamed;
  const char *digest = json_str(desc, "digest");
  char now[40];
  int named;

  if (familiar) {
    e = store_index_find(idx, familiar);
    if (e && !strcmp(json_str(e, "digest"), digest)) {
      json_set_str(json_obj(e, "annotations"), ANN_TAGGED,
                   time_fmt(now, time(NULL)));
      return;
    }
    store_index_untag(idx, familiar);
  }
  unnamed = entries_of(idx, digest, &named);
  if (!familiar) {
    if (!unnamed && !named) cJSON_AddItemToArray(m, new_entry(desc));
    return;
  }
  /* a name replaces the unnamed entry of the same manifest */
  if (unnamed) cJSON_DetachItemViaPointer(m, unnamed), cJSON_Delete(unnamed);
  e = new_entry(desc);
  ann = cJSON_AddObjectToObject(e, "annotations");
  if (full) cJSON_AddStringToObject(ann, ANN_NAME, full);
  cJSON_AddStringToObject(ann, ANN_REF, familiar);
  cJSON_AddStringToObject(ann, ANN_TAGGED, time_fmt(now, time(NULL)));
  cJSON_AddItemToArray(m, e);
}

void store_index_drop(cJSON *idx, const char *digest)
{
  cJSON *m = json_arr(idx, "manifests"), *e = m ? m->child : NULL, *next;

  for (; e; e = next) {
    const char *d = json_str(e, "digest");
    next = e->next;
    if (d && !strcmp(d, digest)) cJSON_Delete(cJSON_DetachItemViaPointer(m, e));
  }
}

/* Mark what a manifest or index reaches. */
static void reach(struct store *s, const char *digest, struct strv *live,
                  int depth)
{
  cleanup_free char *p = NULL;
  cJSON *j, *e;

  if (!digest_valid(digest) || strv_has(live, digest)) return;
  strv_add(live, xstrdup(digest));
  if (depth > 4 || !(p = store_blob_read(s, digest, JSON_MAX, NULL))) return;
  if (!(j = json_parse(p, strlen(p)))) return;
  if ((e = json_obj(j, "config")) && json_str(e, "digest"))
    strv_add(live, xstrdup(json_str(e, "digest")));
  cJSON_ArrayForEach(e, json_arr(j, "layers"))
    if (json_str(e, "digest")) strv_add(live, xstrdup(json_str(e, "digest")));
  cJSON_ArrayForEach(e, json_arr(j, "manifests"))
    reach(s, json_str(e, "digest"), live, depth + 1);
  cJSON_Delete(j);
}

int64_t store_gc(struct store *s, cJSON *idx,
                 void (*cb)(void *ctx, const char *digest, int64_t size),
                 void *ctx)
{
  struct strv live = { 0 };
  int64_t freed = 0;
  struct dirent *e;
  struct stat st;
  cJSON *m;
  DIR *d;

  if (s->gcfd < 0) return fail("store_gc without STORE_GC");
  cJSON_ArrayForEach(m, json_arr(idx, "manifests"))
    reach(s, json_str(m, "digest"), &live, 0);
  if (!(d = dir_open(s->dfd, "blobs/sha256", 0))) {
    strv_free(&live);
    return errno == ENOENT ? 0 : pfail("open '%s/blobs/sha256'", s->root);
  }
  while ((e = readdir(d))) {
    char dg[DIGEST_LEN];
    cleanup_free char *diff = NULL;

    if (strlen(e->d_name) != 64 || !is_hex(e->d_name, 64)) continue;
    snprintf(dg, sizeof(dg), "sha256:%s", e->d_name);
    if (strv_has(&live, dg)) continue;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (unlinkat(dirfd(d), e->d_name, 0) < 0) continue;
    diff = xasprintf("diffs/%s", e->d_name);
    unlinkat(s->dfd, diff, 0);
    freed += st.st_size;
    if (cb) cb(ctx, dg, st.st_size);
  }
  closedir(d);
  strv_free(&live);
  fsync_dir(s->dfd, "blobs/sha256/x");
  return freed;
}
