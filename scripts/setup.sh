#!/bin/sh
# setup.sh [build|test] - install what building (and testing) needs, from
# Debian's packages; a no-op when everything is there already.
set -e
want="musl-tools dpkg-dev busybox-static file make gcc"
[ "$1" = test ] && want="$want skopeo podman umoci jq tar gzip util-linux attr docker-registry openssl apache2-utils python3"
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ] || ! grep -rqs '^Types: deb-src\|^deb-src' \
     /etc/apt/sources.list /etc/apt/sources.list.d/; then
  [ "$(id -u)" = 0 ] || { echo "setup: run as root to install:$missing" >&2; exit 1; }
  sh "$(dirname "$0")/apt-src.sh"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ -z "$missing" ] || apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    --no-install-recommends $missing >/dev/null
fi
