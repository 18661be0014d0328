/* main.c - the multi-call dispatcher: argv[0] or argv[1] picks the applet */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APPLET_ENTRY(n) extern const struct applet applet_##n;
#include "applets.h"
#undef APPLET_ENTRY
#define APPLET_ENTRY(n) &applet_##n,
static const struct applet *const applets[] = {
#include "applets.h"
};

/* "docker image ls" and "docker container rm": the management commands
 * map onto the classic applet names. */
static const struct { const char *group, *sub, *applet; } aliases[] = {
  { "image", "ls", "images" },     { "image", "list", "images" },
  { "image", "rm", "rmi" },        { "image", "remove", "rmi" },
  { "container", "ls", "ps" },     { "container", "list", "ps" },
  { "container", "prune", "container-prune" },
};

static const struct applet *find_applet(const char *name)
{
  for (size_t i = 0; i < ARRAY_LEN(applets); i++)
    if (!strcmp(applets[i]->name, name)) return applets[i];
  return NULL;
}

static void list_applets(FILE *f)
{
  fputs("usage: ocibox [--root DIR] [--debug] APPLET [ARGS...]\n\n"
        "Currently defined applets:\n", f);
  for (size_t i = 0; i < ARRAY_LEN(applets); i++)
    fprintf(f, "%s%s", i ? " " : "  ", applets[i]->name);
  fputc('\n', f);
}

/* Global options before the applet name ("docker --root X images"). */
static int globals(int *argc, char ***argv)
{
  while (*argc > 0 && (*argv)[0][0] == '-') {
    char *a = (*argv)[0];
    if (!strcmp(a, "--debug") || !strcmp(a, "-D")) {
      debug_on = 1;
    } else if (!strcmp(a, "--root") && *argc > 1) {
      opt_root = (*argv)[1];
      (*argc)--, (*argv)++;
    } else if (str_starts(a, "--root=")) {
      opt_root = a + 7;
    } else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
      printf("ocibox version %s\n", OCIBOX_VERSION);
      exit(0);
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      list_applets(stdout);
      exit(0);
    } else {
      fprintf(stderr, "ocibox: unknown flag: %s\n", a);
      exit(125);
    }
    (*argc)--, (*argv)++;
  }
  return 0;
}

int main(int argc, char **argv)
{
  const struct applet *a;
  struct strv ops = { 0 };
  const char *name = strrchr(argv[0], '/');
  int help, ret;

  name = name ? name + 1 : argv[0];
  if (!strcmp(name, "ocibox") || !strcmp(name, "docker") || !find_applet(name)) {
    argc--, argv++;
    globals(&argc, &argv);
    if (argc < 1) {
      list_applets(stderr);
      return 127;
    }
    name = argv[0];
    if ((!strcmp(name, "image") || !strcmp(name, "container")) && argc > 1) {
      const char *sub = argv[1];
      for (size_t i = 0; i < ARRAY_LEN(aliases); i++)
        if (!strcmp(aliases[i].group, name) && !strcmp(aliases[i].sub, sub))
          sub = aliases[i].applet;
      argc--, argv++;
      name = sub;
    }
  }
  if (!(a = find_applet(name))) {
    fprintf(stderr, "ocibox: unknown applet '%s'\n", name);
    list_applets(stderr);
    return 127;
  }
  applet_name = a->name;
  if (opt_parse(a, argc, argv, &ops, &help) < 0) {
    fprintf(stderr, "%s: %s (see '%s --help')\n", a->name, fail_msg(),
            a->name);
    return 125;
  }
  if (help) {
    fputs(a->usage, stdout);
    return 0;
  }
  if ((int)ops.n < a->min || (a->max >= 0 && (int)ops.n > a->max)) {
    const char *nl = strchr(a->usage, '\n');
    int want = (int)ops.n < a->min ? a->min : a->max;
    fprintf(stderr, "%s: \"%s\" requires %s %d argument%s (%.*s)\n",
            a->name, a->name, a->max == a->min ? "exactly" :
            (int)ops.n < a->min ? "at least" : "at most", want,
            want == 1 ? "" : "s",
            nl ? (int)(nl - a->usage) : (int)strlen(a->usage), a->usage);
    return 125;
  }
  ret = a->main(ops.n, ops.v);
  if (fflush(stdout) && !ret) {
    fail("write: standard output");
    ret = -1;
  }
  if (ret < 0) {
    fail_print();
    return 1;
  }
  return ret;
}
