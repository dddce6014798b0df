#!/usr/bin/env bash
# The collection as a user gets it: build the tarball with ansible-galaxy, check what it contains, install it
# into a clean virtual environment (ansible-core and pyroute2 from PyPI, nothing from this checkout), and run
# it: a playbook that creates and deletes a namespace with the FQCN module (check mode, apply, apply again),
# and the ad hoc short form -m netns with --playbook-dir at the installed collection's root.
#
#   tests/build_install.sh           (as root; needs PyPI, or a pip cache that has the two packages)
#
# Building and installing happen on this machine (pip needs the network); using the installed collection, which
# creates a namespace, happens inside a test sandbox (tests/sandbox.sh), so the real host is never touched.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" build-install
ANSIBLE_CORE_PIN=ansible-core==2.19.14
PYROUTE2_PIN=pyroute2==0.9.7
# the tarball must not carry any of these (development environments, caches, test and build output)
FORBIDDEN='^(\.venv|\.venv-matrix|ansible\.cfg|\.build|\.ansible|\.ci|\.git|tests/output|tests/reliability/results|docs/build|bench/results)(/|$)|(^|/)__pycache__/|\.pyc$|\.tar\.gz$|(^|/)\.plugin-cache\.yaml$'

require_root

# Only the clean venv and the installed collection: nothing of this checkout, no user or system collections.
run() {
  (cd "$WORK" && env -u ANSIBLE_CONFIG -u ANSIBLE_INVENTORY -u ANSIBLE_PLAYBOOK_DIR \
    PATH="$VENV_BIN:/usr/sbin:/usr/bin:/sbin:/bin" \
    ANSIBLE_COLLECTIONS_PATH="$WORK/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
    ANSIBLE_PYTHON_INTERPRETER="$VENV_BIN/python" ANSIBLE_LOCALHOST_WARNING=false \
    ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_NOCOLOR=1 HOME="$WORK/home" "$@")
}
use_installed() {
# --- use it -----------------------------------------------------------------------------------------------
cat > "$WORK/playbook.yml" <<'EOF'
- name: The installed collection creates and deletes a namespace
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Create (check mode)
      linuxnet.netns.netns:
        name: "{{ netns_name }}"
      check_mode: true
      register: created_check

    - name: Create
      linuxnet.netns.netns:
        name: "{{ netns_name }}"
      register: created

    - name: Create again
      linuxnet.netns.netns:
        name: "{{ netns_name }}"
      register: created_again

    - name: What ip netns list shows
      ansible.builtin.command: ip netns list
      register: listing
      changed_when: false

    - name: The module came from the installed tarball and behaved
      ansible.builtin.assert:
        that:
          - created_check is changed
          - created is changed
          - created.path == '/run/netns/' ~ netns_name
          - created_again is not changed
          - netns_name in (listing.stdout_lines | map('split') | map('first') | list)
EOF
log "ansible-playbook with linuxnet.netns.netns"
run ansible-playbook -i localhost, "$WORK/playbook.yml" -e "netns_name=$NAME" > "$WORK/playbook.log" 2>&1 \
  || { tail -n 30 "$WORK/playbook.log" >&2; fail "the playbook failed"; }

log "ad hoc, short name -m netns with --playbook-dir at the installed collection"
out=$(run ansible localhost -i localhost, -c local --playbook-dir "$INSTALLED" -m netns -a "name=$NAME state=absent" 2>&1) \
  || fail "ansible -m netns failed: $out"
[[ $out == *"CHANGED"* ]] || fail "ansible -m netns state=absent did not report a change: $out"
if ip netns list | awk '{print $1}' | grep -qx "$NAME"; then fail "$NAME still listed after state=absent"; fi
log "passed in $((SECONDS - start))s"
}

if [ "${1:-}" = --use ]; then
  # inside the sandbox: WORK and NAME come from the part that built and installed
  WORK=$2 NAME=$3 start=$SECONDS
  VENV_BIN=$WORK/venv/bin
  INSTALLED=$WORK/collections/ansible_collections/linuxnet/netns
  use_installed
  exit 0
fi

# A base interpreter, not this checkout's venv: the point is a clean environment.
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
WORK=$(mktemp -d /tmp/linuxnet-netns-build-install.XXXXXX)
NAME=$(random_prefix)-bi
trap 'rm -rf "$WORK"' EXIT
start=$SECONDS

# --- build ------------------------------------------------------------------------------------------------
log "ansible-galaxy collection build"
"$ROOT/.venv/bin/ansible-galaxy" collection build --output-path "$WORK/dist" "$ROOT" >/dev/null
TARBALL=$(ls "$WORK"/dist/linuxnet-netns-*.tar.gz)
tar -tzf "$TARBALL" | sed 's#^\./##' > "$WORK/contents.txt"
if grep -E "$FORBIDDEN" "$WORK/contents.txt" > "$WORK/forbidden.txt"; then
  log "the tarball contains files it must not (add them to build_ignore in galaxy.yml):"
  sed 's/^/    /' "$WORK/forbidden.txt" | head -n 20 >&2
  fail "$(wc -l < "$WORK/forbidden.txt") unwanted path(s) in $(basename "$TARBALL")"
fi
for wanted in MANIFEST.json FILES.json meta/runtime.yml plugins/modules/netns.py plugins/module_utils/_kernel.py \
              plugins/connection/netns.py docs/docsite/extra-docs.yml CHANGELOG.md changelogs/changelog.yaml \
              meta/execution-environment.yml requirements.txt bindep.txt; do
  grep -qx "$wanted" "$WORK/contents.txt" || fail "$wanted is missing from $(basename "$TARBALL")"
done
log "$(basename "$TARBALL"): $(wc -l < "$WORK/contents.txt") entries, $(du -k "$TARBALL" | cut -f1) KiB"

# --- a clean environment ----------------------------------------------------------------------------------
log "venv with $ANSIBLE_CORE_PIN $PYROUTE2_PIN ($("$PYTHON" --version))"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check "$ANSIBLE_CORE_PIN" "$PYROUTE2_PIN"
VENV_BIN=$WORK/venv/bin

mkdir -p "$WORK/home"

log "ansible-galaxy collection install"
run ansible-galaxy collection install "$TARBALL" -p "$WORK/collections" >/dev/null
INSTALLED=$WORK/collections/ansible_collections/linuxnet/netns
[ -f "$INSTALLED/plugins/modules/netns.py" ] || fail "the collection is not installed at $INSTALLED"
run ansible-galaxy collection list linuxnet.netns 2>/dev/null | grep -q "^linuxnet.netns  *0\." \
  || fail "ansible-galaxy collection list does not show linuxnet.netns"
run ansible-doc linuxnet.netns.netns >/dev/null || fail "ansible-doc linuxnet.netns.netns does not render"

log "using it inside a test sandbox"
"$ROOT/tests/sandbox.sh" "$0" --use "$WORK" "$NAME"
