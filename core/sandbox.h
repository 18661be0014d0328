/* sandbox.h - run a process in new namespaces on an overlay root
 * See https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md
 *
 * Parse (the applet fills a spec) -> plan (mounts as a list) -> execute
 * (in the child, in its own mount namespace, so that every mount vanishes
 * with the container and nothing is left behind on the host). */
#ifndef OCIBOX_SANDBOX_H
#define OCIBOX_SANDBOX_H

#include <stdint.h>
#include <sys/types.h>

struct sb_bind {
  char *src, *dst;     /* host path, path inside the container */
  int ro;
};

struct sb_spec {
  const char *storepath;    /* the store's root (absolute): relative paths
                               below resolve from it */
  char **lowers;            /* lower dirs, top first, relative to rootdir */
  size_t nlowers;
  const char *upper, *work, *mnt;  /* relative to rootdir */
  const char *rootpath;     /* absolute path of mnt (mount targets) */
  const char *flat;         /* vfs: a flattened rootfs instead of overlay */
  const char *etc_dir;      /* dir holding hostname, hosts, resolv.conf */

  char **argv;              /* argv[0] resolved in the container's PATH */
  char **envp;
  const char *cwd;
  const char *user;         /* "name", "uid", "uid:gid", "name:group" */
  const char *hostname;
  struct sb_bind *binds;
  size_t nbinds;
  int net_host;             /* share the host's network namespace */
  int readonly, privileged, init, tty;
  int seccomp;              /* Docker's default seccomp policy */
  uint64_t caps;            /* capability set to keep (bounding and all) */

  int64_t memory;           /* bytes, 0 = none */
  int64_t pids;             /* 0 = none */
  double cpus;              /* 0 = none */
  const char *cgroup_name;  /* "ocibox/<id>" */

  unsigned short rows, cols;  /* with tty: the terminal's size, or 0 */
  int tty_fd;               /* out: with tty, the pty's master, or -1 */
  int hold_mntns;           /* in: sb_start keeps the mount namespace */
  int mntns_fd;             /* out: with hold_mntns, an fd of it, or -1:
                               its mounts outlive the container until the
                               fd is closed, and their teardown (an RCU
                               wait) need not delay the exit status */
};

/* Docker's 14 default capabilities. */
uint64_t sb_default_caps(void);
/* Parse "CAP_NET_ADMIN", "net_admin" or "ALL" into a bit mask; -1 if
 * unknown. */
int64_t sb_cap_parse(const char *name);

/* Start the container: returns the pid of its init (PID 1 inside) once it
 * has exec'd the command, or -1 with the reason; *code gets the exit code
 * Docker uses for that failure (125 setup, 126 not executable, 127 not
 * found). */
pid_t sb_start(struct sb_spec *sp, int *code);
/* Wait for the container's init, relaying SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGUSR1, SIGUSR2 and SIGWINCH to it; return its exit code (128+N for a
 * signal), as Docker does. */
int sb_wait(pid_t pid);
/* The same, calling tick(ctx) every ms milliseconds meanwhile. */
int sb_wait_every(pid_t pid, long ms, void (*tick)(void *), void *ctx);
/* Run sp->argv (with sp->envp, cwd, user, caps) inside the namespaces and
 * cgroups of the running container whose init is target, as `exec` does.
 * Returns a pid to sb_wait for, or -1 with *code as for sb_start. */
pid_t sb_enter(pid_t target, struct sb_spec *sp, int *code);
/* Can overlayfs mount here, with upper and work dirs on the store's file
 * system? (Tried in a throw-away mount namespace under storepath.) */
int sb_overlay_works(const char *storepath);
/* Freeze (1) or thaw (0) every process of the container's cgroup: v1's
 * freezer.state, v2's cgroup.freeze; returns once the kernel says it is
 * done. -1 with the reason (no freezer in this kernel, say). */
int sb_freeze(const char *cgroup_name, int freeze);
/* Remove the container's cgroups (after it has exited). */
void sb_cgroup_remove(const char *name);

#endif
