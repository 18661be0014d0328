#!/bin/sh
# apt-src.sh - enable deb-src by deriving a sources file from the system's own
# Debian entries (deb822 *.sources and one-line sources.list), naming no host.
set -e
out=/etc/apt/sources.list.d/ocibox-deb-src.sources
. /etc/os-release
code=${VERSION_CODENAME:-bookworm}
tmp=$(mktemp)
# deb822 stanzas whose Suites mention this release: same stanza, Types: deb-src
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && [ "$f" != "$out" ] || continue
  awk -v code="$code" '
    function flush() { if (keep && s != "") printf "%s\n", s; s = ""; keep = 0 }
    /^[ \t]*$/ { flush(); next }
    /^Types:/ { s = s "Types: deb-src\n"; next }
    /^Suites:/ { if (index($0, code)) keep = 1 }
    { s = s $0 "\n" }
    END { flush() }' "$f" >> "$tmp"
done
# one-line style
if [ -f /etc/apt/sources.list ]; then
  grep -E "^deb [^#]*[ /]$code" /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$tmp.list" || true
  [ -s "$tmp.list" ] && cp "$tmp.list" /etc/apt/sources.list.d/ocibox-deb-src.list
  rm -f "$tmp.list"
fi
[ -s "$tmp" ] && cp "$tmp" "$out"
rm -f "$tmp"
