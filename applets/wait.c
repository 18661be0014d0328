/* wait.c - wait for containers to stop, print their exit codes
 * See https://docs.docker.com/reference/cli/docker/container/wait/ */
#include "core/core.h"
#include "core/container.h"

static const char usage[] =
"usage: wait CONTAINER...\n\n"
"Block until each container stops (a restarting one: until it stops for\n"
"good), then print its exit code. There is no daemon to tell: the\n"
"container's record is read every 50 ms.\n";

static const struct opt opts[] = { OPT_END };

static int wait_main(int argc, char **argv)
{
  struct store s;
  int ret = 0;

  if (store_open(&s, STORE_READ) < 0) return -1;
  for (int i = 0; i < argc; i++) {
    struct container c;

    if (container_find(&s, argv[i], &c) < 0) {
      fail_print();
      ret = 1;
      continue;
    }
    /* until its end is recorded (or nobody is left to record it) */
    while (container_status(&c) != CT_CREATED && !container_settled(&c)) {
      usleep(50000);
      if (container_reload_state(&s, &c) < 0) break;   /* removed */
    }
    printf("%d\n", (int)json_int(c.state, "ExitCode", -1));
    fflush(stdout);
    container_free(&c);
  }
  return ret;
}

APPLET(wait, 1, -1);
