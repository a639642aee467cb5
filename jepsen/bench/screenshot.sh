#!/usr/bin/env bash
# A headless Chromium screenshot of a report page (report.html of a run), to look at what the report shows.
#   jepsen/bench/screenshot.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
# Installs Debian's chromium if it is missing (as root, with apt-get).
set -euo pipefail
page="${1:?usage: jepsen/bench/screenshot.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]}"
out="${2:-${page%.html}.png}"
size="${3:-1200x1400}"
source "$(dirname "$0")/debian-package.sh"
need_command screenshot chromium chromium
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="${size/x/,}" \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$page")" >/dev/null 2>&1
echo "$out"
