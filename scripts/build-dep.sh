#!/bin/sh
# build-dep.sh NAME - compile one fetched library (build/src/NAME) with $CC
# into build/deps/lib/libNAME.a and its headers into build/deps/include.
# We compile the files ourselves instead of running each project's build
# system: one compiler, one set of flags (-Os, sections for --gc-sections),
# and only the parts ocibox links.
set -e
name=$1
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src/$name
out=$top/build/deps
obj=$out/obj/$name
CC=${CC:-musl-gcc}
FLAGS="-Os -pipe -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -w ${DEPCFLAGS:-}"
rm -rf "$obj"; mkdir -p "$obj" "$out/lib" "$out/include"

case $name in
bearssl)
  files=$(find "$src/src" -name '*.c' | sort)
  inc="-I$src/inc -I$src/src"
  cp "$src"/inc/*.h "$out/include/" ;;
zlib)
  files=""
  for f in adler32 crc32 deflate inffast inflate inftrees trees zutil; do files="$files $src/$f.c"; done
  inc="-I$src -DHAVE_UNISTD_H -DHAVE_STDARG_H -D_LARGEFILE64_SOURCE=1"
  cp "$src/zlib.h" "$src/zconf.h" "$out/include/" ;;
cjson)
  files=$src/cJSON.c
  # nesting limit: deeply nested JSON is refused long before the stack hurts
  inc="-I$src -DCJSON_NESTING_LIMIT=64"
  cp "$src/cJSON.h" "$out/include/" ;;
libtar)
  gen=$obj/gen; mkdir -p "$gen"
  cp "$top/scripts/libtar-config.h" "$gen/config.h"
  for f in listhash.h list.c hash.c; do
    case $f in listhash.h) o=libtar_listhash.h ;; *) o=libtar_$f ;; esac
    sed 's/@LISTHASH_PREFIX@/libtar/g' "$src/listhash/$f.in" > "$gen/$o"
  done
  files="$src/lib/block.c $src/lib/decode.c $src/lib/encode.c $src/lib/handle.c"
  files="$files $src/lib/util.c $src/lib/append.c $src/lib/output.c"
  files="$files $src/compat/strmode.c"
  files="$files $src/compat/strrstr.c $gen/libtar_list.c $gen/libtar_hash.c"
  inc="-I$gen -I$src/lib -I$src/compat"
  cp "$src/lib/libtar.h" "$gen/libtar_listhash.h" "$out/include/" ;;
zstd)
  # decompression only (layers are read, never written, as zstd), no
  # assembly (portable to every target), no legacy formats, no threads
  files="$src/lib/common/debug.c $src/lib/common/entropy_common.c"
  files="$files $src/lib/common/error_private.c $src/lib/common/fse_decompress.c"
  files="$files $src/lib/common/xxhash.c $src/lib/common/zstd_common.c"
  for f in huf_decompress zstd_ddict zstd_decompress zstd_decompress_block; do
    files="$files $src/lib/decompress/$f.c"
  done
  inc="-I$src/lib -I$src/lib/common -DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0 -DXXH_NAMESPACE=ZSTD_"
  cp "$src/lib/zstd.h" "$src/lib/zstd_errors.h" "$out/include/" ;;
*) echo "build-dep: unknown library $name" >&2; exit 1 ;;
esac

n=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
for f in $files; do echo "$f"; done | xargs -P "$n" -I{} sh -c \
  'o="$1/$(echo "$2" | sed "s|.*/build/src/||; s|/|_|g; s|\.c$|.o|")"; '"$CC"' '"$FLAGS $inc"' -c "$2" -o "$o"' _ "$obj" {}
rm -f "$out/lib/lib$name.a"
ar rcs "$out/lib/lib$name.a" "$obj"/*.o
