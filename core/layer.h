/* layer.h - layer tarballs onto disk, hardened: every path stays inside the
 * layer directory, whiteouts become overlayfs whiteouts
 * See https://github.com/opencontainers/image-spec/blob/main/layer.md */
#ifndef OCIBOX_LAYER_H
#define OCIBOX_LAYER_H

#include "core/io.h"
#include "core/store.h"

enum {
  LAYER_OVERLAY = 1,   /* .wh.X -> 0:0 char device X; opaque -> xattr */
  LAYER_APPLY = 2,     /* flatten onto the tree: .wh.X deletes X */
};

/* Extract an uncompressed layer tar read from in into the directory dirfd.
 * Paths with ".." that climb out, and anything that would be reached
 * through a symlink leaving the directory, are refused (openat2
 * RESOLVE_IN_ROOT where the kernel has it; without it, symlinked parent
 * directories are refused). A truncated entry is an error. -1 with the
 * entry named. */
int layer_extract(int dirfd, struct io_reader *in, int flags);

/* Unpack a layer blob of the store (gzip or plain) into
 * layers/<diff_id hex>/: into a temporary directory first, its
 * uncompressed digest checked against diff_id, synced, then renamed into
 * place. 0 at once if it is there already. */
int layer_unpack(struct store *s, const char *blob, const char *diff_id);
/* The same, reading the blob's bytes from src (a pipe, as they arrive
 * from a registry) instead of the store; blob only names it. *usize (if
 * given) gets the uncompressed size. */
int layer_unpack_fd(struct store *s, const char *blob, int src,
                    const char *diff_id, uint64_t *usize);

/* Apply a layer blob onto the tree at dirfd, as the vfs driver does:
 * .wh.X deletes X, an opaque marker empties its directory; the
 * uncompressed digest is checked against diff_id. */
int layer_apply(struct store *s, const char *blob, const char *diff_id,
                int dirfd);

/* Remove unpacked layers (layers/<hex>) that no image of idx and no
 * container uses, their l/ links, and what an interrupted unpack left
 * (layers/tmp-*). Call it holding the writer lock. Returns the bytes
 * freed (file sizes), or -1. */
int64_t layer_gc(struct store *s, cJSON *idx);

#endif
