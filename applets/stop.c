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
"-s, --signal   signal number to send first\n";

static long seconds = 10;
static char *sig;
static const struct opt opts[] = {
  OPT_INT('t', "time", &seconds), OPT_STR('s', "signal", &sig), OPT_END
};

static int signo;

static int stop_one(struct store *s, struct container *c, const char *name)
{
  int st = container_status(c);

  if (st != CT_RUNNING && st != CT_PAUSED && st != CT_RESTARTING) return 0;
  if (launch_kill(s, c, signo, seconds * 1000))
    launch_kill(s, c, SIGKILL, 2000);
  /* and wait for the monitor's record */
  for (int t = 0; t < 200; t++) {
    struct container n;
    const char *status;
    int done;

    if (container_find(s, c->id, &n) < 0) break;
    status = json_str(n.state, "Status");
    done = status && strcmp(status, "running");
    container_free(&n);
    if (done) break;
    usleep(10000);
  }
  return 0;
}

static int stop_main(int argc, char **argv)
{
  struct store s;

  signo = sig ? atoi(sig) : SIGTERM;
  if (sig && !strcmp(sig, "SIGKILL")) signo = SIGKILL;
  if (signo <= 0 || signo > 64) return fail("invalid signal: %s", sig);
  if (store_open(&s, STORE_READ) < 0) return -1;
  return container_each(&s, argc, argv, stop_one);
}

APPLET(stop, 1, -1);
