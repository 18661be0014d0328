/* unit.h - the unit test harness: TAP lines, and a closing count
 *
 * Each test is `static int test_x(void)` returning 0 (pass), -1 (fail) or
 * 77 (skip). RUN_TEST(test_x) prints "ok N - test_x" / "not ok N - ...".
 * UNIT_MAIN ends with "# unit: N passed, N failed, N skipped" for run.sh. */
#ifndef OCIBOX_UNIT_H
#define OCIBOX_UNIT_H

#include <stdio.h>
#include <string.h>
#include "core/util.h"

static int unit_n, unit_pass, unit_fail, unit_skip;

#define CHECK(cond) do { if (!(cond)) { \
  fprintf(stderr, "# %s:%d: check failed: %s (last error: %s)\n", \
          __FILE__, __LINE__, #cond, fail_msg()); return -1; } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
  if (!a_ || !b_ || strcmp(a_, b_)) { \
  fprintf(stderr, "# %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, \
          a_ ? a_ : "(null)", b_ ? b_ : "(null)"); return -1; } } while (0)

#define RUN_TEST(fn) do { int r_ = fn(); unit_n++; \
  if (r_ == 0) { unit_pass++; printf("ok %d - %s\n", unit_n, #fn); } \
  else if (r_ == 77) { unit_skip++; printf("ok %d - %s # SKIP\n", unit_n, #fn); } \
  else { unit_fail++; printf("not ok %d - %s\n", unit_n, #fn); } } while (0)

#define UNIT_END() (printf("# unit: %d passed, %d failed, %d skipped\n", \
  unit_pass, unit_fail, unit_skip), unit_fail ? 1 : 0)

#endif
