/* image.c - manifests, configs, and the images of the store */
#include "core/image.h"
#include "core/ref.h"
#include "core/util.h"

#include <dirent.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <string.h>

/* see image.h */

enum { MAX_LAYERS = 1000 };

int image_media_kind(const char *mt)
{
  if (!mt) return 0;
  if (!strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST))
    return 1;
  if (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST)) return 2;
  return 0;
}

int image_layer_ok(const char *mt)
{
  static const char *const ok[] = {
    MT_OCI_LAYER, MT_OCI_LAYER_GZ, MT_OCI_LAYER_ZSTD, MT_DOCKER_LAYER,
    MT_DOCKER_LAYER_GZ, MT_DOCKER_FOREIGN,
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  };

  for (size_t i = 0; mt && i < ARRAY_LEN(ok); i++)
    if (!strcmp(mt, ok[i])) return 1;
  return 0;
}

static int parse_desc(const cJSON *j, struct desc *d, const char *what)
{
  const char *dg = json_str(j, "digest");
  cJSON *sz = cJSON_GetObjectItemCaseSensitive(j, "size");

  if (!cJSON_IsObject(j)) return fail("%s: not an object", what);
  d->media_type = json_str(j, "mediaType");
  if (!dg) return fail("%s: no digest", what);
  if (!digest_valid(dg)) return fail("%s: invalid digest '%.80s'", what, dg);
  memcpy(d->digest, dg, DIGEST_LEN);
  if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 ||
      sz->valuedouble > 1e15 || sz->valuedouble != (int64_t)sz->valuedouble)
    return fail("%s %s: invalid size", what, dg);
  d->size = sz->valuedouble;
  return 0;
}

int manifest_parse(struct manifest *m, const char *p, size_t len)
{
  cJSON *l, *layers;
  size_t i = 0;

  memset(m, 0, sizeof(*m));
  if (!(m->json = json_parse(p, len))) return fail_wrap("manifest");
  if (!cJSON_IsObject(m->json)) goto bad;
  if (json_int(m->json, "schemaVersion", 0) != 2)
    return fail("manifest: unsupported schemaVersion %lld",
                (long long)json_int(m->json, "schemaVersion", 0));
  m->media_type = json_str(m->json, "mediaType");
  if (!m->media_type) m->media_type = MT_OCI_MANIFEST;
  if (image_media_kind(m->media_type) != 1)
    return fail("manifest: unsupported media type '%.100s'", m->media_type);
  if (parse_desc(json_obj(m->json, "config"), &m->config, "manifest config")
      < 0)
    return -1;
  if (!(layers = json_arr(m->json, "layers"))) goto bad;
  m->nlayers = cJSON_GetArraySize(layers);
  if (m->nlayers > MAX_LAYERS)
    return fail("manifest: too many layers (%zu)", m->nlayers);
  m->layers = xzalloc(m->nlayers * sizeof(*m->layers));
  cJSON_ArrayForEach(l, layers) {
    if (parse_desc(l, &m->layers[i], "manifest layer") < 0) return -1;
    if (!image_layer_ok(m->layers[i].media_type))
      return fail("manifest layer %s: unsupported media type '%.100s'",
                  m->layers[i].digest, m->layers[i].media_type ?
                  m->layers[i].media_type : "");
    i++;
  }
  return 0;
bad:
  return fail("manifest: not an image manifest");
}

void manifest_free(struct manifest *m)
{
  cJSON_Delete(m->json);
  free(m->layers);
  memset(m, 0, sizeof(*m));
}

int config_check(const cJSON *cfg, size_t *n)
{
  cJSON *rootfs = json_obj(cfg, "rootfs"), *ids, *d;
  const char *type = json_str(rootfs, "type");

  if (!cJSON_IsObject(cfg)) return fail("image config: not an object");
  if (!type || strcmp(type, "layers") ||
      !(ids = json_arr(rootfs, "diff_ids")))
    return fail("image config: no rootfs.diff_ids");
  *n = 0;
  cJSON_ArrayForEach(d, ids) {
    if (!cJSON_IsString(d) || !digest_valid(d->valuestring))
      return fail("image config: invalid diff_id");
    (*n)++;
  }
  return 0;
}

cJSON *image_desc_json(const char *mt, const char *digest, int64_t size)
{
  cJSON *d = cJSON_CreateObject();

  cJSON_AddStringToObject(d, "mediaType", mt);
  cJSON_AddStringToObject(d, "digest", digest);
  cJSON_AddNumberToObject(d, "size", size);
  return d;
}

