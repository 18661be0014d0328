#!/bin/sh
# run.sh - run the unit test binaries given as arguments, then every
# tests/*.test file, and end with one line: N passed, N failed, N skipped
#
# A .test file is shell, sourced here, calling toybox's 5-argument
#   testing "name" "command" "expected stdout" "input file" "stdin"
# (expected and stdin are printf %b strings). Applets run through symlinks
# in $BIN, which is first in PATH; `optional APPLET...` skips the rest of a
# file's tests when one of those applets is not built.
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
OCIBOX=${OCIBOX:-$TOP/build/ocibox}
PASS=0 FAIL=0 SKIP=0
FAILED=""

for u in "$@"; do
  out=$("$u" 2>&1)
  line=$(echo "$out" | grep '^# unit:' | tail -1)
  if [ -z "$line" ]; then
    echo "FAIL: $u (no summary)"; echo "$out" | tail -20
    FAIL=$((FAIL + 1)); FAILED="$FAILED $(basename "$u")"; continue
  fi
  p=$(echo "$line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
  f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
  s=$(echo "$line" | sed 's/.* \([0-9]*\) skipped.*/\1/')
  PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
  if [ "$f" != 0 ]; then
    echo "$out" | grep -E '^(not ok|#)' | sed "s|^|$(basename "$u"): |"
    FAILED="$FAILED $(basename "$u")"
  fi
  echo "unit $(basename "$u"): $p passed, $f failed, $s skipped"
done

WORK=$(mktemp -d /tmp/ocibox-test.XXXXXX)
BIN=$WORK/bin
mkdir -p "$BIN"
# applets whose names would shadow the system's own commands (rm, ps)
# get no symlink: tests call them as "docker rm", as users do
SHADOW=" rm ps export diff kill wait "
APPLETS_ON=" $("$OCIBOX" --help 2>&1 | sed -n '/^Currently/,$p' | tail -n +2 | tr '\n' ' ') "
for a in $APPLETS_ON; do
  case "$SHADOW" in *" $a "*) continue ;; esac
  ln -s "$OCIBOX" "$BIN/$a"
done
ln -s "$OCIBOX" "$BIN/ocibox"
ln -s "$OCIBOX" "$BIN/docker"
export PATH="$BIN:$PATH" WORK
export OCIBOX_ROOT=$WORK/store
# servers a test file started (registries) die with the run
cleanup() { [ -f "$WORK/pids" ] && kill $(cat "$WORK/pids") 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# Fixtures made without ocibox: a busybox root filesystem tarball from the
# host's busybox-static, and OCI archives of it (two configs, one layer).
sh "$TOP/scripts/mkbusybox.sh" "$WORK/rootfs.tar"
BB_ID=$(sh "$TOP/scripts/mkoci.sh" "$WORK/rootfs.tar" "$WORK/bb-oci.tar" busybox:latest sh)
BB2_ID=$(sh "$TOP/scripts/mkoci.sh" "$WORK/rootfs.tar" "$WORK/bb2-oci.tar" busybox:latest ls)
export BB_ID BB2_ID

VERBOSE=${VERBOSE:-}
SKIPPING=""

OPT_SKIP="" REQ_SKIP=""
optional() {
  OPT_SKIP=""
  for a in "$@"; do
    case "$APPLETS_ON" in *" $a "*) ;; *) OPT_SKIP="$a not built" ;; esac
  done
  SKIPPING="$OPT_SKIP$REQ_SKIP"
}

# requires TOOL...: skip what follows (in this file) without these tools
requires() {
  REQ_SKIP=""
  for a in "$@"; do command -v "$a" >/dev/null || REQ_SKIP="$a missing"; done
  SKIPPING="$OPT_SKIP$REQ_SKIP"
}

# testing NAME COMMAND EXPECTED INFILE STDIN
testing() {
  if [ -n "$SKIPPING" ]; then
    SKIP=$((SKIP + 1)); echo "SKIP: $1 ($SKIPPING)"; return 0
  fi
  printf '%b' "$4" > "$WORK/input"
  printf '%b' "$3" > "$WORK/expected"
  printf '%b' "$5" | (cd "$WORK" && eval "$2") > "$WORK/actual" 2>"$WORK/stderr"
  rc=$?
  if cmp -s "$WORK/expected" "$WORK/actual"; then
    PASS=$((PASS + 1)); [ -n "$VERBOSE" ] && echo "PASS: $1"
  else
    FAIL=$((FAIL + 1)); FAILED="$FAILED [$1]"
    echo "FAIL: $1 (exit $rc)"
    echo "  command: $2"
    diff -u "$WORK/expected" "$WORK/actual" | sed -n '3,40p' | sed 's/^/  /'
    sed -n '1,5p' "$WORK/stderr" | sed 's/^/  stderr: /'
  fi
  return 0
}

# A fixed check without output comparison: NAME then a command that must
# succeed (exit 0).
check() {
  if [ -n "$SKIPPING" ]; then
    SKIP=$((SKIP + 1)); echo "SKIP: $1 ($SKIPPING)"; return 0
  fi
  name=$1; shift
  if (cd "$WORK" && eval "$*") > "$WORK/actual" 2>&1; then
    PASS=$((PASS + 1)); [ -n "$VERBOSE" ] && echo "PASS: $name"
  else
    FAIL=$((FAIL + 1)); FAILED="$FAILED [$name]"
    echo "FAIL: $name"; echo "  command: $*"
    sed -n '1,15p' "$WORK/actual" | sed 's/^/  /'
  fi
  return 0
}

for t in ${TESTS:-$TOP/tests/*.test}; do
  SKIPPING="" OPT_SKIP="" REQ_SKIP=""
  echo "== $(basename "$t")"
  . "$t"
done

[ -n "$FAILED" ] && echo "failed:$FAILED"
if [ "$SKIP" -gt 0 ]; then
  echo "$PASS passed, $FAIL failed, $SKIP skipped"
else
  echo "$PASS passed, $FAIL failed"
fi
[ "$FAIL" -eq 0 ]
