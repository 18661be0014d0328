/* stop.c - stop running containers: SIGTERM, then SIGKILL
 * See https://docs.docker.com/reference/cli/docker/container/stop/ */
#include "core/core.h"
#include "core/container.h"
#include "core/sandbox.h"

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

static int stop_main(int argc, char **argv)
{
  struct store s;
  int ret = 0, signo = sig ? atoi(sig) : SIGTERM;

  if (sig && !strcmp(sig, "SIGKILL")) signo = SIGKILL;
  if (signo <= 0 || signo > 64) return fail("invalid signal: %s", sig);
  if (store_open(&s, STORE_READ) < 0) return -1;
  for (int i = 0; i < argc; i++) {
    struct container c;
    int pid, st;

    if (container_find(&s, argv[i], &c) < 0) {
      fail_print();
      ret = 1;
      continue;
    }
    pid = json_int(c.state, "Pid", 0);
    st = container_status(&c);
    if (st == CT_RUNNING || st == CT_PAUSED) {
      kill(pid, signo);
      /* a frozen process gets its signal once thawed (as Docker does) */
      if (st == CT_PAUSED) {
        cleanup_free char *cg = xasprintf("ocibox/%s", c.id);
        sb_freeze(cg, 0);
      }
      /* poll: the container's monitor reaps it and records the exit */
      for (long t = 0; t < seconds * 20 && container_proc_start(pid); t++)
        usleep(50000);
      if (container_proc_start(pid)) kill(pid, SIGKILL);
      for (int t = 0; t < 200 && container_proc_start(pid); t++)
        usleep(10000);
      /* and wait for the monitor's record */
      for (int t = 0; t < 200; t++) {
        struct container n;
        const char *st;
        int done;

        if (container_find(&s, c.id, &n) < 0) break;
        st = json_str(n.state, "Status");
        done = st && strcmp(st, "running");
        container_free(&n);
        if (done) break;
        usleep(10000);
      }
    }
    printf("%s\n", argv[i]);
    container_free(&c);
  }
  return ret;
}

APPLET(stop, 1, -1);
