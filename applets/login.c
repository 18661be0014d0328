/* login.c - check and store credentials for a registry
 * See https://docs.docker.com/reference/cli/docker/login/ */
#include "core/core.h"
#include "core/creds.h"
#include "core/registry.h"

#include <termios.h>

static const char usage[] =
"usage: login [-u USER] [-p PASS | --password-stdin] [--insecure] [SERVER]\n\n"
"Log in to a registry (default Docker Hub): the credentials are tried,\n"
"then kept in $DOCKER_CONFIG/config.json (~/.docker/config.json).\n\n"
"-u, --username      user name (asked when missing, on a terminal)\n"
"-p, --password      password (insecure: prefer --password-stdin)\n"
"--password-stdin    read the password from standard input\n"
"--insecure          allow plain HTTP to this registry\n";

static char *user, *pass;
static int pstdin, insecure;
static const struct opt opts[] = {
  OPT_STR('u', "username", &user), OPT_STR('p', "password", &pass),
  OPT_FLAG(0, "password-stdin", &pstdin), OPT_FLAG(0, "insecure", &insecure),
  OPT_END
};

/* A line from fd (no echo on a terminal); NULL at EOF. */
static char *read_line(int fd, int noecho)
{
  struct termios t, saved;
  struct buf b = { 0 };
  int tty = noecho && isatty(fd) && tcgetattr(fd, &saved) == 0;
  char c;

  if (tty) {
    t = saved;
    t.c_lflag &= ~ECHO;
    tcsetattr(fd, TCSANOW, &t);
  }
  while (read(fd, &c, 1) == 1 && c != '\n')
    if (b.len < 4096) buf_add(&b, &c, 1);
  if (tty) {
    tcsetattr(fd, TCSANOW, &saved);
    fputc('\n', stderr);
  }
  if (b.len && b.p[b.len - 1] == '\r') b.len--;
  return buf_str(&b);
}

static int login_main(int argc, char **argv)
{
  const char *server = argc ? argv[0] : "docker.io";
  cleanup_free char *u = NULL, *p = NULL, *name = NULL;
  struct registry r;
  struct http_resp resp;

  /* "https://host/" as Docker accepts it, and Docker Hub's long names */
  if (strstr(server, "://")) server = strstr(server, "://") + 3;
  name = xstrndup(server, strcspn(server, "/"));
  if (!strcmp(name, "index.docker.io") || !strcmp(name, "registry-1.docker.io"))
    name = (free(name), xstrdup("docker.io"));
  if (pass && pstdin)
    return fail("--password and --password-stdin are mutually exclusive");
  if (pass) fprintf(stderr, "WARNING! Using --password via the CLI is "
                    "insecure. Use --password-stdin.\n");
  u = user ? xstrdup(user) : NULL;
  if (!u) {
    if (pstdin || !isatty(0))
      return fail("Must provide --username with --password-stdin");
    fprintf(stderr, "Username: ");
    u = read_line(0, 0);
  }
  if (pass) p = xstrdup(pass);
  else {
    if (!pstdin) fprintf(stderr, "Password: ");
    p = read_line(0, !pstdin);
  }
  if (!*u || !*p) return fail("Error: Cannot perform an interactive login "
                              "without a username and password");
  if (registry_open(&r, name, insecure) < 0) return -1;
  registry_set_creds(&r, u, p);
  /* a request that needs the credentials: /v2/ with them */
  if (registry_do(&r, "GET", "/v2/", NULL, NULL, NULL, 0, &resp) < 0)
    return -1;
  if (resp.status != 200) {
    registry_fail(&r, &resp, "login");
    return fail("login to %s failed: unauthorized: incorrect username or "
                "password", name);
  }
  http_resp_free(&resp);
  if (creds_put(name, u, p) < 0) return -1;
  printf("Login Succeeded\n");
  registry_close(&r);
  return 0;
}

APPLET(login, 0, 1);
