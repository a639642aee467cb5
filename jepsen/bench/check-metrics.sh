#!/usr/bin/env bash
# Lints a node's (or any) Prometheus text with promtool: jepsen/bench/check-metrics.sh [HOST:PORT] (default
# 127.0.0.1:9001, ./kv devenv's node 1). Installs Debian's prometheus package, which ships promtool, if need be.
set -euo pipefail
address="${1:-127.0.0.1:9001}"
if ! command -v promtool >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "check-metrics: installing Debian's prometheus (for promtool)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q prometheus >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q prometheus >/dev/null; }
fi
command -v promtool >/dev/null || { echo "check-metrics: needs promtool (Debian: apt-get install prometheus)" >&2; exit 1; }
curl -sf "http://$address/metrics" | promtool check metrics && echo "promtool: $address/metrics is valid Prometheus text"
