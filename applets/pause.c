/* pause.c - freeze every process of running containers
 * See https://docs.docker.com/reference/cli/docker/container/pause/ */
#include "core/core.h"
#include "core/launch.h"

static const char usage[] =
"usage: pause CONTAINER...\n\n"
"Suspend every process of each container (the freezer cgroup: v1's\n"
"freezer.state, v2's cgroup.freeze); unpause resumes them.\n";

static const struct opt opts[] = { OPT_END };

static int pause_main(int argc, char **argv)
{
  struct store s;
  int ret = 0;

  if (store_open(&s, STORE_WRITE) < 0) return -1;
  for (int i = 0; i < argc; i++) {
    struct container c;
    int st;

    if (container_find(&s, argv[i], &c) < 0) {
      fail_print();
      ret = 1;
      continue;
    }
    st = container_status(&c);
    if (st == CT_PAUSED)
      fail("container %.12s is already paused", c.id), fail_print(), ret = 1;
    else if (st != CT_RUNNING)
      fail("container %.12s is not running", c.id), fail_print(), ret = 1;
    else if (launch_pause(&s, &c, 1) < 0)
      fail_print(), ret = 1;
    else
      printf("%s\n", argv[i]);
    container_free(&c);
  }
  return ret;
}

APPLET(pause, 1, -1);
