#!/usr/bin/env bash
# The test suite: sanity, unit and real-kernel integration tests, then a leak check.
#
#   tests/run.sh                 every stage
#   tests/run.sh sanity units    only those stages
#   tests/run.sh integration netns veth   integration, only those targets
#
# Needs root. Installs what it needs (scripts/setup.sh). Fails if any stage fails
# or if a namespace, link or /run/netns entry is left behind.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

"$ROOT/scripts/setup.sh" base test || exit 1
export PATH=$ROOT/.venv/bin:$PATH

stages=()
targets=()
for arg in "$@"; do
  case $arg in
    sanity|units|integration|leaks) stages+=("$arg") ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#stages[@]} -gt 0 ] || stages=(sanity units integration)

sync_collection
snapshot > "$TEST_TMP/before.txt"

for stage in "${stages[@]}"; do
  case $stage in
    sanity) run_stage sanity in_collection ansible-test sanity --venv --python "$PY_VERSION" --color no ;;
    units) run_stage units in_collection ansible-test units --venv --python "$PY_VERSION" --color no ;;
    integration)
      run_stage integration in_collection ansible-test integration --local --python "$PY_VERSION" \
        --allow-destructive --color no "${targets[@]}" ;;
  esac
done

run_stage leaks check_leaks "$TEST_TMP/before.txt"
summary
