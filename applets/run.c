/* run.c - run a command in a new container
 * See https://docs.docker.com/reference/cli/docker/container/run/ */
#include "core/core.h"
#include "core/container.h"
#include "core/image.h"
#include "core/launch.h"
#include "core/layer.h"
#include "core/ref.h"
#include "core/sandbox.h"

#include <signal.h>
#include <sys/wait.h>

static const char usage[] =
"usage: run [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
"Run COMMAND (default: the image's Entrypoint and Cmd) in a new container:\n"
"an overlay of the image's layers, new mount, PID, UTS, IPC, cgroup and\n"
"network namespaces, Docker's default capabilities, no_new_privs.\n\n"
"--name NAME        name the container\n"
"--rm               remove the container when it exits\n"
"-d, --detach       run in the background, print the container ID\n"
"-i, --interactive  keep standard input open\n"
"-t, --tty          allocate a terminal (raw mode, window size relayed)\n"
"-e, --env K=V      set an environment variable (K alone: from the host)\n"
"--env-file FILE    read K=V lines\n"
"-w, --workdir DIR  working directory inside the container\n"
"-u, --user U[:G]   user and group, names from the image's /etc/passwd\n"
"-h, --hostname H   container host name (default: the short ID)\n"
"-v, --volume SRC:DST[:ro]  bind mount a host path\n"
"--read-only        mount the root file system read-only\n"
"--entrypoint CMD   override the image's entrypoint\n"
"--network host|none  share the host's network, or none (default)\n"
"-m, --memory N     memory limit (k, m, g)\n"
"--pids-limit N     process limit\n"
"--cpus N           CPU quota, e.g. 0.5\n"
"--init             run an init as PID 1 that reaps zombies and forwards\n"
"                   signals\n"
"--cap-add CAP, --cap-drop CAP  change the capability set (or ALL)\n"
"--privileged       all capabilities, no masked paths, no no_new_privs\n"
"--security-opt seccomp=unconfined  no seccomp filter (the default one is\n"
"                   Docker's: keyrings, kexec, modules, swap, ... refused)\n"
"--restart no|always|unless-stopped|on-failure[:N]  run the container again\n"
"                   when it ends (detached: its monitor does; backoff from\n"
"                   100 ms, doubling); `start --all` starts always and\n"
"                   unless-stopped ones at boot\n"
"--log-opt max-size=N[k|m|g], --log-opt max-file=N  cap a detached\n"
"                   container's log: over N bytes it is moved to log.1\n"
"                   (up to max-file files in all) and starts again\n"
"--pull missing|always|never  when to pull the image (default: missing\n"
"                   from the store)\n"
"--storage-driver overlay|vfs  vfs: a flattened copy of the image per\n"
"                   container (the default where the kernel has no overlayfs)\n";

static char *name, *workdir, *user, *hostname, *entrypoint, *network,
            *memory, *cpus, *driver, *pullmode, *restart;
static int rm, detach, interactive, tty, readonly, init, privileged;
static struct strv logopts;
static long pids_limit;
static struct strv envs, envfiles, volumes, capadd, capdrop, secopts;
static const struct opt opts[] = {
  OPT_STR(0, "name", &name), OPT_FLAG(0, "rm", &rm),
  OPT_FLAG('d', "detach", &detach), OPT_FLAG('i', "interactive", &interactive),
  OPT_FLAG('t', "tty", &tty), OPT_LIST('e', "env", &envs),
  OPT_LIST(0, "env-file", &envfiles), OPT_STR('w', "workdir", &workdir),
  OPT_STR('u', "user", &user), OPT_STR('h', "hostname", &hostname),
  OPT_LIST('v', "volume", &volumes), OPT_FLAG(0, "read-only", &readonly),
  OPT_STR(0, "entrypoint", &entrypoint), OPT_STR(0, "network", &network),
  OPT_STR(0, "net", &network), OPT_STR('m', "memory", &memory),
  OPT_INT(0, "pids-limit", &pids_limit), OPT_STR(0, "cpus", &cpus),
  OPT_FLAG(0, "init", &init), OPT_LIST(0, "cap-add", &capadd),
  OPT_LIST(0, "cap-drop", &capdrop), OPT_FLAG(0, "privileged", &privileged),
  OPT_STR(0, "storage-driver", &driver), OPT_LIST(0, "security-opt", &secopts),
  OPT_STR(0, "pull", &pullmode), OPT_STR(0, "restart", &restart),
  OPT_LIST(0, "log-opt", &logopts),
  OPT_END
};

