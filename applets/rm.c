/* rm.c - remove containers
 * See https://docs.docker.com/reference/cli/docker/container/rm/ */
#include "core/core.h"
#include "core/container.h"
#include "core/sandbox.h"

#include <signal.h>

static const char usage[] =
"usage: rm [-f] CONTAINER...\n\n"
"Remove containers (by name or ID prefix): their writable layer, record and\n"
"logs.\n\n"
"-f, --force   kill a running container first (SIGKILL)\n";

static int force;
static const struct opt opts[] = { OPT_FLAG('f', "force", &force), OPT_END };

static int rm_main(int argc, char **argv)
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
    if (st == CT_RUNNING || st == CT_PAUSED) {
      int pid = json_int(c.state, "Pid", 0);
      if (!force) {
        fail("cannot remove container \"%s\": container is running: stop "
             "the container before removing or force remove", argv[i]);
        fail_print();
        ret = 1;
        container_free(&c);
        continue;
      }
      kill(pid, SIGKILL);
      /* a frozen process dies only once thawed */
      if (st == CT_PAUSED) {
        cleanup_free char *cg = xasprintf("ocibox/%s", c.id);
        sb_freeze(cg, 0);
      }
      /* the monitor records the exit; wait for the process to be gone */
      for (int t = 0; t < 100 && container_proc_start(pid); t++)
        usleep(20000);
    }
    {
      cleanup_free char *cg = xasprintf("ocibox/%s", c.id);
      sb_cgroup_remove(cg);
    }
    if (container_remove(&s, &c) < 0) {
      fail_print();
      ret = 1;
    } else {
      printf("%s\n", argv[i]);
    }
    container_free(&c);
  }
  return ret;
}

APPLET(rm, 1, -1);
