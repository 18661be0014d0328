/* sandbox.c - namespaces, overlay root, pivot_root, /dev, capabilities */
#include "core/sandbox.h"
#include "core/seccomp.h"
#include "core/tty.h"
#include "core/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* see sandbox.h */

static const char *const cap_names[] = {
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
  "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
  "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
  "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
  "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
  "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
  "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
  "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

uint64_t sb_default_caps(void)
{
  static const int def[] = { 0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31 };
  uint64_t m = 0;

  for (size_t i = 0; i < ARRAY_LEN(def); i++) m |= 1ULL << def[i];
  return m;
}

int64_t sb_cap_parse(const char *name)
{
  if (!strcasecmp(name, "ALL")) return (1LL << ARRAY_LEN(cap_names)) - 1;
  if (!strncasecmp(name, "CAP_", 4)) name += 4;
  for (size_t i = 0; i < ARRAY_LEN(cap_names); i++)
    if (!strcasecmp(name, cap_names[i])) return 1LL << i;
  return fail("unknown capability: \"%s\"", name);
}

/* --- the child: everything here runs in the new namespaces --- */

static int sync_fd = -1;
static int tty_sock = -1;   /* the child's end: the pty's master goes here */

/* Report a setup failure to the parent and die. */
static void die(int code, const char *fmt, ...) PRINTF(2, 3);
static void die(int code, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
  va_end(ap);
  msg[0] = code;
  write(sync_fd, msg, n + 1 < (int)sizeof(msg) ? n + 1 : (int)sizeof(msg));
  _exit(code);
}

#define CHECK(x, ...) do { if ((x) < 0) die(125, __VA_ARGS__); } while (0)

static int mnt(const char *src, const char *dst, const char *type,
               unsigned long flags, const char *data)
{
  if (mount(src, dst, type, flags, data) < 0)
    return pfail("mount %s on '%s'", type ? type : src, dst);
  return 0;
}

/* Open (creating if missing: a directory, or a file when file is set) a
 * path inside root, resolving symlinks as if root were "/": an image's
 * symlink can never send a mount target outside the container. */
struct open_how_ { uint64_t flags, mode, resolve; };
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_IN_ROOT_ 0x10

static int open_in_root(int root, const char *path, int file)
{
  struct open_how_ how = { O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT_ };
  cleanup_free char *parent = NULL;
  const char *base;
  int fd, pfd;

  while (*path == '/') path++;
  if (!*path) return dup(root);
  fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
  if (fd >= 0 || errno != ENOENT) {
    if (fd < 0 && errno == ENOSYS) {
      /* no openat2: refuse symlinks anywhere on the way instead */
      fd = openat(root, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 || errno != ENOENT) return fd;
    } else {
      return fd;
    }
  }
  parent = xstrdup(path);
  base = strrchr(parent, '/');
  if (base) {
    parent[base - parent] = 0;
    base++;
    pfd = open_in_root(root, parent, 0);
  } else {
    base = path;
    pfd = dup(root);
  }
  if (pfd < 0) return -1;
  /* O_PATH fds cannot be used with mkdirat: reopen as a directory */
  {
    char proc[64];
    int dfd;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
    dfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(pfd);
    if (dfd < 0) return -1;
    if (file) {
      int f = openat(dfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                     0644);
      if (f >= 0) close(f);
    } else {
      mkdirat(dfd, base, 0755);
    }
    fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    close(dfd);
  }
  return fd;
}

/* Mount onto a path inside the new root, through an fd opened safely;
 * -1 with errno when it cannot be done. */
static int mount_try(int root, const char *src, const char *dst,
                     const char *type, unsigned long flags, const char *data,
                     int file)
{
  char proc[64];
  int fd = open_in_root(root, dst, file), r, e;

  if (fd < 0) return -1;
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
  r = mount(src, proc, type, flags, data);
  e = errno;
  close(fd);
  errno = e;
  return r;
}

/* The same; the container does not start without it. */
static void mount_in(int root, const char *src, const char *dst,
                     const char *type, unsigned long flags, const char *data,
                     int file)
{
  if (mount_try(root, src, dst, type, flags, data, file) < 0)
    die(125, "mount %s on '%s': %s", type ? type : src, dst,
        strerror(errno));
  /* read-only binds need a remount: MS_RDONLY is ignored on the first;
   * the path, opened again, reaches the new mount, not the one beneath */
  if ((flags & MS_BIND) && (flags & MS_RDONLY) &&
      mount_try(root, NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
                (flags & MS_REC), NULL, file) < 0)
    die(125, "remount '%s' read-only: %s", dst, strerror(errno));
}

static const struct { const char *name; int major, minor; } devices[] = {
  { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 },
  { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static void setup_dev(int root)
{
  char p[64];
  int dev;

  mount_in(root, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
           "mode=755,size=65536k", 0);
  if ((dev = open_in_root(root, "/dev", 0)) < 0) die(125, "open /dev");
  snprintf(p, sizeof(p), "/proc/self/fd/%d", dev);
  {
    int d = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(dev);
    dev = d;
  }
  for (size_t i = 0; i < ARRAY_LEN(devices); i++) {
    if (mknodat(dev, devices[i].name, S_IFCHR | 0666,
                makedev(devices[i].major, devices[i].minor)) < 0) {
      /* no mknod (a user namespace): bind the host's node instead */
      char host[64], in[64];
      snprintf(host, sizeof(host), "/dev/%s", devices[i].name);
      snprintf(in, sizeof(in), "/dev/%s", devices[i].name);
      mount_in(root, host, in, NULL, MS_BIND, NULL, 1);
    } else {
      fchmodat(dev, devices[i].name, 0666, 0);
    }
  }
  symlinkat("/proc/self/fd", dev, "fd");
  symlinkat("/proc/self/fd/0", dev, "stdin");
  symlinkat("/proc/self/fd/1", dev, "stdout");
  symlinkat("/proc/self/fd/2", dev, "stderr");
  symlinkat("/proc/kcore", dev, "core");
  symlinkat("pts/ptmx", dev, "ptmx");
  close(dev);
  mount_in(root, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
           "newinstance,ptmxmode=0666,mode=0620,gid=5", 0);
  mount_in(root, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
           "mode=1777,size=65536k", 0);
  mount_in(root, "mqueue", "/dev/mqueue", "mqueue",
           MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0);
}

/* Docker's masked and read-only paths under /proc and /sys. */
static const char *const masked[] = {
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
  "/sys/devices/virtual/powercap",
};
static const char *const readonly[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static void mask_paths(int root)
{
  struct stat st;
  char proc[64];
  int fd;

  for (size_t i = 0; i < ARRAY_LEN(masked); i++) {
    if ((fd = openat(root, masked[i] + 1, O_PATH | O_NOFOLLOW |
                     O_CLOEXEC)) < 0)
      continue;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (fstat(fd, &st) < 0 || (S_ISDIR(st.st_mode)
        ? mount("tmpfs", proc, "tmpfs", MS_RDONLY, "size=0")
        : mount("/dev/null", proc, NULL, MS_BIND, NULL)) < 0)
      die(125, "mask %s: %s", masked[i], strerror(errno));
    close(fd);
  }
  for (size_t i = 0; i < ARRAY_LEN(readonly); i++) {
    if ((fd = openat(root, readonly[i] + 1, O_PATH | O_NOFOLLOW |
                     O_CLOEXEC)) < 0)
      continue;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (mount(proc, proc, NULL, MS_BIND | MS_REC, NULL) < 0)
      die(125, "bind %s: %s", readonly[i], strerror(errno));
    close(fd);
    /* the fd still names the directory beneath: open the new mount */
    if ((fd = openat(root, readonly[i] + 1, O_PATH | O_NOFOLLOW |
                     O_CLOEXEC)) < 0)
      die(125, "open %s: %s", readonly[i], strerror(errno));
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (mount(NULL, proc, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC,
              NULL) < 0)
      die(125, "remount %s read-only: %s", readonly[i], strerror(errno));
    close(fd);
  }
}

/* A field of /etc/passwd or /etc/group: NAME or numeric ID. */
static int lookup(const char *file, const char *key, long *id, long *gid,
                  const char *member, gid_t *groups, int *ng)
{
  FILE *f = fopen(file, "re");
  char line[1024];
  int found = 0;

  if (!f) return 0;
  while (fgets(line, sizeof(line), f)) {
    char *fields[7] = { 0 }, *p = line, *save = NULL;
    int n = 0;
    line[strcspn(line, "\n")] = 0;
    for (char *t = strtok_r(p, ":", &save); t && n < 7;
         t = strtok_r(NULL, ":", &save))
      fields[n++] = t;
    /* strtok skips empty fields; passwd/group have a password field that
     * is usually "x", so positions hold for sane files */
    if (n < 3) continue;
    if (member) {
      if (n >= 4 && groups && *ng < 64) {
        char *s2 = NULL;
        for (char *m = strtok_r(fields[3], ",", &s2); m;
             m = strtok_r(NULL, ",", &s2))
          if (!strcmp(m, member)) groups[(*ng)++] = atol(fields[2]);
      }
      continue;
    }
    if (!strcmp(fields[0], key) || (isdigit((unsigned char)*key) &&
                                    atol(key) == atol(fields[2]))) {
      *id = atol(fields[2]);
      if (gid && n >= 4) *gid = atol(fields[3]);
      found = 1;
      break;
    }
  }
  fclose(f);
  return found;
}

static int all_digits(const char *s)
{
  if (!*s) return 0;
  for (; *s; s++) if (!isdigit((unsigned char)*s)) return 0;
  return 1;
}

/* -u USER[:GROUP] against the container's own /etc/passwd and group. */
static void set_user(const char *spec)
{
  cleanup_free char *u = xstrdup(spec && *spec ? spec : "0");
  char *g = strchr(u, ':');
  long uid = 0, gid = 0, x;
  gid_t groups[64];
  int ng = 0;
  char uname[256] = "";

  if (g) *g++ = 0;
  if (!lookup("/etc/passwd", u, &uid, &gid, NULL, NULL, NULL)) {
    if (!all_digits(u))
      die(125, "unable to find user %s: no matching entries in passwd file",
          u);
    uid = atol(u);
    gid = 0;
  } else if (!all_digits(u)) {
    snprintf(uname, sizeof(uname), "%s", u);
  }
  if (g) {
    if (lookup("/etc/group", g, &x, NULL, NULL, NULL, NULL)) gid = x;
    else if (all_digits(g)) gid = atol(g);
    else die(125, "unable to find group %s: no matching entries in group "
             "file", g);
  }
  /* the primary group is among the supplementary ones, as with Docker */
  groups[ng++] = gid;
  if (*uname) lookup("/etc/group", "", &x, NULL, uname, groups, &ng);
  if (setgroups(ng, groups) < 0) die(125, "setgroups: %s", strerror(errno));
  if (setgid(gid) < 0) die(125, "setgid %ld: %s", gid, strerror(errno));
  if (setuid(uid) < 0) die(125, "setuid %ld: %s", uid, strerror(errno));
}

/* capget/capset's ABI (linux/capability.h, which musl does not ship) */
struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
#define CAP_V3 0x20080522

/* The bounding set: nothing outside it can ever come back. */
static void drop_bounding(uint64_t keep)
{
  for (int c = 0; c <= 63; c++)
    if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
        errno != EINVAL)
      die(125, "drop capability %d: %s", c, strerror(errno));
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

static void set_caps(uint64_t keep)
{
  struct cap_hdr h = { CAP_V3, 0 };
  struct cap_data d[2];
  uint64_t eff;

  memset(d, 0, sizeof(d));
  if (syscall(SYS_capget, &h, d) < 0) die(125, "capget: %s", strerror(errno));
  eff = ((uint64_t)d[1].permitted << 32 | d[0].permitted) & keep;
  d[0].effective = d[0].permitted = (uint32_t)eff;
  d[1].effective = d[1].permitted = (uint32_t)(eff >> 32);
  d[0].inheritable = d[1].inheritable = 0;
  if (syscall(SYS_capset, &h, d) < 0) die(125, "capset: %s", strerror(errno));
}

static const char *env_get(char **envp, const char *k)
{
  size_t n = strlen(k);

  for (; envp && *envp; envp++)
    if (!strncmp(*envp, k, n) && (*envp)[n] == '=') return *envp + n + 1;
  return NULL;
}

static void do_exec(char **argv, char **envp)
{
  const char *path = env_get(envp, "PATH"), *p;
  char buf[4096];
  int err = ENOENT;

  if (!argv[0] || !*argv[0]) die(125, "no command specified");
  if (strchr(argv[0], '/')) {
    execve(argv[0], argv, envp);
    if (errno == ENOENT)
      die(127, "exec: \"%s\": stat %s: no such file or directory", argv[0],
          argv[0]);
    die(errno == EACCES || errno == ENOEXEC ? 126 : 127, "exec: \"%s\": %s",
        argv[0], errno == EACCES ? "permission denied" : strerror(errno));
  }
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                    "/sbin:/bin";
  for (p = path; ; ) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    struct stat st;
    snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", argv[0]);
    if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
      execve(buf, argv, envp);
      err = errno;
    }
    if (!end) break;
    p = end + 1;
  }
  if (err == EACCES)
    die(126, "exec: \"%s\": permission denied", argv[0]);
  die(127, "exec: \"%s\": executable file not found in $PATH", argv[0]);
}

/* Signals a waiting parent passes on to its child (sb_wait, --init,
 * exec's middle process). No SA_RESTART: the wait loops see EINTR. */
static pid_t relay_to;
static void relay(int sig)
{
  if (relay_to > 0) kill(relay_to, sig);
}

static void relay_signals(pid_t to)
{
  static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
                              SIGUSR2, SIGWINCH };
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = relay;
  relay_to = to;
  for (size_t i = 0; i < ARRAY_LEN(sigs); i++) sigaction(sigs[i], &sa, NULL);
}

/* Everything between the namespaces and the exec that takes privilege
 * away: bounding set, then the user (setuid needs CAP_SETUID, and clears a
 * non-root user's permitted set as Docker's do), then capset,
 * no_new_privs and seccomp. One path for run and exec. */
static void confine(const struct sb_spec *sp)
{
  uint64_t keep = sp->privileged ? ~0ULL : sp->caps;

  drop_bounding(keep);
  set_user(sp->user);
  set_caps(keep);
  if (!sp->privileged && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die(125, "no_new_privs: %s", strerror(errno));
  if (sp->seccomp && seccomp_apply(keep) < 0) die(125, "%s", fail_msg());
}

/* --init: PID 1 forwards signals to the command and reaps every orphan. */
static void run_init(char **argv, char **envp)
{
  int status;
  pid_t child, w;

  if ((child = fork()) < 0) die(125, "fork: %s", strerror(errno));
  if (!child) do_exec(argv, envp);
  close(sync_fd);
  relay_signals(child);
  for (;;) {
    w = waitpid(-1, &status, 0);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) _exit(125);
    if (w == child) _exit(exit_code(status));
  }
}

/* Inside the container's namespaces (exec): become the user, drop what
 * must go, exec; the forking parent forwards signals and the status. */
static void run_enter(struct sb_spec *sp)
{
  int status;
  pid_t child, w;

  if ((child = fork()) < 0) die(125, "fork: %s", strerror(errno));
  if (!child) {
    if (sp->tty && tty_child(tty_sock, sp->rows, sp->cols, 0) < 0)
      die(125, "%s", fail_msg());
    if (chdir(sp->cwd && *sp->cwd ? sp->cwd : "/") < 0)
      die(125, "chdir to \"%s\": %s", sp->cwd, strerror(errno));
    confine(sp);
    do_exec(sp->argv, sp->envp);
  }
  close(sync_fd);
  relay_signals(child);
  while ((w = waitpid(child, &status, 0)) < 0 && errno == EINTR);
  _exit(w < 0 ? 125 : exit_code(status));
}

static int write_file(const char *path, const char *val)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC), r;

  if (fd < 0) return -1;
  r = write_full(fd, val, strlen(val));
  close(fd);
  return r;
}

