/* exec.c - run a command in a running container
 * See https://docs.docker.com/reference/cli/docker/container/exec/ */
#include "core/core.h"
#include "core/container.h"
#include "core/sandbox.h"
#include "core/tty.h"

static const char usage[] =
"usage: exec [-i] [-t] [-u USER[:GROUP]] [-w DIR] [-e K=V]... CONTAINER COMMAND [ARG...]\n\n"
"Run COMMAND in the namespaces and cgroups of a running container, with its\n"
"environment, capabilities and no_new_privs.\n\n"
"-i, --interactive  keep standard input open\n"
"-t, --tty          allocate a terminal\n"
"-u, --user         user, as for run (default: the container's)\n"
"-w, --workdir      working directory (default: the container's)\n"
"-e, --env          add an environment variable\n";

static int interactive, tty;
static char *user, *workdir;
static struct strv envs;
static const struct opt opts[] = {
  OPT_FLAG('i', "interactive", &interactive), OPT_FLAG('t', "tty", &tty),
  OPT_STR('u', "user", &user), OPT_STR('w', "workdir", &workdir),
  OPT_LIST('e', "env", &envs), OPT_END
};

static int exec_main(int argc, char **argv)
{
  struct container c;
  struct sb_spec sp;
  struct store s;
  struct strv env = { 0 };
  cleanup_free char *cg = NULL;
  const cJSON *spec, *e;
  int code;
  pid_t pid;

  if (store_open(&s, STORE_READ) < 0 || container_find(&s, argv[0], &c) < 0)
    return fail_print(), 1;
  if (container_status(&c) == CT_PAUSED)
    return fail("container %s is paused, unpause the container before exec",
                argv[0]), fail_print(), 1;
  if (container_status(&c) != CT_RUNNING)
    return fail("container %s is not running", argv[0]), fail_print(), 1;
  spec = json_obj(c.config, "Spec");
  cJSON_ArrayForEach(e, json_arr(spec, "Env"))
    if (cJSON_IsString(e)) env_set(&env, e->valuestring);
  for (size_t i = 0; i < envs.n; i++) env_opt(&env, envs.v[i]);
  memset(&sp, 0, sizeof(sp));
  sp.argv = argv + 1;
  sp.envp = env.v;
  sp.cwd = workdir ? workdir : json_str(spec, "Cwd");
  sp.user = user ? user : json_str(spec, "User");
  sp.privileged = cJSON_IsTrue(cJSON_GetObjectItem(spec, "Privileged"));
  sp.seccomp = cJSON_IsTrue(cJSON_GetObjectItem(spec, "Seccomp"));
  sp.caps = strtoull(json_str(spec, "Caps") ? json_str(spec, "Caps") : "0",
                     NULL, 16);
  cg = xasprintf("ocibox/%s", c.id);
  sp.cgroup_name = cg;
  if (!interactive) {
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0), close(nul);
  }
  sp.tty = tty;
  if (tty) tty_size(&sp.rows, &sp.cols);
  if ((pid = sb_enter(json_int(c.state, "Pid", 0), &sp, &code)) < 0)
    return fail_print(), code;
  return sp.tty_fd >= 0 ? tty_relay(pid, sp.tty_fd, interactive ? 0 : -1, 1)
                        : sb_wait(pid);
}

APPLET_X(exec, 2, -1, APPLET_STOP);
