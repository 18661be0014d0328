#!/bin/bash
# bench.sh [run] [load] [save] [pull] [push] - ocibox beside its peers on the
# same data, in one run, as ratios of median wall time (and peak RSS where it
# matters).
#
#   run   ocibox run --rm IMAGE true    vs  crun run of a prepared bundle,
#         back to back and 50 ms apart
#   load  ocibox load -i A.tar          vs  podman load -i A.tar
#   save  ocibox save -o B.tar IMAGE    vs  podman save -o B.tar IMAGE
#   pull  ocibox pull (ready to run)    vs  podman pull, and skopeo copy +
#         of a ~170 MB 3-layer Debian       umoci unpack, from the same
#         (debootstrap minbase)             local docker-registry
#         and the same over TLS             (TLS: podman pull only)
#   push  ocibox push to a new repo     vs  skopeo copy to a new repo
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
SECTIONS=${*:-run load save pull push}
N_NET=${N_NET:-5}    # runs for pull and push
# the Debian image is built once (debootstrap needs the archive) and kept
CACHE=${BENCH_CACHE:-/var/cache/ocibox-bench}

if [ -z "${BENCH_IN_NS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  for p in crun podman time busybox-static skopeo umoci docker-registry debootstrap jq; do
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
    # dirty pages of the previous run are written first, by neither tool
    $1; sync; wall $2 >> "$W/ta" || return 1
    $3; sync; wall $4 >> "$W/tb" || return 1
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
  pull|push)
    if [ -z "${REG:-}" ]; then
      if [ ! -f "$CACHE/debian-oci.tar" ]; then
        mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)\/*$/\1/p; s/^deb \[*[^]]*\]* *\(http[^ ]*debian\)\/* .*/\1/p' \
                 /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)
        mkdir -p "$CACHE"
        if [ ! -f "$CACHE/rootfs.ok" ]; then
          rm -rf "$CACHE/rootfs"
          echo "# building the Debian image (debootstrap from $mirror)"
          debootstrap --variant=minbase bookworm "$CACHE/rootfs" "$mirror" > "$CACHE/debootstrap.log" 2>&1
          touch "$CACHE/rootfs.ok"
        fi
        # three layers: the base, /usr, /var
        tar --sort=name --numeric-owner -C "$CACHE/rootfs" --exclude=./usr --exclude=./var -cf "$CACHE/l1.tar" .
        tar --sort=name --numeric-owner -C "$CACHE/rootfs" -cf "$CACHE/l2.tar" ./usr
        tar --sort=name --numeric-owner -C "$CACHE/rootfs" -cf "$CACHE/l3.tar" ./var
        sh "$TOP/scripts/mkoci.sh" "$CACHE/l1.tar,$CACHE/l2.tar,$CACHE/l3.tar" "$CACHE/debian-oci.tar" debian:12 bash > /dev/null
        rm -f "$CACHE"/l?.tar
      fi
      port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      mkdir -p "$W/reg"
      printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
        "$W/reg" "$port" > "$W/reg.yml"
      docker-registry serve "$W/reg.yml" > "$W/reg.log" 2>&1 &
      REGPID=$!
      trap 'kill $REGPID 2>/dev/null; rm -rf "$W"' EXIT
      sleep 1
      REG=localhost:$port
      skopeo copy -q --dest-tls-verify=false "oci-archive:$CACHE/debian-oci.tar" "docker://$REG/debian:12"
      echo "# Debian: $(tar -xOf "$CACHE/debian-oci.tar" index.json | jq -r '.manifests[0].digest' | cut -c8- |
        xargs -I{} tar -xOf "$CACHE/debian-oci.tar" blobs/sha256/{} | jq '[.layers[].size] | add / 1000000 | floor') MB compressed, 3 layers, registry $REG"
    fi
    if [ "$sec" = pull ]; then
      N_SAVE=$N; N=$N_NET
      # Every run pulls into a directory of its own, none removed until
      # the section is over, and the page cache is dropped before each
      # (DROP_CACHES=0 to keep it), as ../shared/bench does for pulls.
      # On this VM's ext4, inode allocation steps over inodes freed
      # earlier while their inode-table blocks stay cached
      # (recently_deleted() in ext4_create, seen with perf): removing one
      # run's 6,700 files before the next, or an earlier bench's store,
      # added up to 2 s of system time per pull, growing run after run
      # and falling on whoever ran next. A device pulls into a store that
      # has not just lost 6,700 files.
      k=0
      nx() {
        k=$((k + 1))
        if [ "${DROP_CACHES:-1}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
      }
      opull() { "$OCIBOX" --root "$W/po.$k" pull -q "$REG/debian:12"; }
      ppull() { podman --root "$W/pp.$k/root" --runroot "$W/pp.$k/run" --storage-driver overlay \
                  pull -q --tls-verify=false "$REG/debian:12"; }
      skumoci() { skopeo copy -q --src-tls-verify=false "docker://$REG/debian:12" "oci:$W/sk.$k:debian" &&
                  umoci unpack --image "$W/sk.$k:debian" "$W/bundle.$k"; }
      pair nx opull nx ppull
      a=$MA; b=$MB
      nx; ka=$(rss "$OCIBOX" --root "$W/po.$k" pull -q "$REG/debian:12")
      nx; kb=$(rss podman --root "$W/pp.$k/root" --runroot "$W/pp.$k/run" --storage-driver overlay \
                 pull -q --tls-verify=false "$REG/debian:12")
      row "pull debian (ready to run)" ocibox "$a" "$b" "$ka" "$kb"
      echo "  (peer: podman pull)"
      pair nx opull nx skumoci
      nx; kc=$(rss sh -c "skopeo copy -q --src-tls-verify=false docker://$REG/debian:12 oci:$W/sk.$k:debian && umoci unpack --image $W/sk.$k:debian $W/bundle.$k")
      row "pull debian (ready to run)" ocibox "$MA" "$MB" "$ka" "$kc"
      echo "  (peer: skopeo copy + umoci unpack; RSS: the larger of the two)"
      # the same over TLS, as real registries are: a second instance on the
      # same storage, with a certificate for localhost from a CA of our own
      tport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      mkdir -p "$W/pki/localhost:$tport"
      (cd "$W/pki" &&
       openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout ca.key -out ca.crt -subj "/CN=bench CA" \
         -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" &&
       openssl req -newkey rsa:2048 -nodes -keyout l.key -out l.csr -subj /CN=localhost &&
       printf 'subjectAltName=DNS:localhost\n' > l.ext &&
       openssl x509 -req -in l.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile l.ext -out l.crt &&
       cp ca.crt "localhost:$tport/") > /dev/null 2>&1
      printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n  tls:\n    certificate: %s\n    key: %s\n' \
        "$W/reg" "$tport" "$W/pki/l.crt" "$W/pki/l.key" > "$W/treg.yml"
      docker-registry serve "$W/treg.yml" > "$W/treg.log" 2>&1 &
      TREGPID=$!
      trap 'kill $REGPID $TREGPID 2>/dev/null; rm -rf "$W"' EXIT
      sleep 1
      TREG=localhost:$tport
      otpull() { SSL_CERT_FILE=$W/pki/ca.crt "$OCIBOX" --root "$W/po.$k" pull -q "$TREG/debian:12"; }
      ptpull() { podman --root "$W/pp.$k/root" --runroot "$W/pp.$k/run" --storage-driver overlay \
                   pull -q --cert-dir "$W/pki/localhost:$tport" "$TREG/debian:12"; }
      pair nx otpull nx ptpull
      row "pull debian over TLS" ocibox "$MA" "$MB"
      echo "  (peer: podman pull)"
      kill $TREGPID 2>/dev/null
      rm -rf "$W"/po.* "$W"/pp.* "$W"/sk.* "$W"/bundle.*
      N=$N_SAVE
    else
      N_SAVE=$N; N=$N_NET
      "$OCIBOX" --root "$W/pu" load -q -i "$CACHE/debian-oci.tar" > /dev/null
      mkdir -p "$W/skd" && tar -xf "$CACHE/debian-oci.tar" -C "$W/skd"
      # each push goes to an empty registry of its own, so that both tools
      # upload every blob (nothing to skip, nothing to mount)
      pport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      PREG=localhost:$pport PREGPID=
      fresh() {
        if [ -n "$PREGPID" ]; then kill "$PREGPID" 2>/dev/null; wait "$PREGPID" 2>/dev/null || true; fi
        rm -rf "$W/preg"
        printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
          "$W/preg" "$pport" > "$W/preg.yml"
        docker-registry serve "$W/preg.yml" > /dev/null 2>&1 &
        PREGPID=$!
        python3 -c 'import socket, sys, time
for i in range(100):
    try: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close(); break
    except OSError: time.sleep(0.05)' "$pport"
      }
      "$OCIBOX" --root "$W/pu" tag debian:12 "$PREG/o:1"
      opush() { "$OCIBOX" --root "$W/pu" push -q "$PREG/o:1"; }
      spush() { skopeo copy -q --dest-tls-verify=false "oci:$W/skd:12" "docker://$PREG/s:1"; }
      pair fresh opush fresh spush
      kill "$PREGPID" 2>/dev/null
      row "push debian to a new repository" ocibox "$MA" "$MB"
      echo "  (peer: skopeo copy from an OCI layout)"
      N=$N_SAVE
    fi
    ;;
  *) echo "bench: unknown section $sec" >&2; exit 1 ;;
  esac
done
