#!/usr/bin/env bash
# Two builds of the node, alternated ABBA under the same write load, to tell a change's cost from this machine's
# drift (it varies by tens of percent from one minute to the next: docs/performance.md). Each run: three node
# processes with data directories (fsync), the view of all three, 64 clients writing for 15 s after 10 s of warm-up.
#   jepsen/bench/ab-writes.sh A.jar B.jar [BLOCKS]      (default 2 blocks: A B B A A B B A)
# A.jar is a node.jar from another checkout (git worktree or clone, mvn package -pl node -am); B.jar is usually
# node/target/node.jar. Prints one RESULT line per run (ops/s p50 p99 p99.9 in ms, errors).
set -euo pipefail
cd "$(dirname "$0")/../.."
a="${1:?usage: jepsen/bench/ab-writes.sh A.jar B.jar [BLOCKS]}"; b="${2:?B.jar}"; blocks="${3:-2}"
JAVA="$(./kv java-home)/bin/java"
KV_NODE_JAVA_OPTS="$(./kv node-java-opts)" # both builds run as ./kv node runs nodes
[ -f jepsen/target/jepsen.jar ] || ./kv load --help >/dev/null
run() { # label jar
  local work pids=() i
  work=$(mktemp -d jepsen/target/ab.XXXX)
  for i in 1 2 3; do
    # shellcheck disable=SC2086 # options are words
    "$JAVA" $KV_NODE_JAVA_OPTS -cp "$2" kvstore.node.cli.NodeMain --id $i --port 1920$i \
      --log-level WARNING --new-cluster --data-dir "$work/kv-$i" > "$work/n$i.log" 2>&1 &
    pids+=($!)
  done
  for i in 1 2 3; do for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:1920$i/ping" >/dev/null && break; sleep 0.1; done; done
  local view='{"view":[{"id":1,"address":"127.0.0.1:19201"},{"id":2,"address":"127.0.0.1:19202"},{"id":3,"address":"127.0.0.1:19203"}]}'
  for i in 1 2 3; do curl -sf -X PUT -H 'Content-Type: application/json' -d "$view" "http://127.0.0.1:1920$i/view" >/dev/null; done
  sleep 1
  echo -n "$1 "
  "$JAVA" -cp jepsen/target/jepsen.jar kvstore.jepsen.load.LoadGenerator --target kvstore \
    --endpoints 127.0.0.1:19201,127.0.0.1:19202,127.0.0.1:19203 --clients 64 --reads 0 --seconds 15 --warmup 10 \
    2>&1 | tail -1
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; rm -rf "$work"
}
for _ in $(seq 1 "$blocks"); do
  run A "$a"; run B "$b"; run B "$b"; run A "$a"
done
