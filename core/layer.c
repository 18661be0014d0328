/* layer.c - hardened layer extraction, overlay whiteouts */
#include "core/layer.h"
#include "core/container.h"
#include "core/image.h"
#include "core/opt.h"
#include "core/digest.h"
#include "core/gz.h"
#include "core/tar.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* see layer.h */

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct how { uint64_t flags, mode, resolve; };
#define RESOLVE_NO_MAGICLINKS_ 0x02
#define RESOLVE_IN_ROOT_ 0x10

static int have_openat2 = 1;

/* Open directory path (relative, normalised) inside root, creating missing
 * components. Symlinks on the way resolve as if root were "/" (openat2
 * RESOLVE_IN_ROOT); without openat2 a symlinked component is refused. */
static int open_dir(int root, const char *path)
{
  struct how h = { O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0,
                   RESOLVE_IN_ROOT_ | RESOLVE_NO_MAGICLINKS_ };
  cleanup_free char *p = xstrdup(path);
  char *save = NULL, *c;
  int fd;

  if (!*path) return dup(root);
  if (have_openat2) {
    fd = syscall(SYS_openat2, root, path, &h, sizeof(h));
    if (fd >= 0) return fd;
    if (errno == ENOSYS) have_openat2 = 0;
    else if (errno != ENOENT) return pfail("open '%s'", path);
  }
  /* walk, creating what is missing, never following a symlink */
  fd = dup(root);
  for (c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT) {
      if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
        close(fd);
        return pfail("mkdir '%s'", c);
      }
      next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0 && (errno == ELOOP || errno == ENOTDIR) && have_openat2) {
      /* a symlink: let the kernel resolve the rest inside root */
      close(fd);
      fd = syscall(SYS_openat2, root, path, &h, sizeof(h));
      if (fd >= 0) return fd;
      return pfail("open '%s'", path);
    }
    close(fd);
    if (next < 0)
      return pfail("open '%s'%s", path, errno == ELOOP ?
                   " (a symlink on the way)" : "");
    fd = next;
  }
  return fd;
}

/* Split a normalised entry path into parent dir and base name. -1 for
 * a path that leaves the root. */
static int norm(const char *in, char **dir, char **base)
{
  struct buf b = { 0 };
  cleanup_free char *p = xstrdup(in);
  char *save = NULL, *c, *slash;

  for (c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (!strcmp(c, ".")) continue;
    if (!strcmp(c, "..")) {
      free(b.p);
      return fail("layer entry '%.200s' leaves the layer", in);
    }
    if (b.len) buf_add(&b, "/", 1);
    buf_add(&b, c, strlen(c));
  }
  if (!b.len) {
    *dir = *base = NULL;
    free(b.p);
    return 0;     /* the root itself */
  }
  if ((slash = strrchr(b.p, '/'))) {
    *slash = 0;
    *dir = b.p;
    *base = xstrdup(slash + 1);
  } else {
    *dir = xstrdup("");
    *base = b.p;
  }
  return 0;
}

/* Remove whatever is at name so that a new entry can take its place;
 * a directory stays when keep_dir is set. */
static int clear(int pfd, const char *name, int keep_dir)
{
  struct stat st;

  if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : pfail("stat '%s'", name);
  if (S_ISDIR(st.st_mode)) return keep_dir ? 0 : rm_rf(pfd, name);
  if (unlinkat(pfd, name, 0) < 0) return pfail("remove '%s'", name);
  return 0;
}

static int copy_data(struct tar_reader *t, int fd)
{
  static unsigned char buf[65536];
  ssize_t n;

  while ((n = tar_read(t, buf, sizeof(buf))) > 0)
    if (write_full(fd, buf, n) < 0) return pfail("write");
  return n < 0 ? -1 : 0;
}

/* An opaque directory in vfs mode: what lower layers put in dirfd goes,
 * what this layer wrote (seen, by path, with every ancestor) stays. */
static int apply_opaque(int dfd, const char *path, const struct sset *seen)
{
  struct dirent *e;
  int ret = 0;
  DIR *d;

  if (!(d = dir_open(dfd, ".", 0))) return pfail("opendir '%s'", path);
  while ((e = readdir(d))) {
    cleanup_free char *p = NULL;
    struct stat st;
    int sub;

    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    p = *path ? xasprintf("%s/%s", path, e->d_name) : xstrdup(e->d_name);
    if (!sset_has(seen, p)) {
      ret |= rm_rf(dirfd(d), e->d_name);
      continue;
    }
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !S_ISDIR(st.st_mode))
      continue;
    if ((sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY |
                      O_NOFOLLOW | O_CLOEXEC)) < 0) {
      ret = pfail("open '%s'", p);
      continue;
    }
    ret |= apply_opaque(sub, p, seen);
    close(sub);
  }
  closedir(d);
  return ret;
}