/* The files the container sees as /etc/hostname, hosts, resolv.conf. */
static int etc_files(struct store *s, struct container *c, const char *host)
{
  cleanup_free char *hn = container_path(c, "hostname");
  cleanup_free char *hs = container_path(c, "hosts");
  cleanup_free char *rs = container_path(c, "resolv.conf");
  cleanup_free char *hosts = NULL, *resolv = NULL, *line = NULL;
  size_t n = 0;

  line = xasprintf("%s\n", host);
  if (network && !strcmp(network, "host"))
    hosts = file_read(AT_FDCWD, "/etc/hosts", 1 << 20, &n);
  if (!hosts)
    hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                      "ip6-loopback\nfe00::0\tip6-localnet\nff00::0\t"
                      "ip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\t"
                      "ip6-allrouters\n127.0.1.1\t%s\n", host);
  if (!(resolv = file_read(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &n)))
    resolv = xstrdup("");
  if (file_write_atomic(s->dfd, hn, line, strlen(line), 0644) < 0 ||
      file_write_atomic(s->dfd, hs, hosts, strlen(hosts), 0644) < 0 ||
      file_write_atomic(s->dfd, rs, resolv, strlen(resolv), 0644) < 0)
    return -1;
  return 0;
}

/* Unpack the image's layers (once, shared by every container) and give
 * each a short name under l/ so that 100+ layers fit one mount call. */
static int layers(struct store *s, struct image *img, struct strv *lowers)
{
  cJSON *ids = json_arr(json_obj(img->config, "rootfs"), "diff_ids");

  if (mkdir_p(s->dfd, "l", 0755) < 0) return -1;
  for (size_t i = img->m.nlayers; i-- > 0;) {
    const char *diff = cJSON_GetArrayItem(ids, i)->valuestring;
    cleanup_free char *link = xasprintf("l/%.12s", digest_hex(diff));
    cleanup_free char *target = xasprintf("../layers/%s", digest_hex(diff));
    if (layer_unpack(s, img->m.layers[i].digest, diff) < 0)
      return fail_wrap("layer %s", img->m.layers[i].digest);
    if (symlinkat(target, s->dfd, link) < 0) {
      char t[256];
      ssize_t n;
      if (errno != EEXIST) return pfail("link '%s'", link);
      /* 48 bits can collide (an image can be made to): never mount
       * another layer than the one asked */
      n = readlinkat(s->dfd, link, t, sizeof(t) - 1);
      if (n < 0 || (t[n] = 0, strcmp(t, target)))
        return fail("layer %s: short name %s is taken by another layer",
                    diff, link);
    }
    strv_add(lowers, steal_pointer(&link));
  }
  /* an image without layers still needs one lower directory */
  if (!img->m.nlayers) {
    if (mkdir_p(s->dfd, "layers/empty", 0755) < 0) return -1;
    strv_add(lowers, xstrdup("layers/empty"));
  }
  return 0;
}

/* overlayfs unless asked otherwise, or unless it does not work here: the
 * kernel lacks it, or the store's file system cannot be its upper. The
 * answer is tried once and kept in the store's "driver" file. */
static int want_vfs(struct store *s)
{
  cleanup_free char *known = NULL;
  char rp[4096];
  int vfs;

  if (!driver) driver = getenv("OCIBOX_STORAGE_DRIVER");
  if (driver) return !strcmp(driver, "vfs");
  if ((known = file_read(s->dfd, "driver", 64, NULL)))
    return !strcmp(known, "vfs\n");
  vfs = !realpath(s->root, rp) || !sb_overlay_works(rp);
  if (vfs) debug("overlayfs does not work on %s: using vfs", s->root);
  file_write_atomic(s->dfd, "driver", vfs ? "vfs\n" : "overlay\n",
                    vfs ? 4 : 8, 0644);
  return vfs;
}

