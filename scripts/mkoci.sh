#!/bin/sh
# mkoci.sh LAYER.tar[,LAYER2.tar...] OUT.tar NAME:TAG [CMD] - an OCI image
# layout archive of gzip layers (bottom first), written with tar, gzip and
# sha256sum only: test fixtures that do not depend on ocibox to exist
# (tests use `load` on them).
set -e
rootfs=$1 out=$2 name=$3 cmd=${4:-sh}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/blobs/sha256"
sha() { sha256sum "$1" | cut -d' ' -f1; }
case $(uname -m) in
  x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; arm*) arch=arm ;;
  i?86) arch=386 ;; *) arch=$(uname -m) ;;
esac
# ARCH overrides (a fixture of another platform, for multi-arch indexes)
case ${ARCH:-} in
  ?*) arch=$ARCH ;;
esac
diffs="" layers=""
for l in $(echo "$rootfs" | tr ',' ' '); do
  diff=$(sha "$l")
  gzip -n -1 -c "$l" > "$d/layer"
  lsum=$(sha "$d/layer") lsize=$(stat -c %s "$d/layer")
  mv "$d/layer" "$d/blobs/sha256/$lsum"
  diffs="$diffs${diffs:+,}\"sha256:$diff\""
  layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$lsum\",\"size\":$lsize}"
done
printf '{"architecture":"%s","os":"linux","created":"2020-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["%s"]},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[{"created":"2020-01-01T00:00:00Z","created_by":"mkoci.sh"}]}' \
  "$arch" "$cmd" "$diffs" > "$d/config"
csum=$(sha "$d/config") csize=$(stat -c %s "$d/config")
mv "$d/config" "$d/blobs/sha256/$csum"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
  "$csum" "$csize" "$layers" > "$d/manifest"
msum=$(sha "$d/manifest") msize=$(stat -c %s "$d/manifest")
mv "$d/manifest" "$d/blobs/sha256/$msum"
case $name in */*) full=$name ;; *) full=docker.io/library/$name ;; esac
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$msum" "$msize" "$full" "${name##*:}" > "$d/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  -C "$d" -cf "$out" oci-layout index.json blobs
echo "sha256:$csum"
