/* archive.c - save and load archives (docker-archive, OCI layout) */
#include "core/archive.h"
#include "core/gz.h"
#include "core/ref.h"
#include "core/tar.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* see archive.h */

enum {
  MAX_FILES = 20000,       /* entries of an archive we keep track of */
  MAX_LINKS = 8,           /* symlink hops inside an archive */
  MAX_DEPTH = 4,           /* nested indexes */
};

/* One regular file (or link) of the archive being loaded. */
struct afile {
  char *path;              /* normalised: no "./", no "..", relative */
  char *link;              /* for links: the target path, normalised */
  char *meta;              /* top-level metadata kept in memory */
  size_t metalen;
  struct ingest in;        /* everything else went to ingest/ */
  int gzip;                /* content was gzip: diff_id is of the inflated */
  char diff_id[DIGEST_LEN];
  int64_t usize;           /* uncompressed size */
  int used;
};

struct load {
  struct store *s;
  struct afile *f;
  size_t n;
  struct strv made;        /* blobs this load created (undone on error) */
};

/* An archive's own metadata files, read into memory (bounded). */
static int is_meta(const char *p)
{
  return !strcmp(p, "manifest.json") || !strcmp(p, "index.json") ||
         !strcmp(p, "repositories") || !strcmp(p, "oci-layout");
}

/* Normalise an archive path: drop "./" and empty components, resolve
 * ".." (refusing one that climbs above the archive's root) and refuse
 * absolute paths and empty names. base (a directory, or "") is prepended
 * for relative symlink targets. Caller frees. */
