/* kill.c - send a signal to running containers
 * See https://docs.docker.com/reference/cli/docker/container/kill/ */
#include "core/core.h"
#include "core/launch.h"

#include <signal.h>

static const char usage[] =
"usage: kill [-s SIGNAL] CONTAINER...\n\n"
"Send SIGKILL (or -s: a number or a name, TERM, SIGHUP) to the main\n"
"process of each running container; do not wait. KILL and TERM count as\n"
"a stop by hand (no restart policy brings the container back); a signal\n"
"such as HUP, which asks for a reload, does not.\n\n"
"-s, --signal   the signal\n";

static char *sig;
static const struct opt opts[] = { OPT_STR('s', "signal", &sig), OPT_END };
static int signo;

static int kill_one(struct store *s, struct container *c, const char *name)
{
  int st = container_status(c), pid = json_int(c->state, "Pid", 0);

  if (st != CT_RUNNING && st != CT_PAUSED)
    return fail("cannot kill container: %s: container %.12s is not running",
                name, c->id);
  if (signo == SIGKILL || signo == SIGTERM) {
    launch_kill(s, c, signo, 0);      /* marks the stop; does not wait */
    return 0;
  }
  if (kill(pid, signo) < 0) return pfail("kill %s", name);
  return 0;
}

static int kill_main(int argc, char **argv)
{
  struct store s;

  if ((signo = sig ? signal_parse(sig) : SIGKILL) < 0)
    return fail("invalid signal: %s", sig);
  if (store_open(&s, STORE_READ) < 0) return -1;
  return container_each(&s, argc, argv, kill_one);
}

APPLET(kill, 1, -1);
