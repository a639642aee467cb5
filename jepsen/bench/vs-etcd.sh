#!/usr/bin/env bash
# Side by side: a 3-node cluster of this store and a 3-member etcd cluster on this machine, both running, the same
# load generator against each, one system loaded at a time (the idle one costs only its heartbeats); the two
# alternate, --rounds times per point, and the table gives the medians and each round's ratio, for 1, 16 and 64 clients at 0% (write throughput), 50% and 95% reads. By default both work from memory: this store's nodes keep nothing on disk,
# and etcd keeps its data on tmpfs (/dev/shm; Debian's etcd 3.4 has no --unsafe-no-fsync). With --disk, both
# fsync to this machine's disk: each node of this store with a data directory, each etcd member with its data
# directory, side by side under jepsen/target. Prints a table; docs/performance.md records them.
#
# usage: ./kv bench-etcd [--seconds S] [--warmup S] [--rounds 3] [--clients "1 16 64"] [--reads "0 50 95"]
#                        [--endpoints all|leader] [--disk]
#   --endpoints all     clients spread over the three members (what a user without a smart client does)
#   --endpoints leader  every client at this store's primary and at etcd's leader
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=10; warmup=60; rounds=3; client_counts="1 16 64"; read_mixes="0 50 95"; endpoints_mode=all; disk=no
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --clients) client_counts="$2"; shift 2 ;;
    --reads) read_mixes="$2"; shift 2 ;;
    --endpoints) endpoints_mode="$2"; shift 2 ;;
    --disk) disk=yes; shift ;;
    *) echo "bench-etcd: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
source jepsen/bench/debian-package.sh # the script runs from the repository's root (above)
need_command bench-etcd etcd etcd-server

JAVA="$(./kv java-home)/bin/java"
KV_NODE_JAVA_OPTS="$(./kv node-java-opts)" # as ./kv node runs nodes, also when this script is run directly
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

load() { # target endpoints clients reads seconds warmup
  "$JAVA" -cp jepsen/target/jepsen.jar kvstore.jepsen.load.LoadGenerator --target "$1" --endpoints "$2" \
    --clients "$3" --reads "$4" --seconds "$5" --warmup "$6"
}

# ---- this store: three node processes, the view of all three, node 1 primary --------------------------------
view='{"view": ['
for i in 1 2 3; do
  data=(); [ "$disk" = yes ] && data=(--data-dir "$work/kv-$i")
  # shellcheck disable=SC2086 # options are words
  "$JAVA" $KV_NODE_JAVA_OPTS -cp node/target/node.jar kvstore.node.cli.NodeMain --id "$i" --port "1910$i" \
    --log-level WARNING "${data[@]}" > "$work/node-$i.log" 2>&1 &
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

