/* util.h - errors, allocation, cleanup, paths, small string and I/O helpers
 *
 * Errors, one way everywhere: a function that fails records why with fail()
 * or pfail() and returns -1 (or NULL); callers may prefix context with
 * fail_wrap(). Only core/main.c prints the message, once. */
#ifndef OCIBOX_UTIL_H
#define OCIBOX_UTIL_H

#include <stddef.h>
#include <dirent.h>
#include <stdint.h>
#include <stdarg.h>
#include <time.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Record an error message; always return -1. pfail() appends strerror(errno)
 * and keeps errno. fail_wrap() prefixes the recorded message with context. */
int fail(const char *fmt, ...) PRINTF(1, 2);
int pfail(const char *fmt, ...) PRINTF(1, 2);
int fail_wrap(const char *fmt, ...) PRINTF(1, 2);
/* The recorded message (never NULL). */
const char *fail_msg(void);
/* Set by --debug; debug() prints to stderr only then. */
extern int debug_on;
void debug(const char *fmt, ...) PRINTF(1, 2);

/* Allocation that cannot fail: on OOM they print and exit(1). */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/* Cleanup attributes (crun, bubblewrap): the variable is released when it
 * goes out of scope unless it was handed out with steal_pointer/steal_fd. */
void cleanup_freep(void *p);
void cleanup_closep(int *fd);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
static inline void *steal_ptr_(void **p) { void *r = *p; *p = NULL; return r; }
#define steal_pointer(pp) steal_ptr_((void **)(pp))
static inline int steal_fd(int *fd) { int r = *fd; *fd = -1; return r; }

/* A growable array of owned strings, NULL-terminated. */
struct strv { char **v; size_t n, cap; };
void strv_add(struct strv *s, char *owned);
void strv_free(struct strv *s);
int strv_has(const struct strv *s, const char *str);
/* Standard base64 (with padding); decode returns NULL on bad input. */
char *b64_encode(const void *p, size_t n);
unsigned char *b64_decode(const char *s, size_t *n);

/* A set of strings (open addressing, FNV-1a): for the paths of a layer. */
struct sset { char **slot; size_t n, cap; };
void sset_add(struct sset *s, const char *str);
int sset_has(const struct sset *s, const char *str);
void sset_free(struct sset *s);

/* K=V into an environment list, replacing K's earlier value. */
void env_set(struct strv *env, const char *kv);
/* Docker's -e: K=V, or K alone for the host's value (skipped when unset). */
void env_opt(struct strv *env, const char *kv);
/* Docker's --env-file: one -e per line, # comments. */
int env_file(struct strv *env, const char *path);

/* A growable byte buffer. */
struct buf { char *p; size_t len, cap; };
void buf_add(struct buf *b, const void *data, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
/* NUL-terminate and return p (still owned by b). */
char *buf_str(struct buf *b);

/* Full reads and writes, retrying on EINTR and short counts. read_full
 * returns the bytes read (less than n only at end of file) or -1. */
ssize_t read_full(int fd, void *p, size_t n);
int write_full(int fd, const void *p, size_t n);

/* Read a whole file (relative to dirfd) into a NUL-terminated buffer the
 * caller frees; refuse files larger than max ("too large"). */
char *file_read(int dirfd, const char *path, size_t max, size_t *len);
/* Write a file atomically: temp file in the same directory, fsync, rename,
 * fsync the directory. Readers see the old content or the new, never a torn
 * file. */
int file_write_atomic(int dirfd, const char *path, const void *p, size_t n,
                      mode_t mode);
/* The exit code Docker reports for a wait status: the process's own, or
 * 128+N when signal N ended it. */
int exit_code(int status);

/* An output file written atomically (save -o, export -o): a temp file
 * beside path, renamed over it by out_close when ok, removed otherwise.
 * NULL or "-": standard output (fd 1, *tmp NULL). The caller frees *tmp. */
int out_open(const char *path, char **tmp);
int out_close(int fd, char *tmp, const char *path, int ok);

/* Set by work whose files do not outlive it (run --rm's container record):
 * file_write_atomic still renames, but skips both fsyncs. */
extern int sync_off;
/* fsync the directory containing path (relative to dirfd). */
int fsync_dir(int dirfd, const char *path);
/* mkdir -p, relative to dirfd. */
int mkdir_p(int dirfd, const char *path, mode_t mode);
/* rm -rf path relative to dirfd, never crossing into other mounts' trees
 * through symlinks (they are unlinked, not followed). */
int rm_rf(int dirfd, const char *path);
/* opendir of dirfd/path (flags: more open flags, e.g. O_NOFOLLOW); NULL
 * with errno, and no fd left open. */
DIR *dir_open(int dirfd, const char *path, int flags);
/* Bytes in the regular files under dirfd/path (symlinks not followed). */
int64_t dir_bytes(int dirfd, const char *path);

/* Docker's human forms: "4.26MB" (decimal, 3 significant digits) and
 * "2 days ago" (go-units HumanDuration). buf must hold 32 bytes. */
char *fmt_size(char *buf, int64_t size);
char *fmt_ago(char *buf, time_t then);
/* A signal as Docker takes it: a number, or a name with or without SIG
 * ("TERM", "SIGKILL"); -1 if none. */
int signal_parse(const char *s);
/* Docker's CreatedAt: "2026-12-02 06:41:13 +0000 UTC". buf of 40. */
char *fmt_created_at(char *buf, time_t t);
/* Parse an RFC 3339 time ("2024-01-02T03:04:05.123Z", offsets allowed);
 * -1 on error. Format one in UTC with nanoseconds omitted; buf of 40. */
int time_parse(const char *s, time_t *t);
char *time_fmt(char *buf, time_t t);
/* Now, to the nanosecond, as Docker records a container's creation
 * ("2026-12-02T06:38:01.123456789Z"; these sort as strings). buf of 40. */
char *time_fmt_now_ns(char *buf);

int str_starts(const char *s, const char *prefix);
int str_ends(const char *s, const char *suffix);
int is_hex(const char *s, size_t n);
/* Parse "123", "10k", "1.5m", "2g" (binary units, as Docker's RAMInBytes). */
int parse_bytes(const char *s, int64_t *out);

#endif
