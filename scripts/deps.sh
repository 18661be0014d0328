#!/bin/sh
# deps.sh - fetch the sources of the third-party libraries into build/src/NAME
#
# On Debian: `apt-get source`, so the distribution's security patches are in
# (deb-src is enabled by scripts/apt-src.sh from the system's own sources).
# Elsewhere: set DEBIAN_MIRROR to a Debian archive URL; the same source
# packages are downloaded and checked against the SHA-256 sums pinned below,
# then their debian/patches are applied with patch(1).
# Nothing fetched here is ever committed.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dst=$top/build/src
mkdir -p "$dst"

# name  source-package  version  directory-in-package
PKGS="bearssl bearssl 0.6+dfsg.1-3 bearssl-0.6+dfsg.1
libtar libtar 1.2.20-8+deb12u1 libtar-1.2.20
cjson cjson 1.7.15-1+deb12u4 cjson-1.7.15
zlib zlib 1:1.2.13.dfsg-1 zlib-1.2.13.dfsg
zstd libzstd 1.5.4+dfsg2-5 libzstd-1.5.4+dfsg2"

# pinned files for the non-Debian path: pool-path sha256
PINS="b/bearssl/bearssl_0.6+dfsg.1.orig.tar.xz 102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004
b/bearssl/bearssl_0.6+dfsg.1-3.debian.tar.xz 051264300dffd810e7ea08f8210d3f9f61773dcd322086c0cbd02bee8d1f73df
libt/libtar/libtar_1.2.20.orig.tar.gz 50f24c857a7ef1cb092e6508758b86d06f1188508f897f3e6b40c573e8879109
libt/libtar/libtar_1.2.20-8+deb12u1.debian.tar.xz 33838aee276d18f8a077caa84168c65fa7aa60ab96d4a4ce523cc3ba5e45ac8c
c/cjson/cjson_1.7.15.orig.tar.gz 5308fd4bd90cef7aa060558514de6a1a4a0819974a26e6ed13973c5f624c24b2
c/cjson/cjson_1.7.15-1+deb12u4.debian.tar.xz afd19a970966cf534ff1e9ec077d710a5e7e78eb4ec9b499c8bdc32e55da12cb
z/zlib/zlib_1.2.13.dfsg.orig.tar.bz2 71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
z/zlib/zlib_1.2.13.dfsg-1.debian.tar.xz f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44
libz/libzstd/libzstd_1.5.4+dfsg2.orig.tar.xz 8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953
libz/libzstd/libzstd_1.5.4+dfsg2-5.debian.tar.xz 82ce911445772861d0838bd4545f93bc50658bc7f3cefdb17a307dfb8ffca5d8"

work=$(mktemp -d "$dst/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

fetch_debian() { # name pkg version dir
  (cd "$work" && apt-get source -q "$2=$3" >/dev/null 2>&1 || apt-get source -q "$2")
}

fetch_pinned() { # name pkg version dir
  [ -n "$DEBIAN_MIRROR" ] || { echo "deps: set DEBIAN_MIRROR or run on Debian" >&2; exit 1; }
  echo "$PINS" | while read -r path sum; do
    case "$path" in */"$2"/*) ;; *) continue ;; esac
    f=$work/$(basename "$path")
    if command -v curl >/dev/null; then curl -fsSL -o "$f" "$DEBIAN_MIRROR/pool/main/$path"
    else wget -q -O "$f" "$DEBIAN_MIRROR/pool/main/$path"; fi
    echo "$sum  $f" | sha256sum -c - >/dev/null || { echo "deps: bad sha256 for $path" >&2; exit 1; }
  done
  mkdir -p "$work/$4"
  tar -xf "$work"/"$2"_*.orig.tar.* -C "$work/$4" --strip-components=1
  tar -xf "$work"/"$2"_*.debian.tar.* -C "$work/$4"
  if [ -f "$work/$4/debian/patches/series" ]; then
    grep -v '^#' "$work/$4/debian/patches/series" | while read -r p _; do
      [ -n "$p" ] && patch -d "$work/$4" -p1 -s < "$work/$4/debian/patches/$p"
    done
  fi
}

echo "$PKGS" | while read -r name pkg ver dir; do
  [ -f "$dst/$name/.ocibox-fetched" ] && continue
  echo "deps: fetching $pkg $ver"
  if command -v apt-get >/dev/null && [ -z "$DEBIAN_MIRROR" ]; then
    fetch_debian "$name" "$pkg" "$ver" "$dir"
  else
    fetch_pinned "$name" "$pkg" "$ver" "$dir"
  fi
  [ -d "$work/$dir" ] || { echo "deps: $pkg: no $dir after fetch" >&2; exit 1; }
  rm -rf "$dst/$name"
  mv "$work/$dir" "$dst/$name"
  touch "$dst/$name/.ocibox-fetched"
done
