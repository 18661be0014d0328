#!/bin/sh
# fetch-deb.sh ARCH PACKAGE DIR - download a Debian package of another
# architecture (busybox-static:i386, for the tests of the 32-bit ABI) and
# unpack it into DIR, through an apt state of its own under DIR: the
# machine's dpkg architectures and package lists are left as they are.
# The archive is the one the system's own apt sources name.
set -e
arch=$1 pkg=$2 dir=$3
st=$dir/.apt
mkdir -p "$st/lists/partial" "$st/cache/archives/partial"
: > "$st/status"
set -- -o APT::Architecture="$arch" -o APT::Architectures="$arch" \
  -o Dir::State::Lists="$st/lists" -o Dir::State::Status="$st/status" \
  -o Dir::Cache="$st/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
  -o APT::Sandbox::User=root
apt-get "$@" -qq update
(cd "$st" && apt-get "$@" -qq download "$pkg:$arch")
dpkg-deb -x "$st"/"${pkg}"_*_"$arch".deb "$dir"
rm -rf "$st"
