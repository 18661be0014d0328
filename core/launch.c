/* launch.c - start a container from its record and monitor it */
#include "core/launch.h"
#include "core/opt.h"
#include "core/tty.h"
#include "core/util.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* see launch.h */

cJSON *launch_spec_json(const struct sb_spec *sp)
{
  cJSON *j = cJSON_CreateObject(), *a;
  char caps[32];

#define STRS(key, v, n) a = cJSON_AddArrayToObject(j, key); \
  for (size_t i_ = 0; i_ < (n); i_++) \
    cJSON_AddItemToArray(a, cJSON_CreateString((v)[i_]));
  {
    size_t n = 0, e = 0;
    while (sp->argv[n]) n++;
    while (sp->envp[e]) e++;
    STRS("Args", sp->argv, n)
    STRS("Env", sp->envp, e)
  }
  STRS("Lowers", sp->lowers, sp->nlowers)
#undef STRS
  if (sp->flat) json_set_str(j, "Flat", sp->flat);
  json_set_str(j, "Cwd", sp->cwd ? sp->cwd : "");
  json_set_str(j, "User", sp->user ? sp->user : "");
  json_set_str(j, "Hostname", sp->hostname);
  a = cJSON_AddArrayToObject(j, "Binds");
  for (size_t i = 0; i < sp->nbinds; i++) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "Src", sp->binds[i].src);
    cJSON_AddStringToObject(b, "Dst", sp->binds[i].dst);
    cJSON_AddBoolToObject(b, "Ro", sp->binds[i].ro);
    cJSON_AddItemToArray(a, b);
  }
  cJSON_AddBoolToObject(j, "NetHost", sp->net_host);
  cJSON_AddBoolToObject(j, "ReadOnly", sp->readonly);
  cJSON_AddBoolToObject(j, "Privileged", sp->privileged);
  cJSON_AddBoolToObject(j, "Init", sp->init);
  cJSON_AddBoolToObject(j, "Tty", sp->tty);
  cJSON_AddBoolToObject(j, "Seccomp", sp->seccomp);
  /* 64 bits do not survive a JSON number (a double): hex */
  snprintf(caps, sizeof(caps), "%llx", (unsigned long long)sp->caps);
  cJSON_AddStringToObject(j, "Caps", caps);
  cJSON_AddNumberToObject(j, "Memory", sp->memory);
  cJSON_AddNumberToObject(j, "Pids", sp->pids);
  cJSON_AddNumberToObject(j, "Cpus", sp->cpus);
  return j;
}

static char **strs(const cJSON *a)
{
  size_t n = cJSON_GetArraySize(a), i = 0;
  char **v = xzalloc((n + 1) * sizeof(*v));
  const cJSON *e;

  cJSON_ArrayForEach(e, a)
    if (cJSON_IsString(e)) v[i++] = e->valuestring;
  return v;
}

static void now_in(cJSON *state, const char *key)
{
  char t[40];
  json_set_str(state, key, time_fmt(t, time(NULL)));
}

/* Record the end, drop the cgroups, and remove when asked. */
static void ended(struct store *s, struct container *c, int code, int rm,
                  const char *cg, int nsfd)
{
  sb_cgroup_remove(cg);
  if (rm && container_discard(s, c, nsfd) == 0) return;
  if (nsfd >= 0) close(nsfd);
  container_reload_state(s, c);     /* what others wrote meanwhile */
  json_set_str(c->state, "Status", "exited");
  json_set(c->state, "ExitCode", cJSON_CreateNumber(code));
  json_set(c->state, "Pid", cJSON_CreateNumber(0));
  now_in(c->state, "FinishedAt");
  container_save_state(s, c);
}

/* The restart policy's verdict on a run that ended with code after
 * ran seconds: -1 for no restart, else the delay in ms before the next
 * (Docker's: 100 ms, doubling up to a minute; back to 100 ms after a run
 * of 10 s or more). A container stopped by hand is never restarted. */
