/* pause.c - freeze every process of running containers
 * See https://docs.docker.com/reference/cli/docker/container/pause/ */
#include "core/core.h"
#include "core/launch.h"

static const char usage[] =
"usage: pause CONTAINER...\n\n"
"Suspend every process of each container (the freezer cgroup: v1's\n"
"freezer.state, v2's cgroup.freeze); unpause resumes them.\n";

static const struct opt opts[] = { OPT_END };

static int pause_one(struct store *s, struct container *c, const char *name)
{
  int st = container_status(c);

  if (st == CT_PAUSED) return fail("container %.12s is already paused", c->id);
  if (st != CT_RUNNING) return fail("container %.12s is not running", c->id);
  return launch_pause(s, c, 1);
}

static int pause_main(int argc, char **argv)
{
  struct store s;

  if (store_open(&s, STORE_WRITE) < 0) return -1;
  return container_each(&s, argc, argv, pause_one);
}

APPLET(pause, 1, -1);
