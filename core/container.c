/* container.c - container records */
#include "core/container.h"
#include "core/opt.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* see container.h */

static const char *const adjectives[] = {
  "admiring", "brave", "calm", "clever", "dreamy", "eager", "festive",
  "gallant", "happy", "jolly", "keen", "lucid", "modest", "nifty", "quirky",
  "serene", "sharp", "stoic", "tender", "vibrant", "wizardly", "zealous",
};
static const char *const names[] = {
  "babbage", "curie", "darwin", "euler", "fermi", "galileo", "hopper",
  "hypatia", "kepler", "lovelace", "meitner", "newton", "noether", "pascal",
  "ritchie", "shannon", "tesla", "thompson", "turing", "wozniak",
};

char *container_path(const struct container *c, const char *name)
{
  return xasprintf("containers/%s/%s", c->id, name);
}

const char *container_boot_id(void)
{
  static char id[64];
  int fd;
  ssize_t n;

  if (*id) return id;
  if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC))
      < 0)
    return "";
  n = read(fd, id, sizeof(id) - 1);
  close(fd);
  id[n > 0 ? n : 0] = 0;
  if (n > 0 && id[n - 1] == '\n') id[n - 1] = 0;
  return id;
}

uint64_t container_proc_start(int pid)
{
  char path[64], buf[1024], *p;
  unsigned long long start = 0;
  int fd, i;
  ssize_t n;

  if (pid <= 0) return 0;
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return 0;
  n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  /* the command name may hold spaces: count fields after its ')'; a
   * zombie (state Z, X) runs no more */
  if (!(p = strrchr(buf, ')')) || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
    return 0;
  for (i = 2; *p && i < 22; p++)
    if (*p == ' ') i++;
  sscanf(p, "%llu", &start);
  return start;
}

static int load(struct store *s, const char *id, struct container *c)
{
  cleanup_free char *cp = xasprintf("containers/%s/config.json", id);
  cleanup_free char *sp = xasprintf("containers/%s/state.json", id);

  memset(c, 0, sizeof(*c));
  snprintf(c->id, sizeof(c->id), "%s", id);
  if (!(c->config = json_read(s->dfd, cp, JSON_MAX))) return -1;
  if (!(c->state = json_read(s->dfd, sp, JSON_MAX)))
    c->state = cJSON_CreateObject();
  return 0;
}

void container_free(struct container *c)
{
  cJSON_Delete(c->config);
  cJSON_Delete(c->state);
  memset(c, 0, sizeof(*c));
}

static int oldest_first(const void *a, const void *b)
{
  const char *x = json_str(((const struct container *)a)->config, "Created");
  const char *y = json_str(((const struct container *)b)->config, "Created");
  return strcmp(x ? x : "", y ? y : "");
}

int container_list(struct store *s, struct container **v, size_t *n)
{
  struct dirent *e;
  DIR *d;

  *v = NULL;
  *n = 0;
  if (!(d = dir_open(s->dfd, "containers", 0))) return 0;
  while ((e = readdir(d))) {
    if (strlen(e->d_name) != 64 || !is_hex(e->d_name, 64)) continue;
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    if (load(s, e->d_name, &(*v)[*n]) == 0) (*n)++;
    else container_free(&(*v)[*n]);
  }
  closedir(d);
  qsort(*v, *n, sizeof(**v), oldest_first);
  return 0;
}

void container_sweep(struct store *s)
{
  struct dirent *e;
  DIR *d;

  if (!(d = dir_open(s->dfd, "containers", 0))) return;
  while ((e = readdir(d))) {
    struct container c;

    if (!strncmp(e->d_name, ".trash-", 7)) {
      cleanup_free char *t = xasprintf("containers/%s", e->d_name);
      rm_rf(s->dfd, t);    /* a removal a power cut interrupted */
      continue;
    }
    if (strlen(e->d_name) != 64 || !is_hex(e->d_name, 64)) continue;
    if (load(s, e->d_name, &c) < 0) {
      /* no readable config: created but never completed */
      snprintf(c.id, sizeof(c.id), "%s", e->d_name);
      container_remove(s, &c);
    } else if (cJSON_IsTrue(cJSON_GetObjectItem(c.config, "AutoRemove")) &&
               container_status(&c) == CT_EXITED) {
      container_remove(s, &c);
    }
    container_free(&c);
  }
  closedir(d);
}

void container_list_free(struct container *v, size_t n)
{
  for (size_t i = 0; i < n; i++) container_free(&v[i]);
  free(v);
}

/* Whether the container is named key ("web", or Docker's "/web"). */
static int has_name(const struct container *c, const char *key)
{
  const char *name = json_str(c->config, "Name");

  return name && (!strcmp(name, key) ||
                  (*key != '/' && name[0] == '/' && !strcmp(name + 1, key)));
}

int container_find(struct store *s, const char *key, struct container *c)
{
  struct container *v;
  size_t n;
  int found = -1;

  memset(c, 0, sizeof(*c));
  container_list(s, &v, &n);
  for (size_t i = 0; i < n && found < 0; i++)
    if (!strcmp(v[i].id, key) || has_name(&v[i], key)) found = i;
  if (found < 0 && *key && is_hex(key, strlen(key)))
    for (size_t i = 0; i < n; i++) {
      if (strncmp(v[i].id, key, strlen(key))) continue;
      if (found >= 0) {
        container_list_free(v, n);
        return fail("multiple containers match '%s'", key);
      }
      found = i;
    }
  if (found < 0) {
    container_list_free(v, n);
    return fail("No such container: %s", key);
  }
  *c = v[found];
  memset(&v[found], 0, sizeof(v[found]));
  container_list_free(v, n);
  return 0;
}

/* Whether a container has this name (names only: "ec" may well be the
 * prefix of some ID, and is still free as a name); its ID to id. */
static int name_user(struct store *s, const char *name, char *id)
{
  struct container *v;
  size_t n;
  int found = 0;

  container_list(s, &v, &n);
  for (size_t i = 0; i < n && !found; i++)
    if ((found = has_name(&v[i], name))) memcpy(id, v[i].id, 65);
  container_list_free(v, n);
  return found;
}

int container_create(struct store *s, struct container *c, const char *name,
                     cJSON *config)
{
  unsigned char rnd[32];
  cleanup_free char *dir = NULL, *cp = NULL, *gen = NULL, *text = NULL;
  char other[65];
  int fd;

  memset(c, 0, sizeof(*c));
  if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0 ||
      read_full(fd, rnd, sizeof(rnd)) != sizeof(rnd)) {
    if (fd >= 0) close(fd);
    return pfail("read /dev/urandom");
  }
  close(fd);
  for (int i = 0; i < 32; i++) sprintf(c->id + 2 * i, "%02x", rnd[i]);
  if (name) {
    const char *p = name;
    if (!*p || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789", *p))
      return fail("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-]"
                  " are allowed", name);
    for (; *p; p++)
      if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_.-", *p))
        return fail("Invalid container name (%s), only [a-zA-Z0-9]"
                    "[a-zA-Z0-9_.-] are allowed", name);
    if (name_user(s, name, other)) {
      return fail("Conflict. The container name \"/%s\" is already in use "
                  "by container \"%s\". You have to remove (or rename) that "
                  "container to be able to reuse that name.", name, other);
    }
  } else {
    for (int tries = 0; tries < 20; tries++) {
      free(gen);
      gen = xasprintf("%s_%s", adjectives[rnd[tries % 32] %
                      ARRAY_LEN(adjectives)], names[rnd[(tries + 7) % 32] %
                      ARRAY_LEN(names)]);
      if (tries >= 10) {
        char *g = xasprintf("%s%d", gen, rnd[tries] % 10);
        free(gen);
        gen = g;
      }
      if (!name_user(s, gen, other)) break;
    }
    name = gen;
  }
  json_set_str(config, "Name", name);
  dir = xasprintf("containers/%s", c->id);
  if (mkdir_p(s->dfd, dir, 0700) < 0) return -1;
  cp = xasprintf("%s/config.json", dir);
  text = json_print(config);
  if (file_write_atomic(s->dfd, cp, text, strlen(text), 0600) < 0) {
    rm_rf(s->dfd, dir);
    return -1;
  }
  c->config = config;
  c->state = cJSON_CreateObject();
  json_set_str(c->state, "Status", "created");
  return 0;
}

int container_save_state(struct store *s, struct container *c)
{
  cleanup_free char *p = container_path(c, "state.json");
  cleanup_free char *text = json_print(c->state);

  return file_write_atomic(s->dfd, p, text, strlen(text), 0600);
}

int container_reload_state(struct store *s, struct container *c)
{
  cleanup_free char *p = container_path(c, "state.json");
  cJSON *st = json_read(s->dfd, p, JSON_MAX);

  if (!st) return -1;
  cJSON_Delete(c->state);
  c->state = st;
  return 0;
}

/* Whether the process that records the container's end still runs. */
static int monitor_alive(const struct container *c)
{
  int mon = json_int(c->state, "MonitorPid", 0);
  const char *boot = json_str(c->state, "BootId");

  return mon > 0 && boot && !strcmp(boot, container_boot_id()) &&
         container_proc_start(mon) ==
           (uint64_t)json_int(c->state, "MonitorStart", -1);
}

int container_settled(const struct container *c)
{
  const char *st = json_str(c->state, "Status");

  if (st && (!strcmp(st, "running") || !strcmp(st, "paused") ||
             !strcmp(st, "restarting")))
    return !monitor_alive(c) && container_status(c) == CT_EXITED;
  return 1;
}

int container_status(const struct container *c)
{
  const char *st = json_str(c->state, "Status");
  int pid = json_int(c->state, "Pid", 0);
  const char *boot = json_str(c->state, "BootId");

  if (!st || !strcmp(st, "created")) return CT_CREATED;
  if (!strcmp(st, "running") || !strcmp(st, "paused")) {
    if (pid > 0 && boot && !strcmp(boot, container_boot_id()) &&
        container_proc_start(pid) ==
          (uint64_t)json_int(c->state, "StartTime", -1))
      return !strcmp(st, "paused") ? CT_PAUSED : CT_RUNNING;
    return CT_EXITED;
  }
  /* only while its monitor lives: not after a power cut */
  if (!strcmp(st, "restarting") && monitor_alive(c)) return CT_RESTARTING;
  return CT_EXITED;
}

const char *container_status_name(int st)
{
  static const char *const names[] = {
    [CT_CREATED] = "created", [CT_RUNNING] = "running",
    [CT_EXITED] = "exited", [CT_PAUSED] = "paused",
    [CT_RESTARTING] = "restarting",
  };
  return st >= 0 && st < (int)ARRAY_LEN(names) ? names[st] : NULL;
}

char *container_status_text(const struct container *c, char *buf)
{
  char ago[40];
  time_t t = 0;
  int st = container_status(c);

  if (st == CT_CREATED) return strcpy(buf, "Created");
  if (st == CT_RUNNING || st == CT_PAUSED) {
    time_parse(json_str(c->state, "StartedAt"), &t);
    fmt_ago(ago, t);
    ago[strlen(ago) - 4] = 0;   /* "2 minutes ago" -> "2 minutes" */
    snprintf(buf, 64, "Up %s%s", ago, st == CT_PAUSED ? " (Paused)" : "");
    return buf;
  }
  if (time_parse(json_str(c->state, "FinishedAt"), &t) < 0) t = 0;
  snprintf(buf, 64, "%s (%d) %s", st == CT_RESTARTING ? "Restarting"
           : "Exited", (int)json_int(c->state, "ExitCode", -1),
           t ? fmt_ago(ago, t) : "");
  return buf;
}

int container_remove(struct store *s, const struct container *c)
{
  cleanup_free char *dir = xasprintf("containers/%s", c->id);
  cleanup_free char *trash = xasprintf("containers/.trash-%s", c->id);

  /* gone for every reader at once, and a monitor still writing its
   * record writes nowhere; what a failure leaves, container_sweep takes */
  if (renameat(s->dfd, dir, s->dfd, trash) == 0) {
    rm_rf(s->dfd, trash);
    return 0;
  }
  if (rm_rf(s->dfd, dir) < 0) return fail_wrap("remove container %.12s",
                                               c->id);
  return 0;
}

int container_discard(struct store *s, const struct container *c, int nsfd)
{
  cleanup_free char *dir = xasprintf("containers/%s", c->id);
  cleanup_free char *trash = xasprintf("containers/.trash-%s", c->id);
  pid_t pid;

  /* gone for every reader at once; the files go in the background */
  if (renameat(s->dfd, dir, s->dfd, trash) < 0) {
    if (nsfd >= 0) close(nsfd);
    return container_remove(s, c);
  }
  if ((pid = fork()) < 0) {
    if (nsfd >= 0) close(nsfd);
    return rm_rf(s->dfd, trash);
  }
  if (pid) {
    if (nsfd >= 0) close(nsfd);
    return 0;
  }
  /* nobody must wait for us: not a pipe reading our output, nor a shell */
  {
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; fd++) dup2(nul, fd);
  }
  setsid();
  if (fork() == 0) {
    if (nsfd >= 0) close(nsfd);
    rm_rf(s->dfd, trash);
  }
  _exit(0);
}