static int cgroup_v2(void)
{
  return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

static const char *const v1_ctrls[] = { "memory", "pids", "cpu", "freezer" };

/* Make the container's cgroups and set the limits (the container joins
 * them itself: see cgroup_join). A limit that cannot be set is an error;
 * cgroups that cannot be made without limits asked are not (a router's
 * kernel may lack a controller). */
static int cgroup_setup(struct sb_spec *sp)
{
  char path[512];
  int want = sp->memory || sp->pids || sp->cpus > 0;

  if (!sp->cgroup_name) return 0;
  if (cgroup_v2()) {
    char dir[256];
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", sp->cgroup_name);
    mkdir_p(AT_FDCWD, dir, 0755);
    /* controllers are enabled from the top down */
    write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory +pids +cpu");
    snprintf(path, sizeof(path), "/sys/fs/cgroup/%.*s/cgroup.subtree_control",
             (int)(strrchr(sp->cgroup_name, '/') - sp->cgroup_name),
             sp->cgroup_name);
    write_file(path, "+memory +pids +cpu");
#define SET(file, ...) do { char v_[64]; snprintf(v_, sizeof(v_), __VA_ARGS__); \
    snprintf(path, sizeof(path), "%s/%s", dir, file); \
    if (write_file(path, v_) < 0) return pfail("set %s", path); } while (0)
    if (sp->memory) SET("memory.max", "%lld", (long long)sp->memory);
    if (sp->pids) SET("pids.max", "%lld", (long long)sp->pids);
    if (sp->cpus > 0) SET("cpu.max", "%lld 100000",
                          (long long)(sp->cpus * 100000));
#undef SET
    return 0;
  }
  for (size_t i = 0; i < ARRAY_LEN(v1_ctrls); i++) {
    char dir[256];
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", v1_ctrls[i]);
    if (access(dir, F_OK) < 0) continue;
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s/%s", v1_ctrls[i],
             sp->cgroup_name);
    if (mkdir_p(AT_FDCWD, dir, 0755) < 0) {
      if (want) return -1;
      continue;
    }
#define SET(file, ...) do { char v_[64]; snprintf(v_, sizeof(v_), __VA_ARGS__); \
    snprintf(path, sizeof(path), "%s/%s", dir, file); \
    if (write_file(path, v_) < 0) return pfail("set %s", path); } while (0)
    if (!strcmp(v1_ctrls[i], "memory") && sp->memory) {
      SET("memory.limit_in_bytes", "%lld", (long long)sp->memory);
      /* Docker's default: as much swap as memory (memsw = 2x) */
      snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", dir);
      if (access(path, F_OK) == 0)
        SET("memory.memsw.limit_in_bytes", "%lld", (long long)sp->memory * 2);
    }
    if (!strcmp(v1_ctrls[i], "pids") && sp->pids)
      SET("pids.max", "%lld", (long long)sp->pids);
    if (!strcmp(v1_ctrls[i], "cpu") && sp->cpus > 0) {
      SET("cpu.cfs_period_us", "100000");
      SET("cpu.cfs_quota_us", "%lld", (long long)(sp->cpus * 100000));
    }
