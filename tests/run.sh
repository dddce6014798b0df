#!/usr/bin/env bash
# The test suite: sanity and unit tests, ansible-lint and changelog lint, the documentation site build,
# build-and-install of the collection tarball, real-kernel integration tests, the reliability suites, then a
# leak check.
#
#   tests/run.sh                 every stage
#   tests/run.sh sanity units    only those stages (sanity units lint docs build integration reliability)
#   tests/run.sh integration netns veth   integration, only those targets
#   tests/run.sh reliability     the reliability suites (CI size; tests/reliability/run.sh --full for all rounds)
#
# Needs root. Installs what it needs (scripts/setup.sh). Fails if any stage fails
# or if a namespace, link or /run/netns entry is left behind.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

"$ROOT/scripts/setup.sh" base test || exit 1
export PATH=$ROOT/.venv/bin:$PATH
# The container engines the attach target needs are started only when it runs, and stopped however the
# run ends (a failed stage, Ctrl-C).
ENGINES_STARTED=0
trap '[ -n "${RELIABILITY_PID:-}" ] && kill "$RELIABILITY_PID" 2>/dev/null; [ "$ENGINES_STARTED" = 1 ] && engines_release; rm -rf "$TEST_TMP"' EXIT

stages=()
targets=()
for arg in "$@"; do
  case $arg in
    sanity|units|lint|docs|build|integration|reliability|leaks) stages+=("$arg") ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#stages[@]} -gt 0 ] || stages=(sanity units lint docs build integration reliability)

needs_engines() {
  local target
  [ ${#targets[@]} -eq 0 ] && return 0
  for target in "${targets[@]}"; do
    case $target in attach|role_container_links|docs_examples) return 0 ;; esac
  done
  return 1
}

sync_collection
snapshot > "$TEST_TMP/before.txt"

# With both stages in one run, the reliability suites (in their own sandbox, sharing nothing with the host's
# namespaces) run beside the integration lanes: together they use the two cores better than one after the other.
RELIABILITY_PID=
start_reliability_beside() {
  [[ " ${stages[*]} " == *" integration "* && " ${stages[*]} " == *" reliability "* ]] || return 0
  [ ${#targets[@]} -eq 0 ] || return 0
  "$ROOT/tests/reliability/run.sh" > "$TEST_TMP/reliability.log" 2>&1 &
  RELIABILITY_PID=$!
  echo "reliability suites started beside the integration targets (pid $RELIABILITY_PID); output follows them"
}
wait_reliability() {
  local status=0
  wait "$RELIABILITY_PID" || status=$?
  cat "$TEST_TMP/reliability.log"
  return $status
}

for stage in "${stages[@]}"; do
  case $stage in
    sanity) run_stage sanity in_collection ansible-test sanity --venv --python "$PY_VERSION" --color no ;;
    units) run_stage units in_collection ansible-test units --venv --python "$PY_VERSION" --color no ;;
    lint) run_stage lint "$ROOT/tests/lint.sh" ;;
    docs) run_stage docs "$ROOT/scripts/docs.sh" ;;
    build) run_stage build "$ROOT/tests/build_install.sh" ;;
    integration)
      if needs_engines; then
        ENGINES_STARTED=1
        run_stage engines-start engines_acquire
      fi
      start_reliability_beside
      if [ ${#targets[@]} -eq 0 ]; then
        run_stage integration integration_in_lanes
      else
        run_stage integration run_integration "${targets[@]}"
      fi
      if [ "$ENGINES_STARTED" = 1 ]; then
        run_stage engines-stop engines_release
        ENGINES_STARTED=0
      fi ;;
    reliability)
      if [ -n "$RELIABILITY_PID" ]; then
        run_stage reliability wait_reliability  # the time shown is what it ran past the integration stage
      else
        run_stage reliability "$ROOT/tests/reliability/run.sh"
      fi ;;
  esac
done

run_stage leaks check_leaks "$TEST_TMP/before.txt"
summary
