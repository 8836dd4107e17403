#!/usr/bin/env bash
# Screenshot an afsim HTML report with headless Chromium, to check it renders (tables, plots).
# Usage: scripts/screenshot_report.sh REPORT.html OUT.png   (SCREENSHOT_HEIGHT=N for a taller page; default 4000)
# The report is self-contained; Chromium runs offline (no sync, no component updates, no QUIC)
# with a throw-away profile that is removed afterwards.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 REPORT.html OUT.png" >&2
    exit 2
fi
report=$1
out=$2
if [[ ! -f "$report" ]]; then
    echo "$0: no such report: $report" >&2
    exit 2
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
    echo "$0: chromium not found; install it with: apt-get install chromium" >&2
    exit 3
fi

absolute=$(realpath "$report")
out_abs=$(realpath -m "$out")
mkdir -p "$(dirname "$out_abs")"
rm -f "$out_abs"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size="1280,${SCREENSHOT_HEIGHT:-4000}" \
    --screenshot="$out_abs" "file://$absolute" >/dev/null 2>&1 || true

if [[ ! -s "$out_abs" ]]; then
    echo "$0: chromium did not write $out_abs" >&2
    exit 1
fi
echo "$out_abs"
