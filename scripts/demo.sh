#!/bin/sh
# demo.sh - the main job on an embedded default, with no network: an image
# made from the host's busybox-static goes through import, images, tag,
# inspect, history, save, rmi and load, in a store of its own.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
ocibox=$top/build/ocibox
export OCIBOX_ROOT=${OCIBOX_ROOT:-$top/build/demo-store}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
rm -rf "$OCIBOX_ROOT"
say() { printf '\n$ %s\n' "$*"; "$@"; }

sh "$top/scripts/mkbusybox.sh" "$w/rootfs.tar"
say "$ocibox" import -c 'CMD ["sh"]' -m "busybox-static of this host" "$w/rootfs.tar" busybox:latest
say "$ocibox" images
say "$ocibox" tag busybox me/busybox:v1
say "$ocibox" images
say "$ocibox" inspect -f '{{.Id}} {{.Config.Cmd}} {{.Os}}/{{.Architecture}} {{.Size}}' busybox
say "$ocibox" history busybox
say "$ocibox" save -o "$w/busybox.tar" busybox me/busybox:v1
echo "archive: $(stat -c %s "$w/busybox.tar") bytes"; tar -tf "$w/busybox.tar"
say "$ocibox" rmi busybox me/busybox:v1
say "$ocibox" images
say "$ocibox" load -i "$w/busybox.tar"
say "$ocibox" images
echo; echo "demo: OK (store in $OCIBOX_ROOT)"