#undef SET
  }
  if (sp->memory && access("/sys/fs/cgroup/memory", F_OK) < 0)
    return fail("memory limit asked, but the kernel has no memory cgroup");
  if (sp->pids && access("/sys/fs/cgroup/pids", F_OK) < 0)
    return fail("pids limit asked, but the kernel has no pids cgroup");
  return 0;
}

int sb_freeze(const char *name, int freeze)
{
  char path[512], state[64];
  int v2 = cgroup_v2();

  if (v2) snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cgroup.freeze",
                   name);
  else snprintf(path, sizeof(path), "/sys/fs/cgroup/freezer/%s/freezer.state",
                name);
  if (write_file(path, v2 ? (freeze ? "1" : "0")
                          : (freeze ? "FROZEN" : "THAWED")) < 0)
    return pfail("%s '%s'", freeze ? "freeze" : "thaw", path);
  /* v1 passes through FREEZING; v2 reports "frozen 1" in cgroup.events */
  if (v2) snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cgroup.events",
                   name);
  for (int i = 0; i < 1000; i++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, state, sizeof(state) - 1);
    if (fd >= 0) close(fd);
    if (n < 0) break;
    state[n] = 0;
    if (v2 ? strstr(state, freeze ? "frozen 1" : "frozen 0") != NULL
           : !strncmp(state, freeze ? "FROZEN" : "THAWED", 6))
      return 0;
    usleep(1000);
  }
  return fail("%s: the kernel did not finish", freeze ? "freeze" : "thaw");
}

