#!/bin/bash
# bench.sh [run] [load] [save] - ocibox beside its peers on the same data, in
# one run, as ratios of median wall time (and peak RSS where it matters).
#
#   run   ocibox run --rm IMAGE true    vs  crun run of a prepared bundle,
#         back to back and 50 ms apart
#   load  ocibox load -i A.tar          vs  podman load -i A.tar
#   save  ocibox save -o B.tar IMAGE    vs  podman save -o B.tar IMAGE
#
# The image is the host's busybox-static (scripts/mkbusybox.sh); the load and
# save archive adds one 100 MB incompressible layer. Everything lives in a
# private mount namespace and a temporary directory that is removed at the
# end. crun refuses hybrid cgroups (v1 controllers + cgroup2), so inside the
# namespace the cgroup2 mount is hidden, as ../shared/bench/lib.sh does; both
# tools then see the same pure v1 hierarchy.
# Knobs: N (runs per measurement, default 21), OCIBOX (the binary).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OCIBOX=${OCIBOX:-$TOP/build/ocibox}
N=${N:-21}
SECTIONS=${*:-run load save}

if [ -z "${BENCH_IN_NS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  for p in crun podman time busybox-static; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  done
  [ -x "$OCIBOX" ] || make -C "$TOP" >/dev/null
  export BENCH_IN_NS=1
  exec unshare --mount --propagation private bash "$0" "$@"
fi

cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
cg1=$(awk '$3 == "cgroup" { print $2; exit }' /proc/self/mounts)
[ -n "$cg2" ] && [ -n "$cg1" ] && umount "$cg2" && echo "# hybrid cgroups: cgroup2 at $cg2 hidden for crun"

W=$(mktemp -d /tmp/ocibox-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export OCIBOX_ROOT=$W/store
PODMAN="podman --root $W/podman/root --runroot $W/podman/run --storage-driver overlay"

# One wall time in microseconds of "$@" (output discarded), from bash's
# $EPOCHREALTIME: no process is forked to read the clock.
wall() {
  local s e
  s=${EPOCHREALTIME/./}
  "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 1; }
  e=${EPOCHREALTIME/./}
  echo $((e - s))
}
med() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f\n", v[int((NR + 1) / 2)] / 1000 }'; }
# pair PREP_A "A..." PREP_B "B...": N alternating runs of A and B, so that
# both see the same machine; sets MA and MB to the median ms of each
pair() {
  local i
  : > "$W/ta"; : > "$W/tb"
  for i in $(seq "$N"); do
    $1; wall $2 >> "$W/ta" || return 1
    $3; wall $4 >> "$W/tb" || return 1
  done
  MA=$(med < "$W/ta"); MB=$(med < "$W/tb")
}
# peak RSS (KB) of one run of "$@"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { # what ours peer ours_ms peer_ms [ours_kb peer_kb]
  printf '%-34s %9s ms %9s ms   %5s x' "$1" "$3" "$4" "$(ratio "$3" "$4")"
  [ $# -gt 4 ] && printf '   %7s KB %7s KB   %5s x' "$5" "$6" "$(ratio "$5" "$6")"
  echo
}

sh "$TOP/scripts/mkbusybox.sh" "$W/rootfs.tar"
"$OCIBOX" import "$W/rootfs.tar" bb >/dev/null
echo "# N=$N runs each, median wall time; ratio = ocibox / peer (below 1: ocibox is faster)"
printf '%-34s %12s %12s   %7s\n' "workload" "ocibox" "peer" "ratio"

for sec in $SECTIONS; do
  case $sec in
  run)
    "$OCIBOX" run --rm bb true   # unpacks the layer once, as a pull would
    mkdir -p "$W/bundle/rootfs"
    tar -xf "$W/rootfs.tar" -C "$W/bundle/rootfs"
    (cd "$W/bundle" && crun spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"true"/' config.json)
    i=0
    crun_run() { i=$((i + 1)); crun run --bundle "$W/bundle" "ocibox-bench-$$-$i"; }
    # (crun_run is called by name through wall: one container name each)
    # ocibox deletes a --rm container's files in the background after it
    # exits: wait for that (untimed) so that it takes no CPU from crun.
    # Twice: back to back, and 50 ms apart so that the kernel's deferred
    # work (RCU grace periods, netns cleanup) is done before each start.
    # The second is what a device sees; it costs crun an RCU grace period
    # in its cgroup.procs write (ocibox moves itself through "tasks").
    settle() { while ls -A "$OCIBOX_ROOT/containers" | grep -q .; do sleep 0.001; done; }
    quiet() { settle; sleep 0.05; }
    pair settle "$OCIBOX run --rm bb true" settle crun_run
    row "run --rm busybox true (b2b)" ocibox "$MA" "$MB"
    pair quiet "$OCIBOX run --rm bb true" quiet crun_run
    row "run --rm busybox true (quiet)" ocibox "$MA" "$MB"
    echo "  (peer: crun run of a prepared bundle; ocibox includes the overlay mount, record and cleanup)"
    ka=$(rss "$OCIBOX" run --rm bb true); kb=$(rss crun run --bundle "$W/bundle" "ocibox-bench-$$-rss")
    echo "  peak RSS: ocibox $ka KB, crun $kb KB"
    ;;
  load|save)
    if [ ! -f "$W/big.tar" ]; then
      head -c 100000000 /dev/urandom > "$W/blob"
      tar -cf "$W/big-layer.tar" -C "$W" blob
      rm "$W/blob"
      sh "$TOP/scripts/mkoci.sh" "$W/rootfs.tar,$W/big-layer.tar" "$W/big.tar" big:latest sh >/dev/null
      rm "$W/big-layer.tar"
    fi
    if [ "$sec" = load ]; then
      rmo() { "$OCIBOX" rmi -f big:latest >/dev/null 2>&1 || true; }
      rmp() { $PODMAN rmi -f big:latest >/dev/null 2>&1 || true; }
      pair rmo "$OCIBOX load -i $W/big.tar" rmp "$PODMAN load -i $W/big.tar"
      rmo; ka=$(rss "$OCIBOX" load -i "$W/big.tar"); rmp; kb=$(rss $PODMAN load -i "$W/big.tar")
      row "load 100 MB archive" ocibox "$MA" "$MB" "$ka" "$kb"
    else
      "$OCIBOX" load -q -i "$W/big.tar" >/dev/null 2>&1 || true
      $PODMAN load -q -i "$W/big.tar" >/dev/null 2>&1 || true
      rms() { rm -f "$W/out.tar"; }
      pair rms "$OCIBOX save -o $W/out.tar big:latest" rms "$PODMAN save -o $W/out.tar big:latest"
      rms; ka=$(rss "$OCIBOX" save -o "$W/out.tar" big:latest)
      rms; kb=$(rss $PODMAN save -o "$W/out.tar" big:latest)
      row "save 100 MB image" ocibox "$MA" "$MB" "$ka" "$kb"
    fi
    echo "  (peer: podman $sec)"
    ;;
  *) echo "bench: unknown section $sec" >&2; exit 1 ;;
  esac
done