static char *norm(const char *base, const char *p)
{
  struct buf b = { 0 };
  cleanup_free char *all = NULL;
  char *save = NULL, *c;

  if (*p == '/') return fail("absolute path '%.200s'", p), NULL;
  all = xasprintf("%s%s%s", base, *base ? "/" : "", p);
  for (c = strtok_r(all, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (!strcmp(c, ".")) continue;
    if (!strcmp(c, "..")) {
      char *slash;
      if (!b.len) {
        free(b.p);
        return fail("path '%.200s' leaves the archive", p), NULL;
      }
      slash = strrchr(b.p, '/');
      b.len = slash ? (size_t)(slash - b.p) : 0;
      b.p[b.len] = 0;
      continue;
    }
    if (b.len) buf_add(&b, "/", 1);
    buf_add(&b, c, strlen(c));
  }
  if (!b.len) {
    free(b.p);
    return fail("empty path in archive"), NULL;
  }
  return buf_str(&b);
}

static struct afile *find(struct load *l, const char *path)
{
  for (int hop = 0; hop <= MAX_LINKS; hop++) {
    struct afile *f = NULL;
    for (size_t i = l->n; i-- > 0;)
      if (!strcmp(l->f[i].path, path)) {
        f = &l->f[i];
        break;
      }
    if (!f || !f->link) return f;
    path = f->link;
  }
  return NULL;
}

/* The writer chain for a file: ingest (digest) and, when gzip, an inflater
 * feeding a digest (diff_id). The first chunk decides. */
struct sink {
  struct afile *f;
  struct gz_inflate *gz;
  struct digest_tee diff;
  struct io_writer diffw;
  int started;
};

static int sink_write(struct sink *k, const void *p, size_t n)
{
  if (!k->started) {
    k->started = 1;
    /* compressed (gzip or zstd): the diff_id is the inflated stream's */
    k->f->gzip = gz_sniff(p, n) == GZ_GZIP || gz_sniff(p, n) == GZ_ZSTD;
    if (k->f->gzip) {
      digest_init(&k->diff.d);
      k->diff.next = NULL;
      k->diffw = (struct io_writer){ digest_tee_write, &k->diff };
      if (!(k->gz = gz_inflate_new(&k->diffw))) return -1;
    }
  }
  if (store_ingest_write(&k->f->in, p, n) < 0) return -1;
  /* a blob that is not valid gzip after a gzip magic is simply not a
   * layer we can use; remember that rather than failing the archive */
  if (k->gz && gz_inflate_write(k->gz, p, n) < 0) {
    gz_inflate_free(k->gz);
    k->gz = NULL;
    k->f->gzip = -1;
  }
  return 0;
}

static int read_file(struct load *l, struct tar_reader *t, struct afile *f,
                     uint64_t size)
{
  static unsigned char buf[65536];
  struct sink k;
  ssize_t r;
  int ret = -1;

  memset(&k, 0, sizeof(k));
  k.f = f;
  if (is_meta(f->path)) {
    if (size > JSON_MAX)
      return fail("'%s' is too large (%llu bytes, limit %d)", f->path,
                  (unsigned long long)size, JSON_MAX);
    f->meta = xmalloc(size + 1);
    if ((r = tar_read(t, f->meta, size)) < 0) return -1;
    if ((uint64_t)r != size) return fail("'%s' is truncated", f->path);
    f->meta[size] = 0;
    f->metalen = size;
    return 0;
  }
  if (store_ingest_begin(l->s, &f->in) < 0) return -1;
  while ((r = tar_read(t, buf, sizeof(buf))) > 0)
    if (sink_write(&k, buf, r) < 0) goto out;
  if (r < 0 || store_ingest_done(&f->in) < 0) goto out;
  if (f->in.size != size) {
    fail("'%s' is truncated", f->path);
    goto out;
  }
  f->usize = f->in.size;
  memcpy(f->diff_id, f->in.digest, DIGEST_LEN);
  if (k.gz) {
    if (gz_inflate_finish(k.gz) < 0) {
      f->gzip = -1;
    } else {
      digest_final(&k.diff.d, f->diff_id);
      f->usize = k.diff.d.size;
    }
  }
  /* a blob under blobs/<alg>/<hex> is named by its digest: check it now */
  if (str_starts(f->path, "blobs/")) {
    char want[DIGEST_LEN + 8];
    snprintf(want, sizeof(want), "%s", f->path + 6);
    char *slash = strchr(want, '/');
    if (slash) *slash = ':';
    if (strcmp(want, f->in.digest)) {
      fail("blob '%s' does not match its digest (content is %s)", f->path,
           f->in.digest);
      goto out;
    }
  }
  ret = 0;
out:
  gz_inflate_free(k.gz);
  return ret;
}

/* Read the whole archive into ingest/ (and metadata into memory). */
static int slurp(struct load *l, struct io_reader *in)
{
  struct tar_reader *t = tar_reader_new(in);
  struct tar_entry *e;
  int r;

  while ((r = tar_next(t, &e)) > 0) {
    struct afile *f;
    char *path;

    if (e->type == TAR_DIR || e->type == 'x' || e->type == 'g') continue;
    if (!(path = norm("", e->path))) {
      r = fail_wrap("archive entry '%.200s'", e->path);
      break;
    }
    if (e->type != TAR_REG && e->type != TAR_SYMLINK &&
        e->type != TAR_HARDLINK) {
      free(path);
      continue;
    }
    if (l->n >= MAX_FILES) {
      free(path);
      r = fail("archive has more than %d files", MAX_FILES);
      break;
    }
    l->f = xrealloc(l->f, (l->n + 1) * sizeof(*l->f));
    f = &l->f[l->n++];
    memset(f, 0, sizeof(*f));
    f->path = path;
    if (e->type != TAR_REG) {
      cleanup_free char *dir = xstrdup(path);
      char *slash = strrchr(dir, '/');
      /* symlinks are relative to their directory, hardlinks to the root */
      if (e->type == TAR_HARDLINK || !slash) *dir = 0;
      else *slash = 0;
      if (!e->linkpath || !(f->link = norm(dir, e->linkpath))) {
        r = fail_wrap("archive link '%.200s'", path);
        break;
      }
      continue;
    }
    if (read_file(l, t, f, e->size) < 0) {
      r = fail_wrap("archive entry '%.200s'", path);
      break;
    }
  }
  tar_reader_free(t);
  return r < 0 ? -1 : 0;
}

static void undo(struct load *l, int committed_too)
{
  for (size_t i = 0; i < l->n; i++) {
    if (l->f[i].in.name) store_ingest_abort(&l->f[i].in);
    free(l->f[i].path);
    free(l->f[i].link);
    free(l->f[i].meta);
  }
  free(l->f);
  l->f = NULL;
  l->n = 0;
  if (committed_too)
    for (size_t i = 0; i < l->made.n; i++) {
      cleanup_free char *p = store_blob_path(l->made.v[i]);
      cleanup_free char *d = xasprintf("diffs/%s", digest_hex(l->made.v[i]));
      unlinkat(l->s->dfd, p, 0);
      unlinkat(l->s->dfd, d, 0);
    }
  strv_free(&l->made);
}

/* A blob of the archive by digest: the file blobs/sha256/<hex>. */
static struct afile *blob_file(struct load *l, const char *digest)
{
  cleanup_free char *p = NULL;

  if (!digest_valid(digest)) return NULL;
  p = xasprintf("blobs/sha256/%s", digest_hex(digest));
  return find(l, p);
}

/* A JSON document from a file of the archive. */
static cJSON *file_json(struct load *l, struct afile *f)
{
  cleanup_free char *p = NULL;
  size_t len;
  cJSON *j;

  if (f->meta) return json_parse(f->meta, f->metalen);
  if (!(p = file_read(l->s->dfd, f->in.name, JSON_MAX, &len))) return NULL;
  if (!(j = json_parse(p, len))) fail_wrap("'%s'", f->path);
  return j;
}

/* An image found in the archive, ready to commit. */
struct cand {
  char digest[DIGEST_LEN];     /* manifest digest */
  const char *mt;
  int64_t size;
  char *built;                 /* a manifest we made (docker-archive) */
  struct afile *mfile;         /* or the archive's own */
  struct strv names;           /* familiar */
  struct strv fulls;
};

/* Check a config and its layers against each other; mark them used.
 * layers[i] are the archive files in manifest order. */
static int check_image(struct load *l, struct afile *cfg, struct afile **layers,
                       size_t n)
{
  cJSON *c, *ids, *d;
  size_t nd, i = 0;

  if (!(c = file_json(l, cfg))) return fail_wrap("config '%s'", cfg->path);
  if (config_check(c, &nd) < 0) {
    cJSON_Delete(c);
    return fail_wrap("config '%s'", cfg->path);
  }
  if (nd != n) {
    cJSON_Delete(c);
    return fail("config '%s' lists %zu layers, the manifest %zu", cfg->path,
                nd, n);
  }
  ids = json_arr(json_obj(c, "rootfs"), "diff_ids");
  cJSON_ArrayForEach(d, ids) {
    struct afile *f = layers[i++];
    if (f->gzip < 0 || strcmp(f->diff_id, d->valuestring)) {
      fail("layer '%s' does not match the config: diff_id %s expected, "
           "content is %s", f->path, d->valuestring,
           f->gzip < 0 ? "not valid gzip" : f->diff_id);
      cJSON_Delete(c);
      return -1;
    }
    f->used = 1;
  }
  cfg->used = 1;
  cJSON_Delete(c);
  return 0;
}

static int add_name(struct cand *c, const char *name, int tag_default)
{
  struct ref r;

  if (ref_parse(&r, name, (tag_default ? REF_DEFAULT_TAG : 0) |
                REF_NO_DIGEST) < 0)
    return fail_wrap("invalid name '%.200s'", name);
  if (!r.tag) {
    ref_free(&r);
    return 0;
  }
  strv_add(&c->names, ref_familiar(&r));
  strv_add(&c->fulls, ref_full(&r));
  ref_free(&r);
  return 0;
}

/* docker-archive: manifest.json entries {Config, RepoTags, Layers}. */
static int from_manifest_json(struct load *l, struct afile *mj,
                              struct cand **cs, size_t *nc)
{
  cJSON *arr = json_parse(mj->meta, mj->metalen), *e;
  int ret = -1;

  if (!arr) return fail_wrap("manifest.json");
  if (!cJSON_IsArray(arr)) {
    fail("manifest.json: not an array");
    goto out;
  }
  cJSON_ArrayForEach(e, arr) {
    const char *cp = json_str(e, "Config");
    cJSON *ls = json_arr(e, "Layers"), *x;
    struct afile *cfg, **layers;
    struct cand *c;
    size_t n = 0, i = 0;
    cJSON *m, *larr;

    if (!cp || !ls) {
      fail("manifest.json: an entry has no Config or Layers");
      goto out;
    }
    if (!(cp = norm("", cp)) || !(cfg = find(l, cp))) {
      fail_wrap("manifest.json: config '%.200s' is missing",
                json_str(e, "Config"));
      free((char *)cp);
      goto out;
    }
    free((char *)cp);
    n = cJSON_GetArraySize(ls);
    if (n > 1000) {
      fail("manifest.json: too many layers");
      goto out;
    }
    layers = xzalloc((n + 1) * sizeof(*layers));
    cJSON_ArrayForEach(x, ls) {
      cleanup_free char *lp = NULL;
      if (!cJSON_IsString(x) || !(lp = norm("", x->valuestring)) ||
          !(layers[i] = find(l, lp)) || !layers[i]->in.name) {
        fail_wrap("manifest.json: layer '%.200s' is missing",
                  cJSON_IsString(x) ? x->valuestring : "?");
        free(layers);
        goto out;
      }
      i++;
    }
    if (!cfg->in.name) {
      fail("manifest.json: config '%s' is not a file", cfg->path);
      free(layers);
      goto out;
    }
    /* a legacy config named <hex>.json must have that digest */
    {
      const char *base = strrchr(cfg->path, '/');
      base = base ? base + 1 : cfg->path;
      if (strlen(base) == 69 && str_ends(base, ".json") && is_hex(base, 64) &&
          strncmp(base, digest_hex(cfg->in.digest), 64)) {
        fail("config '%s' does not match its digest (content is %s)",
             cfg->path, cfg->in.digest);
        free(layers);
        goto out;
      }
    }
    if (check_image(l, cfg, layers, n) < 0) {
      free(layers);
      goto out;
    }
    /* the manifest this image had in a registry is not in a docker-archive:
     * make a schema2 one for the store */
    m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "schemaVersion", 2);
    cJSON_AddStringToObject(m, "mediaType", MT_DOCKER_MANIFEST);
    cJSON_AddItemToObject(m, "config", image_desc_json(MT_DOCKER_CONFIG,
                          cfg->in.digest, cfg->in.size));
    larr = cJSON_AddArrayToObject(m, "layers");
    for (i = 0; i < n; i++)
      cJSON_AddItemToArray(larr, image_desc_json(layers[i]->gzip ?
                           MT_DOCKER_LAYER_GZ : MT_DOCKER_LAYER,
                           layers[i]->in.digest, layers[i]->in.size));
    free(layers);
    *cs = xrealloc(*cs, (*nc + 1) * sizeof(**cs));
    c = &(*cs)[(*nc)++];
    memset(c, 0, sizeof(*c));
    c->built = json_print(m);
    cJSON_Delete(m);
    digest_buf(c->built, strlen(c->built), c->digest);
    c->mt = MT_DOCKER_MANIFEST;
    c->size = strlen(c->built);
    cJSON_ArrayForEach(x, json_arr(e, "RepoTags"))
      if (!cJSON_IsString(x) || add_name(c, x->valuestring, 1) < 0) {
        if (!cJSON_IsString(x)) fail("manifest.json: bad RepoTags");
        goto out;
      }
  }
  ret = 0;
out:
  cJSON_Delete(arr);
  return ret;
}