/* A cgroup whose last task has just been reaped can stay busy for a
 * moment (its references go after the exit): try again for up to 0.5 s. */
static void cg_rmdir(const char *dir)
{
  for (int i = 0; i < 50 && rmdir(dir) < 0 && errno == EBUSY; i++)
    usleep(10000);
}

void sb_cgroup_remove(const char *name)
{
  char dir[512];

  if (cgroup_v2()) {
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", name);
    cg_rmdir(dir);
    return;
  }
  for (size_t i = 0; i < ARRAY_LEN(v1_ctrls); i++) {
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s/%s", v1_ctrls[i], name);
    cg_rmdir(dir);
  }
}

/* Move the calling (single-threaded) process into the container's
 * cgroups. On v1 it writes "0" to each controller's `tasks`: moving only
 * the caller's own thread takes no global lock, where a cgroup.procs write
 * waits for an RCU grace period (~10 ms, the largest part of a run). */
static int cgroup_join(const char *name)
{
  char path[512];
  int ret = 0;

  if (cgroup_v2()) {
    snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cgroup.procs", name);
    return write_file(path, "0") < 0 ? pfail("join %s", path) : 0;
  }
  for (size_t i = 0; i < ARRAY_LEN(v1_ctrls); i++) {
    snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", v1_ctrls[i]);
    if (access(path, F_OK) < 0) continue;
    snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s/tasks", v1_ctrls[i],
             name);
    if (write_file(path, "0") < 0) ret = pfail("join %s", path);
  }
  return ret;
}

