/* ps.c - list containers
 * See https://docs.docker.com/reference/cli/docker/container/ls/ */
#include "core/core.h"
#include "core/container.h"
#include "core/image.h"
#include "core/listing.h"

static const char usage[] =
"usage: ps [-a] [-q] [-l] [-n N] [-f FILTER]... [--no-trunc] [--format FMT]\n\n"
"List running containers (-a: all): CONTAINER ID, IMAGE, COMMAND, CREATED,\n"
"STATUS, PORTS, NAMES, newest first.\n\n"
"-a, --all     show stopped containers too\n"
"-q, --quiet   only IDs\n"
"-n, --last    the N newest containers, of all states\n"
"-l, --latest  the newest container, of all states\n"
"-f, --filter  id=PREFIX, name=TEXT (^ and $ anchor it), ancestor=IMAGE,\n"
"              status=created|running|restarting|paused|exited,\n"
"              exited=CODE;\n"
"              the same key twice: either; different keys: both.\n"
"              status and exited show stopped containers without -a\n"
"--no-trunc    do not truncate IDs and commands\n"
"--format      Go template ({{.ID}} {{.Image}} {{.Command}} {{.Names}}\n"
"              {{.Status}} {{.CreatedAt}} {{.RunningFor}}), 'table ...'\n";

static int all, quiet, notrunc, latest;
static long last = -1;
static char *format;
static struct strv filters;
static const struct opt opts[] = {
  OPT_FLAG('a', "all", &all), OPT_FLAG('q', "quiet", &quiet),
  OPT_FLAG('l', "latest", &latest), OPT_INT('n', "last", &last),
  OPT_LIST('f', "filter", &filters), OPT_FLAG(0, "no-trunc", &notrunc),
  OPT_STR(0, "format", &format), OPT_END
};

/* Docker's name filter is a regular expression; what scripts give it is a
 * piece of the name, often anchored: "web", "^web$", "^/web". */
static int name_match(const char *pat, const char *name)
{
  size_t pl = strlen(pat), nl;
  int head = *pat == '^', tail = pl > (size_t)head && pat[pl - 1] == '$';
  const char *p = pat + head;

  pl -= head + tail;
  if (*name == '/') name++;
  if (head && *p == '/') p++, pl--;
  nl = strlen(name);
  if (pl > nl) return 0;
  if (head && tail) return pl == nl && !strncmp(name, p, pl);
  if (head) return !strncmp(name, p, pl);
  if (tail) return !strncmp(name + nl - pl, p, pl);
  for (size_t i = 0; i + pl <= nl; i++)
    if (!strncmp(name + i, p, pl)) return 1;
  return 0;
}

/* One filter key against one container: does any of its values match? */
static int match(const char *key, const char *val, const struct container *c,
                 int status, struct image *imgs, size_t nimgs)
{
  if (!strcmp(key, "id")) return !strncmp(c->id, val, strlen(val));
  if (!strcmp(key, "name"))
    return name_match(val, json_str(c->config, "Name") ?: "");
  if (!strcmp(key, "status"))
    return !strcmp(container_status_name(status), val);
  if (!strcmp(key, "exited")) {
    char *end;
    long code = strtol(val, &end, 10);
    return status == CT_EXITED && !*end &&
           json_int(c->state, "ExitCode", -1) == code;
  }
  if (!strcmp(key, "ancestor")) {
    int i = image_find(imgs, nimgs, val);
    const char *img = json_str(c->config, "Image");
    return (img && i >= 0 && !strcmp(imgs[i].id, img)) ||
           !strcmp(json_str(c->config, "ImageName") ?: "", val);
  }
  return 0;
}

/* Every key of the filters ("key\0value", split when parsed) has a value
 * that matches. */
static int keep(const struct container *c, int status, struct image *imgs,
                size_t nimgs)
{
  for (size_t i = 0; i < filters.n; i++) {
    int ok = 0;
    for (size_t j = 0; j < filters.n && !ok; j++)
      if (!strcmp(filters.v[j], filters.v[i]))
        ok = match(filters.v[j], filters.v[j] + strlen(filters.v[j]) + 1, c,
                   status, imgs, nimgs);
    if (!ok) return 0;
  }
  return 1;
}

