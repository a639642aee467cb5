#!/usr/bin/env bash
# A headless Chromium screenshot of a report page (report.html of a run), to look at what the report shows.
#   jepsen/bench/screenshot.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
# Installs Debian's chromium if it is missing (as root, with apt-get).
set -euo pipefail
page="${1:?usage: jepsen/bench/screenshot.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]}"
out="${2:-${page%.html}.png}"
size="${3:-1200x1400}"
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "screenshot: installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
command -v chromium >/dev/null || { echo "screenshot: needs chromium (Debian: apt-get install chromium)" >&2; exit 1; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="${size/x/,}" \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$page")" >/dev/null 2>&1
echo "$out"