/* OCI layout: resolve one index.json entry (maybe a nested index). */
static int from_desc(struct load *l, const cJSON *desc, const cJSON *ann,
                     struct cand **cs, size_t *nc, int depth)
{
  const char *dg = json_str(desc, "digest"), *mt = json_str(desc, "mediaType");
  int64_t size = json_int(desc, "size", -1);
  struct afile *f = blob_file(l, dg), *cfg, **layers;
  cleanup_free char *text = NULL;
  struct manifest m;
  struct cand *c;
  cJSON *j;
  int kind;
  size_t len;

  if (depth > MAX_DEPTH) return fail("index nested too deeply");
  if (!digest_valid(dg)) return fail("index: invalid digest '%.80s'",
                                     dg ? dg : "");
  if (!f || !f->in.name) return fail("blob %s is missing from the archive", dg);
  if ((int64_t)f->in.size != size)
    return fail("blob %s has size %llu, its descriptor says %lld", dg,
                (unsigned long long)f->in.size, (long long)size);
  if (!(text = file_read(l->s->dfd, f->in.name, JSON_MAX, &len)))
    return fail_wrap("blob %s", dg);
  if (!(j = json_parse(text, len))) return fail_wrap("blob %s", dg);
  if (!mt) mt = json_str(j, "mediaType");
  kind = image_media_kind(mt);
  if (!mt && json_arr(j, "manifests")) kind = 2;
  if (!mt && json_obj(j, "config")) kind = 1;
  if (kind == 2) {
    struct platform host;
    const cJSON *pick, *e;
    int ret, n = cJSON_GetArraySize(json_arr(j, "manifests"));
    f->used = 1;
    image_host_platform(&host);
    if (!(pick = image_pick(j, &host))) {
      /* a single entry without a platform is the image itself */
      e = cJSON_GetArrayItem(json_arr(j, "manifests"), 0);
      if (n != 1 || json_obj(e, "platform")) {
        cJSON_Delete(j);
        return -1;
      }
      pick = e;
    }
    ret = from_desc(l, pick, ann, cs, nc, depth + 1);
    cJSON_Delete(j);
    return ret;
  }
  cJSON_Delete(j);
  if (kind != 1) return fail("blob %s: unknown media type '%.100s'", dg,
                             mt ? mt : "");
  if (manifest_parse(&m, text, len) < 0) return fail_wrap("manifest %s", dg);
  if (!(cfg = blob_file(l, m.config.digest)) || !cfg->in.name) {
    fail("config %s is missing from the archive", m.config.digest);
    goto fail;
  }
  if ((int64_t)cfg->in.size != m.config.size) {
    fail("config %s has size %llu, the manifest says %lld", m.config.digest,
         (unsigned long long)cfg->in.size, (long long)m.config.size);
    goto fail;
  }
  layers = xzalloc((m.nlayers + 1) * sizeof(*layers));
  for (size_t i = 0; i < m.nlayers; i++) {
    struct desc *d = &m.layers[i];
    if (!(layers[i] = blob_file(l, d->digest)) || !layers[i]->in.name) {
      fail("layer %s is missing from the archive", d->digest);
      free(layers);
      goto fail;
    }
    if ((int64_t)layers[i]->in.size != d->size) {
      fail("layer %s has size %llu, the manifest says %lld", d->digest,
           (unsigned long long)layers[i]->in.size, (long long)d->size);
      free(layers);
      goto fail;
    }
  }
  if (check_image(l, cfg, layers, m.nlayers) < 0) {
    free(layers);
    goto fail;
  }
  free(layers);
  f->used = 1;
  *cs = xrealloc(*cs, (*nc + 1) * sizeof(**cs));
  c = &(*cs)[(*nc)++];
  memset(c, 0, sizeof(*c));
  memcpy(c->digest, dg, DIGEST_LEN);
  c->mt = image_media_kind(json_str(desc, "mediaType")) == 1
          ? json_str(desc, "mediaType") : m.media_type;
  c->mt = xstrdup(c->mt);
  c->size = size;
  c->mfile = f;
  manifest_free(&m);
  /* names: containerd's full name, else an OCI ref.name that is a whole
   * reference ("busybox:latest"); a bare tag ("latest") names no image */
  {
    const char *full = json_str(ann, ANN_NAME), *rn = json_str(ann, ANN_REF);
    if (full) return add_name(c, full, 1);
    if (rn && (strchr(rn, ':') || strchr(rn, '/'))) return add_name(c, rn, 0);
  }
  return 0;
fail:
  manifest_free(&m);
  return -1;
}