int image_load(struct store *s, const char *digest, struct image *img)
{
  cleanup_free char *mp = NULL, *cp = NULL;
  size_t len, clen, nd;

  memset(img, 0, sizeof(*img));
  memcpy(img->digest, digest, DIGEST_LEN);
  if (!(mp = store_blob_read(s, digest, JSON_MAX, &len))) return -1;
  if (manifest_parse(&img->m, mp, len) < 0) return fail_wrap("%s", digest);
  memcpy(img->id, img->m.config.digest, DIGEST_LEN);
  if (!(cp = store_blob_read(s, img->id, JSON_MAX, &clen))) return -1;
  if (!(img->config = json_parse(cp, clen)) ||
      config_check(img->config, &nd) < 0)
    return fail_wrap("config %s", img->id);
  if (time_parse(json_str(img->config, "created"), &img->created) < 0)
    img->created = 0;
  for (size_t i = 0; i < img->m.nlayers; i++) {
    int64_t sz;
    if (store_diff_get(s, img->m.layers[i].digest, NULL, &sz) < 0)
      sz = img->m.layers[i].size;
    img->size += sz;
  }
  return 0;
}

void image_free(struct image *img)
{
  manifest_free(&img->m);
  cJSON_Delete(img->config);
  strv_free(&img->tags);
  strv_free(&img->repo_digests);
}

int image_list(struct store *s, cJSON *idx, struct image **out, size_t *n)
{
  struct image *v = NULL;
  size_t cnt = 0;
  cJSON *e;

  cJSON_ArrayForEach(e, json_arr(idx, "manifests")) {
    const char *d = json_str(e, "digest");
    cJSON *ann = json_obj(e, "annotations");
    const char *name = json_str(ann, ANN_REF);
    size_t i;
    time_t t;

    if (!digest_valid(d) || image_media_kind(json_str(e, "mediaType")) != 1)
      continue;
    for (i = 0; i < cnt && strcmp(v[i].digest, d); i++);
    if (i == cnt) {
      v = xrealloc(v, (cnt + 1) * sizeof(*v));
      if (image_load(s, d, &v[cnt]) < 0) {
        debug("skipping %s: %s", d, fail_msg());
        image_free(&v[cnt]);
        continue;
      }
      cnt++;
    }
    if (name) strv_add(&v[i].tags, xstrdup(name));
    if (json_str(ann, ANN_REPO_DIGEST) &&
        !strv_has(&v[i].repo_digests, json_str(ann, ANN_REPO_DIGEST)))
      strv_add(&v[i].repo_digests, xstrdup(json_str(ann, ANN_REPO_DIGEST)));
    if (!time_parse(json_str(ann, ANN_TAGGED), &t) && t > v[i].tagged)
      v[i].tagged = t;
  }
  *out = v;
  *n = cnt;
  return 0;
}

void image_list_free(struct image *v, size_t n)
{
  for (size_t i = 0; i < n; i++) image_free(&v[i]);
  free(v);
}

int image_find(struct image *v, size_t n, const char *name)
{
  const char *hex = name;
  struct ref r;
  int found = -1;

  if (str_starts(hex, "sha256:")) hex += 7;
  if (strlen(hex) == 64 && is_hex(hex, 64)) {
    for (size_t i = 0; i < n; i++)
      if (!strcmp(v[i].id + 7, hex) || !strcmp(v[i].digest + 7, hex))
        return i;
    return fail("No such image: %s", name);
  }
  if (ref_parse(&r, name, REF_DEFAULT_TAG) == 0) {
    cleanup_free char *fam = ref_familiar(&r);
    for (size_t i = 0; i < n && found < 0; i++) {
      if (r.digest && !strcmp(v[i].digest, r.digest)) found = i;
      if (!r.digest && strv_has(&v[i].tags, fam)) found = i;
    }
    ref_free(&r);
    if (found >= 0) return found;
  }
  /* a unique prefix of an image ID */
  if (*hex && strlen(hex) < 64 && is_hex(hex, strlen(hex))) {
    for (size_t i = 0; i < n; i++) {
      if (strncmp(v[i].id + 7, hex, strlen(hex))) continue;
      if (found >= 0 && strcmp(v[found].id, v[i].id))
        return fail("ambiguous image ID prefix '%s'", name);
      found = i;
    }
    if (found >= 0) return found;
  }
  if (ref_parse(&r, name, REF_DEFAULT_TAG) == 0) {
    cleanup_free char *fam = ref_familiar(&r);
    ref_free(&r);
    return fail("No such image: %s", fam);
  }
  return fail("No such image: %s", name);
}

int image_users(struct store *s, const char *id, char *who)
{
  struct dirent *e;
  int n = 0;
  DIR *d;

  if (!(d = dir_open(s->dfd, "containers", 0))) return 0;
  while ((e = readdir(d))) {
    cleanup_free char *p = NULL;
    const char *img;
    cJSON *c;

    if (e->d_name[0] == '.') continue;
    p = xasprintf("%s/config.json", e->d_name);
    if (!(c = json_read(dirfd(d), p, JSON_MAX))) continue;
    if ((img = json_str(c, "Image")) && !strcmp(img, id)) {
      if (!n++ && who) snprintf(who, 65, "%s", e->d_name);
    }
    cJSON_Delete(c);
  }
  closedir(d);
  return n;
}

cJSON *image_desc(struct store *s, const struct image *img)
{
  int64_t size = 0;

  store_has_blob(s, img->digest, &size);
  return image_desc_json(img->m.media_type, img->digest, size);
}

