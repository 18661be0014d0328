/* container-prune.c - remove every stopped container ("container prune")
 * See https://docs.docker.com/reference/cli/docker/container/prune/ */
#include "core/core.h"
#include "core/container.h"

static const char usage[] =
"usage: container prune [-f]\n\n"
"Remove every container that is not running (exited or created): its\n"
"writable layer, record and log; print their IDs and the space reclaimed.\n\n"
"-f, --force   do not ask for confirmation\n";

static int force;
static const struct opt opts[] = { OPT_FLAG('f', "force", &force), OPT_END };

static int container_prune_main(int argc, char **argv)
{
  struct container *v;
  struct store s;
  size_t n;
  int64_t bytes = 0;
  int any = 0, ret = 0;
  char sz[32];

  if (!force) {
    char answer[16] = "";
    fprintf(stderr, "WARNING! This will remove all stopped containers.\n"
            "Are you sure you want to continue? [y/N] ");
    if (!fgets(answer, sizeof(answer), stdin) ||
        (answer[0] != 'y' && answer[0] != 'Y'))
      return 0;
  }
  if (store_open(&s, STORE_WRITE) < 0) return -1;
  container_list(&s, &v, &n);
  for (size_t i = 0; i < n; i++) {
    int st = container_status(&v[i]);
    cleanup_free char *dir = xasprintf("containers/%s", v[i].id);
    int64_t size;
    if (st != CT_EXITED && st != CT_CREATED) continue;
    size = dir_bytes(s.dfd, dir);
    if (container_remove(&s, &v[i]) < 0) {
      fail_print();
      ret = 1;
      continue;
    }
    if (!any++) printf("Deleted Containers:\n");
    printf("%s\n", v[i].id);
    bytes += size;
  }
  container_list_free(v, n);
  if (any) printf("\n");
  printf("Total reclaimed space: %s\n", fmt_size(sz, bytes));
  return ret;
}

APPLET_NAMED(container_prune, "container-prune", 0, 0);
