/* logout.c - forget a registry's credentials
 * See https://docs.docker.com/reference/cli/docker/logout/ */
#include "core/core.h"
#include "core/creds.h"

static const char usage[] =
"usage: logout [SERVER]\n\n"
"Remove the credentials kept for a registry (default Docker Hub).\n";

static const struct opt opts[] = { OPT_END };

static int logout_main(int argc, char **argv)
{
  const char *server = argc ? argv[0] : "docker.io";
  cleanup_free char *name = NULL;
  int r;

  if (strstr(server, "://")) server = strstr(server, "://") + 3;
  name = xstrndup(server, strcspn(server, "/"));
  if ((r = creds_erase(name)) < 0) return -1;
  if (!r) printf("Not logged in to %s\n", name);
  else printf("Removing login credentials for %s\n", name);
  return 0;
}

APPLET(logout, 0, 1);
