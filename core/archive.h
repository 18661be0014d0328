/* archive.h - `save` and `load` archives: docker-archive (manifest.json,
 * repositories, legacy <id>/layer.tar), Docker 25+ (OCI layout plus
 * manifest.json) and plain OCI layout archives, gzip-compressed or not
 * See https://github.com/moby/moby/blob/master/image/spec/v1.2.md and
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md */
#ifndef OCIBOX_ARCHIVE_H
#define OCIBOX_ARCHIVE_H

#include "core/image.h"
#include "core/io.h"
#include "core/store.h"

/* Load every image of the archive read from in (gzip detected) into the
 * store, opened for writing. It streams: each file goes to ingest/ as it
 * arrives, hashed on the way (and inflated on the way when gzip, for its
 * diff_id); nothing is committed until the whole archive has been read and
 * every digest, size and diff_id checks out; the tags are written last.
 * On error the store is left as it was. Each loaded image adds a line to
 * *out: "Loaded image: busybox:latest" or "Loaded image ID: sha256:...". */
int archive_load(struct store *s, struct io_reader *in, struct strv *out);

struct save_item {
  const struct image *img;
  struct strv names;         /* familiar names to record (may be empty) */
};

/* Write the items as one Docker 25+ archive (OCI layout + manifest.json +
 * repositories; metadata first, each blob once) to out. */
int archive_save(struct store *s, struct save_item *items, size_t n,
                 struct io_writer *out);

#endif
