#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Render a session's report.html to a PNG with headless Chromium, to check the report's layout
# by eye (or attach it to a review). Usage: scripts/screenshot.sh SESSION_DIR OUT.png [WxH]
# Chromium is a Debian package (`apt-get install -y chromium`); it is not needed by `make check`.
# Everything runs offline: the report has no network references and Chromium is started with
# its background networking, component updates and sync disabled, in a throw-away profile.
set -euo pipefail
if (($# < 2)); then
  echo "usage: $0 SESSION_DIR OUT.png [WIDTHxHEIGHT]" >&2
  exit 2
fi
session=$1
out=$2
size=${3:-1400x2400}
html="$session/report.html"
if [[ ! -f $html ]]; then
  echo "screenshot: $html not found (run: cexarb report $session)" >&2
  exit 1
fi
chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "screenshot: $chromium not found (apt-get install -y chromium)" >&2
  exit 1
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs_html=$(realpath "$html")
abs_out=$(realpath -m "$out")
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$profile" --screenshot="$abs_out" \
  --window-size="${size/x/,}" "file://$abs_html" >/dev/null 2>&1
if [[ ! -s $abs_out ]]; then
  echo "screenshot: chromium wrote no image" >&2
  exit 1
fi
echo "$abs_out"