static long restart_delay(struct store *s, struct container *c, int code,
                          time_t ran, long *backoff)
{
  const cJSON *rp = json_obj(c->config, "RestartPolicy");
  const char *name = json_str(rp, "Name");
  long max = json_int(rp, "MaximumRetryCount", 0);

  if (!name || !strcmp(name, "no") || container_stopped_by_hand(s, c))
    return -1;
  if (!strcmp(name, "on-failure") &&
      (code == 0 || (max > 0 && json_int(c->state, "RestartCount", 0) >= max)))
    return -1;
  *backoff = ran >= 10 || *backoff <= 0 ? 100
             : *backoff * 2 > 60000 ? 60000 : *backoff * 2;
  return *backoff;
}

/* Between two runs: "restarting" for ps, then wait, watching for stop or
 * rm. 0 to run again. */
static int restart_wait(struct store *s, struct container *c, long ms)
{
  json_set_str(c->state, "Status", "restarting");
  container_save_state(s, c);
  for (long t = 0; t < ms; t += 50) {
    usleep(50000);
    if (container_reload_state(s, c) < 0) return -1;    /* removed */
    if (container_stopped_by_hand(s, c)) {
      json_set_str(c->state, "Status", "exited");
      container_save_state(s, c);
      return -1;
    }
  }
  json_set(c->state, "RestartCount", cJSON_CreateNumber(
           json_int(c->state, "RestartCount", 0) + 1));
  return 0;
}

/* --log-opt max-size/max-file: a detached container writes straight to
 * its log (no relay to slow it); once a second its monitor checks the
 * size and, over the cap, shifts log.1.. up, copies log to log.1 and
 * truncates log, which the container's O_APPEND writes then fill from 0
 * (logrotate's copytruncate: what comes during the copy may be lost). */
struct logcap {
  int dfd;
  const char *path;
  int64_t max;
  long files;
};

static void log_tick(void *ctx)
{
  struct logcap *l = ctx;
  struct stat st;

  if (fstat(1, &st) < 0 || st.st_size <= l->max) return;
  for (long i = l->files - 1; i > 1; i--) {
    cleanup_free char *from = xasprintf("%s.%ld", l->path, i - 1);
    cleanup_free char *to = xasprintf("%s.%ld", l->path, i);
    renameat(l->dfd, from, l->dfd, to);
  }
  if (l->files > 1) {
    cleanup_free char *one = xasprintf("%s.1", l->path);
    cleanup_free char *tmp = xasprintf("%s.1.tmp", l->path);
    int in = openat(l->dfd, l->path, O_RDONLY | O_CLOEXEC);
    int out = openat(l->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                     0600);
    static char buf[65536];
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0 &&
           write_full(out, buf, n) == 0);
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (in >= 0 && out >= 0 && n == 0) renameat(l->dfd, tmp, l->dfd, one);
    else unlinkat(l->dfd, tmp, 0);
  }
  ftruncate(1, 0);
}

