/* tree.c - directory trees to tar streams and change lists */
#include "core/tree.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* see tree.h */

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct how_ { uint64_t flags, mode, resolve; };
#define RESOLVE_NO_MAGICLINKS_ 0x02
#define RESOLVE_NO_SYMLINKS_ 0x04
#define RESOLVE_BENEATH_ 0x08

/* Open path under root following no symlink at all: a running container
 * may swap a directory for a symlink while we read its layer. */
static int open_beneath(int root, const char *path, int flags)
{
  struct how_ h = { (uint64_t)flags | O_CLOEXEC, 0, RESOLVE_BENEATH_ |
                    RESOLVE_NO_SYMLINKS_ | RESOLVE_NO_MAGICLINKS_ };
  cleanup_free char *p = NULL;
  char *save = NULL, *c;
  int fd;

  if (!*path) return openat(root, ".", flags | O_CLOEXEC);
  fd = syscall(SYS_openat2, root, path, &h, sizeof(h));
  if (fd >= 0 || errno != ENOSYS) return fd;
  /* no openat2: one component at a time, none of them a symlink */
  p = xstrdup(path);
  fd = openat(root, ".", O_PATH | O_CLOEXEC);
  for (c = strtok_r(p, "/", &save); c && fd >= 0;) {
    char *next = strtok_r(NULL, "/", &save);
    int nfd = openat(fd, c, (next ? O_PATH | O_DIRECTORY : flags) |
                     O_NOFOLLOW | O_CLOEXEC);
    close(fd);
    fd = nfd;
    c = next;
  }
  return fd;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted; NULL-terminated, caller frees all. */
static char **names(int dfd, size_t *n)
{
  struct strv v = { 0 };
  struct dirent *e;
  DIR *d;

  *n = 0;
  if (!(d = dir_open(dfd, ".", 0))) return NULL;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      strv_add(&v, xstrdup(e->d_name));
  closedir(d);
  if (v.n) qsort(v.v, v.n, sizeof(*v.v), cmp_str);
  *n = v.n;
  if (!v.v) v.v = xzalloc(sizeof(char *));
  return v.v;
}

static void names_free(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static int is_whiteout(const struct stat *st)
{
  return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int is_opaque(int dirfd)
{
  char v[2];
  return fgetxattr(dirfd, "trusted.overlay.opaque", v, sizeof(v)) == 1 &&
         v[0] == 'y';
}

/* --- changes --- */

struct list {
  struct tree_change *v;
  size_t n;
};

static void push(struct list *l, char kind, const char *path)
{
  l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
  l->v[l->n++] = (struct tree_change){ kind, 0, xstrdup(path) };
}

/* What the lower stack has at name: 1 with *st, 0 if nothing (or a
 * whiteout hides it). */
static int lower_stat(const int *lfd, size_t nl, const char *name,
                      struct stat *st)
{
  for (size_t i = 0; i < nl; i++) {
    if (lfd[i] < 0) continue;
    if (fstatat(lfd[i], name, st, AT_SYMLINK_NOFOLLOW) == 0)
      return !is_whiteout(st);
  }
  return 0;
}

/* The lower directories at name, for the level below: a whiteout, a
 * non-directory or an opaque directory hides the layers under it. */
static int *lower_sub(const int *lfd, size_t nl, const char *name)
{
  int *sub = xzalloc((nl + 1) * sizeof(int));
  int hidden = 0;

  for (size_t i = 0; i < nl; i++) {
    struct stat st;
    sub[i] = -1;
    if (hidden || lfd[i] < 0 ||
        fstatat(lfd[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    hidden = 1;
    if (!S_ISDIR(st.st_mode)) continue;
    sub[i] = openat(lfd[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                    O_CLOEXEC);
    hidden = sub[i] >= 0 && is_opaque(sub[i]);
  }
  return sub;
}

/* ocibox's own mount points in the upper layer */
static int is_stub(const char *path, const struct stat *st)
{
  static const char *const stubs[] = { "etc/hostname", "etc/hosts",
                                       "etc/resolv.conf", "dev/console" };

  if (!S_ISREG(st->st_mode) || st->st_size) return 0;
  for (size_t i = 0; i < ARRAY_LEN(stubs); i++)
    if (!strcmp(path, stubs[i])) return 1;
  return 0;
}

static int walk(int upper, const char *path, const int *lfd, size_t nl,
                struct list *l)
{
  size_t n, count = 0;
  char **v = names(upper, &n);

  if (!v) return pfail("read '%s'", *path ? path : "/");
  for (size_t i = 0; i < n; i++) {
    cleanup_free char *sub = *path ? xasprintf("%s/%s", path, v[i])
                                   : xstrdup(v[i]);
    struct stat st, lst;
    int ex;

    if (fstatat(upper, v[i], &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    ex = lower_stat(lfd, nl, v[i], &lst);
    if (is_whiteout(&st)) {
      if (ex) push(l, 'D', sub), count++;
      continue;
    }
    if (is_stub(sub, &st)) continue;
    if (S_ISDIR(st.st_mode)) {
      int fd = openat(upper, v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                      O_CLOEXEC), opq, *sl, c;
      size_t at = l->n;
      if (fd < 0) continue;
      opq = is_opaque(fd);
      sl = lower_sub(lfd, opq ? 0 : nl, v[i]);
      push(l, ex ? 'C' : 'A', sub);
      c = walk(fd, sub, sl, opq ? 0 : nl, l);
      for (size_t k = 0; k < nl; k++)
        if (!opq && sl[k] >= 0) close(sl[k]);
      free(sl);
      close(fd);
      if (c < 0) {
        names_free(v, n);
        return -1;
      }
      if (c || opq || !ex || !S_ISDIR(lst.st_mode) ||
          (st.st_mode & 07777) != (lst.st_mode & 07777) ||
          st.st_uid != lst.st_uid || st.st_gid != lst.st_gid) {
        l->v[at].opaque = opq && ex;
        count++;
      } else {
        free(l->v[at].path);      /* only copied up: nothing changed */
        l->n = at;
      }
      continue;
    }
    push(l, ex ? 'C' : 'A', sub);
    count++;
  }
  names_free(v, n);
  return count;
}

int tree_changes(int upper, const int *lowers, size_t nlowers,
                 struct tree_change **out, size_t *n)
{
  struct list l = { 0 };
  int r = walk(upper, "", lowers, nlowers, &l);

  if (r < 0) {
    tree_changes_free(l.v, l.n);
    return -1;
  }
  *out = l.v;
  *n = l.n;
  return 0;
}

void tree_changes_free(struct tree_change *v, size_t n)
{
  for (size_t i = 0; i < n; i++) free(v[i].path);
  free(v);
}

/* --- tar --- */

/* (dev, ino) -> first path, for hardlinks */
struct links {
  struct link { dev_t dev; ino_t ino; char *path; } *slot;
  size_t n, cap;
};

static struct link *link_find(struct links *m, dev_t dev, ino_t ino)
{
  size_t i;

  if (2 * (m->n + 1) > m->cap) {
    struct links g = { xzalloc((m->cap ? 2 * m->cap : 64) *
                               sizeof(struct link)), m->n,
                       m->cap ? 2 * m->cap : 64 };
    for (size_t k = 0; k < m->cap; k++) {
      if (!m->slot[k].path) continue;
      i = (m->slot[k].ino * 2654435761u) & (g.cap - 1);
      while (g.slot[i].path) i = (i + 1) & (g.cap - 1);
      g.slot[i] = m->slot[k];
    }
    free(m->slot);
    *m = g;
  }
  i = (ino * 2654435761u) & (m->cap - 1);
  while (m->slot[i].path &&
         (m->slot[i].dev != dev || m->slot[i].ino != ino))
    i = (i + 1) & (m->cap - 1);
  return &m->slot[i];
}

static void links_free(struct links *m)
{
  for (size_t i = 0; i < m->cap; i++) free(m->slot[i].path);
  free(m->slot);
}

/* The xattrs a layer keeps: file capabilities and user attributes. */
static void xattrs(int fd, struct tar_entry *e)
{
  char list[4096];
  ssize_t n = flistxattr(fd, list, sizeof(list));

  for (char *k = list; n > 0 && k < list + n; k += strlen(k) + 1) {
    unsigned char val[4096];
    ssize_t vl;
    if (strcmp(k, "security.capability") && strncmp(k, "user.", 5))
      continue;
    if ((vl = fgetxattr(fd, k, val, sizeof(val))) < 0) continue;
    e->xattrs = xrealloc(e->xattrs, (e->nxattrs + 1) * sizeof(*e->xattrs));
    e->xattrs[e->nxattrs].name = xstrdup(k);
    e->xattrs[e->nxattrs].value = xmalloc(vl ? vl : 1);
    memcpy(e->xattrs[e->nxattrs].value, val, vl);
    e->xattrs[e->nxattrs++].len = vl;
  }
}

/* One entry: pfd/base on disk, path in the tar. */
static int emit(struct tar_writer *w, int pfd, const char *base,
                const char *path, const struct stat *st, struct links *lk)
{
  static char buf[65536];
  struct tar_entry e = { 0 };
  int fd = -1, ret = -1;
  char target[4096];

  e.mode = st->st_mode & 07777;
  e.uid = st->st_uid;
  e.gid = st->st_gid;
  e.mtime = st->st_mtim.tv_sec;
  if (S_ISDIR(st->st_mode)) {
    e.type = TAR_DIR;
    e.path = xasprintf("%s/", path);
  } else {
    e.path = xstrdup(path);
  }
  if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
    struct link *l = link_find(lk, st->st_dev, st->st_ino);
    if (l->path) {
      e.type = TAR_HARDLINK;
      e.linkpath = xstrdup(l->path);
      ret = tar_write_header(w, &e) < 0 ? -1 : tar_write_end_entry(w);
      goto out;
    }
    *l = (struct link){ st->st_dev, st->st_ino, xstrdup(path) };
    lk->n++;
  }
  if (S_ISREG(st->st_mode)) {
    e.type = TAR_REG;
    e.size = st->st_size;
  } else if (S_ISLNK(st->st_mode)) {
    ssize_t n = readlinkat(pfd, base, target, sizeof(target) - 1);
    if (n < 0) {
      ret = pfail("readlink '%s'", path);
      goto out;
    }
    target[n] = 0;
    e.type = TAR_SYMLINK;
    e.linkpath = xstrdup(target);
  } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
    e.type = S_ISCHR(st->st_mode) ? TAR_CHR : TAR_BLK;
    e.devmajor = major(st->st_rdev);
    e.devminor = minor(st->st_rdev);
  } else if (S_ISFIFO(st->st_mode)) {
    e.type = TAR_FIFO;
  } else if (!S_ISDIR(st->st_mode)) {
    ret = 0;           /* sockets: not part of a file system image */
    goto out;
  }
  if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) {
    fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
    if (fd < 0) {
      ret = pfail("open '%s'", path);
      goto out;
    }
    xattrs(fd, &e);
  }
  if (tar_write_header(w, &e) < 0) goto out;
  if (S_ISREG(st->st_mode)) {
    uint64_t left = e.size;
    ssize_t n;
    /* exactly the size announced: a file that grows is cut, one that
     * shrinks is an error, never a corrupt archive */
    while (left && (n = read(fd, buf, left < sizeof(buf) ? left
                                                         : sizeof(buf))) > 0) {
      if (tar_write_data(w, buf, n) < 0) goto out;
      left -= n;
    }
    if (left) {
      ret = fail("'%s' changed size while being read", path);
      goto out;
    }
  }
  ret = tar_write_end_entry(w);
out:
  if (fd >= 0) close(fd);
  tar_entry_clear(&e);
  return ret;
}

int tree_tar_changes(int upper, const struct tree_change *v, size_t n,
                     struct tar_writer *w)
{
  struct links lk = { 0 };
  int ret = 0;

  for (size_t i = 0; i < n && !ret; i++) {
    cleanup_free char *dir = xstrdup(v[i].path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : v[i].path;
    struct stat st;
    int pfd;

    if (slash) *slash = 0;
    if ((pfd = open_beneath(upper, slash ? dir : "", O_PATH |
                            O_DIRECTORY)) < 0) {
      ret = pfail("open '%s'", slash ? dir : "/");
      break;
    }
    if (v[i].kind == 'D') {
      cleanup_free char *wh = slash ? xasprintf("%s/.wh.%s", dir, base)
                                    : xasprintf(".wh.%s", base);
      ret = tar_write_file(w, wh, "", 0, 0644, 0);
    } else if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      ret = pfail("stat '%s'", v[i].path);
    } else {
      ret = emit(w, pfd, base, v[i].path, &st, &lk);
      if (!ret && v[i].opaque) {
        cleanup_free char *op = xasprintf("%s/.wh..wh..opq", v[i].path);
        ret = tar_write_file(w, op, "", 0, 0644, 0);
      }
    }
    close(pfd);
  }
  links_free(&lk);
  return ret;
}

static int all(int dfd, const char *path, dev_t dev, struct links *lk,
               struct tar_writer *w)
{
  size_t n;
  char **v = names(dfd, &n);
  int ret = 0;

  if (!v) return pfail("read '/%s'", path);
  for (size_t i = 0; i < n && !ret; i++) {
    cleanup_free char *sub = *path ? xasprintf("%s/%s", path, v[i])
                                   : xstrdup(v[i]);
    struct stat st;
    int fd;

    if (fstatat(dfd, v[i], &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if ((ret = emit(w, dfd, v[i], sub, &st, lk)) < 0) break;
    if (!S_ISDIR(st.st_mode) || st.st_dev != dev) continue;
    if ((fd = openat(dfd, v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                     O_CLOEXEC)) < 0)
      continue;
    ret = all(fd, sub, dev, lk, w);
    close(fd);
  }
  names_free(v, n);
  return ret;
}

int tree_tar_all(int root, struct tar_writer *w)
{
  struct links lk = { 0 };
  struct stat st;
  int ret;

  if (fstat(root, &st) < 0) return pfail("stat /");
  ret = all(root, "", st.st_dev, &lk, w);
  links_free(&lk);
  return ret;
}
