/* image.h - manifests, indexes and configs: parse, validate, build; and the
 * images of the store, found by name or ID
 * See https://github.com/opencontainers/image-spec/blob/main/manifest.md
 * and https://distribution.github.io/distribution/spec/manifest-v2-2/ */
#ifndef OCIBOX_IMAGE_H
#define OCIBOX_IMAGE_H

#include <stdint.h>
#include <time.h>

#include "core/digest.h"
#include "core/json.h"
#include "core/store.h"
#include "core/util.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_MANIFEST \
  "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST \
  "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define MT_DOCKER_LAYER_GZ \
  "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN \
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

struct desc {
  const char *media_type;     /* points into the parsed JSON */
  char digest[DIGEST_LEN];
  int64_t size;
};

/* A parsed, validated image manifest. */
struct manifest {
  cJSON *json;                /* owned */
  const char *media_type;
  struct desc config;
  struct desc *layers;        /* owned */
  size_t nlayers;
};

/* 1 for a manifest media type, 2 for an index/list, 0 otherwise. */
int image_media_kind(const char *mt);
/* 1 if mt is a layer media type we can unpack (plain tar, gzip, zstd). */
int image_layer_ok(const char *mt);

/* Parse and check a manifest: schemaVersion 2, known media types, valid
 * digests, sizes >= 0, at most 1000 layers. -1 with the reason. */
int manifest_parse(struct manifest *m, const char *p, size_t len);
void manifest_free(struct manifest *m);

/* Check an image config: an object with rootfs.type "layers" and
 * rootfs.diff_ids of valid digests; n_diff_ids gets their number. */
int config_check(const cJSON *cfg, size_t *n_diff_ids);

/* Store a new image whose last layer is the ingest in (done, not yet
 * committed; diff_id and usize its uncompressed digest and size): the
 * layer blob, then config (cfg) and an OCI manifest of base's layers (if
 * any) plus that one, then the name (fam/full, or none). The image ID goes
 * into id. Docker's layer media types become OCI's. */
int image_store_new(struct store *s, cJSON *idx, const cJSON *cfg,
                    const struct manifest *base, struct ingest *in,
                    const char *diff_id, uint64_t usize, const char *fam,
                    const char *full, char *id);

/* An image of the store: a manifest with its config. */
struct image {
  char digest[DIGEST_LEN];    /* the manifest's */
  char id[DIGEST_LEN];        /* the config's: the image ID */
  struct manifest m;
  cJSON *config;
  struct strv tags;           /* familiar names, in index order */
  struct strv repo_digests;   /* "repo@sha256:..." (pulled or pushed) */
  time_t created;             /* from the config, 0 if none */
  int64_t size;               /* uncompressed layers (compressed if unknown) */
  time_t tagged;              /* last tag time, 0 if unknown */
};

/* Load every image of the index (one per manifest); caller frees with
 * image_list_free. Entries whose blobs are missing or corrupt are skipped
 * with a debug message. */
int image_list(struct store *s, cJSON *idx, struct image **out, size_t *n);
void image_list_free(struct image *v, size_t n);

/* Find an image by reference ("busybox", "busybox:1", "x@sha256:..."), by
 * ID ("sha256:<hex>", or a unique hex prefix of the ID), or by manifest
 * digest. Returns the index into v, -1 with Docker's message ("No such
 * image: busybox:latest") when none matches or the prefix is ambiguous. */
int image_find(struct image *v, size_t n, const char *name);

/* Load one image by manifest digest. */
int image_load(struct store *s, const char *digest, struct image *img);
void image_free(struct image *img);

/* The descriptor JSON {mediaType, digest, size} for a manifest. */
cJSON *image_desc_json(const char *mt, const char *digest, int64_t size);



/* How many containers use the image ID (their config.json "Image"); the
 * first one's ID goes to who (64 bytes) when who != NULL. */
int image_users(struct store *s, const char *id, char *who);

/* The index descriptor of a loaded image's manifest; caller deletes. */
cJSON *image_desc(struct store *s, const struct image *img);
/* The host's platform as OCI names it: os "linux", arch "amd64", "arm64"
 * (variant "v8"), "arm" (variant "v7"/"v6"), "386", ... */
struct platform {
  char os[16], arch[16], variant[8];
};
void image_host_platform(struct platform *p);
/* Parse "os/arch[/variant]"; -1 if malformed. */
int image_parse_platform(const char *s, struct platform *p);
/* The entry of an index's manifests[] that best matches want: same os and
 * arch, and the same variant when both name one (arm64 without a variant
 * matches v8). NULL with the list of what the index offers. */
const cJSON *image_pick(const cJSON *index, const struct platform *want);

#endif
