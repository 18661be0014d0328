#!/bin/sh
# demo.sh - the main job on an embedded default, with no network: an image
# made from the host's busybox-static goes through import, images, tag,
# inspect, history, save, rmi and load, then runs as containers (run, ps,
# diff, commit, the committed image run again), in a store of its own.
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
say "$ocibox" run --rm busybox sh -c 'echo "hello from $(hostname), PID $$"; id'
say "$ocibox" run --name web busybox sh -c 'mkdir -p /data/html && echo "<h1>hi</h1>" > /data/html/index.html && rm /etc/group'
say "$ocibox" ps -a
say "$ocibox" diff web
say "$ocibox" commit -a "Demo <demo@example.org>" -c 'CMD ["/bin/httpd","-f","-h","/data/html"]' web me/httpd:v0.2
say "$ocibox" run -d --name srv me/httpd:v0.2
sleep 0.5
say "$ocibox" exec srv wget -qO- http://127.0.0.1/
say "$ocibox" rm -f web srv
say "$ocibox" images
echo; echo "demo: OK (store in $OCIBOX_ROOT)"
