#!/usr/bin/env bash
# Check that the built documentation site renders in a browser: headless Chromium loads pages of
# docs/build/html from file:// and saves screenshots as docs/build/screenshots/*.png.
#
#   scripts/docs_screenshot.sh          after scripts/docs.sh (or: scripts/docs.sh --screenshot)
#
# Needs chromium (scripts/setup.sh docs). Nothing is fetched from the network: the site is local and
# Chromium runs with its background networking, updates and sync off, in a fresh empty profile.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HTML=$ROOT/docs/build/html
SHOTS=$ROOT/docs/build/screenshots
# page to load, and the name of its screenshot
PAGES=(
  "collections/index_module.html module-index"
  "collections/linuxnet/netns/netns_module.html netns-module"
  "collections/linuxnet/netns/docsite/from_ip_netns.html guide-from-ip-netns"
)

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" docs-screenshot
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { log "ERROR: chromium not found; run scripts/setup.sh docs"; exit 1; }
[ -f "$HTML/index.html" ] || { log "ERROR: $HTML/index.html missing; run scripts/docs.sh first"; exit 1; }

PROFILE=$(mktemp -d /tmp/linuxnet-netns-chromium.XXXXXX)
trap 'rm -rf "$PROFILE"' EXIT
mkdir -p "$SHOTS"
status=0
for page in "${PAGES[@]}"; do
  read -r path name <<<"$page"
  [ -f "$HTML/$path" ] || { log "ERROR: $HTML/$path was not built"; status=1; continue; }
  png=$SHOTS/$name.png
  rm -f "$png"
  # timeout: a browser that hangs must fail the check, not the whole run
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$PROFILE" --hide-scrollbars --window-size=1280,1600 \
    --screenshot="$png" "file://$HTML/$path" >"$PROFILE/chromium.log" 2>&1 || true
  # a blank or failed page is a small PNG; a rendered page of text is tens of kilobytes
  size=$(stat -c %s "$png" 2>/dev/null || echo 0)
  if [ "$size" -lt 20000 ]; then
    log "ERROR: $path did not render ($png: $size bytes)"
    tail -n 5 "$PROFILE/chromium.log" >&2 || true
    status=1
  else
    log "$png ($size bytes)"
  fi
done
exit $status