static struct afile *meta_file(struct load *l, const char *name)
{
  struct afile *f = find(l, name);
  return f && f->meta ? f : NULL;
}

/* Commit the checked files and write the tags. */
static int commit(struct load *l, struct cand *cs, size_t nc, struct strv *out)
{
  cJSON *idx;

  for (size_t i = 0; i < l->n; i++) {
    struct afile *f = &l->f[i];
    if (!f->used || !f->in.name) continue;
    if (!store_has_blob(l->s, f->in.digest, NULL))
      strv_add(&l->made, xstrdup(f->in.digest));
    if (store_ingest_commit(&f->in) < 0) return -1;
    if (f->gzip >= 0 && store_diff_put(l->s, f->in.digest, f->diff_id,
                                       f->usize) < 0)
      return -1;
  }
  for (size_t i = 0; i < nc; i++) {
    char d[DIGEST_LEN];
    if (!cs[i].built) continue;
    if (!store_has_blob(l->s, cs[i].digest, NULL))
      strv_add(&l->made, xstrdup(cs[i].digest));
    if (store_blob_put(l->s, cs[i].built, strlen(cs[i].built), d) < 0)
      return -1;
  }
  if (!(idx = store_index_load(l->s))) return -1;
  for (size_t i = 0; i < nc; i++) {
    cJSON *desc = image_desc_json(cs[i].mt, cs[i].digest, cs[i].size);
    for (size_t k = 0; k < cs[i].names.n; k++) {
      store_index_tag(idx, desc, cs[i].names.v[k], cs[i].fulls.v[k]);
      strv_add(out, xasprintf("Loaded image: %s", cs[i].names.v[k]));
    }
    if (!cs[i].names.n) {
      struct manifest m;
      const char *text = cs[i].built;
      cleanup_free char *rd = NULL;
      size_t len = text ? strlen(text) : 0;
      store_index_tag(idx, desc, NULL, NULL);
      if (!text) text = rd = store_blob_read(l->s, cs[i].digest, JSON_MAX,
                                             &len);
      if (text && manifest_parse(&m, text, len) == 0) {
        strv_add(out, xasprintf("Loaded image ID: %s", m.config.digest));
        manifest_free(&m);
      }
    }
    cJSON_Delete(desc);
  }
  if (store_index_save(l->s, idx) < 0) {
    cJSON_Delete(idx);
    return -1;
  }
  cJSON_Delete(idx);
  return 0;
}