struct dirtime {
  char *path;
  int64_t mtime;
};

static int entry(int root, struct tar_reader *t, struct tar_entry *e,
                 int flags, struct dirtime **dt, size_t *ndt,
                 struct sset *seen)
{
  cleanup_free char *dir = NULL, *base = NULL;
  cleanup_close int pfd = -1;
  struct timespec ts[2];
  int fd, is_link = 0;

  if (norm(e->path, &dir, &base) < 0) return -1;
  if (!base) return 0;   /* "./": the layer root keeps its own metadata */
  if ((pfd = open_dir(root, dir)) < 0) return -1;

  /* whiteouts: for the layers below only (what this layer wrote stays) */
  if (str_starts(base, ".wh.")) {
    if (!strcmp(base, ".wh..wh..opq")) {
      if (flags & LAYER_APPLY) return apply_opaque(pfd, dir, seen);
      if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
        return pfail("set opaque");
      return 0;
    }
    if (!base[4] || strchr(base + 4, '/'))
      return fail("bad whiteout");
    {
      cleanup_free char *x = *dir ? xasprintf("%s/%s", dir, base + 4)
                                  : xstrdup(base + 4);
      if (sset_has(seen, x)) return 0;
    }
    if (clear(pfd, base + 4, 0) < 0) return -1;
    if (flags & LAYER_APPLY) return 0;
    /* overlayfs' whiteout: a 0:0 character device */
    if (mknodat(pfd, base + 4, S_IFCHR | 0, makedev(0, 0)) < 0)
      return pfail("whiteout '%s'", base + 4);
    return 0;
  }

