# shellcheck shell=bash
# Helpers shared by tests/run.sh and the other suite scripts.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export PY_VERSION
PY_VERSION=$("$ROOT/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3.11)
# ansible-test insists on running from .../ansible_collections/NAMESPACE/NAME, outside any
# other git work tree (it would list files with git and find none).
BUILD_ROOT=${LINUXNET_BUILD_ROOT:-/var/tmp/linuxnet-netns-build}
COLLECTION_COPY=$BUILD_ROOT/ansible_collections/linuxnet/netns
TEST_TMP=${TEST_TMP:-$(mktemp -d /tmp/linuxnet-netns-tests.XXXXXX)}
trap 'rm -rf "$TEST_TMP"' EXIT
declare -a STAGE_NAMES=() STAGE_RESULTS=() STAGE_SECONDS=()

sync_collection() {
  mkdir -p "$COLLECTION_COPY"
  rsync -a --delete --exclude=/.venv --exclude=/.build --exclude=/.git \
    --exclude=/tests/output --exclude=/.ansible --exclude=/docs/build --exclude='__pycache__' "$ROOT/" "$COLLECTION_COPY/"
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

# Everything a test could leak: namespace entries, host links, /etc/netns dirs, test processes.
list_dir() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort; }

snapshot() {
  echo "## /run/netns"; list_dir /run/netns
  echo "## links"; ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  echo "## /etc/netns"; list_dir /etc/netns
}

check_leaks() {
  local before=$1 after="$TEST_TMP/after.txt" leaked
  snapshot > "$after"
  leaked=$(diff "$before" "$after" | grep '^>' || true)
  if [ -n "$leaked" ]; then
    # reported, never deleted here: with other test runs on the machine, not every new object is ours
    echo "LEAK: these appeared during the tests and are still there:"
    echo "$leaked"
    return 1
  fi
  echo "no leaks: namespaces, links and /etc/netns are as before the tests"
}
