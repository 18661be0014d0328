/* creds.c - Docker's config.json credentials and credential helpers */
#include "core/creds.h"
#include "core/json.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* see creds.h */

static char *config_dir(void)
{
  const char *d = getenv("DOCKER_CONFIG"), *h = getenv("HOME");

  if (d && *d) return xstrdup(d);
  return xasprintf("%s/.docker", h && *h ? h : "/root");
}

static cJSON *load(char **path)
{
  cleanup_free char *dir = config_dir();
  cJSON *j;

  *path = xasprintf("%s/config.json", dir);
  if (!(j = json_read(AT_FDCWD, *path, JSON_MAX))) {
    if (errno != ENOENT) return NULL;
    j = cJSON_CreateObject();
  }
  return j;
}

char *creds_key(const char *registry)
{
  if (!strcmp(registry, "docker.io") || !strcmp(registry, "index.docker.io") ||
      !strcmp(registry, "registry-1.docker.io"))
    return xstrdup("https://index.docker.io/v1/");
  return xstrdup(registry);
}

/* docker-credential-NAME get: the server on stdin, JSON on stdout. */
static int helper_get(const char *name, const char *server, char **user,
                      char **pass)
{
  cleanup_free char *prog = xasprintf("docker-credential-%s", name);
  cleanup_free char *out = NULL;
  int in[2], outp[2], status;
  struct buf b = { 0 };
  cJSON *j;
  pid_t pid;
  char tmp[4096];
  ssize_t n;

  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0)
    return pfail("pipe");
  if ((pid = fork()) == 0) {
    dup2(in[0], 0);
    dup2(outp[1], 1);
    execlp(prog, prog, "get", (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(outp[1]);
  if (pid < 0) return pfail("fork");
  write_full(in[1], server, strlen(server));
  close(in[1]);
  while ((n = read(outp[0], tmp, sizeof(tmp))) > 0 && b.len < (1 << 20))
    buf_add(&b, tmp, n);
  close(outp[0]);
  waitpid(pid, &status, 0);
  out = buf_str(&b);
  if (!WIFEXITED(status) || WEXITSTATUS(status)) {
    /* "credentials not found" is not an error: anonymous, then */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      return fail("credential helper %s not found", prog);
    return 0;
  }
  if (!(j = cJSON_Parse(out))) return fail("%s: bad answer", prog);
  if (json_str(j, "Username") && json_str(j, "Secret")) {
    *user = xstrdup(json_str(j, "Username"));
    *pass = xstrdup(json_str(j, "Secret"));
    cJSON_Delete(j);
    return 1;
  }
  cJSON_Delete(j);
  return 0;
}

int creds_get(const char *registry, char **user, char **pass)
{
  cleanup_free char *path = NULL, *key = creds_key(registry);
  cJSON *j = load(&path);
  const char *helper, *auth;
  unsigned char *dec;
  char *colon;
  size_t n;
  int ret = 0;

  *user = *pass = NULL;
  if (!j) return -1;
  helper = json_str(json_obj(j, "credHelpers"), key);
  if (!helper) helper = json_str(j, "credsStore");
  if (helper) {
    ret = helper_get(helper, key, user, pass);
    cJSON_Delete(j);
    return ret;
  }
  auth = json_str(json_obj(json_obj(j, "auths"), key), "auth");
  if (auth && (dec = b64_decode(auth, &n))) {
    if ((colon = strchr((char *)dec, ':'))) {
      *colon = 0;
      *user = xstrdup((char *)dec);
      *pass = xstrdup(colon + 1);
      ret = 1;
    }
    free(dec);
  }
  cJSON_Delete(j);
  return ret;
}

static int save(const char *path, cJSON *j)
{
  cleanup_free char *dir = config_dir();
  cleanup_free char *text = json_print(j);

  if (mkdir_p(AT_FDCWD, dir, 0700) < 0) return -1;
  return file_write_atomic(AT_FDCWD, path, text, strlen(text), 0600);
}

int creds_put(const char *registry, const char *user, const char *pass)
{
  cleanup_free char *path = NULL, *key = creds_key(registry);
  cleanup_free char *up = xasprintf("%s:%s", user, pass);
  cleanup_free char *enc = b64_encode(up, strlen(up));
  cJSON *j = load(&path), *auths, *e;
  int r;

  if (!j) return -1;
  if (!(auths = json_obj(j, "auths"))) auths = cJSON_AddObjectToObject(j,
                                                                     "auths");
  e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "auth", enc);
  json_set(auths, key, e);
  r = save(path, j);
  cJSON_Delete(j);
  return r;
}

int creds_erase(const char *registry)
{
  cleanup_free char *path = NULL, *key = creds_key(registry);
  cJSON *j = load(&path), *auths;
  int r = 0;

  if (!j) return -1;
  if ((auths = json_obj(j, "auths")) && cJSON_GetObjectItem(auths, key)) {
    cJSON_DeleteItemFromObject(auths, key);
    r = save(path, j) < 0 ? -1 : 1;
  }
  cJSON_Delete(j);
  return r;
}