int archive_load(struct store *s, struct io_reader *in, struct strv *out)
{
  struct load l = { s, NULL, 0, { 0 } };
  struct gz_reader *gz = gz_reader_new(in, 1);
  struct io_reader gin = gz_reader_io(gz);
  struct cand *cs = NULL;
  struct afile *mj, *ij;
  size_t nc = 0;
  int ret = -1;

  if (slurp(&l, &gin) < 0) {
    fail_wrap("invalid archive");
    goto out;
  }
  mj = meta_file(&l, "manifest.json");
  ij = meta_file(&l, "index.json");
  if (mj) {
    if (from_manifest_json(&l, mj, &cs, &nc) < 0) goto out;
    /* Docker 25+ archives carry the registry manifests in index.json too:
     * keep those (their digests are the image's identity elsewhere) */
    if (ij) {
      cJSON *idx = json_parse(ij->meta, ij->metalen), *e;
      struct cand *oc = NULL;
      size_t no = 0;
      if (!idx) {
        fail_wrap("index.json");
        goto out;
      }
      cJSON_ArrayForEach(e, json_arr(idx, "manifests"))
        if (from_desc(&l, e, json_obj(e, "annotations"), &oc, &no, 0) < 0) {
          cJSON_Delete(idx);
          fail_wrap("index.json");
          goto out;
        }
      cJSON_Delete(idx);
      /* an OCI manifest with the same content replaces the built one */
      for (size_t i = 0; i < nc; i++) {
        struct manifest bm;
        manifest_parse(&bm, cs[i].built, strlen(cs[i].built));
        for (size_t k = 0; k < no; k++) {
          cleanup_free char *t = file_read(s->dfd, oc[k].mfile->in.name,
                                           JSON_MAX, NULL);
          struct manifest om;
          int same;
          if (!t || manifest_parse(&om, t, strlen(t)) < 0) continue;
          same = !strcmp(om.config.digest, bm.config.digest) &&
                 om.nlayers == bm.nlayers;
          for (size_t q = 0; same && q < om.nlayers; q++)
            same = !strcmp(om.layers[q].digest, bm.layers[q].digest);
          manifest_free(&om);
          if (!same) continue;
          free(cs[i].built);
          cs[i].built = NULL;
          memcpy(cs[i].digest, oc[k].digest, DIGEST_LEN);
          cs[i].mt = oc[k].mt;
          cs[i].size = oc[k].size;
          break;
        }
        manifest_free(&bm);
      }
      /* index.json-only blobs stay unused unless a match took them */
      for (size_t k = 0; k < no; k++) {
        int taken = 0;
        for (size_t i = 0; i < nc; i++)
          taken |= !strcmp(cs[i].digest, oc[k].digest);
        if (!taken) oc[k].mfile->used = 0;
        strv_free(&oc[k].names);
        strv_free(&oc[k].fulls);
      }
      free(oc);
      /* manifests of nested indexes may have been marked; that is fine:
       * they are small, and referenced or collected later */
    }
  } else if (ij) {
    cJSON *idx = json_parse(ij->meta, ij->metalen), *e;
    if (!idx) {
      fail_wrap("index.json");
      goto out;
    }
    cJSON_ArrayForEach(e, json_arr(idx, "manifests"))
      if (from_desc(&l, e, json_obj(e, "annotations"), &cs, &nc, 0) < 0) {
        cJSON_Delete(idx);
        fail_wrap("index.json");
        goto out;
      }
    cJSON_Delete(idx);
  } else {
    fail("invalid archive: no manifest.json or index.json in it");
    goto out;
  }
  if (!nc) {
    fail("invalid archive: it holds no image");
    goto out;
  }
  /* one name, one image */
  for (size_t i = 0; i < nc; i++)
    for (size_t k = 0; k < cs[i].names.n; k++)
      for (size_t j = 0; j < nc; j++)
        if (strcmp(cs[i].digest, cs[j].digest) &&
            strv_has(&cs[j].names, cs[i].names.v[k])) {
          fail("invalid archive: tag '%s' names two different images",
               cs[i].names.v[k]);
          goto out;
        }
  if (commit(&l, cs, nc, out) < 0) {
    undo(&l, 1);
    goto out;
  }
  ret = 0;
out:
  undo(&l, 0);
  for (size_t i = 0; i < nc; i++) {
    free(cs[i].built);
    strv_free(&cs[i].names);
    strv_free(&cs[i].fulls);
  }
  free(cs);
  gz_reader_free(gz);
  return ret;
}

