/* config.h for building libtar's codec files with musl (no autoconf run).
 * Only the header codec and writer are compiled (block, decode, encode,
 * handle, util, append, output); extract.c and wrapper.c are left out on
 * purpose. */
#define HAVE_BASENAME 1
#define HAVE_DIRNAME 1
#define HAVE_FNMATCH 1
#define HAVE_FNMATCH_H 1
#define HAVE_LCHOWN 1
#define HAVE_LIBGEN_H 1
#define HAVE_SNPRINTF 1
#define HAVE_STRDUP 1
#define HAVE_STRFTIME 1
#define HAVE_STRLCAT 1
#define HAVE_STRLCPY 1
#define HAVE_STRSEP 1
#define HAVE_UNISTD_H 1
#define MAJOR_IN_SYSMACROS 1
#define STDC_HEADERS 1
#define NEED_STRMODE 1
#define NEED_STRRSTR 1
#define NEED_MAKEDEV 1
#include <string.h>
#define PACKAGE_VERSION "1.2.20"
