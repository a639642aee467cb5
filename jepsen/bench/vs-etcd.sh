#!/usr/bin/env bash
# Side by side: a 3-node cluster of this store and a 3-member etcd cluster on this machine, the same load
# generator against each (one system at a time, so they never share the CPU), for 1, 16 and 64 clients at 50% and
# 95% reads (and 0%: write throughput). By default both work from memory: this store's nodes keep nothing on disk,
# and etcd keeps its data on tmpfs (/dev/shm; Debian's etcd 3.4 has no --unsafe-no-fsync). With --disk, both
# fsync to this machine's disk: each node of this store with a data directory, each etcd member with its data
# directory, side by side under jepsen/target. Prints a table; docs/performance.md records them.
#
# usage: ./kv bench-etcd [--seconds S] [--warmup S] [--clients "1 16 64"] [--reads "0 50 95"] [--endpoints all|leader]
#                        [--disk]
#   --endpoints all     clients spread over the three members (what a user without a smart client does)
#   --endpoints leader  every client at this store's primary and at etcd's leader
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=10; warmup=30; client_counts="1 16 64"; read_mixes="0 50 95"; endpoints_mode=all; disk=no
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --clients) client_counts="$2"; shift 2 ;;
    --reads) read_mixes="$2"; shift 2 ;;
    --endpoints) endpoints_mode="$2"; shift 2 ;;
    --disk) disk=yes; shift ;;
    *) echo "bench-etcd: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if ! command -v etcd >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "bench-etcd: installing Debian's etcd-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q etcd-server >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q etcd-server >/dev/null; }
fi
command -v etcd >/dev/null || { echo "bench-etcd: needs etcd (Debian: apt-get install etcd-server)" >&2; exit 1; }

JAVA="$(./kv java-home)/bin/java"
./kv load --help >/dev/null 2>&1 || true          # builds jepsen.jar if needed
[ -f node/target/node.jar ] || ./kv node --help >/dev/null
if [ "$disk" = yes ]; then
  mkdir -p jepsen/target
  work=$(mktemp -d "$PWD/jepsen/target/kvstore-bench.XXXXXX")   # this machine's disk, not tmpfs
  where="data directories in $work"
else
  work=$(mktemp -d /dev/shm/kvstore-bench.XXXXXX)
  where="in memory (etcd: data on tmpfs)"
fi
pids=()
stop_all() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT INT TERM

await_http() { # url
  for _ in $(seq 1 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench-etcd: $1 did not come up" >&2; exit 1
}

run_loads() { # target endpoints
  # Warm up first, unmeasured: a JVM fresh from start runs its hot paths interpreted until C2 has compiled them,
  # and on two saturated cores that takes a while (cold, this store measured a third of its warm throughput).
  # etcd, compiled ahead of time, gets the same warm-up.
  "$JAVA" -cp jepsen/target/jepsen.jar kvstore.jepsen.load.LoadGenerator --target "$1" --endpoints "$2" \
    --clients 16 --reads 50 --seconds "$warmup" --warmup 0 >/dev/null
  for c in $client_counts; do
    for r in $read_mixes; do
      "$JAVA" -cp jepsen/target/jepsen.jar kvstore.jepsen.load.LoadGenerator --target "$1" --endpoints "$2" \
        --clients "$c" --reads "$r" --seconds "$seconds" --warmup 3 | tee -a "$work/out.txt" | grep -v '^RESULT' >&2
    done
  done
}

# ---- this store: three node processes, the view of all three, node 1 primary --------------------------------
view='{"view": ['
for i in 1 2 3; do
  data=(); [ "$disk" = yes ] && data=(--data-dir "$work/kv-$i")
  "$JAVA" -cp node/target/node.jar kvstore.node.cli.NodeMain --id "$i" --port "1910$i" --log-level WARNING \
    "${data[@]}" > "$work/node-$i.log" 2>&1 &
  pids+=($!)
  view+="{\"address\": \"127.0.0.1:1910$i\", \"id\": $i}"; [ "$i" -lt 3 ] && view+=", "
done
view+=']}'
for i in 1 2 3; do await_http "http://127.0.0.1:1910$i/ping"; done
for i in 1 2 3; do
  curl -sf -X PUT "http://127.0.0.1:1910$i/view" -H 'Content-Type: application/json' -d "$view" >/dev/null
done
kv_endpoints="127.0.0.1:19101,127.0.0.1:19102,127.0.0.1:19103"
[ "$endpoints_mode" = leader ] && kv_endpoints="127.0.0.1:19101"
echo "== kvstore (3 node processes, $where; clients spread over: $kv_endpoints)" >&2
run_loads kvstore "$kv_endpoints"
stop_all

# ---- etcd: three members, data on tmpfs ------------------------------------------------------------------------
cluster="m1=http://127.0.0.1:23811,m2=http://127.0.0.1:23812,m3=http://127.0.0.1:23813"
for i in 1 2 3; do
  etcd --name "m$i" --data-dir "$work/etcd-m$i" \
    --listen-client-urls "http://127.0.0.1:2379$i" --advertise-client-urls "http://127.0.0.1:2379$i" \
    --listen-peer-urls "http://127.0.0.1:2381$i" --initial-advertise-peer-urls "http://127.0.0.1:2381$i" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token kvstore-bench \
    --log-level warn > "$work/etcd-$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do await_http "http://127.0.0.1:2379$i/health"; done
etcd_endpoints="127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793"
if [ "$endpoints_mode" = leader ]; then
  etcd_endpoints=127.0.0.1:23791
  for i in 1 2 3; do
    status=$(curl -s -X POST "http://127.0.0.1:2379$i/v3/maintenance/status" -d '{}')
    member=$(echo "$status" | sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p')
    leader=$(echo "$status" | sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p')
    if [ -n "$member" ] && [ "$member" = "$leader" ]; then etcd_endpoints="127.0.0.1:2379$i"; fi
  done
fi
echo "== etcd $(etcd --version | head -1 | awk '{print $3}') (3 members, $where; clients spread over: $etcd_endpoints)" >&2
run_loads etcd "$etcd_endpoints"
stop_all

# ---- the table --------------------------------------------------------------------------------------------------
echo
printf '| clients | reads | kvstore ops/s | etcd ops/s | ratio | kvstore p50 / p99 / p99.9 ms | etcd p50 / p99 / p99.9 ms |\n'
printf '|---|---|---|---|---|---|---|\n'
for c in $client_counts; do
  for r in $read_mixes; do
    k=$(grep "^RESULT kvstore $c $r " "$work/out.txt"); e=$(grep "^RESULT etcd $c $r " "$work/out.txt")
    set -- $k; ko=$5; kp50=$6; kp99=$7; kp999=$8
    set -- $e; eo=$5; ep50=$6; ep99=$7; ep999=$8
    ratio=$(awk -v a="$ko" -v b="$eo" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }')
    printf '| %s | %s%% | %s | %s | %sx | %s / %s / %s | %s / %s / %s |\n' "$c" "$r" "$ko" "$eo" "$ratio" \
      "$kp50" "$kp99" "$kp999" "$ep50" "$ep99" "$ep999"
  done
done
