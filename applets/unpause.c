/* unpause.c - resume the processes of paused containers
 * See https://docs.docker.com/reference/cli/docker/container/unpause/ */
#include "core/core.h"
#include "core/launch.h"

static const char usage[] =
"usage: unpause CONTAINER...\n\n"
"Resume every process of each paused container.\n";

static const struct opt opts[] = { OPT_END };

static int unpause_one(struct store *s, struct container *c, const char *name)
{
  if (container_status(c) != CT_PAUSED)
    return fail("container %.12s is not paused", c->id);
  return launch_pause(s, c, 0);
}

static int unpause_main(int argc, char **argv)
{
  struct store s;

  if (store_open(&s, STORE_WRITE) < 0) return -1;
  return container_each(&s, argc, argv, unpause_one);
}

APPLET(unpause, 1, -1);