int container_layers(struct store *s, const struct container *c, int *upper,
                     int **lowers, size_t *n)
{
  const cJSON *spec = json_obj(c->config, "Spec"), *l;
  cleanup_free char *up = container_path(c, "upper");

  *lowers = NULL;
  *n = 0;
  if (json_str(spec, "Flat"))
    return fail("container %.12s uses the vfs storage driver: it has no "
                "layer of its own", c->id);
  if ((*upper = openat(s->dfd, up, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return pfail("open '%s'", up);
  *lowers = xzalloc((cJSON_GetArraySize(json_arr(spec, "Lowers")) + 1) *
                    sizeof(int));
  cJSON_ArrayForEach(l, json_arr(spec, "Lowers")) {
    if (!cJSON_IsString(l)) continue;
    /* l/<short> links are ours, into layers/ */
    if (((*lowers)[*n] = openat(s->dfd, l->valuestring, O_RDONLY |
                                O_DIRECTORY | O_CLOEXEC)) < 0) {
      pfail("open layer '%s'", l->valuestring);
      while ((*n)--) close((*lowers)[*n]);
      free(*lowers);
      close(*upper);
      return -1;
    }
    (*n)++;
  }
  return 0;
}

int container_each(struct store *s, int argc, char **argv,
                   int (*fn)(struct store *s, struct container *c,
                             const char *name))
{
  int ret = 0;

  for (int i = 0; i < argc; i++) {
    struct container c;
    int r = container_find(s, argv[i], &c) < 0 ? -1 : fn(s, &c, argv[i]);

    if (r == -1) fail_print();
    if (r < 0) ret = 1;
    else printf("%s\n", argv[i]);
    container_free(&c);
  }
  return ret;
}

int container_mark_stopped(struct store *s, const struct container *c, int on)
{
  cleanup_free char *p = container_path(c, "stopped");

  if (!on) return unlinkat(s->dfd, p, 0) < 0 && errno != ENOENT ? -1 : 0;
  return file_write_atomic(s->dfd, p, "", 0, 0600);
}

int container_stopped_by_hand(struct store *s, const struct container *c)
{
  cleanup_free char *p = container_path(c, "stopped");

  return faccessat(s->dfd, p, F_OK, 0) == 0;
}