/* vfs: the image's layers applied in order onto containers/ID/flat. */
static int flatten(struct store *s, struct container *c, struct image *img,
                   char **flat)
{
  cJSON *ids = json_arr(json_obj(img->config, "rootfs"), "diff_ids");
  cleanup_close int fd = -1;

  *flat = container_path(c, "flat");
  if (mkdirat(s->dfd, *flat, 0755) < 0) return pfail("mkdir '%s'", *flat);
  if ((fd = openat(s->dfd, *flat, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return pfail("open '%s'", *flat);
  for (size_t i = 0; i < img->m.nlayers; i++)
    if (layer_apply(s, img->m.layers[i].digest,
                    cJSON_GetArrayItem(ids, i)->valuestring, fd) < 0)
      return fail_wrap("layer %s", img->m.layers[i].digest);
  return sync_off ? 0 : syncfs(fd);
}

/* ocibox pull NAME, its output on stderr (the container's stdout stays
 * the container's): 0 once the image is in the store. */
static int pull_image(const char *name)
{
  const char *const argv[] = { "pull", name, NULL };
  int r = applet_spawn(argv, 1);

  if (r < 0) fail_print();
  return r;
}

static int run_main(int argc, char **argv)
{
  struct strv env = { 0 }, args = { 0 }, lowers = { 0 };
  cleanup_free char *flat = NULL;
  int vfs, unconfined = 0;
  struct sb_bind *binds = NULL;
  struct sb_spec sp;
  struct container c;
  struct image *v;
  struct store s;
  cJSON *idx, *icfg, *cfg, *e;
  int k, ret;
  uint64_t caps = sb_default_caps();

  if (network && strcmp(network, "host") && strcmp(network, "none") &&
      strcmp(network, "default") && strcmp(network, "bridge"))
    return fail("network %s not found", network), 125;
  /* Docker's order: the default set less --cap-drop (ALL empties it),
   * then --cap-add on top */
  for (int pass = 0; pass < 2; pass++) {
    struct strv *l = pass ? &capadd : &capdrop;
    for (size_t i = 0; i < l->n; i++) {
      int64_t m = sb_cap_parse(l->v[i]);
      if (m < 0) return fail_print(), 125;
      if (pass) caps |= m;
      else caps &= ~m;
    }
  }
  memset(&sp, 0, sizeof(sp));
  if (memory && parse_bytes(memory, &sp.memory) < 0) return fail_print(), 125;
  if (cpus && (sp.cpus = strtod(cpus, NULL)) <= 0)
    return fail("invalid argument \"%s\" for \"--cpus\" flag", cpus),
           fail_print(), 125;
  sp.pids = pids_limit;

  if (restart) {
    char *colon = strchr(restart, ':'), *end = NULL;
    long max = colon ? strtol(colon + 1, &end, 10) : 0;
    size_t n = colon ? (size_t)(colon - restart) : strlen(restart);
    if ((colon && (strncmp(restart, "on-failure", n) || n != 10 || !colon[1] ||
                   *end || max < 0)) ||
        (!colon && strcmp(restart, "no") && strcmp(restart, "always") &&
         strcmp(restart, "unless-stopped") && strcmp(restart, "on-failure")))
      return fail("invalid restart policy '%s'", restart), fail_print(), 125;
    if (rm && strcmp(restart, "no"))
      return fail("conflicting options: cannot specify both --restart and "
                  "--rm"), fail_print(), 125;
  }
  for (size_t i = 0; i < logopts.n; i++) {
    const char *o = logopts.v[i];
    int64_t b;
    if (!(str_starts(o, "max-size=") && parse_bytes(o + 9, &b) == 0 &&
          b > 0) &&
        !(str_starts(o, "max-file=") && atol(o + 9) > 0 &&
          strspn(o + 9, "0123456789") == strlen(o + 9)))
      return fail("unknown or invalid log option '%s' (max-size=N, "
                  "max-file=N)", o), fail_print(), 125;
  }
  if (pullmode && strcmp(pullmode, "missing") && strcmp(pullmode, "always") &&
      strcmp(pullmode, "never"))
    return fail("invalid pull option: '%s': must be one of \"always\", "
                "\"missing\" or \"never\"", pullmode), fail_print(), 125;
  if (pullmode && !strcmp(pullmode, "always") && pull_image(argv[0]) != 0)
    return 125;
  if (store_open(&s, STORE_WRITE) < 0 || !(idx = store_index_load(&s)))
    return fail_print(), 125;
  {
    size_t n = 0;
    image_list(&s, idx, &v, &n);
    if ((k = image_find(v, n, argv[0])) < 0) {
      struct ref r;
      int pulled = 0;
      if (ref_parse(&r, argv[0], REF_DEFAULT_TAG) == 0) {
        cleanup_free char *fam = ref_familiar(&r);
        fprintf(stderr, "Unable to find image '%s' locally\n", fam);
        ref_free(&r);
        if (!pullmode || !strcmp(pullmode, "missing")) {
          /* Docker's run pulls what is missing; its output goes to
           * stderr, the container's stdout stays the container's */
          image_list_free(v, n);
          store_unlock(&s);
          if (pull_image(argv[0]) != 0) return 125;
          if (store_relock(&s) < 0 || !(idx = store_index_load(&s)))
            return fail_print(), 125;
          image_list(&s, idx, &v, &n);
          pulled = (k = image_find(v, n, argv[0])) >= 0;
        }
      }
      if (!pulled) return fail_print(), 125;
    }
  }
  icfg = json_obj(v[k].config, "config");

  /* environment: the image's, then -e and --env-file */
  cJSON_ArrayForEach(e, json_arr(icfg, "Env"))
    if (cJSON_IsString(e)) env_set(&env, e->valuestring);
  if (!strv_has(&env, "PATH")) {
    int has = 0;
    for (size_t i = 0; i < env.n; i++) has |= str_starts(env.v[i], "PATH=");
    if (!has) env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                      "/usr/bin:/sbin:/bin");
  }
  for (size_t i = 0; i < envfiles.n; i++)
    if (env_file(&env, envfiles.v[i]) < 0) return fail_print(), 125;
  for (size_t i = 0; i < envs.n; i++) env_opt(&env, envs.v[i]);

  /* command: entrypoint + (arguments or the image's Cmd) */
  if (entrypoint) {
    if (*entrypoint) strv_add(&args, xstrdup(entrypoint));
  } else {
    cJSON_ArrayForEach(e, json_arr(icfg, "Entrypoint"))
      if (cJSON_IsString(e)) strv_add(&args, xstrdup(e->valuestring));
  }
  if (argc > 1)
    for (int i = 1; i < argc; i++) strv_add(&args, xstrdup(argv[i]));
  else if (!entrypoint)
    cJSON_ArrayForEach(e, json_arr(icfg, "Cmd"))
      if (cJSON_IsString(e)) strv_add(&args, xstrdup(e->valuestring));
  if (!args.n) return fail("no command specified"), fail_print(), 125;

  for (size_t i = 0; i < volumes.n; i++) {
    char *src = xstrdup(volumes.v[i]), *dst = strchr(src, ':'), *mode;
    if (!dst || *src != '/') {
      return fail("invalid volume specification: '%s' (named volumes are "
                  "not supported: use an absolute host path)", volumes.v[i]),
             fail_print(), 125;
    }
    *dst++ = 0;
    if ((mode = strchr(dst, ':'))) *mode++ = 0;
    if (*dst != '/')
      return fail("invalid volume specification: '%s'", volumes.v[i]),
             fail_print(), 125;
    binds = xrealloc(binds, (sp.nbinds + 1) * sizeof(*binds));
    binds[sp.nbinds++] = (struct sb_bind){ src, dst, mode &&
                                           !strcmp(mode, "ro") };
  }

  for (size_t i = 0; i < secopts.n; i++) {
    if (!strcmp(secopts.v[i], "seccomp=unconfined") ||
        !strcmp(secopts.v[i], "seccomp:unconfined"))
      unconfined = 1;
    else if (strcmp(secopts.v[i], "no-new-privileges") &&
             strcmp(secopts.v[i], "no-new-privileges=true") &&
             strcmp(secopts.v[i], "no-new-privileges:true"))
      return fail("unsupported --security-opt '%s' (seccomp=unconfined, "
                  "no-new-privileges)", secopts.v[i]), fail_print(), 125;
  }
  if (driver && strcmp(driver, "overlay") && strcmp(driver, "vfs"))
    return fail("unknown storage driver '%s' (overlay, vfs)", driver),
           fail_print(), 125;
  vfs = want_vfs(&s);
  if (!vfs && layers(&s, &v[k], &lowers) < 0) return fail_print(), 125;
  if (!hostname) hostname = "";   /* the short ID, once there is one */

  /* the record: what was asked, and the spec to start it (again) */
  cfg = cJSON_CreateObject();
  cJSON_AddStringToObject(cfg, "Image", v[k].id);
  cJSON_AddStringToObject(cfg, "ImageName", argv[0]);
  /* Docker's container Config: the image's, with what run changed (commit
   * starts from it) */
  {
    cJSON *cc = icfg ? cJSON_Duplicate(icfg, 1) : cJSON_CreateObject(), *a;
    a = cJSON_CreateArray();
    for (size_t i = 0; i < env.n; i++)
      cJSON_AddItemToArray(a, cJSON_CreateString(env.v[i]));
    json_set(cc, "Env", a);
    if (argc > 1) {
      a = cJSON_CreateArray();
      for (int i = 1; i < argc; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
      json_set(cc, "Cmd", a);
    } else if (entrypoint) {
      cJSON_DeleteItemFromObject(cc, "Cmd");
    }
    if (entrypoint) {
      a = cJSON_CreateArray();
      if (*entrypoint) cJSON_AddItemToArray(a, cJSON_CreateString(entrypoint));
      json_set(cc, "Entrypoint", a);
    }
    if (workdir) json_set_str(cc, "WorkingDir", workdir);
    if (user) json_set_str(cc, "User", user);
    cJSON_AddItemToObject(cfg, "Config", cc);
  }
  cJSON_AddStringToObject(cfg, "Path", args.v[0]);
  e = cJSON_AddArrayToObject(cfg, "Args");
  for (size_t i = 1; i < args.n; i++)
    cJSON_AddItemToArray(e, cJSON_CreateString(args.v[i]));
  {
    char t[40];
    cJSON_AddStringToObject(cfg, "Created", time_fmt_now_ns(t));
  }
  cJSON_AddBoolToObject(cfg, "AutoRemove", rm);
  {
    cJSON *lc = cJSON_AddObjectToObject(cfg, "LogConfig"), *o;
    cJSON_AddStringToObject(lc, "Type", "json-file");
    o = cJSON_AddObjectToObject(lc, "Config");
    for (size_t i = 0; i < logopts.n; i++) {
      char *eq = strchr(logopts.v[i], '=');
      cleanup_free char *k = xstrndup(logopts.v[i], eq - logopts.v[i]);
      json_set_str(o, k, eq + 1);
    }
  }
  {
    cJSON *rp = cJSON_AddObjectToObject(cfg, "RestartPolicy");
    char *colon = restart ? strchr(restart, ':') : NULL;
    cJSON_AddItemToObject(rp, "Name", cJSON_CreateString(
      !restart ? "no" : colon ? "on-failure" : restart));
    cJSON_AddNumberToObject(rp, "MaximumRetryCount",
                            colon ? atol(colon + 1) : 0);
  }
  /* a --rm container's files die with it: no fsync for them (after a
   * power cut, container_sweep removes what is left) */
  sync_off = rm;
  container_sweep(&s);
  if (container_create(&s, &c, name, cfg) < 0) return fail_print(), 125;
  if (vfs && flatten(&s, &c, &v[k], &flat) < 0) {
    fail_print();
    container_remove(&s, &c);
    return 125;
  }
  sp.flat = flat;
  if (!*hostname) {
    static char shortid[13];
    snprintf(shortid, sizeof(shortid), "%.12s", c.id);
    hostname = shortid;
  }
  {
    cleanup_free char *h = xasprintf("HOSTNAME=%s", hostname);
    int has = 0;
    env_set(&env, h);
    for (size_t i = 0; i < env.n; i++) has |= str_starts(env.v[i], "HOME=");
    if (!has) env_set(&env, "HOME=/root");
  }
  sp.lowers = lowers.v;
  sp.nlowers = lowers.n;
  sp.argv = args.v;
  sp.envp = env.v;
  sp.cwd = workdir ? workdir : json_str(icfg, "WorkingDir");
  sp.user = user ? user : json_str(icfg, "User");
  sp.hostname = hostname;
  sp.binds = binds;
  sp.net_host = network && !strcmp(network, "host");
  sp.readonly = readonly;
  sp.privileged = privileged;
  /* the filter knows the host's ABI and the 32-bit one its kernel runs
   * (i386 on amd64, arm on arm64); an image of any other architecture
   * runs through an emulator, a host program */
  sp.seccomp = !privileged && !unconfined;
  sp.init = init;
  sp.tty = tty;
  sp.caps = caps;
  json_set(c.config, "Spec", launch_spec_json(&sp));
  {
    cleanup_free char *upper = container_path(&c, "upper");
    cleanup_free char *work = container_path(&c, "work");
    cleanup_free char *mntp = container_path(&c, "rootfs");
    cleanup_free char *cp = container_path(&c, "config.json");
    cleanup_free char *text = json_print(c.config);
    if (mkdir_p(s.dfd, upper, 0755) < 0 || mkdir_p(s.dfd, work, 0700) < 0 ||
        mkdir_p(s.dfd, mntp, 0755) < 0 || etc_files(&s, &c, hostname) < 0 ||
        file_write_atomic(s.dfd, cp, text, strlen(text), 0600) < 0) {
      fail_print();
      container_remove(&s, &c);
      return 125;
    }
  }
  ret = launch(&s, &c, (detach ? LAUNCH_DETACH : 0) |
               (interactive ? LAUNCH_STDIN : 0) | (rm ? LAUNCH_RM : 0));
  if (detach && !ret) printf("%s\n", c.id);
  return ret;
}

APPLET_X(run, 1, -1, APPLET_STOP);
