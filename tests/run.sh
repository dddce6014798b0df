#!/usr/bin/env bash
# The test suite: sanity and unit tests, ansible-lint and changelog lint, the documentation site build,
# build-and-install of the collection tarball, real-kernel integration tests and the reliability suites, framed by
# the host-untouched check.
#
#   tests/run.sh                 every stage
#   tests/run.sh sanity units    only those stages (sanity units lint docs build integration reliability matrix)
#   tests/run.sh integration netns veth   integration, only those targets
#   tests/run.sh reliability     the reliability suites (CI size; tests/reliability/run.sh --full for all rounds)
#   tests/run.sh matrix          the other supported ansible-core releases (tests/matrix.sh): sanity, units and the
#                                compat target under each
#
# Where things run: stages that only read the checkout (sanity, units, lint, docs) run on this machine; every
# stage that creates kernel objects runs inside a private sandbox (tests/sandbox.sh) that plays "the host": the
# integration targets and their container engines in one, the reliability suites in another, the installed
# tarball's playbook in a third. Before the first stage and after the last, tests/host_state.sh snapshots this
# machine's links, addresses, routes, rules, namespaces, mounts, firewall and unit directories; the run fails
# if the two differ. Needs root. Installs what it needs (scripts/setup.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

"$ROOT/scripts/setup.sh" base test || exit 1
export PATH=$ROOT/.venv/bin:$PATH
stop_beside() {
  local pid
  for pid in ${RELIABILITY_PID:-} ${MATRIX_PID:-}; do kill "$pid" 2>/dev/null; done
  rm -rf "$TEST_TMP"
}
trap stop_beside EXIT

stages=()
targets=()
for arg in "$@"; do
  case $arg in
    sanity|units|lint|docs|build|integration|reliability|matrix) stages+=("$arg") ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#stages[@]} -gt 0 ] || stages=(sanity units lint docs build integration reliability matrix)

"$ROOT/tests/host_state.sh" snapshot "$TEST_TMP/host-before.txt" || exit 1
sync_collection

# In a run of several stages, the reliability suites (in their own sandbox) and the matrix of the other
# ansible-core releases (their own venvs, copies and sandbox) run beside the other stages: most stages keep one
# core busy, the integration lanes two, and what runs beside fills the rest. The reliability suites start first;
# the matrix once the main sanity stage has made the sanity venvs that some releases share with it
# (~/.ansible/test/venv, keyed by their requirements: two ansible-test runs must not make one at once).
RELIABILITY_PID=
start_reliability_beside() {
  [[ " ${stages[*]} " == *" reliability "* && ${#stages[@]} -gt 1 ]] || return 0
  [ ${#targets[@]} -eq 0 ] || return 0
  "$ROOT/tests/reliability/run.sh" > "$TEST_TMP/reliability.log" 2>&1 &
  RELIABILITY_PID=$!
  echo "reliability suites started beside the other stages (pid $RELIABILITY_PID); output follows them"
}
wait_reliability() {
  local status=0
  wait "$RELIABILITY_PID" || status=$?
  cat "$TEST_TMP/reliability.log"
  return $status
}

MATRIX_PID=
MATRIX_RAN=
start_matrix_beside() {
  [[ " ${stages[*]} " == *" matrix "* && ${#stages[@]} -gt 1 ]] || return 0
  [ ${#targets[@]} -eq 0 ] || return 0
  # started once, and never after a matrix stage that ran on its own (stages given as "matrix sanity")
  [ -z "$MATRIX_PID" ] && [ -z "$MATRIX_RAN" ] || return 0
  "$ROOT/tests/matrix.sh" > "$TEST_TMP/matrix.log" 2>&1 &
  MATRIX_PID=$!
  echo "ansible-core matrix started beside the other stages (pid $MATRIX_PID); output follows them"
}
wait_matrix() {
  local status=0
  wait "$MATRIX_PID" || status=$?
  cat "$TEST_TMP/matrix.log"
  return $status
}

run_stage host-check-selftest "$ROOT/tests/host_state.sh" selftest
start_reliability_beside
[[ " ${stages[*]} " == *" sanity "* ]] || start_matrix_beside
for stage in "${stages[@]}"; do
  case $stage in
    sanity)
      run_stage sanity in_collection ansible-test sanity --venv --python "$PY_VERSION" --color no
      start_matrix_beside ;;
    units) run_stage units in_collection ansible-test units --venv --python "$PY_VERSION" --color no ;;
    lint) run_stage lint "$ROOT/tests/lint.sh" ;;
    docs) DOCS_OUT=$TEST_TMP/docs run_stage docs "$ROOT/scripts/docs.sh" ;;
    build) run_stage build "$ROOT/tests/build_install.sh" ;;
    integration)
      run_stage integration "$ROOT/tests/integration.sh" "${targets[@]}" ;;
    reliability)
      if [ -n "$RELIABILITY_PID" ]; then
        run_stage reliability wait_reliability  # the time shown is what it ran past the stages before
      else
        run_stage reliability "$ROOT/tests/reliability/run.sh"
      fi ;;
    matrix)
      if [ -n "$MATRIX_PID" ]; then
        run_stage matrix wait_matrix  # the time shown is what it ran past the stages before
      else
        run_stage matrix "$ROOT/tests/matrix.sh"
        MATRIX_RAN=1
      fi ;;
  esac
done

"$ROOT/tests/host_state.sh" snapshot "$TEST_TMP/host-after.txt"
run_stage host-untouched "$ROOT/tests/host_state.sh" compare "$TEST_TMP/host-before.txt" "$TEST_TMP/host-after.txt"
summary
