/* opt.h - applet declaration and option tables
 *
 * An applet file declares a usage[] string, an opts[] table and its main,
 * then registers with APPLET(name, min, max): min..max operands (max -1 =
 * any). main(argc, argv) receives the operands only, options already
 * parsed into the variables the table points at.
 *
 * Options follow Docker's (pflag) rules: "-aq" clusters, "-o FILE",
 * "-oFILE", "-o=FILE", "--out FILE", "--out=FILE", "--all=false", "--"
 * ends options; options and operands may interleave unless the applet says
 * APPLET_STOP (run, exec: everything after the image is the command). */
#ifndef OCIBOX_OPT_H
#define OCIBOX_OPT_H

#include "core/util.h"

enum {
  OPT_T_FLAG,   /* int *: set to 1 (or 0 by "=false") */
  OPT_T_STR,    /* char **: last one wins */
  OPT_T_LIST,   /* struct strv *: every occurrence appended */
  OPT_T_INT,    /* long *: decimal */
};

struct opt {
  char shrt;
  const char *lng;
  int type;
  void *ptr;
};

#define OPT_FLAG(s, l, p) { s, l, OPT_T_FLAG, p }
#define OPT_STR(s, l, p) { s, l, OPT_T_STR, p }
#define OPT_LIST(s, l, p) { s, l, OPT_T_LIST, p }
#define OPT_INT(s, l, p) { s, l, OPT_T_INT, p }
#define OPT_END { 0, NULL, 0, NULL }

enum { APPLET_STOP = 1 };

struct applet {
  const char *name;
  int (*main)(int argc, char **argv);
  const char *usage;
  const struct opt *opts;
  int min, max, flags;
};

#define APPLET_X(n, mn, mx, fl) \
  const struct applet applet_##n = { #n, n##_main, usage, opts, mn, mx, fl }
#define APPLET(n, mn, mx) APPLET_X(n, mn, mx, 0)
/* An applet whose name is no C identifier ("container-prune") */
#define APPLET_NAMED(n, name, mn, mx) \
  const struct applet applet_##n = { name, n##_main, usage, opts, mn, mx, 0 }

/* Name of the running applet, for messages. */
extern const char *applet_name;
/* Print the recorded error as "applet: message" on stderr. */
void fail_print(void);
/* Run another applet of ours as a child ("pull", "-q", NAME, NULL), on the
 * same store (OCIBOX_ROOT), its standard output on our standard error when
 * out_to_err: its exit code (-1 if it could not run). */
int applet_spawn(const char *const *argv, int out_to_err);

/* Parse argv (argv[0] is the applet name) against the applet's options and
 * the global ones (--root, --debug); operands are appended to *ops. -1 with
 * the message recorded on a bad flag; *help set on --help. */
int opt_parse(const struct applet *a, int argc, char **argv, struct strv *ops,
              int *help);
/* Global options, shared by every applet. */
extern char *opt_root;

#endif
