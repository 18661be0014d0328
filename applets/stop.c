/* stop.c - stop running containers: SIGTERM, then SIGKILL
 * See https://docs.docker.com/reference/cli/docker/container/stop/ */
#include "core/core.h"
#include "core/launch.h"

#include <signal.h>

static const char usage[] =
"usage: stop [-t SECONDS] [-s SIGNAL] CONTAINER...\n\n"
"Send SIGTERM (or -s) to each container's main process, and SIGKILL after\n"
"the grace period (default 10 seconds).\n\n"
"-t, --time     seconds to wait before killing\n"
"-s, --signal   signal to send first (number or name)\n";

static long seconds = 10;
static char *sig;
static const struct opt opts[] = {
  OPT_INT('t', "time", &seconds), OPT_STR('s', "signal", &sig), OPT_END
};

static int signo;

static int stop_one(struct store *s, struct container *c, const char *name)
{
  launch_stop(s, c, signo, seconds);
  return 0;
}

static int stop_main(int argc, char **argv)
{
  struct store s;

  if ((signo = sig ? signal_parse(sig) : SIGTERM) < 0)
    return fail("invalid signal: %s", sig);
  if (store_open(&s, STORE_READ) < 0) return -1;
  return container_each(&s, argc, argv, stop_one);
}

APPLET(stop, 1, -1);