/* The hierarchies the container has a cgroup of its own in, from
 * /proc/self/cgroup before the cgroup namespace hides the paths: their
 * controller lists ("memory", "cpu,cpuacct"; "" for cgroup2). */
static char **own_cgroups(const char *name)
{
  cleanup_free char *text = file_read(AT_FDCWD, "/proc/self/cgroup", 65536,
                                      NULL);
  char **own = NULL, *sv;
  size_t n = 0;

  for (char *l = text ? strtok_r(text, "\n", &sv) : NULL; l;
       l = strtok_r(NULL, "\n", &sv)) {
    char *c = strchr(l, ':'), *p = c ? strchr(c + 1, ':') : NULL;
    if (!p || p[1] != '/' || strcmp(p + 2, name)) continue;
    *p = 0;
    own = xrealloc(own, (n + 2) * sizeof(*own));
    own[n++] = xstrdup(c + 1);
    own[n] = NULL;
  }
  return own;
}

/* Whether every controller of list (comma-separated) is among the mount's
 * super options. */
static int has_ctrls(const char *opts, const char *list)
{
  char o[512], l[256], *sv;

  snprintf(o, sizeof(o), ",%s,", opts);
  snprintf(l, sizeof(l), "%s", list);
  for (char *c = strtok_r(l, ",", &sv); c; c = strtok_r(NULL, ",", &sv)) {
    char k[260];
    snprintf(k, sizeof(k), ",%s,", c);
    if (!strstr(o, k)) return 0;
  }
  return *list != 0;
}

