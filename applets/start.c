/* start.c - start stopped containers again, filesystem as they left it
 * See https://docs.docker.com/reference/cli/docker/container/start/ */
#include "core/core.h"
#include "core/launch.h"

static const char usage[] =
"usage: start [-a] [-i] CONTAINER...\n\n"
"Start stopped containers with the command, options and writable layer\n"
"they had; detached unless -a.\n\n"
"-a, --attach       wait for the container, show its output, return its\n"
"                   exit code\n"
"-i, --interactive  attach standard input\n";

static int attach, interactive;
static const struct opt opts[] = {
  OPT_FLAG('a', "attach", &attach), OPT_FLAG('i', "interactive", &interactive),
  OPT_END
};

static int start_main(int argc, char **argv)
{
  struct store s;
  int ret = 0;

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

APPLET(start, 1, -1);