int launch(struct store *s, struct container *c, int flags)
{
  const cJSON *sj = json_obj(c->config, "Spec"), *b;
  cleanup_free char *upper = container_path(c, "upper");
  cleanup_free char *work = container_path(c, "work");
  cleanup_free char *mnt = container_path(c, "rootfs");
  cleanup_free char *rootabs = NULL, *etcd = NULL, *logp = NULL;
  cleanup_free char *cg = xasprintf("ocibox/%s", c->id);
  struct sb_spec sp;
  char rp[4096];
  int code, ret, pfd[2] = { -1, -1 }, rm = flags & LAUNCH_RM;
  long backoff;
  pid_t pid;
  struct logcap cap = { s->dfd, NULL, 0, 1 };

  if (!sj) return fail("container %.12s has no spec", c->id), fail_print(),
                  125;
  if (!realpath(s->root, rp)) return pfail("realpath '%s'", s->root),
                                     fail_print(), 125;
  memset(&sp, 0, sizeof(sp));
  rootabs = xasprintf("%s/%s", rp, mnt);
  etcd = xasprintf("%s/containers/%s", rp, c->id);
  sp.storepath = rp;
  sp.lowers = strs(json_arr(sj, "Lowers"));
  sp.nlowers = cJSON_GetArraySize(json_arr(sj, "Lowers"));
  sp.upper = upper;
  sp.work = work;
  sp.mnt = mnt;
  sp.rootpath = rootabs;
  sp.etc_dir = etcd;
  sp.argv = strs(json_arr(sj, "Args"));
  sp.envp = strs(json_arr(sj, "Env"));
  sp.flat = json_str(sj, "Flat");
  sp.cwd = json_str(sj, "Cwd");
  sp.user = json_str(sj, "User");
  sp.hostname = json_str(sj, "Hostname");
  cJSON_ArrayForEach(b, json_arr(sj, "Binds")) {
    sp.binds = xrealloc(sp.binds, (sp.nbinds + 1) * sizeof(*sp.binds));
    sp.binds[sp.nbinds++] = (struct sb_bind){
      (char *)json_str(b, "Src"), (char *)json_str(b, "Dst"),
      cJSON_IsTrue(cJSON_GetObjectItem(b, "Ro")) };
  }
  sp.net_host = cJSON_IsTrue(cJSON_GetObjectItem(sj, "NetHost"));
  sp.readonly = cJSON_IsTrue(cJSON_GetObjectItem(sj, "ReadOnly"));
  sp.privileged = cJSON_IsTrue(cJSON_GetObjectItem(sj, "Privileged"));
  sp.init = cJSON_IsTrue(cJSON_GetObjectItem(sj, "Init"));
  sp.tty = cJSON_IsTrue(cJSON_GetObjectItem(sj, "Tty"));
  sp.seccomp = cJSON_IsTrue(cJSON_GetObjectItem(sj, "Seccomp"));
  if (sp.tty && !(flags & LAUNCH_DETACH)) tty_size(&sp.rows, &sp.cols);
  sp.caps = strtoull(json_str(sj, "Caps") ? json_str(sj, "Caps") : "0",
                     NULL, 16);
  sp.memory = json_int(sj, "Memory", 0);
  sp.pids = json_int(sj, "Pids", 0);
  sp.cpus = cJSON_GetNumberValue(cJSON_GetObjectItem(sj, "Cpus"));
  if (sp.cpus != sp.cpus) sp.cpus = 0;   /* NaN: missing */
  sp.cgroup_name = cg;
  /* a --rm container's mounts are torn down after its status is out */
  sp.hold_mntns = rm;

  /* writers wait for nobody while the container runs */
  if (s->lockfd >= 0) close(s->lockfd);
  s->lockfd = -1;

  {
    const cJSON *lc = json_obj(json_obj(c->config, "LogConfig"), "Config");
    const char *ms = json_str(lc, "max-size"), *mf = json_str(lc, "max-file");
    if (ms) parse_bytes(ms, &cap.max);
    if (mf) cap.files = atol(mf) > 0 ? atol(mf) : 1;
  }
  if (flags & LAUNCH_DETACH) {
    /* the monitor: a child in its own session that starts the container,
     * reports the outcome through a pipe, then waits and records */
    int logfd, nul;
    logp = container_path(c, "log");
    cap.path = logp;
    if (pipe2(pfd, O_CLOEXEC) < 0 || (pid = fork()) < 0)
      return pfail("fork"), fail_print(), 125;
    if (pid) {
      char buf[1100];
      ssize_t n;
      close(pfd[1]);
      do n = read(pfd[0], buf, sizeof(buf) - 1);
      while (n < 0 && errno == EINTR);
      close(pfd[0]);
      if (n > 1 && buf[0] == 'E') {
        buf[n] = 0;
        fprintf(stderr, "%s: %s\n", applet_name, buf + 2);
        return (unsigned char)buf[1];
      }
      return n == 2 ? 0 : 125;
    }
    close(pfd[0]);
    setsid();
    if ((logfd = openat(s->dfd, logp, O_WRONLY | O_CREAT | O_APPEND |
                        O_CLOEXEC, 0600)) < 0)
      _exit(125);
    nul = open("/dev/null", O_RDONLY);
    dup2(nul, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
  } else if (!(flags & LAUNCH_STDIN)) {
    /* without -i the container's standard input is empty, as Docker's */
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0), close(nul);
  }

  /* started again: a stop by hand is over. Who records the end (the
   * detached monitor, or run itself) is known by its pid, so that others
   * can wait for the record, and for a restart policy's waits */
  container_mark_stopped(s, c, 0);
  json_set(c->state, "RestartCount", cJSON_CreateNumber(0));
  backoff = 0;
  json_set(c->state, "MonitorPid", cJSON_CreateNumber(getpid()));
  json_set(c->state, "MonitorStart",
           cJSON_CreateNumber(container_proc_start(getpid())));
  for (int first = 1;; first = 0) {
    time_t began = time(NULL);

    if ((pid = sb_start(&sp, &code)) < 0) {
      if (!(flags & LAUNCH_DETACH)) {
        fail_print();
      } else if (first) {
        char buf[1100];
        int n = snprintf(buf, sizeof(buf), "E%c%s", code, fail_msg());
        write(pfd[1], buf, n);
      }
      ended(s, c, code, rm, cg, -1);
      /* a container that could not start at all is not restarted */
      if (!(flags & LAUNCH_DETACH)) return code;
      if (first) _exit(code);
      ret = code;
    } else {
      json_set_str(c->state, "Status", "running");
      json_set(c->state, "Pid", cJSON_CreateNumber(pid));
      json_set(c->state, "StartTime",
               cJSON_CreateNumber(container_proc_start(pid)));
      json_set_str(c->state, "BootId", container_boot_id());
      now_in(c->state, "StartedAt");
      container_save_state(s, c);
      if ((flags & LAUNCH_DETACH) && first) {
        write(pfd[1], "OK", 2);
        close(pfd[1]);
      }
      /* with -t the output comes through the pty (to the log, detached) */
      if (sp.tty_fd >= 0)
        ret = tty_relay(pid, sp.tty_fd, (flags & LAUNCH_STDIN) ? 0 : -1, 1);
      else if ((flags & LAUNCH_DETACH) && cap.max > 0)
        ret = sb_wait_every(pid, 1000, log_tick, &cap);
      else
        ret = sb_wait(pid);
      if (sp.tty_fd >= 0) close(sp.tty_fd);
      ended(s, c, ret, rm, cg, sp.mntns_fd);
    }
    /* restart policies are the detached monitor's work */
    if (!(flags & LAUNCH_DETACH)) return ret;
    {
      long ms = restart_delay(s, c, ret, time(NULL) - began, &backoff);
      if (ms < 0 || restart_wait(s, c, ms) < 0) _exit(ret);
    }
  }
}