/* /sys/fs/cgroup as Docker shows it: the container's own cgroups at the
 * root (the cgroup namespace does that), read-only unless privileged.
 * cgroup2 alone, or a tmpfs holding one mount per v1 hierarchy the
 * container has a cgroup in, named as on the host, and the host's
 * symlinks (cpu -> cpu,cpuacct). Hierarchies where the container has no
 * cgroup of its own would show the host's tree: they are left out. A
 * kernel that refuses one of these mounts costs the container only that
 * view, never its start. */
static void setup_cgroupfs(int root, char **own, int ro)
{
  cleanup_free char *info = file_read(AT_FDCWD, "/proc/self/mountinfo",
                                      1 << 20, NULL);
  unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC | (ro ? MS_RDONLY : 0);
  int tmpfs = 0;
  char *sv;
  DIR *d;

  if (!own || !own[0] || !info) return;
  if (!own[1] && !*own[0]) {            /* pure v2 */
    mount_try(root, "cgroup", "/sys/fs/cgroup", "cgroup2", fl, NULL, 0);
    return;
  }
  for (char *l = strtok_r(info, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv)) {
    char mp[256], type[32], opts[512], dst[300];
    const char *sep = strstr(l, " - "), *base;
    if (!sep || sscanf(l, "%*s %*s %*s %*s %255s", mp) != 1 ||
        sscanf(sep + 3, "%31s %*s %511s", type, opts) != 2 ||
        strcmp(type, "cgroup") || strncmp(mp, "/sys/fs/cgroup/", 15) ||
        strchr(base = mp + 15, '/'))
      continue;
    for (char **o = own; *o; o++) {
      if (!has_ctrls(opts, *o)) continue;
      if (!tmpfs++ && mount_try(root, "cgroup", "/sys/fs/cgroup", "tmpfs",
                                MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                "mode=755,size=64k", 0) < 0)
        return;
      snprintf(dst, sizeof(dst), "/sys/fs/cgroup/%s", base);
      mount_try(root, "cgroup", dst, "cgroup", fl, *o, 0);
      break;
    }
  }
  if (!tmpfs) return;
  if ((d = opendir("/sys/fs/cgroup"))) {
    int fd = open_in_root(root, "/sys/fs/cgroup", 0);
    char proc[64];
    int dfd;
    struct dirent *e;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    dfd = fd < 0 ? -1 : open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (dfd >= 0 && (e = readdir(d))) {
      char to[256], at[300];
      ssize_t k;
      snprintf(at, sizeof(at), "/sys/fs/cgroup/%s", e->d_name);
      if (e->d_type != DT_LNK ||
          (k = readlink(at, to, sizeof(to) - 1)) <= 0 || strchr(to, '/'))
        continue;
      to[k] = 0;
      /* only to a hierarchy shown here */
      if (faccessat(dfd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        symlinkat(to, dfd, e->d_name);
    }
    if (dfd >= 0) close(dfd);
    if (fd >= 0) close(fd);
    closedir(d);
  }
  if (ro)
    mount_try(root, NULL, "/sys/fs/cgroup", NULL,
              MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
              "mode=755,size=64k", 0);
}

/* Bring the loopback interface of our network namespace up, as Docker's
 * "none" network has it. */
static int loopback_up(void)
{
  struct ifreq ifr;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

  if (fd < 0) return -1;
  memset(&ifr, 0, sizeof(ifr));
  strcpy(ifr.ifr_name, "lo");
  r = ioctl(fd, SIOCGIFFLAGS, &ifr);
  if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    r = ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  close(fd);
  return r;
}

static void child(struct sb_spec *sp)
{
  cleanup_free char *opts = NULL;
  char **own = NULL;
  int root;

  /* into our cgroups before anything is charged, then a cgroup namespace
   * rooted there (without one, the container sees no cgroupfs: it would
   * show the host's) */
  if (sp->cgroup_name && cgroup_join(sp->cgroup_name) < 0 &&
      (sp->memory || sp->pids || sp->cpus > 0))
    die(125, "%s", fail_msg());
  if (sp->cgroup_name) own = own_cgroups(sp->cgroup_name);
  if (unshare(CLONE_NEWCGROUP) < 0) {
    if (errno != EINVAL)
      die(125, "unshare cgroup namespace: %s", strerror(errno));
    own = NULL;
  }
  if (!sp->net_host && loopback_up() < 0)
    die(125, "loopback up: %s", strerror(errno));

  /* Our mounts must not leak to the host (and the host's must not come
   * in later): make every mount of this namespace private first. */
  CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL),
        "make / private: %s", strerror(errno));
  /* by path, not by an fd of ours: an fd opened before the clone points
   * into the parent's mount namespace, and overlayfs refuses that */
  if (chdir(sp->storepath) < 0) die(125, "chdir store: %s", strerror(errno));
  if (sp->flat) {
    CHECK(mnt(sp->flat, sp->mnt, NULL, MS_BIND | MS_REC, NULL),
          "%s", fail_msg());
  } else {
    struct buf b = { 0 };
    /* relative lower paths (chdir'ed to the store): 100+ layers must fit
     * the single page the kernel takes for mount options */
    buf_add(&b, "lowerdir=", 9);
    for (size_t i = 0; i < sp->nlowers; i++) {
      if (i) buf_add(&b, ":", 1);
      buf_add(&b, sp->lowers[i], strlen(sp->lowers[i]));
    }
    buf_printf(&b, ",upperdir=%s,workdir=%s", sp->upper, sp->work);
    opts = buf_str(&b);
    if (b.len >= 4096) die(125, "too many layers for one overlay mount");
    CHECK(mnt("overlay", sp->mnt, "overlay", 0, opts), "%s", fail_msg());
  }
  if ((root = open(sp->rootpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    die(125, "open rootfs: %s", strerror(errno));

  mount_in(root, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
           NULL, 0);
  mount_in(root, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC |
           (sp->privileged ? 0 : MS_RDONLY), NULL, 0);
  setup_cgroupfs(root, own, !sp->privileged);
  setup_dev(root);
  for (size_t i = 0; i < sp->nbinds; i++) {
    struct stat st;
    if (stat(sp->binds[i].src, &st) < 0)
      die(125, "invalid mount config: bind source path does not exist: %s",
          sp->binds[i].src);
    mount_in(root, sp->binds[i].src, sp->binds[i].dst, NULL,
             MS_BIND | MS_REC | (sp->binds[i].ro ? MS_RDONLY : 0), NULL,
             !S_ISDIR(st.st_mode));
  }
  if (sp->etc_dir) {
    static const char *const files[] = { "hostname", "hosts",
                                         "resolv.conf" };
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
      char src[4096], dst[64];
      snprintf(src, sizeof(src), "%s/%s", sp->etc_dir, files[i]);
      snprintf(dst, sizeof(dst), "/etc/%s", files[i]);
      mount_in(root, src, dst, NULL, MS_BIND, NULL, 1);
    }
  }
  if (!sp->privileged) mask_paths(root);

  /* pivot_root(".", "."): the old root ends up stacked under the new one
   * and is detached at once, so no path to the host remains */
  if (fchdir(root) < 0) die(125, "chdir rootfs: %s", strerror(errno));
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    /* an initramfs root cannot be pivoted: move the mount and chroot */
    if (errno != EINVAL ||
        mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
      die(125, "pivot_root: %s", strerror(errno));
  } else if (umount2(".", MNT_DETACH) < 0) {
    die(125, "detach old root: %s", strerror(errno));
  }
  if (chdir("/") < 0) die(125, "chdir /: %s", strerror(errno));
  if (sp->tty && tty_child(tty_sock, sp->rows, sp->cols, 1) < 0)
    die(125, "%s", fail_msg());
  close(root);
  if (sp->readonly)
    CHECK(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL),
          "remount / read-only: %s", strerror(errno));
  if (sp->hostname && sethostname(sp->hostname, strlen(sp->hostname)) < 0)
    die(125, "sethostname: %s", strerror(errno));

  if (sp->cwd && *sp->cwd) {
    mkdir_p(AT_FDCWD, sp->cwd, 0755);
    if (chdir(sp->cwd) < 0)
      die(125, "chdir to cwd (\"%s\") set in config.json failed: %s",
          sp->cwd, strerror(errno));
  }
  confine(sp);
  signal(SIGPIPE, SIG_DFL);
  if (sp->init) run_init(sp->argv, sp->envp);
  do_exec(sp->argv, sp->envp);
}

/* --- the parent --- */

int sb_overlay_works(const char *storepath)
{
  cleanup_free char *dir = xasprintf("%s/tmp-overlay-probe-%d", storepath,
                                     (int)getpid());
  int status = 1;
  pid_t pid;

  if (mkdir(dir, 0700) < 0) return 0;
  if ((pid = fork()) == 0) {
    int ok = chdir(dir) == 0 && unshare(CLONE_NEWNS) == 0 &&
             mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
             mkdir("l", 0755) == 0 && mkdir("u", 0755) == 0 &&
             mkdir("w", 0700) == 0 && mkdir("m", 0755) == 0 &&
             mount("overlay", "m", "overlay", 0,
                   "lowerdir=l,upperdir=u,workdir=w") == 0;
    _exit(!ok);
  }
  if (pid > 0) while (waitpid(pid, &status, 0) < 0 && errno == EINTR);
  rm_rf(AT_FDCWD, dir);
  return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* With a tty: the socket its master comes back on. */
static int tty_pair(const struct sb_spec *sp, int tsock[2])
{
  tsock[0] = tsock[1] = -1;
  return sp->tty ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tsock)
                 : 0;
}

/* After the child's exec: take the master, close our ends. */
static void tty_done(struct sb_spec *sp, int tsock[2], int ok)
{
  if (tsock[1] >= 0) close(tsock[1]);
  if (tsock[0] < 0) return;
  if (ok) sp->tty_fd = tty_recv(tsock[0]);
  close(tsock[0]);
}

/* The parent's side after the fork: the sync pipe closes on the child's
 * exec (CLOEXEC); a message on it means the child failed (first byte: the
 * exit code Docker uses, then the reason). Then the pty's master, if any. */
static pid_t started(struct sb_spec *sp, pid_t pid, int syncp[2],
                     int tsock[2], int *code)
{
  char msg[1024];
  ssize_t n;

  close(syncp[1]);
  if (tsock[1] >= 0) close(tsock[1]), tsock[1] = -1;
  do n = read(syncp[0], msg, sizeof(msg) - 1);
  while (n < 0 && errno == EINTR);
  close(syncp[0]);
  tty_done(sp, tsock, n <= 0);
  if (n > 0) {
    msg[n] = 0;
    *code = (unsigned char)msg[0];
    waitpid(pid, NULL, 0);
    return fail("%s", msg + 1);
  }
  return pid;
}

pid_t sb_start(struct sb_spec *sp, int *code)
{
  int syncp[2], tsock[2], flags;
  pid_t pid;

  *code = 125;
  sp->tty_fd = -1;
  if (cgroup_setup(sp) < 0) return -1;
  if (pipe2(syncp, O_CLOEXEC) < 0 || tty_pair(sp, tsock) < 0)
    return pfail("pipe");
  flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
          (sp->net_host ? 0 : CLONE_NEWNET);
  /* fork-like clone: the child runs on a copy of our stack */
  pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) return pfail("clone");
  sp->mntns_fd = -1;
  if (pid && sp->hold_mntns) {
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
    sp->mntns_fd = open(p, O_RDONLY | O_CLOEXEC);
  }
  if (!pid) {
    close(syncp[0]);
    sync_fd = syncp[1];
    tty_sock = tsock[1];
    child(sp);
    _exit(125);
  }
  return started(sp, pid, syncp, tsock, code);
}

