#!/usr/bin/env bash
# Memory under whole-store reads (issue: "Secure by default and hard at the HTTP edge"): three nodes, 200 values of
# 1 MiB, four clients reading GET /data in a loop from the nodes in turn and one client writing small values, for
# SECONDS (default 60). Prints each node's largest resident set size and how the writes and reads were answered.
#   jepsen/bench/get-data-memory.sh [SECONDS]
# Needs curl. Nodes listen on 127.0.0.1:9201-9203 with ./kv node's defaults (in memory, no token).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN="${1:-60}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

./kv java-home >/dev/null
for id in 1 2 3; do
  ./kv node --id "$id" --port "920$id" --new-cluster --log-level WARNING >"$work/node-$id.log" 2>&1 &
  pids+=($!)
done
for id in 1 2 3; do
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:920$id/ping" >/dev/null && break; sleep 0.1; done
done
view='{"view":[{"id":1,"address":"127.0.0.1:9201"},{"id":2,"address":"127.0.0.1:9202"},{"id":3,"address":"127.0.0.1:9203"}]}'
for id in 1 2 3; do curl -sf -X PUT -H 'Content-Type: application/json' -d "$view" "http://127.0.0.1:920$id/view" >/dev/null; done
sleep 1

# 200 values of just under 1 MiB (the limit of one value), each distinct.
head -c 1048000 /dev/zero | tr '\0' 'x' >"$work/mib"
for k in $(seq 1 200); do
  { printf '{"value":"%s' "$k"; cat "$work/mib"; printf '"}'; } >"$work/value"
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' --data-binary @"$work/value" \
    "http://127.0.0.1:9201/data/big-$k"
done
echo "loaded 200 values of 1 MB"

node_pid() { # the JVM listening on port $1
  ss -ltnpH "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}
jvms=("$(node_pid 9201)" "$(node_pid 9202)" "$(node_pid 9203)")

end=$(( $(date +%s) + SECONDS_TO_RUN ))
for c in 1 2 3 4; do
  ( n=$c; while [ "$(date +%s)" -lt "$end" ]; do
      curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "http://127.0.0.1:920$(( n % 3 + 1 ))/data"
      n=$((n + 1))
    done >"$work/reads-$c" ) &
done
( i=0; while [ "$(date +%s)" -lt "$end" ]; do
    code=$(curl -s -o "$work/answer" -w '%{http_code}' --max-time 10 -X PUT -H 'Content-Type: application/json' \
      -d "{\"value\":\"w$i\"}" "http://127.0.0.1:920$(( i % 3 + 1 ))/data/small-$(( i % 50 ))")
    echo "$code"
    case "$code" in 2*) ;; *) { echo "$code $(head -c 160 "$work/answer")"; } >>"$work/refusals" ;; esac
    i=$((i + 1))
  done >"$work/writes" ) &

declare -A peak
while [ "$(date +%s)" -lt "$end" ]; do
  for i in 0 1 2; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/${jvms[$i]}/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "${peak[$i]:-0}" ] && peak[$i]=$rss
  done
  sleep 0.5
done
wait_for_loops() { sleep 1; }
wait_for_loops
for i in 0 1 2; do echo "node $((i + 1)): peak RSS $(( ${peak[$i]:-0} / 1024 )) MB"; done
echo "GET /data answers: $(cat "$work"/reads-* | sort | uniq -c | awk '{printf "%s x%s  ", $2, $1}')"
echo "writes answers:    $(sort "$work/writes" | uniq -c | awk '{printf "%s x%s  ", $2, $1}')"
if [ -f "$work/refusals" ]; then
  echo "why writes were refused (count, status, answer):"
  sed 's/[0-9][0-9]* ms/N ms/g; s/position [0-9]*/position N/g' "$work/refusals" | sort | uniq -c | sort -rn | head -5
fi
