#!/usr/bin/env bash
# The Python packages tests install from "PyPI" inside a sandbox, which has no network: downloaded once on this
# machine into a cache outside the repository, then offered to pip in the sandbox as its only index.
#
#   tests/wheels.sh            download what is missing; print the directory
#
# Inside a sandbox, tests/integration.sh sets PIP_NO_INDEX=1 and PIP_FIND_LINKS to that directory, so the role's
# "pip install pyroute2" behaves as on a host that reaches PyPI.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" wheels
WHEELS=${LNT_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/linuxnet-netns/wheels}
# pyroute2: what the topology role installs; the pin of the test venv, and the oldest release the collection takes
PACKAGES=(pyroute2==0.9.7 pyroute2==0.9.1)
mkdir -p "$WHEELS"
for package in "${PACKAGES[@]}"; do
  file=${package/==/-}
  if ! compgen -G "$WHEELS/$file-*" >/dev/null && ! compgen -G "$WHEELS/$file.*" >/dev/null; then
    log "pip download $package"
    "$ROOT/.venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps -d "$WHEELS" "$package" >&2 \
      || die "cannot download $package (the tests need it once, from PyPI)"
  fi
done
echo "$WHEELS"
