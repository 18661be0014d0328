/* images.c - list the images of the store
 * See https://docs.docker.com/reference/cli/docker/image/ls/ */
#include "core/core.h"
#include "core/image.h"
#include "core/listing.h"
#include "core/ref.h"

static const char usage[] =
"usage: images [-a] [-q] [--digests] [--no-trunc] [-f FILTER]... [--format FMT] [REPOSITORY[:TAG]]\n\n"
"List images: REPOSITORY TAG IMAGE ID CREATED SIZE, newest first.\n\n"
"-a, --all      show all images (ocibox keeps no intermediate images)\n"
"-q, --quiet    only image IDs\n"
"--digests      show manifest digests\n"
"--no-trunc     full IDs\n"
"-f, --filter   dangling=true|false, reference=PATTERN, label=KEY[=VALUE],\n"
"               before=IMAGE, since=IMAGE\n"
"--format       Go template ({{.Repository}} {{.Tag}} {{.ID}} {{.Digest}}\n"
"               {{.CreatedSince}} {{.CreatedAt}} {{.Size}}), 'table ...', 'json'\n";

static int all, quiet, digests, notrunc;
static struct strv filters;
static char *format;
static const struct opt opts[] = {
  OPT_FLAG('a', "all", &all), OPT_FLAG('q', "quiet", &quiet),
  OPT_FLAG(0, "digests", &digests), OPT_FLAG(0, "no-trunc", &notrunc),
  OPT_LIST('f', "filter", &filters), OPT_STR(0, "format", &format),
  OPT_END
};

static const char *const headers[] = {
  "Repository", "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID",
  "Digest", "DIGEST", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
  "Size", "SIZE", "VirtualSize", "SIZE", "Containers", "CONTAINERS",
  "SharedSize", "SHARED SIZE", "UniqueSize", "UNIQUE SIZE", NULL
};

static struct image *imgs;
static size_t nimgs;

static int by_created(const void *a, const void *b)
{
  const struct image *x = a, *y = b;
  return x->created < y->created ? 1 : x->created > y->created ? -1
         : strcmp(x->id, y->id);
}

/* A label filter "key" or "key=value" against the config's labels. */
static int has_label(const struct image *img, const char *f)
{
  cJSON *labels = json_obj(json_obj(img->config, "config"), "Labels");
  const char *eq = strchr(f, '=');
  cleanup_free char *k = eq ? xstrndup(f, eq - f) : xstrdup(f);
  const char *v = json_str(labels, k);

  return v && (!eq || !strcmp(v, eq + 1));
}

/* Does the row (image, familiar name or NULL) pass every filter? */
static int keep(const struct image *img, const char *name, struct strv *refs,
                int dangling, struct strv *labels, time_t before, time_t since)
{
  if (dangling >= 0 && (img->tags.n == 0) != dangling) return 0;
  if (refs->n) {
    int ok = 0;
    for (size_t i = 0; name && i < refs->n && !ok; i++)
      ok = ref_match(refs->v[i], name);
    if (!ok) return 0;
  }
  for (size_t i = 0; i < labels->n; i++)
    if (!has_label(img, labels->v[i])) return 0;
  if (before && img->created >= before) return 0;
  if (since && img->created <= since) return 0;
  return 1;
}

static time_t created_of(const char *name)
{
  int i = image_find(imgs, nimgs, name);
  return i < 0 ? -1 : imgs[i].created;
}

