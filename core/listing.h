/* listing.h - Docker's list output: the default table, -q, --format (Go
 * template or "table ..." or "json") over rows built as JSON objects */
#ifndef OCIBOX_LISTING_H
#define OCIBOX_LISTING_H

#include "core/json.h"
#include "core/util.h"

struct listing {
  const char *format;           /* --format, or NULL for the default */
  const char *deflt;            /* default "table {{.A}}\t{{.B}}" */
  const char *const *headers;   /* pairs: field name, header text; NULL end */
  struct buf out;
  int rows;
};

/* Render one row (dot = row object). -1 on a template error. */
int listing_row(struct listing *l, const cJSON *row);
/* Print everything (with the header line for table formats) to stdout. */
int listing_flush(struct listing *l);

#endif
