/* listing.c - Docker's list output: tables and --format */
#include <stdio.h>

#include "core/listing.h"
#include "core/tmpl.h"

#include <stdlib.h>
#include <string.h>

/* see listing.h */

static const char *fmt_of(struct listing *l, int *table)
{
  const char *f = l->format && *l->format ? l->format : l->deflt;

  if (!strcmp(f, "json")) f = "{{json .}}";
  if (!strcmp(f, "table")) f = l->deflt;
  *table = str_starts(f, "table");
  if (*table) {
    f += 5;
    while (*f == ' ') f++;
  }
  return f;
}

int listing_row(struct listing *l, const cJSON *row)
{
  int table;
  const char *f = fmt_of(l, &table);

  /* Docker's templates may use \t literally in the shell: "\t" as two
   * characters stands for a tab */
  cleanup_free char *t = xstrdup(f);
  char *src, *dst;
  for (src = dst = t; *src; src++, dst++) {
    if (src[0] == '\\' && src[1] == 't') *dst = '\t', src++;
    else if (src[0] == '\\' && src[1] == 'n') *dst = '\n', src++;
    else *dst = *src;
  }
  *dst = 0;
  if (tmpl_render(t, row, &l->out) < 0) return -1;
  buf_add(&l->out, "\n", 1);
  l->rows++;
  return 0;
}

int listing_flush(struct listing *l)
{
  int table;
  const char *f = fmt_of(l, &table);

  if (table) {
    struct buf all = { 0 };
    cJSON *hdr = cJSON_CreateObject();
    int r;
    for (const char *const *h = l->headers; h && *h; h += 2)
      cJSON_AddStringToObject(hdr, h[0], h[1]);
    /* the header row: each field shows its column title */
    {
      struct listing hl = { f, f, NULL, { 0 }, 0 };
      r = listing_row(&hl, hdr);
      if (!r) buf_add(&all, buf_str(&hl.out), hl.out.len);
      free(hl.out.p);
    }
    cJSON_Delete(hdr);
    if (r < 0) return -1;
    buf_add(&all, buf_str(&l->out), l->out.len);
    tab_print(buf_str(&all), stdout);
    free(all.p);
  } else {
    fputs(buf_str(&l->out), stdout);
  }
  free(l->out.p);
  memset(&l->out, 0, sizeof(l->out));
  return 0;
}
