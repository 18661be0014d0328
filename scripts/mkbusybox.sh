#!/bin/sh
# mkbusybox.sh OUT.tar - a small root filesystem tarball from the host's
# busybox-static: /bin/busybox, its applet links, /etc/passwd and group.
# Deterministic (sorted, mtime 0, root-owned) so digests repeat.
set -e
out=$1
bb=${BUSYBOX:-/bin/busybox}
file -L "$bb" | grep -q "statically linked" ||
  { echo "mkbusybox: $bb is not static (apt-get install busybox-static)" >&2; exit 1; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/rootfs/bin" "$d/rootfs/etc" "$d/rootfs/tmp" "$d/rootfs/root" \
  "$d/rootfs/proc" "$d/rootfs/sys" "$d/rootfs/dev" "$d/rootfs/var/www"
cp "$bb" "$d/rootfs/bin/busybox"
for a in $("$bb" --list); do
  [ "$a" = busybox ] || ln -sf busybox "$d/rootfs/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\nwww:x:33:33:www:/var/www:/bin/sh\n' > "$d/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nwww:x:33:\n' > "$d/rootfs/etc/group"
chmod 1777 "$d/rootfs/tmp"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  -C "$d/rootfs" -cf "$out" .
