#!/usr/bin/env bash
# The supported ansible-core releases besides the main one: for each line of tests/matrix.txt, a venv with that
# ansible-core and pyroute2 (.venv-matrix/, made once), then ansible-test sanity and units on a copy of the
# collection, then the compat integration target (every module and role four times, the connection and become
# plugins) inside a test sandbox with the private container engines, started once for all releases.
#
#   tests/matrix.sh                  every release of tests/matrix.txt
#   tests/matrix.sh 2.17.14 ...      only those
#   tests/matrix.sh --integration    only the compat target (the venvs must exist)
#
# The main venv's release (2.19) runs everything else (make test's other stages, the full integration suite).
# Each release runs in a subshell of its own, so that its PATH and TEST_TMP stay its own (what shellcheck warns
# about with SC2030 and SC2031 is the point here).
# shellcheck disable=SC2030,SC2031
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" matrix
MATRIX_VENVS=$ROOT/.venv-matrix
PYTHON=${PYTHON:-python3}

only_integration=0
wanted=()
for arg in "$@"; do
  case $arg in
    --integration) only_integration=1 ;;
    --inside) ;;
    *) wanted+=("$arg") ;;
  esac
done

# "VERSION PIN..." for each release to run
releases() {
  local line version
  grep -v '^#' "$ROOT/tests/matrix.txt" | grep -v '^\s*$' | while read -r line; do
    version=$(sed -n 's/^ansible-core==\([^ ]*\).*/\1/p' <<<"$line")
    if [ ${#wanted[@]} -eq 0 ] || [[ " ${wanted[*]} " == *" $version "* ]]; then
      echo "$version $line"
    fi
  done
}

venv_of() { echo "$MATRIX_VENVS/ansible-core-$1"; }

# a venv per release, rebuilt when its line changes
make_venv() {
  local version=$1; shift
  local venv stamp
  venv=$(venv_of "$version")
  stamp=$(printf '%s\n' "$@" | sha256sum | cut -d' ' -f1)
  if [ -x "$venv/bin/ansible-test" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  log "creating $venv ($*)"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv" && "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" >&2 \
    && echo "$stamp" > "$venv/.stamp"
}

if [ "${1:-}" = --inside ]; then
  # inside the sandbox: the engines once, then the compat target under each release
  export PIP_NO_INDEX=1
  # shellcheck source=tests/lib.sh
  . "$ROOT/tests/lib.sh"
  trap 'engines_release; rm -rf "$TEST_TMP"' EXIT
  engines_acquire || exit 1
  status=0
  while read -r version _pins; do
    venv=$(venv_of "$version")
    TEST_TMP_RELEASE=$TEST_TMP/$version
    mkdir -p "$TEST_TMP_RELEASE"
    (
      export TEST_TMP=$TEST_TMP_RELEASE PATH=$venv/bin:$PATH
      # shellcheck source=tests/lib.sh
      . "$ROOT/tests/lib.sh"
      sync_collection
      log "ansible-core $version: compat target (pyroute2 $("$venv/bin/python" -c 'import pyroute2; print(pyroute2.__version__)'))"
      run_integration compat 2>&1 | sed -u "s/^/[$version] /"
      exit "${PIPESTATUS[0]}"
    ) || { log "FAIL: ansible-core $version: compat target"; status=1; }
  done < <(releases)
  exit $status
fi

require_root
status=0
while read -r version pins; do
  # shellcheck disable=SC2086  # the pins are separate words
  make_venv "$version" $pins || { log "FAIL: ansible-core $version: cannot create its venv"; status=1; continue; }
done < <(releases)
[ $status -eq 0 ] || exit 1

if [ $only_integration = 0 ]; then
  while read -r version _pins; do
    venv=$(venv_of "$version")
    export TEST_TMP
    TEST_TMP=$(mktemp -d /tmp/linuxnet-netns-matrix.XXXXXX)
    (
      export PATH=$venv/bin:$PATH
      # shellcheck source=tests/lib.sh
      . "$ROOT/tests/lib.sh"
      sync_collection
      log "ansible-core $version: sanity"
      in_collection ansible-test sanity --venv --python "$PY_VERSION" --color no 2>&1 | sed -u "s/^/[$version sanity] /"
      sanity=${PIPESTATUS[0]}
      log "ansible-core $version: units"
      in_collection ansible-test units --venv --python "$PY_VERSION" --color no 2>&1 | sed -u "s/^/[$version units] /"
      units=${PIPESTATUS[0]}
      [ "$sanity" = 0 ] || log "FAIL: ansible-core $version: sanity"
      [ "$units" = 0 ] || log "FAIL: ansible-core $version: units"
      [ "$sanity" = 0 ] && [ "$units" = 0 ]
    ) || status=1
    rm -rf "$TEST_TMP"
  done < <(releases)
fi

# the wheel cache for pip inside the sandbox, and the compat target there
LNT_WHEELS=$("$ROOT/tests/wheels.sh") || exit 1
export LNT_WHEELS
"$ROOT/tests/sandbox.sh" "$0" --inside "${wanted[@]}" || status=1
[ $status -eq 0 ] && log "every release passed: $(releases | cut -d' ' -f1 | tr '\n' ' ')"
exit $status