# ---- etcd: three members -------------------------------------------------------------------------------------
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
etcd_all="127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793"
etcd_endpoints() { # all members, or the one that leads now (asked before every load: a loaded machine may elect anew)
  if [ "$endpoints_mode" != leader ]; then echo "$etcd_all"; return; fi
  for i in 1 2 3; do
    status=$(curl -s -X POST "http://127.0.0.1:2379$i/v3/maintenance/status" -d '{}')
    member=$(echo "$status" | sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p')
    leader=$(echo "$status" | sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p')
    if [ -n "$member" ] && [ "$member" = "$leader" ]; then echo "127.0.0.1:2379$i"; return; fi
  done
  echo "bench-etcd: no etcd member says it leads" >&2; exit 1
}
echo "== kvstore: 3 node processes, $where; clients at: $kv_endpoints; JVM options: $KV_NODE_JAVA_OPTS" >&2
echo "== etcd $(etcd --version | head -1 | awk '{print $3}'): 3 members, $where; clients at: $(etcd_endpoints)" >&2

# Both clusters run side by side, idle but for their heartbeats, and the loads alternate: this machine's speed
# drifts by tens of percent from one minute to the next (it is a virtual machine on shared hardware), so each
# round measures the two stores a few seconds apart and the table takes the median of the rounds. First a warm-up,
# unmeasured: a JVM fresh from start runs its hot paths interpreted until C2 has compiled them, and on two
# saturated cores that takes a while (-XX:+PrintCompilation under 64 writers: hundreds of compilations per 10 s
# until about 40 s into the load, about a hundred until 70 s, tens after). The comparison is of steady states, so
# the warm-up lasts 60 s; etcd, compiled ahead of time, gets the same warm-up.
load kvstore "$kv_endpoints" 16 50 "$warmup" 0 >/dev/null
load etcd "$(etcd_endpoints)" 16 50 "$warmup" 0 >/dev/null
# etcd keeps every revision until it is compacted (a deployment runs with --auto-compaction-retention): the
# warm-up's history is compacted away, so that a longer warm-up does not leave etcd carrying more of it.
revision=$(curl -sS --max-time 30 -X POST "http://127.0.0.1:23791/v3/kv/range" -d '{"key": "AA=="}' \
  | sed -n 's/.*"revision":"\([0-9]*\)".*/\1/p')
[ -n "$revision" ] || { echo "bench-etcd: etcd did not say its revision; cannot compact" >&2; exit 1; }
curl -sS --fail --max-time 60 -o /dev/null -X POST "http://127.0.0.1:23791/v3/kv/compaction" \
  -d "{\"revision\": \"$revision\", \"physical\": true}" \
  || { echo "bench-etcd: etcd refused to compact to revision $revision" >&2; exit 1; }
echo "== warmed up for ${warmup} s each (16 clients, 50% reads); etcd compacted to revision $revision" >&2
for c in $client_counts; do
  for r in $read_mixes; do
    for round in $(seq 1 "$rounds"); do
      # kvstore first in odd rounds, etcd first in even ones: whatever one load leaves behind (a collection, a
      # compaction) or the machine's drift within a round favours neither side every time.
      order="kvstore etcd"; [ $((round % 2)) = 0 ] && order="etcd kvstore"
      for target in $order; do
        if [ "$target" = kvstore ]; then endpoints="$kv_endpoints"; else endpoints=$(etcd_endpoints); fi
        load "$target" "$endpoints" "$c" "$r" "$seconds" 3 | tee -a "$work/out.txt" | grep -v '^RESULT' >&2
      done
    done
  done
done
stop_all

# ---- the table: the median of the rounds for each figure, and the ratio's range over the rounds -------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { # target clients reads column
  grep "^RESULT $1 $2 $3 " "$work/out.txt" | awk -v c="$4" '{ print $c }' | median
}
echo
printf '| clients | reads | kvstore ops/s | etcd ops/s | ratio: median (rounds) | kvstore p50 / p99 / p99.9 ms | etcd p50 / p99 / p99.9 ms |\n'
printf '|---|---|---|---|---|---|---|\n'
for c in $client_counts; do
  for r in $read_mixes; do
    ko=$(field kvstore "$c" "$r" 5); eo=$(field etcd "$c" "$r" 5)
    ratios=$(paste <(grep "^RESULT kvstore $c $r " "$work/out.txt" | awk '{ print $5 }') \
                   <(grep "^RESULT etcd $c $r " "$work/out.txt" | awk '{ print $5 }') \
             | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), ($2 > 0 ? $1 / $2 : 0) }')
    ratio=$(echo "$ratios" | tr ' ' '\n' | median | awk '{ printf "%.2f", $1 }') # of the rounds' own ratios
    printf '| %s | %s%% | %.0f | %.0f | %sx (%s) | %s / %s / %s | %s / %s / %s |\n' "$c" "$r" "$ko" "$eo" "$ratio" \
      "$ratios" "$(field kvstore "$c" "$r" 6)" "$(field kvstore "$c" "$r" 7)" "$(field kvstore "$c" "$r" 8)" \
      "$(field etcd "$c" "$r" 6)" "$(field etcd "$c" "$r" 7)" "$(field etcd "$c" "$r" 8)"
  done
done
echo
echo "$where; ${warmup} s warm-up; ${seconds} s per round; nodes' JVM options: $KV_NODE_JAVA_OPTS"