static const char *const headers[] = {
  "ID", "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND",
  "RunningFor", "CREATED", "CreatedAt", "CREATED AT", "Status", "STATUS",
  "Ports", "PORTS", "Names", "NAMES", NULL
};

static int ps_main(int argc, char **argv)
{
  struct listing l = { format, NULL, headers, { 0 }, 0 };
  struct container *v;
  struct store s;
  struct image *imgs = NULL;
  size_t n, nimgs = 0, shown = 0;

  for (size_t i = 0; i < filters.n; i++) {
    char *f = filters.v[i], *eq = strchr(f, '=');
    static const char *const keys[] = { "id", "name", "status", "exited",
                                        "ancestor", NULL };
    size_t k = 0;
    if (!eq) return fail("bad format of filter (expected name=value)");
    *eq = 0;
    while (keys[k] && strcmp(f, keys[k])) k++;
    if (!keys[k]) return fail("invalid filter '%s'", f);
    if (k == 2) {
      int st = 0;
      while (container_status_name(st) && strcmp(container_status_name(st),
                                                 eq + 1))
        st++;
      if (!container_status_name(st))
        return fail("invalid filter 'status=%s'", eq + 1);
    }
    if (k == 2 || k == 3) all = 1;
  }
  if (latest) last = 1;
  if (last >= 0) all = 1;
  if (store_open(&s, STORE_READ) < 0) return -1;
  container_list(&s, &v, &n);      /* oldest first: shown newest first */
  for (size_t i = 0; i < filters.n; i++)
    if (!strcmp(filters.v[i], "ancestor") && !imgs) {
      cJSON *idx = store_index_load(&s);
      if (idx) image_list(&s, idx, &imgs, &nimgs);
      cJSON_Delete(idx);
    }
  l.deflt = quiet ? "{{.ID}}" : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t"
            "{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
  if (quiet) l.format = NULL;
  for (size_t i = 0; i < n; i++) {
    struct container *k = &v[n - 1 - i];
    struct buf cmd = { 0 };
    char st[64], ago[40], id[65], at[40];
    time_t t = 0;
    cJSON *row, *a;
    int status = container_status(k);

    if (!all && status != CT_RUNNING && status != CT_PAUSED &&
        status != CT_RESTARTING)
      continue;
    if (last >= 0 && shown >= (size_t)last) break;
    if (!keep(k, status, imgs, nimgs)) continue;
    shown++;
    buf_printf(&cmd, "%s", json_str(k->config, "Path"));
    cJSON_ArrayForEach(a, json_arr(k->config, "Args"))
      buf_printf(&cmd, " %s", a->valuestring);
    if (!notrunc && cmd.len > 20) strcpy(cmd.p + 19, "\xe2\x80\xa6");
    row = cJSON_CreateObject();
    snprintf(id, sizeof(id), "%.*s", notrunc ? 64 : 12, k->id);
    cJSON_AddStringToObject(row, "ID", id);
    cJSON_AddStringToObject(row, "Image", json_str(k->config, "ImageName"));
    {
      cleanup_free char *q = xasprintf("\"%s\"", buf_str(&cmd));
      cJSON_AddStringToObject(row, "Command", q);
    }
    time_parse(json_str(k->config, "Created"), &t);
    cJSON_AddStringToObject(row, "RunningFor", fmt_ago(ago, t));
    cJSON_AddStringToObject(row, "CreatedAt", fmt_created_at(at, t));
    cJSON_AddStringToObject(row, "Status", container_status_text(k, st));
    cJSON_AddStringToObject(row, "Ports", "");
    cJSON_AddStringToObject(row, "Names", json_str(k->config, "Name"));
    if (listing_row(&l, row) < 0) return -1;
    cJSON_Delete(row);
    free(cmd.p);
  }
  return listing_flush(&l);
}

APPLET(ps, 0, 0);
