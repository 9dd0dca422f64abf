#!/usr/bin/env bash
# The README's report picture: a template built (with its report.html) into a temporary folder and the top of
# the page saved by headless Chromium, without a network. Usage: docs/report_screenshot.sh [TEMPLATE] [PNG]
set -euo pipefail
cd "$(dirname "$0")/.."
template=${1:-sweep_ubm_ball}
out=$(realpath -m "${2:-docs/report_${template}.png}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
maskgen build "$template" --out "$work" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND" \
  --proxy-server=127.0.0.1:9 --user-data-dir="$work/profile" --window-size=1200,1500 \
  --screenshot="$out" "file://$work/$template/report.html" 2>/dev/null
echo "$out"