  switch (e->type) {
  case TAR_DIR:
    if (clear(pfd, base, 1) < 0) return -1;
    if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
      return pfail("mkdir");
    break;
  case TAR_REG:
    if (clear(pfd, base, 0) < 0) return -1;
    /* O_EXCL|O_NOFOLLOW: never write through something already there */
    if ((fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                     O_CLOEXEC, 0600)) < 0)
      return pfail("create");
    if (copy_data(t, fd) < 0) {
      close(fd);
      return -1;
    }
    if (close(fd) < 0) return pfail("close");
    break;
  case TAR_SYMLINK:
    if (!e->linkpath) return fail("symlink without target");
    if (clear(pfd, base, 0) < 0) return -1;
    if (symlinkat(e->linkpath, pfd, base) < 0) return pfail("symlink");
    is_link = 1;
    break;
  case TAR_HARDLINK: {
    cleanup_free char *tdir = NULL, *tbase = NULL;
    cleanup_close int tfd = -1;
    if (!e->linkpath || norm(e->linkpath, &tdir, &tbase) < 0 || !tbase)
      return fail("hardlink target '%.200s' leaves the layer",
                  e->linkpath ? e->linkpath : "");
    if ((tfd = open_dir(root, tdir)) < 0) return -1;
    if (clear(pfd, base, 0) < 0) return -1;
    /* no AT_SYMLINK_FOLLOW: a link to a symlink links the symlink */
    if (linkat(tfd, tbase, pfd, base, 0) < 0) return pfail("hardlink");
    return 0;   /* shares the target's metadata */
  }
  case TAR_CHR: case TAR_BLK: case TAR_FIFO: {
    mode_t m = e->type == TAR_FIFO ? S_IFIFO : e->type == TAR_CHR ? S_IFCHR
                                                                  : S_IFBLK;
    if (clear(pfd, base, 0) < 0) return -1;
    if (mknodat(pfd, base, m | 0600, makedev(e->devmajor, e->devminor)) < 0) {
      if (errno == EPERM && e->type != TAR_FIFO) {
        debug("skipping device '%s': %s", e->path, strerror(errno));
        return 0;
      }
      return pfail("mknod");
    }
    break;
  }
  default:
    return fail("unsupported entry type '%c'", e->type);
  }

  if (geteuid() == 0 &&
      fchownat(pfd, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return pfail("chown");
  if (!is_link) {
    /* after chown, which clears set-id bits */
    if (fchmodat(pfd, base, e->mode & 07777, 0) < 0) return pfail("chmod");
    if (e->nxattrs) {
      int xf = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                      (e->type == TAR_DIR ? O_DIRECTORY : 0) |
                      (e->type == TAR_REG || e->type == TAR_DIR ? 0
                                                                 : O_PATH));
      for (size_t i = 0; xf >= 0 && i < e->nxattrs; i++)
        if (fsetxattr(xf, e->xattrs[i].name, e->xattrs[i].value,
                      e->xattrs[i].len, 0) < 0 && errno != EOPNOTSUPP &&
            errno != EPERM && errno != EBADF)
          debug("xattr %s on '%s': %s", e->xattrs[i].name, e->path,
                strerror(errno));
      if (xf >= 0) close(xf);
    }
  }
  if (e->type == TAR_DIR) {
    /* a directory's mtime changes as it fills: set it at the end */
    *dt = xrealloc(*dt, (*ndt + 1) * sizeof(**dt));
    (*dt)[*ndt].path = *dir ? xasprintf("%s/%s", dir, base) : xstrdup(base);
    (*dt)[(*ndt)++].mtime = e->mtime;
    return 0;
  }
  ts[0].tv_sec = ts[1].tv_sec = e->mtime;
  ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_nsec;
  utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

int layer_extract(int root, struct io_reader *in, int flags)
{
  struct tar_reader *t = tar_reader_new(in);
  struct dirtime *dt = NULL;
  struct tar_entry *e;
  size_t ndt = 0;
  int r;

  struct sset seen = { 0 };

  while ((r = tar_next(t, &e)) > 0) {
    char *dir, *base;
    if (entry(root, t, e, flags, &dt, &ndt, &seen) < 0) {
      r = fail_wrap("layer entry '%.200s'", e->path);
      break;
    }
    /* the path and its ancestors: whiteouts spare what this layer wrote */
    if (norm(e->path, &dir, &base) == 0 && base) {
      char *p = *dir ? xasprintf("%s/%s", dir, base) : xstrdup(base), *sl;
      while (!sset_has(&seen, p)) {
        sset_add(&seen, p);
        if (!(sl = strrchr(p, '/'))) break;
        *sl = 0;
      }
      free(p);
      free(dir);
      free(base);
    }
  }
  sset_free(&seen);
  for (size_t i = ndt; i-- > 0;) {
    struct timespec ts[2] = { { dt[i].mtime, 0 }, { dt[i].mtime, 0 } };
    if (r == 0) utimensat(root, dt[i].path, ts, AT_SYMLINK_NOFOLLOW);
    free(dt[i].path);
  }
  free(dt);
  tar_reader_free(t);
  return r < 0 ? -1 : 0;
}

/* Hash what passes: the uncompressed layer's digest is its diff_id. */
struct hashing {
  struct io_reader *in;
  struct digest d;
};

static ssize_t hashing_read(void *ctx, void *buf, size_t n)
{
  struct hashing *h = ctx;
  ssize_t r = io_read(h->in, buf, n);

  if (r > 0) digest_update(&h->d, buf, r);
  return r;
}

/* Extract the blob (gzip or plain) into dirfd, checking that the
 * uncompressed stream is diff_id. */
static int extract_verified(struct store *s, const char *blob, int src,
                            const char *diff_id, int dirfd, int flags,
                            uint64_t *usize)
{
  static unsigned char buf[65536];
  cleanup_close int bfd = src >= 0 ? dup(src) : -1;
  struct gz_reader *gz;
  struct io_reader raw, zin, hin;
  struct hashing h;
  char got[DIGEST_LEN];
  ssize_t k;
  int ret = -1;

  if (bfd < 0 && (bfd = store_blob_open(s, blob)) < 0) return -1;
  raw = IO_FD_READER(&bfd);
  gz = gz_reader_new(&raw, 1);
  zin = gz_reader_io(gz);
  h.in = &zin;
  digest_init(&h.d);
  hin = (struct io_reader){ hashing_read, &h };
  if (layer_extract(dirfd, &hin, flags) < 0) goto out;
  /* the end-of-archive blocks and any padding are part of the diff_id */
  while ((k = io_read(&hin, buf, sizeof(buf))) > 0);
  if (k < 0) goto out;
  digest_final(&h.d, got);
  if (usize) *usize = h.d.size;
  if (strcmp(got, diff_id)) {
    fail("layer %s does not match its diff_id %s (content is %s)", blob,
         diff_id, got);
    goto out;
  }
  ret = 0;
out:
  gz_reader_free(gz);
  return ret;
}

int layer_unpack(struct store *s, const char *blob, const char *diff_id)
{
  return layer_unpack_fd(s, blob, -1, diff_id, NULL);
}

int layer_unpack_fd(struct store *s, const char *blob, int src,
                    const char *diff_id, uint64_t *usize)
{
  static unsigned seq;
  cleanup_free char *final = NULL, *tmp = NULL;
  cleanup_close int tfd = -1;
  struct stat st;

  if (!digest_valid(diff_id)) return fail("invalid diff_id '%s'", diff_id);
  final = xasprintf("layers/%s", digest_hex(diff_id));
  if (fstatat(s->dfd, final, &st, 0) == 0 && S_ISDIR(st.st_mode)) return 0;
  if (mkdir_p(s->dfd, "layers", 0700) < 0) return -1;
  tmp = xasprintf("layers/tmp-%d-%u", (int)getpid(), seq++);
  if (mkdirat(s->dfd, tmp, 0755) < 0) return pfail("mkdir '%s'", tmp);
  if ((tfd = openat(s->dfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    pfail("open '%s'", tmp);
    goto fail;
  }
  if (extract_verified(s, blob, src, diff_id, tfd, LAYER_OVERLAY, usize) < 0)
    goto fail;
  /* everything on disk before the name appears */
  if (syncfs(tfd) < 0) {
    pfail("sync '%s'", tmp);
    goto fail;
  }
  if (renameat(s->dfd, tmp, s->dfd, final) < 0) {
    if (errno == ENOTEMPTY || errno == EEXIST) {   /* another won the race */
      rm_rf(s->dfd, tmp);
      return 0;
    }
    pfail("rename '%s'", tmp);
    goto fail;
  }
  return fsync_dir(s->dfd, final);
fail:
  rm_rf(s->dfd, tmp);
  return -1;
}

int layer_apply(struct store *s, const char *blob, const char *diff_id,
                int dirfd)
{
  if (!digest_valid(diff_id)) return fail("invalid diff_id '%s'", diff_id);
  return extract_verified(s, blob, -1, diff_id, dirfd, LAYER_APPLY, NULL);
}

int64_t layer_gc(struct store *s, cJSON *idx)
{
  struct strv live = { 0 };
  struct container *cv;
  struct image *iv;
  size_t ni, nc;
  int64_t freed = 0;
  struct dirent *e;
  DIR *d;

  if (s->gcfd < 0) return fail("layer_gc without STORE_GC");
  image_list(s, idx, &iv, &ni);
  for (size_t i = 0; i < ni; i++) {
    const cJSON *id;
    cJSON_ArrayForEach(id, json_arr(json_obj(iv[i].config, "rootfs"),
                                    "diff_ids"))
      if (cJSON_IsString(id) && digest_valid(id->valuestring))
        strv_add(&live, xstrdup(digest_hex(id->valuestring)));
  }
  image_list_free(iv, ni);
  /* containers name their layers by l/ link: follow it */
  container_list(s, &cv, &nc);
  for (size_t i = 0; i < nc; i++) {
    const cJSON *l;
    cJSON_ArrayForEach(l, json_arr(json_obj(cv[i].config, "Spec"),
                                   "Lowers")) {
      char t[256];
      ssize_t n;
      if (!cJSON_IsString(l)) continue;
      n = readlinkat(s->dfd, l->valuestring, t, sizeof(t) - 1);
      if (n <= 0) continue;
      t[n] = 0;
      strv_add(&live, xstrdup(strrchr(t, '/') ? strrchr(t, '/') + 1 : t));
    }
  }
  container_list_free(cv, nc);

  if ((d = dir_open(s->dfd, "layers", 0))) {
    while ((e = readdir(d))) {
      cleanup_free char *p = NULL;
      int stale = !strncmp(e->d_name, "tmp-", 4);
      if (!stale && (strlen(e->d_name) != 64 || !is_hex(e->d_name, 64) ||
                     strv_has(&live, e->d_name)))
        continue;
      p = xasprintf("layers/%s", e->d_name);
      freed += dir_bytes(s->dfd, p);
      if (rm_rf(s->dfd, p) < 0) fail_print();
    }
    closedir(d);
  }
  /* l/ links whose layer is gone */
  if ((d = dir_open(s->dfd, "l", 0))) {
    while ((e = readdir(d))) {
      struct stat st;
      if (e->d_name[0] == '.') continue;
      if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 && errno == ENOENT)
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
  }
  strv_free(&live);
  return freed;
}