static int images_main(int argc, char **argv)
{
  struct listing l = { format, NULL, headers, { 0 }, 0 };
  struct strv refs = { 0 }, labels = { 0 };
  int dangling = -1;
  time_t before = 0, since = 0;
  struct store s;
  cJSON *idx;

  (void)all;
  for (size_t i = 0; i < filters.n; i++) {
    char *f = filters.v[i], *v = strchr(f, '=');
    if (!v) return fail("bad format of filter (expected name=value)");
    *v++ = 0;
    if (!strcmp(f, "dangling")) {
      if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") &&
          strcmp(v, "0"))
        return fail("invalid filter 'dangling=%s'", v);
      dangling = !strcmp(v, "true") || !strcmp(v, "1");
    } else if (!strcmp(f, "reference")) {
      strv_add(&refs, xstrdup(v));
    } else if (!strcmp(f, "label")) {
      strv_add(&labels, xstrdup(v));
    } else if (strcmp(f, "before") && strcmp(f, "since")) {
      return fail("invalid filter '%s'", f);
    }
  }
  if (argc) {
    struct ref r;
    /* a name operand is a reference filter, normalised when it parses */
    if (ref_parse(&r, argv[0], 0) == 0) {
      strv_add(&refs, r.tag ? ref_familiar(&r) : ref_repo_familiar(&r));
      ref_free(&r);
    } else {
      strv_add(&refs, xstrdup(argv[0]));
    }
  }

  if (store_open(&s, STORE_READ) < 0) return -1;
  if (!(idx = store_index_load(&s))) return -1;
  image_list(&s, idx, &imgs, &nimgs);
  qsort(imgs, nimgs, sizeof(*imgs), by_created);
  for (size_t i = 0; i < filters.n; i++) {
    char *f = filters.v[i];
    time_t t;
    if (strcmp(f, "before") && strcmp(f, "since")) continue;
    if ((t = created_of(f + strlen(f) + 1)) < 0) return -1;
    if (*f == 'b') before = t;
    else since = t;
  }

  if (quiet)
    l.deflt = "{{.ID}}";
  else if (digests)
    l.deflt = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
              "{{.CreatedSince}}\t{{.Size}}";
  else
    l.deflt = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t"
              "{{.Size}}";
  if (quiet) l.format = NULL;

  for (size_t i = 0; i < nimgs; i++) {
    struct image *img = &imgs[i];
    size_t ntags = img->tags.n ? img->tags.n : 1;
    for (size_t t = 0; t < ntags; t++) {
      const char *name = img->tags.n ? img->tags.v[t] : NULL;
      const char *colon = name ? strrchr(name, ':') : NULL;
      cleanup_free char *repo = NULL;
      char sz[32], ago[40], at[64], id[DIGEST_LEN];
      cJSON *row;

      if (!keep(img, name, &refs, dangling, &labels, before, since)) continue;
      /* the tag is after the last ':' that follows the last '/' */
      if (colon && strchr(colon, '/')) colon = NULL;
      repo = name ? xstrndup(name, colon ? (size_t)(colon - name)
                                         : strlen(name))
                  : xstrdup("<none>");
      row = cJSON_CreateObject();
      cJSON_AddStringToObject(row, "Containers", "N/A");
      cJSON_AddStringToObject(row, "CreatedAt",
                              fmt_created_at(at, img->created));
      cJSON_AddStringToObject(row, "CreatedSince",
                              img->created ? fmt_ago(ago, img->created)
                                           : "N/A");
      cJSON_AddStringToObject(row, "Digest", img->digest);
      snprintf(id, sizeof(id), "%.*s", notrunc ? 71 : 12,
               notrunc ? img->id : img->id + 7);
      cJSON_AddStringToObject(row, "ID", id);
      cJSON_AddStringToObject(row, "Repository", repo);
      cJSON_AddStringToObject(row, "SharedSize", "N/A");
      cJSON_AddStringToObject(row, "Size", fmt_size(sz, img->size));
      cJSON_AddStringToObject(row, "Tag", colon ? colon + 1 : "<none>");
      cJSON_AddStringToObject(row, "UniqueSize", "N/A");
      cJSON_AddStringToObject(row, "VirtualSize", sz);
      if (listing_row(&l, row) < 0) return -1;
      cJSON_Delete(row);
    }
  }
  return listing_flush(&l);
}

APPLET(images, 0, 1);
