/* ps.c - list containers
 * See https://docs.docker.com/reference/cli/docker/container/ls/ */
#include "core/core.h"
#include "core/container.h"
#include "core/listing.h"

static const char usage[] =
"usage: ps [-a] [-q] [--no-trunc] [--format FMT]\n\n"
"List running containers (-a: all): CONTAINER ID, IMAGE, COMMAND, CREATED,\n"
"STATUS, PORTS, NAMES, newest first.\n\n"
"-a, --all     show stopped containers too\n"
"-q, --quiet   only IDs\n"
"--no-trunc    do not truncate IDs and commands\n"
"--format      Go template ({{.ID}} {{.Image}} {{.Command}} {{.Names}}\n"
"              {{.Status}} {{.CreatedAt}} {{.RunningFor}}), 'table ...'\n";

static int all, quiet, notrunc;
static char *format;
static const struct opt opts[] = {
  OPT_FLAG('a', "all", &all), OPT_FLAG('q', "quiet", &quiet),
  OPT_FLAG(0, "no-trunc", &notrunc), OPT_STR(0, "format", &format), OPT_END
};

static const char *const headers[] = {
  "ID", "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND",
  "RunningFor", "CREATED", "CreatedAt", "CREATED AT", "Status", "STATUS",
  "Ports", "PORTS", "Names", "NAMES", NULL
};

static int by_created(const void *a, const void *b)
{
  const char *x = json_str(((const struct container *)a)->config, "Created");
  const char *y = json_str(((const struct container *)b)->config, "Created");
  return strcmp(y ? y : "", x ? x : "");
}

static int ps_main(int argc, char **argv)
{
  struct listing l = { format, NULL, headers, { 0 }, 0 };
  struct container *v;
  struct store s;
  size_t n;

  if (store_open(&s, STORE_READ) < 0) return -1;
  container_list(&s, &v, &n);
  qsort(v, n, sizeof(*v), by_created);
  l.deflt = quiet ? "{{.ID}}" : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t"
            "{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
  if (quiet) l.format = NULL;
  for (size_t i = 0; i < n; i++) {
    struct buf cmd = { 0 };
    char st[64], ago[40], id[65];
    time_t t = 0;
    cJSON *row, *a;
    int status = container_status(&v[i]);

    if (!all && status != CT_RUNNING && status != CT_PAUSED) continue;
    buf_printf(&cmd, "%s", json_str(v[i].config, "Path"));
    cJSON_ArrayForEach(a, json_arr(v[i].config, "Args"))
      buf_printf(&cmd, " %s", a->valuestring);
    if (!notrunc && cmd.len > 20) strcpy(cmd.p + 19, "\xe2\x80\xa6");
    row = cJSON_CreateObject();
    snprintf(id, sizeof(id), "%.*s", notrunc ? 64 : 12, v[i].id);
    cJSON_AddStringToObject(row, "ID", id);
    cJSON_AddStringToObject(row, "Image", json_str(v[i].config, "ImageName"));
    {
      cleanup_free char *q = xasprintf("\"%s\"", buf_str(&cmd));
      cJSON_AddStringToObject(row, "Command", q);
    }
    time_parse(json_str(v[i].config, "Created"), &t);
    cJSON_AddStringToObject(row, "RunningFor", fmt_ago(ago, t));
    cJSON_AddStringToObject(row, "CreatedAt", json_str(v[i].config,
                                                       "Created"));
    cJSON_AddStringToObject(row, "Status", container_status_text(&v[i], st));
    cJSON_AddStringToObject(row, "Ports", "");
    cJSON_AddStringToObject(row, "Names", json_str(v[i].config, "Name"));
    if (listing_row(&l, row) < 0) return -1;
    cJSON_Delete(row);
    free(cmd.p);
  }
  return listing_flush(&l);
}

APPLET(ps, 0, 0);
