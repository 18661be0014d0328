/* change.c - Dockerfile instructions for import -c and commit -c */
#include "core/change.h"
#include "core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* see change.h */

/* Split "a=b c=\"d e\"" or a legacy "k v" into pairs; one word, with quotes
 * and backslashes resolved, at a time. */
static char *word(const char **p)
{
  struct buf b = { 0 };
  char q = 0;

  while (isspace((unsigned char)**p)) (*p)++;
  if (!**p) return NULL;
  for (; **p && (q || !isspace((unsigned char)**p)); (*p)++) {
    char c = **p;
    if (q && c == q) q = 0;
    else if (!q && (c == '"' || c == '\'')) q = c;
    else if (c == '\\' && (*p)[1] && q != '\'') buf_add(&b, ++*p, 1);
    else buf_add(&b, &c, 1);
  }
  return buf_str(&b);
}

/* The JSON form ["a", "b"] (an array of strings), or the shell form. */
static cJSON *cmd_form(const char *arg, const char *what, int shell)
{
  cJSON *a;

  while (isspace((unsigned char)*arg)) arg++;
  if (*arg == '[') {
    cJSON *e;
    if (!(a = json_parse(arg, strlen(arg))) || !cJSON_IsArray(a)) {
      cJSON_Delete(a);
      return fail("%s: invalid JSON array: %s", what, arg), NULL;
    }
    cJSON_ArrayForEach(e, a)
      if (!cJSON_IsString(e)) {
        cJSON_Delete(a);
        return fail("%s: JSON array must hold strings only", what), NULL;
      }
    return a;
  }
  a = cJSON_CreateArray();
  if (shell) {
    cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
    cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
    cJSON_AddItemToArray(a, cJSON_CreateString(arg));
  } else {
    char *w;
    while ((w = word(&arg))) {
      cJSON_AddItemToArray(a, cJSON_CreateString(w));
      free(w);
    }
  }
  return a;
}

static cJSON *obj_of(cJSON *cfg, const char *key)
{
  cJSON *o = json_obj(cfg, key);

  if (!o) {
    o = cJSON_CreateObject();
    json_set(cfg, key, o);
  }
  return o;
}

static int cfg_env_set(cJSON *cfg, const char *k, const char *v)
{
  cJSON *env = json_arr(cfg, "Env"), *e;
  cleanup_free char *kv = xasprintf("%s=%s", k, v);
  size_t kl = strlen(k);

  if (!*k) return fail("ENV names can not be blank");
  if (!env) {
    env = cJSON_CreateArray();
    json_set(cfg, "Env", env);
  }
  cJSON_ArrayForEach(e, env)
    if (cJSON_IsString(e) && !strncmp(e->valuestring, k, kl) &&
        e->valuestring[kl] == '=') {
      cJSON_ReplaceItemViaPointer(env, e, cJSON_CreateString(kv));
      return 0;
    }
  cJSON_AddItemToArray(env, cJSON_CreateString(kv));
  return 0;
}

/* KEY=VALUE pairs, or the legacy "KEY VALUE" form (one pair). */
static int pairs(cJSON *cfg, const char *arg, const char *what, int env)
{
  const char *p = arg;
  char *w = word(&p);
  int ret = 0;

  if (!w) return fail("%s requires at least one argument", what);
  if (!strchr(w, '=')) {
    /* legacy form: the rest of the line is the value */
    while (isspace((unsigned char)*p)) p++;
    if (!*p) {
      free(w);
      return fail("%s must have two arguments", what);
    }
    ret = env ? cfg_env_set(cfg, w, p)
              : (json_set_str(obj_of(cfg, "Labels"), w, p), 0);
    free(w);
    return ret;
  }
  do {
    char *eq = strchr(w, '=');
    if (!eq) {
      ret = fail("%s names can not be blank: '%s' has no '='", what, w);
      free(w);
      break;
    }
    *eq = 0;
    if (env) ret = cfg_env_set(cfg, w, eq + 1);
    else if (!*w) ret = fail("LABEL names can not be blank");
    else json_set_str(obj_of(cfg, "Labels"), w, eq + 1);
    free(w);
  } while (!ret && (w = word(&p)));
  return ret;
}

static int expose(cJSON *cfg, const char *arg)
{
  char *w;
  int ret = 0;

  while (!ret && (w = word(&arg))) {
    char *proto = strchr(w, '/'), *end;
    long lo, hi;
    if (proto) *proto++ = 0;
    lo = strtol(w, &end, 10);
    hi = lo;
    if (*end == '-') hi = strtol(end + 1, &end, 10);
    if (!*w || *end || lo < 1 || hi > 65535 || hi < lo)
      ret = fail("invalid containerPort: %s", w);
    else if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp") &&
             strcmp(proto, "sctp"))
      ret = fail("invalid proto: %s", proto);
    for (long port = lo; !ret && port <= hi; port++) {
      char key[32];
      snprintf(key, sizeof(key), "%ld/%s", port, proto ? proto : "tcp");
      json_set(obj_of(cfg, "ExposedPorts"), key, cJSON_CreateObject());
    }
    free(w);
  }
  return ret;
}

int change_apply(cJSON *cfg, const char *ins)
{
  char name[16];
  size_t n = 0;
  const char *arg;
  cJSON *a;

  while (isspace((unsigned char)*ins)) ins++;
  while (ins[n] && !isspace((unsigned char)ins[n]) && n < sizeof(name) - 1) {
    name[n] = toupper((unsigned char)ins[n]);
    n++;
  }
  name[n] = 0;
  arg = ins + n;
  while (isspace((unsigned char)*arg)) arg++;
  if (!n) return fail("empty change");

  if (!strcmp(name, "CMD") || !strcmp(name, "ENTRYPOINT")) {
    if (!(a = cmd_form(arg, name, 1))) return -1;
    json_set(cfg, !strcmp(name, "CMD") ? "Cmd" : "Entrypoint", a);
    /* ENTRYPOINT resets a CMD inherited from the parent, as in Dockerfiles */
    return 0;
  }
  if (!*arg) return fail("%s requires at least one argument", name);
  if (!strcmp(name, "ENV")) return pairs(cfg, arg, "ENV", 1);
  if (!strcmp(name, "LABEL")) return pairs(cfg, arg, "LABEL", 0);
  if (!strcmp(name, "EXPOSE")) return expose(cfg, arg);
  if (!strcmp(name, "USER")) {
    json_set_str(cfg, "User", arg);
    return 0;
  }
  if (!strcmp(name, "WORKDIR")) {
    cleanup_free char *w = xstrdup(arg);
    if (*w != '/') return fail("WORKDIR must be an absolute path: %s", w);
    json_set_str(cfg, "WorkingDir", w);
    return 0;
  }
  if (!strcmp(name, "VOLUME")) {
    cJSON *e;
    if (!(a = cmd_form(arg, "VOLUME", 0))) return -1;
    cJSON_ArrayForEach(e, a)
      json_set(obj_of(cfg, "Volumes"), e->valuestring, cJSON_CreateObject());
    cJSON_Delete(a);
    return 0;
  }
  if (!strcmp(name, "ONBUILD")) {
    cJSON *ob = json_arr(cfg, "OnBuild");
    if (!ob) {
      ob = cJSON_CreateArray();
      json_set(cfg, "OnBuild", ob);
    }
    cJSON_AddItemToArray(ob, cJSON_CreateString(arg));
    return 0;
  }
  return fail("%s is not a valid change command", name);
}
