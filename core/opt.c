/* opt.c - option parsing with Docker's (pflag) rules */
#include "core/opt.h"
#include "core/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* see opt.h */

const char *applet_name = "ocibox";
char *opt_root;

void fail_print(void)
{
  fprintf(stderr, "%s: %s\n", applet_name, fail_msg());
}

static int debug_flag;
static const struct opt global_opts[] = {
  OPT_STR(0, "root", &opt_root),
  OPT_FLAG(0, "debug", &debug_flag),
  OPT_END
};

static const struct opt *find(const struct opt *t, char s, const char *l,
                              size_t ln)
{
  for (; t && (t->shrt || t->lng); t++) {
    if (s && t->shrt == s) return t;
    if (l && t->lng && strlen(t->lng) == ln && !strncmp(t->lng, l, ln))
      return t;
  }
  return NULL;
}

static int set(const struct opt *o, const char *val, const char *name)
{
  char *end;

  switch (o->type) {
  case OPT_T_FLAG:
    if (!val || !strcmp(val, "true") || !strcmp(val, "1"))
      *(int *)o->ptr = 1;
    else if (!strcmp(val, "false") || !strcmp(val, "0"))
      *(int *)o->ptr = 0;
    else
      return fail("invalid argument \"%s\" for \"%s\" flag: "
                  "strconv.ParseBool: parsing \"%s\": invalid syntax",
                  val, name, val);
    break;
  case OPT_T_STR:
    *(char **)o->ptr = (char *)val;
    break;
  case OPT_T_LIST:
    strv_add(o->ptr, xstrdup(val));
    break;
  case OPT_T_INT:
    errno = 0;
    *(long *)o->ptr = strtol(val, &end, 10);
    if (!*val || *end || errno)
      return fail("invalid argument \"%s\" for \"%s\" flag: "
                  "strconv.ParseInt: parsing \"%s\": invalid syntax",
                  val, name, val);
    break;
  }
  return 0;
}

int opt_parse(const struct applet *a, int argc, char **argv, struct strv *ops,
              int *help)
{
  int i, only_ops = 0;

  *help = 0;
  for (i = 1; i < argc; i++) {
    char *arg = argv[i];
    const struct opt *o;

    if (only_ops || arg[0] != '-' || !arg[1]) {
      strv_add(ops, xstrdup(arg));
      if (a->flags & APPLET_STOP) only_ops = 1;
      continue;
    }
    if (!strcmp(arg, "--")) {
      only_ops = 1;
      continue;
    }
    if (arg[1] == '-') {
      char *name = arg + 2, *eq = strchr(name, '=');
      size_t ln = eq ? (size_t)(eq - name) : strlen(name);
      const char *val = eq ? eq + 1 : NULL;

      if (!strcmp(name, "help")) {
        *help = 1;
        return 0;
      }
      if (!(o = find(a->opts, 0, name, ln)) &&
          !(o = find(global_opts, 0, name, ln)))
        return fail("unknown flag: --%.*s", (int)ln, name);
      if (o->type != OPT_T_FLAG && !val) {
        if (i + 1 >= argc)
          return fail("flag needs an argument: --%s", o->lng);
        val = argv[++i];
      }
      if (set(o, val, o->lng) < 0) return -1;
      continue;
    }
    /* a cluster of short flags; the first one taking a value ends it */
    for (char *p = arg + 1; *p; p++) {
      char nm[3] = { '-', *p, 0 };
      if (!(o = find(a->opts, *p, NULL, 0)))
        return fail("unknown shorthand flag: '%c' in %s", *p, arg);
      if (o->type == OPT_T_FLAG) {
        if (p[1] == '=') {
          if (set(o, p + 2, nm) < 0) return -1;
          break;
        }
        set(o, NULL, nm);
        continue;
      }
      if (p[1]) {
        if (set(o, p[1] == '=' ? p + 2 : p + 1, nm) < 0) return -1;
      } else {
        if (i + 1 >= argc)
          return fail("flag needs an argument: '%c' in %s", *p, arg);
        if (set(o, argv[++i], nm) < 0) return -1;
      }
      break;
    }
  }
  if (debug_flag) debug_on = 1;
  return 0;
}

int applet_spawn(const char *const *argv, int out_to_err)
{
  const char *args[16];
  size_t n = 0;
  int status;
  pid_t pid;

  args[n++] = "ocibox";
  while (*argv && n < ARRAY_LEN(args) - 1) args[n++] = *argv++;
  args[n] = NULL;
  fflush(stdout);
  if ((pid = fork()) < 0) return pfail("fork"), -1;
  if (!pid) {
    if (out_to_err) dup2(2, 1);
    setenv("OCIBOX_ROOT", store_root(), 1);
    execv("/proc/self/exe", (char **)args);
    _exit(127);
  }
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return pfail("wait"), -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
