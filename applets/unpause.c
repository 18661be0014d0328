/* unpause.c - resume the processes of paused containers
 * See https://docs.docker.com/reference/cli/docker/container/unpause/ */
#include "core/core.h"
#include "core/launch.h"

static const char usage[] =
"usage: unpause CONTAINER...\n\n"
"Resume every process of each paused container.\n";

static const struct opt opts[] = { OPT_END };

static int unpause_main(int argc, char **argv)
{
  struct store s;
  int ret = 0;

  if (store_open(&s, STORE_WRITE) < 0) return -1;
  for (int i = 0; i < argc; i++) {
    struct container c;

    if (container_find(&s, argv[i], &c) < 0) {
      fail_print();
      ret = 1;
      continue;
    }
    if (container_status(&c) != CT_PAUSED)
      fail("container %.12s is not paused", c.id), fail_print(), ret = 1;
    else if (launch_pause(&s, &c, 0) < 0)
      fail_print(), ret = 1;
    else
      printf("%s\n", argv[i]);
    container_free(&c);
  }
  return ret;
}

APPLET(unpause, 1, -1);
