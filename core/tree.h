/* tree.h - directory trees as tar streams and change lists: a container's
 * writable layer as an OCI layer (commit) or as Docker's A/C/D lines
 * (diff), and a whole root file system (export)
 * See https://github.com/opencontainers/image-spec/blob/main/layer.md
 *
 * In an overlayfs upper directory a 0:0 character device is a whiteout and
 * trusted.overlay.opaque=y marks an opaque directory; in the layer they
 * become ".wh.NAME" and ".wh..wh..opq". The mount points ocibox itself
 * puts there (/etc/hostname, /etc/hosts, /etc/resolv.conf, /dev/console,
 * empty) are not changes; a directory that is only there because overlayfs
 * copied it up on the way to a change is "C", one whose own metadata
 * differs from below is "C" too, one with nothing changed under it is left
 * out. Entries come sorted, parents first; hardlinks are written once. */
#ifndef OCIBOX_TREE_H
#define OCIBOX_TREE_H

#include <stddef.h>

#include "core/tar.h"

struct tree_change {
  char kind;           /* 'A' added, 'C' changed, 'D' deleted */
  int opaque;          /* a directory that hides everything below it */
  char *path;          /* relative, no leading "/" */
};

/* The changes in upper (a directory fd) over the lower directories (top
 * first, as overlayfs stacks them). Caller frees with tree_changes_free. */
int tree_changes(int upper, const int *lowers, size_t nlowers,
                 struct tree_change **out, size_t *n);
void tree_changes_free(struct tree_change *v, size_t n);

/* Those changes as a layer: files, directories, links and devices with
 * their modes, owners, mtimes and security.capability / user.* xattrs;
 * whiteouts and opaque markers for what goes. */
int tree_tar_changes(int upper, const struct tree_change *v, size_t n,
                     struct tar_writer *w);

/* Every entry under root (a directory fd), without crossing into other
 * mounts (whose mount points are kept, empty). */
int tree_tar_all(int root, struct tar_writer *w);

#endif
