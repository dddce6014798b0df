#!/usr/bin/env bash
# The integration targets against the real kernel and real container engines, always inside a sandbox
# (tests/sandbox.sh): the sandbox is "the host" of every target, so no target can touch this machine's network.
#
#   tests/integration.sh                   every target, in two lanes
#   tests/integration.sh TARGET...         only those targets (ansible-test integration names)
#
# Starts the sandbox's own container engines when a target needs them, and stops them however it ends.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -e /run/linuxnet-netns-sandbox ]; then
  # what the targets pip-install, fetched here: the sandbox has no network
  LNT_WHEELS=$("$ROOT/tests/wheels.sh") || exit 1
  export LNT_WHEELS
  exec "$ROOT/tests/sandbox.sh" "$0" "$@"
fi
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
pip_from_wheel_cache
export PATH=$ROOT/.venv/bin:$PATH

# targets that talk to the container engines
ENGINE_TARGETS="attach role_container_links docs_examples compat mitogen netns_info_discovery"

needs_engines() {
  local target
  [ $# -eq 0 ] && return 0
  for target in "$@"; do
    [[ " $ENGINE_TARGETS " == *" $target "* ]] && return 0
  done
  return 1
}

[ -d "$COLLECTION_COPY" ] || sync_collection
status=0
engines=0
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  [ "$engines" = 1 ] && engines_release
  [ -n "${OWN_TEST_TMP:-}" ] && rm -rf "$TEST_TMP"
}
trap cleanup EXIT
if needs_engines "$@"; then
  engines=1
  engines_acquire || exit 1
fi
if [ $# -eq 0 ]; then
  integration_in_lanes || status=1
else
  run_integration "$@" || status=1
fi
exit $status
