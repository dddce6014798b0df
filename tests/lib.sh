# shellcheck shell=bash
# Helpers shared by tests/run.sh and the other suite scripts.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" "${LOG_TAG:-tests}"
export PY_VERSION
PY_VERSION=$("$ROOT/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3.11)
# ansible-test insists on running from .../ansible_collections/NAMESPACE/NAME, outside any
# other git work tree (it would list files with git and find none).
# Each test run has its own copy (TEST_TMP is handed down to the scripts a run starts), so two runs at once
# never sync over each other's copy.
if [ -z "${TEST_TMP:-}" ]; then
  TEST_TMP=$(mktemp -d /tmp/linuxnet-netns-tests.XXXXXX)
  # read by the scripts that source this file
  # shellcheck disable=SC2034
  OWN_TEST_TMP=1
  trap 'rm -rf "$TEST_TMP"' EXIT
fi
export TEST_TMP
COLLECTION_COPY=$TEST_TMP/ansible_collections/linuxnet/netns
declare -a STAGE_NAMES=() STAGE_RESULTS=() STAGE_SECONDS=()

sync_collection() {
  mkdir -p "$COLLECTION_COPY"
  # --delete-excluded: caches and build output left in the copy by earlier runs would fail sanity tests;
  # ansible-test's own tests/output is protected
  rsync -a --delete --delete-excluded --filter='P /tests/output/' --exclude=/.venv --exclude=/.venv-matrix --exclude=/.venv-importer --exclude=/.build \
    --exclude=/.git --exclude=/tests/output --exclude=/.ansible --exclude=/.hypothesis --exclude=/docs/build \
    --exclude='__pycache__' "$ROOT/" "$COLLECTION_COPY/"
}

in_collection() { (cd "$COLLECTION_COPY" && "$@"); }

run_stage() {
  local name=$1; shift
  local start=$SECONDS status
  printf '\n=== %s ===\n' "$name"
  "$@"
  status=$?
  STAGE_NAMES+=("$name"); STAGE_RESULTS+=("$status"); STAGE_SECONDS+=($((SECONDS - start)))
  return 0
}

summary() {
  local failed=0 i
  printf '\n=== summary ===\n'
  for i in "${!STAGE_NAMES[@]}"; do
    if [ "${STAGE_RESULTS[$i]}" -eq 0 ]; then
      printf '%-14s passed  %4ss\n' "${STAGE_NAMES[$i]}" "${STAGE_SECONDS[$i]}"
    else
      printf '%-14s FAILED  %4ss (exit %s)\n' "${STAGE_NAMES[$i]}" "${STAGE_SECONDS[$i]}" "${STAGE_RESULTS[$i]}"
      failed=1
    fi
  done
  printf 'total %ss\n' "$SECONDS"
  return $failed
}

# Integration targets run in two lanes at once: most of a target's time is Ansible's per-task overhead and
# waiting for container engines, one process at a time, so a second lane nearly halves the wall time on two
# cores. Every target names its objects with its own random prefix, so lanes cannot see each other's objects.
# The first lane holds the engine targets, the two simulated-fleet targets (one after the other: a fleet
# picks the first free /24 for its underlay) and a few small ones; the second lane gets every other target, new
# ones included. Measured: lane 1 580 s (attach 220, fleet 140, examples_fleet 70, role_container_links 50,
# address 40, adhoc 30, route 30), lane 2 680 s (15 targets of 17 to 85 s).
INTEGRATION_LANE_ONE="attach role_container_links fleet examples_fleet route address adhoc"

# Every target of the main release but compat: compat is the short check of every module, role and plugin that
# the matrix (tests/matrix.sh) runs under the other ansible-core releases and the mitogen target under Mitogen;
# on the main release each module's and role's own target covers more than it does.
integration_targets() {
  local dir name
  for dir in "$ROOT"/tests/integration/targets/*/; do
    name=$(basename "$dir")
    case $name in setup_*|compat) continue ;; esac
    printf '%s\n' "$name"
  done
}

# ansible-test integration on the copy, for the given targets (none: every target)
run_integration() {
  in_collection ansible-test integration --local --python "$PY_VERSION" --allow-destructive --continue-on-error \
    --color no "$@"
}

run_lane() {
  local lane=$1; shift
  run_integration "$@" 2>&1 | python3 "$ROOT/tests/target_times.py" "$lane"
  return "${PIPESTATUS[0]}"
}

integration_in_lanes() {
  local name one=() two=() pid_one pid_two status=0
  while read -r name; do
    if [[ " $INTEGRATION_LANE_ONE " == *" $name "* ]]; then one+=("$name"); else two+=("$name"); fi
  done < <(integration_targets)
  printf 'lane 1: %s\nlane 2: %s\n' "${one[*]}" "${two[*]}"
  # an empty lane would mean "every target" to ansible-test
  if [ ${#one[@]} -eq 0 ] || [ ${#two[@]} -eq 0 ]; then
    run_lane lane "${one[@]}" "${two[@]}"
    return
  fi
  run_lane lane1 "${one[@]}" & pid_one=$!
  run_lane lane2 "${two[@]}" & pid_two=$!
  wait "$pid_one" || status=1
  wait "$pid_two" || status=1
  return $status
}

# The private container engines (tests/engines) of this sandbox: each test run's sandbox starts its own and
# stops them; the sandbox's end kills whatever a failed stop left running.
engines_acquire() { "$ROOT/tests/engines/start.sh"; }
engines_release() { "$ROOT/tests/engines/stop.sh"; }