void image_host_platform(struct platform *p)
{
  static const struct { const char *m, *arch, *variant; } map[] = {
    { "x86_64", "amd64", "" }, { "aarch64", "arm64", "v8" },
    { "armv7l", "arm", "v7" }, { "armv6l", "arm", "v6" },
    { "armv5tel", "arm", "v5" }, { "i686", "386", "" }, { "i386", "386", "" },
    { "ppc64le", "ppc64le", "" }, { "s390x", "s390x", "" },
    { "riscv64", "riscv64", "" }, { "mips", "mips", "" },
    { "mipsel", "mipsle", "" }, { "mips64", "mips64", "" },
  };
  struct utsname u;

  memset(p, 0, sizeof(*p));
  strcpy(p->os, "linux");
  uname(&u);
  snprintf(p->arch, sizeof(p->arch), "%s", u.machine);
  for (size_t i = 0; i < ARRAY_LEN(map); i++)
    if (!strcmp(u.machine, map[i].m)) {
      strcpy(p->arch, map[i].arch);
      strcpy(p->variant, map[i].variant);
    }
}

int image_parse_platform(const char *s, struct platform *p)
{
  char os[16] = "", arch[16] = "", variant[8] = "";
  int n = sscanf(s, "%15[^/]/%15[^/]/%7s", os, arch, variant);

  if (n < 2 || strchr(variant, '/'))
    return fail("invalid platform '%s' (expected os/arch[/variant])", s);
  memset(p, 0, sizeof(*p));
  strcpy(p->os, os);
  strcpy(p->arch, arch);
  strcpy(p->variant, variant);
  if (!strcmp(arch, "arm64") && !*variant) strcpy(p->variant, "v8");
  return 0;
}

const cJSON *image_pick(const cJSON *index, const struct platform *want)
{
  const cJSON *e, *best = NULL;
  struct buf have = { 0 };

  cJSON_ArrayForEach(e, json_arr(index, "manifests")) {
    const cJSON *pl = json_obj(e, "platform");
    const char *os = json_str(pl, "os"), *arch = json_str(pl, "architecture");
    const char *var = json_str(pl, "variant");

    if (!os || !arch) continue;
    buf_printf(&have, "%s%s/%s%s%s", have.len ? ", " : "", os, arch,
               var ? "/" : "", var ? var : "");
    if (strcmp(os, want->os) || strcmp(arch, want->arch)) continue;
    if (!var && !strcmp(arch, "arm64")) var = "v8";
    if (var && *want->variant && strcmp(var, want->variant)) continue;
    if (!best) best = e;
  }
  if (!best)
    fail("no image for platform %s/%s%s%s in the index (it has: %s)",
         want->os, want->arch, *want->variant ? "/" : "", want->variant,
         have.len ? buf_str(&have) : "nothing");
  free(have.p);
  return best;
}

/* Docker's layer media types inside an OCI manifest become OCI's. */
static const char *oci_layer_type(const char *mt)
{
  if (!mt || !strcmp(mt, MT_DOCKER_LAYER_GZ)) return MT_OCI_LAYER_GZ;
  if (!strcmp(mt, MT_DOCKER_LAYER)) return MT_OCI_LAYER;
  return mt;
}

int image_store_new(struct store *s, cJSON *idx, const cJSON *cfg,
                    const struct manifest *base, struct ingest *in,
                    const char *diff_id, uint64_t usize, const char *fam,
                    const char *full, char *id)
{
  cleanup_free char *ctext = json_print(cfg), *mtext = NULL;
  char md[DIGEST_LEN];
  cJSON *m = cJSON_CreateObject(), *a;

  digest_buf(ctext, strlen(ctext), id);
  cJSON_AddNumberToObject(m, "schemaVersion", 2);
  cJSON_AddStringToObject(m, "mediaType", MT_OCI_MANIFEST);
  cJSON_AddItemToObject(m, "config", image_desc_json(MT_OCI_CONFIG, id,
                                                     strlen(ctext)));
  a = cJSON_AddArrayToObject(m, "layers");
  for (size_t i = 0; base && i < base->nlayers; i++)
    cJSON_AddItemToArray(a, image_desc_json(
        oci_layer_type(base->layers[i].media_type), base->layers[i].digest,
        base->layers[i].size));
  cJSON_AddItemToArray(a, image_desc_json(MT_OCI_LAYER_GZ, in->digest,
                                          in->size));
  mtext = json_print(m);
  cJSON_Delete(m);
  /* blobs first, the name last */
  if (store_ingest_commit(in) < 0 ||
      store_diff_put(s, in->digest, diff_id, usize) < 0 ||
      store_blob_put(s, ctext, strlen(ctext), id) < 0 ||
      store_blob_put(s, mtext, strlen(mtext), md) < 0)
    return -1;
  store_index_tag(idx, image_desc_json(MT_OCI_MANIFEST, md, strlen(mtext)),
                  fam, full);
  return store_index_save(s, idx);
}