/* Copy a blob of the store into the archive, checking its digest on the
 * way: a corrupt store must not produce an archive that looks fine. */
static int put_blob(struct store *s, struct tar_writer *w, const char *digest)
{
  static unsigned char buf[65536];
  cleanup_close int fd = store_blob_open(s, digest);
  cleanup_free char *path = NULL;
  struct tar_entry e;
  struct digest d;
  char got[DIGEST_LEN];
  struct stat st;
  uint64_t left;

  if (fd < 0 || fstat(fd, &st) < 0) return fail_wrap("blob %s", digest);
  path = xasprintf("blobs/sha256/%s", digest_hex(digest));
  memset(&e, 0, sizeof(e));
  e.path = path;
  e.type = TAR_REG;
  e.mode = 0644;
  e.size = st.st_size;
  if (tar_write_header(w, &e) < 0) return -1;
  digest_init(&d);
  for (left = st.st_size; left;) {
    ssize_t r = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
    if (r <= 0) return r ? pfail("read blob %s", digest)
                         : fail("blob %s shrank while saved", digest);
    digest_update(&d, buf, r);
    if (tar_write_data(w, buf, r) < 0) return -1;
    left -= r;
  }
  digest_final(&d, got);
  if (strcmp(got, digest))
    return fail("blob %s in the store is corrupt (content is %s)", digest,
                got);
  return tar_write_end_entry(w);
}