pid_t sb_enter(pid_t target, struct sb_spec *sp, int *code)
{
  static const char *const ns[] = { "cgroup", "ipc", "uts", "net", "pid",
                                    "mnt" };
  int syncp[2], tsock[2];
  pid_t pid;

  *code = 125;
  sp->tty_fd = -1;
  if (pipe2(syncp, O_CLOEXEC) < 0 || tty_pair(sp, tsock) < 0)
    return pfail("pipe");
  if ((pid = fork()) < 0) return pfail("fork");
  if (!pid) {
    int fds[ARRAY_LEN(ns)];
    close(syncp[0]);
    sync_fd = syncp[1];
    tty_sock = tsock[1];
    if (sp->cgroup_name) cgroup_join(sp->cgroup_name);  /* best effort */
    /* open them all first: after the mount namespace, /proc is theirs */
    for (size_t i = 0; i < ARRAY_LEN(ns); i++) {
      char p[64];
      snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)target, ns[i]);
      if ((fds[i] = open(p, O_RDONLY | O_CLOEXEC)) < 0 && errno != ENOENT)
        die(125, "open %s: %s", p, strerror(errno));
    }
    for (size_t i = 0; i < ARRAY_LEN(ns); i++)
      if (fds[i] >= 0 && setns(fds[i], 0) < 0)
        die(125, "setns %s: %s", ns[i], strerror(errno));
    /* a new PID namespace applies to children only: fork once more; this
     * process stays to forward signals and pass the exit status on */
    run_enter(sp);
  }
  return started(sp, pid, syncp, tsock, code);
}

int sb_wait(pid_t pid)
{
  return sb_wait_every(pid, 0, NULL, NULL);
}

static void on_chld(int sig) { (void)sig; }

int sb_wait_every(pid_t pid, long ms, void (*tick)(void *), void *ctx)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  struct sigaction sa;
  sigset_t chld, old;
  int status;

  relay_signals(pid);
  if (!tick) {
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) return 125;
    return exit_code(status);
  }
  /* SIGCHLD stays pending while blocked: sigtimedwait sees an exit that
   * came before it, and wakes at once for one that comes during */
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_chld;
  sigaction(SIGCHLD, &sa, NULL);
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      status = -1;
      break;
    }
    tick(ctx);
    sigtimedwait(&chld, NULL, &ts);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  return status < 0 ? 125 : exit_code(status);
}
