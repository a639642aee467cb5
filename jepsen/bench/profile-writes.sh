#!/usr/bin/env bash
# Where a loaded cluster's CPU goes: three node processes with data directories, 64 clients writing, and after
# AT seconds (default 60: the JIT is mostly done by then on two cores) a CPU profile of every node for 10 s with
# async-profiler (Maven Central's tools.profiler:async-profiler, fetched into ~/.m2 on first use; loaded at start,
# since attaching later deoptimises everything and the profile shows the JIT recompiling). Prints each node's CPU
# by thread kind and writes one collapsed-stack file per node (flame graph input: one stack and its samples a line).
#   jepsen/bench/profile-writes.sh OUT_DIR [AT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: jepsen/bench/profile-writes.sh OUT_DIR [AT]}"; at="${2:-60}"
mkdir -p "$out"; out=$(cd "$out" && pwd)
JAVA_HOME="$(./kv java-home)"; JAVA="$JAVA_HOME/bin/java"; JCMD="$JAVA_HOME/bin/jcmd"
KV_NODE_JAVA_OPTS="$(./kv node-java-opts)" # nodes as ./kv node runs them
[ -f jepsen/target/jepsen.jar ] || ./kv load --help >/dev/null 2>&1 || true
[ -f node/target/node.jar ] || ./kv node --help >/dev/null 2>&1 || true

version=4.2
jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
[ -f "$jar" ] || mvn -q -B -ntp dependency:get -Dartifact="tools.profiler:async-profiler:$version" >&2
lib="$PWD/jepsen/target/async-profiler-$version/linux-x64/libasyncProfiler.so"
[ -f "$lib" ] || (mkdir -p "${lib%/linux-x64/*}" && cd "${lib%/linux-x64/*}" && unzip -q -o "$jar" 'linux-x64/*')

work=$(mktemp -d "$PWD/jepsen/target/profile.XXXX")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for i in 1 2 3; do
  # shellcheck disable=SC2086 # options are words
  "$JAVA" $KV_NODE_JAVA_OPTS "-agentpath:$lib" -cp node/target/node.jar kvstore.node.cli.NodeMain \
    --id $i --port 1940$i --log-level WARNING --new-cluster --data-dir "$work/kv-$i" > "$out/node-$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:1940$i/ping" >/dev/null && break; sleep 0.1; done; done
view='{"view":[{"id":1,"address":"127.0.0.1:19401"},{"id":2,"address":"127.0.0.1:19402"},{"id":3,"address":"127.0.0.1:19403"}]}'
for i in 1 2 3; do curl -sf -X PUT -H 'Content-Type: application/json' -d "$view" "http://127.0.0.1:1940$i/view" >/dev/null; done
"$JAVA" -cp jepsen/target/jepsen.jar kvstore.jepsen.load.LoadGenerator --target kvstore \
  --endpoints 127.0.0.1:19401,127.0.0.1:19402,127.0.0.1:19403 --clients 64 --reads 0 \
  --seconds $((at + 15)) --warmup 0 > "$out/load.txt" 2>&1 &
load=$!
sleep "$at"
# jcmd takes name=value pairs itself: the agent's options go quoted, as one value
for i in 1 2 3; do "$JCMD" "${pids[$((i - 1))]}" JVMTI.agent_load "$lib" '"start,event=cpu,interval=1ms,threads"' >/dev/null; done
sleep 10
for i in 1 2 3; do
  "$JCMD" "${pids[$((i - 1))]}" JVMTI.agent_load "$lib" "\"stop,collapsed,file=$out/node-$i.collapsed\"" >/dev/null
done
wait "$load"
grep '^RESULT' "$out/load.txt" || true
for i in 1 2 3; do # the thread's name leads each stack: "[disk-1 tid=123]"; virtual threads show their carrier
  awk -v node=$i '{ n = $NF; t = $0; sub(/;.*/, "", t); sub(/ tid=[0-9]+\]/, "", t); sub(/^\[/, "", t)
         sub(/-[0-9]+$/, "", t); sub(/#[0-9]+$/, "", t)
         by[t] += n; total += n }
       END { printf "node %d: %d samples\n", node, total
             for (t in by) if (by[t] * 100 >= total) printf "  %5.1f%%  %s\n", by[t] * 100 / total, t }' \
    "$out/node-$i.collapsed" | { read -r head; echo "$head"; sort -rn; }
done
