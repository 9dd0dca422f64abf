#!/usr/bin/env bash
# The README's KLayout picture: maskgen installed into a fresh KLayout home, KLayout started under Xvfb (its
# autorun macro loads the `maskgen` library and the menu entry), docs/klayout/screenshot.py places two cantilever
# PCells, runs 'maskgen: check layout' and saves the screen. Needs: klayout, xvfb, xdotool (closes the start-up
# tip dialog), and maskgen in the active Python environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
home=$(mktemp -d)
out=$(realpath -m "${1:-docs/klayout/klayout_pcell_drc.png}")
maskgen klayout install --klayout-home "$home" >/dev/null
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1600x760x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$home"' EXIT
sleep 1
DISPLAY=$display KLAYOUT_HOME=$home MASKGEN_SHOT=$out MASKGEN_PYTHON=$(command -v python) \
  MASKGEN_SHOT_DELAY_MS=9000 klayout -r docs/klayout/screenshot.py &
klayout=$!
for _ in $(seq 1 30); do          # KLayout's start-up tip waits for an answer before the script runs
  sleep 1
  tip=$(DISPLAY=$display xdotool search --name '^Tip$' 2>/dev/null | head -1 || true)
  if [ -n "$tip" ]; then DISPLAY=$display xdotool key --window "$tip" Escape; break; fi
done
sleep 5                           # the marker browser is open: select all markers; the library panel: show maskgen
DISPLAY=$display xdotool mousemove 1042 187 click 1 sleep 1 mousemove 99 445 click 1 sleep 1 key m key Return || true
wait $klayout
echo "$out"
