/* rm.c - remove containers
 * See https://docs.docker.com/reference/cli/docker/container/rm/ */
#include "core/core.h"
#include "core/launch.h"

#include <signal.h>

static const char usage[] =
"usage: rm [-f] CONTAINER...\n\n"
"Remove containers (by name or ID prefix): their writable layer, record and\n"
"logs.\n\n"
"-f, --force   kill a running container first (SIGKILL)\n";

static int force;
static const struct opt opts[] = { OPT_FLAG('f', "force", &force), OPT_END };

static int rm_one(struct store *s, struct container *c, const char *name)
{
  int st = container_status(c);
  cleanup_free char *cg = xasprintf("ocibox/%s", c->id);

  if (st == CT_RUNNING || st == CT_PAUSED || st == CT_RESTARTING) {
    if (!force)
      return fail("cannot remove container \"%s\": container is running: "
                  "stop the container before removing or force remove",
                  name);
    /* the monitor records the exit: wait for the process to be gone */
    launch_kill(s, c, SIGKILL, 2000);
  }
  sb_cgroup_remove(cg);
  return container_remove(s, c);
}

static int rm_main(int argc, char **argv)
{
  struct store s;

  if (store_open(&s, STORE_WRITE) < 0) return -1;
  return container_each(&s, argc, argv, rm_one);
}

APPLET(rm, 1, -1);