int launch_kill(struct store *s, struct container *c, int sig, long ms)
{
  int pid = json_int(c->state, "Pid", 0);
  int st = container_status(c);

  /* first, so that no restart policy brings it back */
  container_mark_stopped(s, c, 1);
  if (st == CT_RESTARTING) {
    /* its monitor sees the mark within 50 ms and ends */
    for (long t = 0; t < 100 && container_reload_state(s, c) == 0 &&
                     container_status(c) == CT_RESTARTING; t++)
      usleep(10000);
    return 0;
  }
  if (pid <= 0 || (st != CT_RUNNING && st != CT_PAUSED)) return 0;
  kill(pid, sig);
  if (st == CT_PAUSED) {
    cleanup_free char *cg = xasprintf("ocibox/%s", c->id);
    sb_freeze(cg, 0);
  }
  /* the container's monitor reaps it, records the exit and, stopped by
   * hand, ends: wait for both */
  for (long t = 0; t < ms / 10 && container_proc_start(pid); t++)
    usleep(10000);
  if (container_proc_start(pid)) return 1;
  {
    int mon = json_int(c->state, "MonitorPid", 0);
    uint64_t at = json_int(c->state, "MonitorStart", -1);
    for (long t = 0; t < ms / 10 && mon > 0 && container_proc_start(mon) == at;
         t++)
      usleep(10000);
  }
  return 0;
}

void launch_stop(struct store *s, struct container *c, int sig, long seconds)
{
  int st = container_status(c);

  if (st != CT_RUNNING && st != CT_PAUSED && st != CT_RESTARTING) return;
  if (launch_kill(s, c, sig, seconds * 1000))
    launch_kill(s, c, SIGKILL, 2000);
  /* and wait for the record of whoever started it (run, or a monitor) */
  for (int t = 0; t < 200; t++) {
    const char *status;
    if (container_reload_state(s, c) < 0) break;
    status = json_str(c->state, "Status");
    if (status && strcmp(status, "running")) break;
    usleep(10000);
  }
}

int launch_pause(struct store *s, struct container *c, int on)
{
  cleanup_free char *cg = xasprintf("ocibox/%s", c->id);

  if (sb_freeze(cg, on) < 0) return -1;
  json_set_str(c->state, "Status", on ? "paused" : "running");
  return container_save_state(s, c);
}
