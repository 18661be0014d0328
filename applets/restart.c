/* restart.c - stop containers, then start them again
 * See https://docs.docker.com/reference/cli/docker/container/restart/ */
#include "core/core.h"
#include "core/launch.h"

#include <signal.h>

static const char usage[] =
"usage: restart [-t SECONDS] [-s SIGNAL] CONTAINER...\n\n"
"Stop each container as stop does (SIGTERM, or -s; SIGKILL after -t\n"
"seconds, default 10), then start it again, detached, as start does.\n\n"
"-t, --time     seconds to wait before killing\n"
"-s, --signal   signal to send first (number or name)\n";

static long seconds = 10;
static char *sig;
static const struct opt opts[] = {
  OPT_INT('t', "time", &seconds), OPT_STR('s', "signal", &sig), OPT_END
};
static int signo;

static int restart_one(struct store *s, struct container *c, const char *name)
{
  launch_stop(s, c, signo, seconds);
  if (store_relock(s) < 0) return -1;
  /* launch says why it could not start it */
  return launch(s, c, LAUNCH_DETACH) ? -2 : 0;
}

static int restart_main(int argc, char **argv)
{
  struct store s;

  if ((signo = sig ? signal_parse(sig) : SIGTERM) < 0)
    return fail("invalid signal: %s", sig);
  if (store_open(&s, STORE_READ) < 0) return -1;
  return container_each(&s, argc, argv, restart_one);
}

APPLET(restart, 1, -1);
