#!/usr/bin/env bash
# Lints a node's (or any) Prometheus text with promtool: jepsen/bench/check-metrics.sh [HOST:PORT] (default
# 127.0.0.1:9001, ./kv devenv's node 1). Installs Debian's prometheus package, which ships promtool, if need be.
set -euo pipefail
address="${1:-127.0.0.1:9001}"
source "$(dirname "$0")/debian-package.sh"
need_command check-metrics promtool prometheus
curl -sf "http://$address/metrics" | promtool check metrics && echo "promtool: $address/metrics is valid Prometheus text"
