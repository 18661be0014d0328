/* diff.c - what a container changed in its file system
 * See https://docs.docker.com/reference/cli/docker/container/diff/ */
#include "core/core.h"
#include "core/container.h"
#include "core/tree.h"

static const char usage[] =
"usage: diff CONTAINER\n\n"
"List the files and directories the container added (A), changed (C) or\n"
"deleted (D) over its image, as Docker does.\n";

static const struct opt opts[] = { OPT_END };

static int diff_main(int argc, char **argv)
{
  struct tree_change *v;
  struct container c;
  struct store s;
  size_t nl, n;
  int upper, *lowers, r;

  if (store_open(&s, STORE_READ) < 0 || container_find(&s, argv[0], &c) < 0 ||
      container_layers(&s, &c, &upper, &lowers, &nl) < 0)
    return -1;
  r = tree_changes(upper, lowers, nl, &v, &n);
  close(upper);
  for (size_t i = 0; i < nl; i++) close(lowers[i]);
  free(lowers);
  if (r < 0) return -1;
  for (size_t i = 0; i < n; i++) printf("%c /%s\n", v[i].kind, v[i].path);
  tree_changes_free(v, n);
  return 0;
}

APPLET(diff, 1, 1);
