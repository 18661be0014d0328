/* start.c - start stopped containers again, filesystem as they left it
 * See https://docs.docker.com/reference/cli/docker/container/start/ */
#include "core/core.h"
#include "core/launch.h"

static const char usage[] =
"usage: start [-a] [-i] CONTAINER... | start --all [--filter restart-policy=P]...\n\n"
"Start stopped containers with the command, options and writable layer\n"
"they had; detached unless -a.\n\n"
"-a, --attach       wait for the container, show its output, return its\n"
"                   exit code\n"
"-i, --interactive  attach standard input\n"
"--all              every container that does not run (as podman's)\n"
"--filter restart-policy=P  with --all: those with policy P (no, always,\n"
"                   unless-stopped, on-failure); unless-stopped ones that\n"
"                   were stopped by hand stay stopped. At boot:\n"
"                   start --all --filter restart-policy=always\n"
"                         --filter restart-policy=unless-stopped\n";

static int attach, interactive, every;
static struct strv filters;
static const struct opt opts[] = {
  OPT_FLAG('a', "attach", &attach), OPT_FLAG('i', "interactive", &interactive),
  OPT_FLAG(0, "all", &every), OPT_LIST(0, "filter", &filters), OPT_END
};

/* --all: the IDs of the containers to start, oldest first. */
static int pick_all(struct store *s, struct strv *ids)
{
  struct container *v;
  size_t n;

  for (size_t i = 0; i < filters.n; i++) {
    const char *p = filters.v[i] + 15;
    if (strncmp(filters.v[i], "restart-policy=", 15) ||
        (strcmp(p, "no") && strcmp(p, "always") && strcmp(p, "on-failure") &&
         strcmp(p, "unless-stopped")))
      return fail("invalid filter '%s'", filters.v[i]);
  }
  container_list(s, &v, &n);
  for (size_t i = 0; i < n; i++) {
    const char *pol = json_str(json_obj(v[i].config, "RestartPolicy"), "Name");
    int st = container_status(&v[i]), ok = !filters.n;
    if (!pol) pol = "no";
    if (st == CT_RUNNING || st == CT_PAUSED || st == CT_RESTARTING) continue;
    for (size_t f = 0; f < filters.n && !ok; f++)
      ok = !strcmp(filters.v[f] + 15, pol);
    /* Docker's rule: unless-stopped means stopped by hand stays stopped */
    if (ok && filters.n && !strcmp(pol, "unless-stopped") &&
        container_stopped_by_hand(s, &v[i]))
      ok = 0;
    if (ok) strv_add(ids, xstrdup(v[i].id));
  }
  container_list_free(v, n);
  return 0;
}

static int start_main(int argc, char **argv)
{
  struct store s;
  int ret = 0;

  struct strv ids = { 0 };

  if (every) {
    if (argc || attach)
      return fail("--all takes no container%s", attach ? " and no -a" : "");
    if (store_open(&s, STORE_READ) < 0 || pick_all(&s, &ids) < 0) return -1;
    store_close(&s);
    argc = ids.n;
    argv = ids.v;
  } else if (filters.n) {
    return fail("--filter needs --all");
  } else if (!argc) {
    return fail("\"start\" requires at least 1 argument");
  }
  if (attach && argc > 1)
    return fail("you cannot start and attach multiple containers at once");
  for (int i = 0; i < argc; i++) {
    struct container c;
    int r;

    if (store_open(&s, STORE_WRITE) < 0) return -1;
    if (container_find(&s, argv[i], &c) < 0) {
      fail_print();
      ret = 1;
      store_close(&s);
      continue;
    }
    if (container_status(&c) == CT_RUNNING ||
        container_status(&c) == CT_PAUSED) {
      printf("%s\n", argv[i]);
      store_close(&s);
      continue;
    }
    r = launch(&s, &c, (attach ? 0 : LAUNCH_DETACH) |
               (interactive ? LAUNCH_STDIN : 0) |
               (cJSON_IsTrue(cJSON_GetObjectItem(c.config, "AutoRemove"))
                ? LAUNCH_RM : 0));
    if (attach) return r;
    if (r) ret = 1;
    else printf("%s\n", argv[i]);
    container_free(&c);
    store_close(&s);
  }
  return ret;
}

APPLET(start, 0, -1);
