/* search.c - find repositories: Docker Hub's search, or a registry's catalog
 * See https://docs.docker.com/reference/cli/docker/search/ */
#include "core/core.h"
#include "core/listing.h"
#include "core/registry.h"

#include <ctype.h>

static const char usage[] =
"usage: search [--limit N] [--filter stars=N|is-official=true] [--no-trunc] [--format FMT] [--insecure] TERM\n\n"
"Search Docker Hub for TERM, or, when TERM names a registry\n"
"(localhost:5000/bus), that registry's catalog for repositories whose name\n"
"contains the rest.\n\n"
"--limit N     at most N results (default 25)\n"
"-f, --filter  stars=N (at least N stars), is-official=true|false\n"
"--no-trunc    do not cut descriptions\n"
"--format      Go template: {{.Name}} {{.Description}} {{.StarCount}}\n"
"              {{.IsOfficial}}\n"
"--insecure    allow plain HTTP to this registry\n";

static long limit = 25;
static int notrunc, insecure;
static char *format;
static struct strv filters;
static const struct opt opts[] = {
  OPT_INT(0, "limit", &limit), OPT_LIST('f', "filter", &filters),
  OPT_FLAG(0, "no-trunc", &notrunc), OPT_STR(0, "format", &format),
  OPT_FLAG(0, "insecure", &insecure), OPT_END
};

static const char *const headers[] = {
  "Name", "NAME", "Description", "DESCRIPTION", "StarCount", "STARS",
  "IsOfficial", "OFFICIAL", NULL
};

enum { ANSWER_MAX = 8 << 20 };

static int search_main(int argc, char **argv)
{
  struct listing l = { format, "table {{.Name}}\t{{.Description}}\t"
                       "{{.StarCount}}\t{{.IsOfficial}}", headers, { 0 }, 0 };
  const char *term = argv[0], *slash = strchr(term, '/');
  cleanup_free char *host = NULL, *body = NULL, *path = NULL, *q = NULL;
  long min_stars = 0;
  int official = -1, hub;
  struct registry r;
  struct http_resp resp;
  const cJSON *e, *list;
  cJSON *j;

  for (size_t i = 0; i < filters.n; i++) {
    if (str_starts(filters.v[i], "stars="))
      min_stars = atol(filters.v[i] + 6);
    else if (!strcmp(filters.v[i], "is-official=true")) official = 1;
    else if (!strcmp(filters.v[i], "is-official=false")) official = 0;
    else if (!str_starts(filters.v[i], "is-automated="))
      return fail("invalid filter '%s'", filters.v[i]);
  }
  if (limit < 1 || limit > 100)
    return fail("limit %ld is outside the range of [1, 100]", limit);
  /* "host.name/rest" or "host:port/rest": a registry of its own */
  hub = !slash || (!memchr(term, '.', slash - term) &&
                   !memchr(term, ':', slash - term) &&
                   strncmp(term, "localhost/", 10));
  host = hub ? xstrdup("index.docker.io") : xstrndup(term, slash - term);
  if (!hub) term = slash + 1;
  if (hub) {
    struct http h = { 0 };
    cleanup_free char *url = NULL;
    struct buf b = { 0 };
    for (const char *c = term; *c; c++)
      if (isalnum((unsigned char)*c) || strchr("-._", *c)) buf_add(&b, c, 1);
      else buf_printf(&b, "%%%02X", (unsigned char)*c);
    q = buf_str(&b);
    url = xasprintf("https://index.docker.io/v1/search?q=%s&n=%ld", q, limit);
    if (http_request(&h, "GET", url, NULL, NULL, 0, &resp) < 0) return -1;
    if (resp.status != 200) {
      http_close(&h);
      return fail("index.docker.io: search answered %d", resp.status);
    }
    body = http_slurp(&resp, ANSWER_MAX, NULL);
    http_resp_free(&resp);
    http_close(&h);
  } else {
    if (registry_open(&r, host, insecure) < 0) return -1;
    path = xasprintf("/v2/_catalog?n=%d", 1000);
    if (registry_do(&r, "GET", path, "registry:catalog:*", NULL, NULL, 0,
                    &resp) < 0)
      return -1;
    if (resp.status != 200) return registry_fail(&r, &resp, "catalog");
    body = http_slurp(&resp, ANSWER_MAX, NULL);
    http_resp_free(&resp);
    registry_close(&r);
  }
  if (!body || !(j = cJSON_Parse(body)))
    return fail("%s: the answer is not JSON", host);
  list = json_arr(j, hub ? "results" : "repositories");
  cJSON_ArrayForEach(e, list) {
    cJSON *row = cJSON_CreateObject();
    const char *name = hub ? json_str(e, "name") : cJSON_GetStringValue(e);
    const char *desc = hub ? json_str(e, "description") : "";
    long stars = hub ? json_int(e, "star_count", 0) : 0;
    int off = hub && cJSON_IsTrue(cJSON_GetObjectItem(e, "is_official"));
    char d[64];
    if (!name || (!hub && !strstr(name, term)) || stars < min_stars ||
        (official >= 0 && off != official)) {
      cJSON_Delete(row);
      continue;
    }
    if (l.rows >= limit) {
      cJSON_Delete(row);
      break;
    }
    if (!desc) desc = "";
    if (!notrunc && strlen(desc) > 45) {
      snprintf(d, sizeof(d), "%.42s...", desc);
      desc = d;
    }
    {
      cleanup_free char *full = hub ? xstrdup(name)
                                    : xasprintf("%s/%s", host, name);
      json_set_str(row, "Name", full);
    }
    json_set_str(row, "Description", desc);
    cJSON_AddNumberToObject(row, "StarCount", stars);
    json_set_str(row, "IsOfficial", off ? "[OK]" : "");
    if (listing_row(&l, row) < 0) return -1;
    cJSON_Delete(row);
  }
  cJSON_Delete(j);
  return listing_flush(&l);
}

APPLET(search, 1, 1);