static int put_dir(struct tar_writer *w, const char *path)
{
  struct tar_entry e;

  memset(&e, 0, sizeof(e));
  e.path = (char *)path;
  e.type = TAR_DIR;
  e.mode = 0755;
  return tar_write_header(w, &e);
}

static int put_json(struct tar_writer *w, const char *path, const cJSON *j)
{
  cleanup_free char *p = json_print(j);
  return tar_write_file(w, path, p, strlen(p), 0644, 0);
}

int archive_save(struct store *s, struct save_item *items, size_t n,
                 struct io_writer *out)
{
  struct tar_writer *w = tar_writer_new(out);
  cJSON *idx, *mj, *repos, *m;
  struct strv done = { 0 };
  int ret = -1;

  /* index.json: one entry per name (or one unnamed), as Docker 25 writes */
  idx = cJSON_CreateObject();
  cJSON_AddNumberToObject(idx, "schemaVersion", 2);
  cJSON_AddStringToObject(idx, "mediaType", MT_OCI_INDEX);
  m = cJSON_AddArrayToObject(idx, "manifests");
  mj = cJSON_CreateArray();
  repos = cJSON_CreateObject();
  for (size_t i = 0; i < n; i++) {
    const struct image *img = items[i].img;
    cJSON *e = cJSON_CreateObject(), *tags, *layers;
    char cfg[DIGEST_LEN + 16];

    for (size_t k = 0; k < items[i].names.n || (!k && !items[i].names.n);
         k++) {
      cJSON *d = image_desc(s, img);
      if (items[i].names.n) {
        struct ref r;
        cJSON *ann = cJSON_AddObjectToObject(d, "annotations");
        if (ref_parse(&r, items[i].names.v[k], REF_DEFAULT_TAG) == 0) {
          cleanup_free char *full = ref_full(&r);
          cleanup_free char *repo = ref_repo_familiar(&r);
          cJSON *rt;
          cJSON_AddStringToObject(ann, ANN_NAME, full);
          cJSON_AddStringToObject(ann, ANN_REF, r.tag);
          if (!(rt = json_obj(repos, repo)))
            rt = cJSON_AddObjectToObject(repos, repo);
          if (img->m.nlayers)
            json_set_str(rt, r.tag, digest_hex(
                         img->m.layers[img->m.nlayers - 1].digest));
          ref_free(&r);
        }
      }
      cJSON_AddItemToArray(m, d);
    }
    snprintf(cfg, sizeof(cfg), "blobs/sha256/%s", digest_hex(img->id));
    cJSON_AddStringToObject(e, "Config", cfg);
    tags = items[i].names.n ? cJSON_AddArrayToObject(e, "RepoTags")
                            : cJSON_AddNullToObject(e, "RepoTags");
    for (size_t k = 0; k < items[i].names.n; k++)
      cJSON_AddItemToArray(tags, cJSON_CreateString(items[i].names.v[k]));
    layers = cJSON_AddArrayToObject(e, "Layers");
    for (size_t k = 0; k < img->m.nlayers; k++) {
      cleanup_free char *p = xasprintf("blobs/sha256/%s",
                                       digest_hex(img->m.layers[k].digest));
      cJSON_AddItemToArray(layers, cJSON_CreateString(p));
    }
    cJSON_AddItemToArray(mj, e);
  }

  /* metadata first, so a reader learns what is coming before the blobs */
  if (put_json(w, "index.json", idx) < 0 ||
      put_json(w, "manifest.json", mj) < 0 ||
      tar_write_file(w, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}",
                     30, 0644, 0) < 0 ||
      (repos->child && put_json(w, "repositories", repos) < 0) ||
      put_dir(w, "blobs/") < 0 || put_dir(w, "blobs/sha256/") < 0)
    goto out;
  for (size_t i = 0; i < n; i++) {
    const struct image *img = items[i].img;
    const char *order[1002];
    size_t no = 0;
    order[no++] = img->digest;
    order[no++] = img->id;
    for (size_t k = 0; k < img->m.nlayers && no < ARRAY_LEN(order); k++)
      order[no++] = img->m.layers[k].digest;
    for (size_t k = 0; k < no; k++) {
      if (strv_has(&done, order[k])) continue;
      strv_add(&done, xstrdup(order[k]));
      if (put_blob(s, w, order[k]) < 0) goto out;
    }
  }
  ret = tar_writer_finish(w);
out:
  strv_free(&done);
  cJSON_Delete(idx);
  cJSON_Delete(mj);
  cJSON_Delete(repos);
  tar_writer_free(w);
  return ret;
}
