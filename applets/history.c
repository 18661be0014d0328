/* history.c - the history of an image, newest step first
 * See https://docs.docker.com/reference/cli/docker/image/history/ */
#include "core/core.h"
#include "core/image.h"
#include "core/listing.h"

static const char usage[] =
"usage: history [-H=true|false] [--no-trunc] [-q] [--format FMT] IMAGE\n\n"
"Show IMAGE CREATED CREATED BY SIZE COMMENT for each step of the image.\n\n"
"-H, --human   human-readable sizes and dates (default true)\n"
"--no-trunc    do not truncate output\n"
"-q, --quiet   only image IDs\n"
"--format      Go template ({{.ID}} {{.CreatedSince}} {{.CreatedAt}}\n"
"              {{.CreatedBy}} {{.Size}} {{.Comment}})\n";

static int human = 1, notrunc, quiet;
static char *format;
static const struct opt opts[] = {
  OPT_FLAG('H', "human", &human), OPT_FLAG(0, "no-trunc", &notrunc),
  OPT_FLAG('q', "quiet", &quiet), OPT_STR(0, "format", &format), OPT_END
};

static const char *const headers[] = {
  "ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
  "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT", NULL
};

struct step {
  const char *created, *by, *comment;
  int64_t size;
};

static int history_main(int argc, char **argv)
{
  struct listing l = { format, NULL, headers, { 0 }, 0 };
  struct step *st;
  struct image *v;
  struct store s;
  size_t n, ns = 0, layer = 0;
  cJSON *idx, *h, *hist;
  int k;

  if (store_open(&s, STORE_READ) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  if ((k = image_find(v, n, argv[0])) < 0) return -1;
  hist = json_arr(v[k].config, "history");
  st = xzalloc((cJSON_GetArraySize(hist) + v[k].m.nlayers + 1) * sizeof(*st));
  /* each non-empty step owns the next layer; layers beyond the history
   * (images without one) get steps of their own */
  cJSON_ArrayForEach(h, hist) {
    struct step *x = &st[ns++];
    x->created = json_str(h, "created");
    x->by = json_str(h, "created_by");
    x->comment = json_str(h, "comment");
    if (!cJSON_IsTrue(cJSON_GetObjectItem(h, "empty_layer")) &&
        layer < v[k].m.nlayers) {
      const char *d = v[k].m.layers[layer].digest;
      if (store_diff_get(&s, d, NULL, &x->size) < 0)
        x->size = v[k].m.layers[layer].size;
      layer++;
    }
  }
  for (; layer < v[k].m.nlayers; layer++) {
    struct step *x = &st[ns++];
    x->created = json_str(v[k].config, "created");
    if (store_diff_get(&s, v[k].m.layers[layer].digest, NULL, &x->size) < 0)
      x->size = v[k].m.layers[layer].size;
  }

  l.deflt = quiet ? "{{.ID}}" : "table {{.ID}}\t{{.CreatedSince}}\t"
            "{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
  if (quiet) l.format = NULL;
  for (size_t i = ns; i-- > 0;) {
    struct step *x = &st[i];
    cleanup_free char *by = xstrdup(x->by ? x->by : "");
    char id[DIGEST_LEN], sz[32], ago[40], at[40];
    time_t t = 0;
    cJSON *row;

    for (char *p = by; *p; p++) if (*p == '\t') *p = ' ';
    /* Docker truncates CREATED BY to 45 characters with an ellipsis */
    if (!notrunc && strlen(by) > 45) strcpy(by + 44, "\xe2\x80\xa6");
    if (i == ns - 1)
      snprintf(id, sizeof(id), "%.*s", notrunc ? 71 : 12,
               notrunc ? v[k].id : v[k].id + 7);
    else
      strcpy(id, "<missing>");
    time_parse(x->created, &t);
    row = cJSON_CreateObject();
    cJSON_AddStringToObject(row, "ID", id);
    cJSON_AddStringToObject(row, "CreatedSince",
                            human ? (t ? fmt_ago(ago, t) : "N/A")
                                  : time_fmt(at, t));
    cJSON_AddStringToObject(row, "CreatedAt", time_fmt(at, t));
    cJSON_AddStringToObject(row, "CreatedBy", by);
    if (human) cJSON_AddStringToObject(row, "Size", fmt_size(sz, x->size));
    else cJSON_AddNumberToObject(row, "Size", x->size);
    cJSON_AddStringToObject(row, "Comment", x->comment ? x->comment : "");
    if (listing_row(&l, row) < 0) return -1;
    cJSON_Delete(row);
  }
  return listing_flush(&l);
}

APPLET(history, 1, 1);
