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
FORBIDDEN='^(\.venv|\.venv-matrix|\.venv-importer|ansible\.cfg|\.build|\.ansible|\.ci|\.git|tests/output|tests/reliability/results|docs/build|bench/results)(/|$)|(^|/)__pycache__/|\.pyc$|\.tar\.gz$|(^|/)\.plugin-cache\.yaml$'

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

# --- what Galaxy's importer says --------------------------------------------------------------------------
# galaxy-importer is what Ansible Galaxy and Automation Hub run on an uploaded tarball: metadata, ansible-doc of
# every plugin, ansible-lint, the changelog. Its own venv, made once (.venv-importer/, pinned here).
IMPORTER_PIN=galaxy-importer==0.4.44
IMPORTER_VENV=$ROOT/.venv-importer
if [ "$(cat "$IMPORTER_VENV/.pin" 2>/dev/null)" != "$IMPORTER_PIN" ]; then
  log "venv for $IMPORTER_PIN"
  rm -rf "$IMPORTER_VENV"
  "$PYTHON" -m venv "$IMPORTER_VENV"
  "$IMPORTER_VENV/bin/python" -m pip install -q --disable-pip-version-check "$IMPORTER_PIN"
  echo "$IMPORTER_PIN" > "$IMPORTER_VENV/.pin"
fi
log "galaxy-importer on $(basename "$TARBALL")"
mkdir -p "$WORK/importer/home"
(cd "$WORK/importer" && env -u ANSIBLE_CONFIG -u ANSIBLE_COLLECTIONS_PATH HOME="$WORK/importer/home" \
   PATH="$IMPORTER_VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin" GALAXY_IMPORTER_CHECK_REQUIRED_TAGS=true \
   "$IMPORTER_VENV/bin/python" -m galaxy_importer.main "$TARBALL") > "$WORK/importer.log" 2>&1 \
  || { tail -n 30 "$WORK/importer.log" >&2; fail "galaxy-importer failed"; }
grep -qx "Importer processing completed successfully" "$WORK/importer.log" \
  || { tail -n 30 "$WORK/importer.log" >&2; fail "galaxy-importer did not complete"; }
# Its only accepted warnings are about the sanity ignore files, which it mentions even when they are empty.
if grep -E "^(WARNING|ERROR)" "$WORK/importer.log" \
     | grep -vE "^WARNING: Ignore files skip ansible-test sanity tests, found ignore-[0-9.]+\.txt with 0 statement\(s\)$" \
     > "$WORK/importer-warnings.txt"; then
  sed 's/^/    /' "$WORK/importer-warnings.txt" >&2
  fail "galaxy-importer warned about the tarball"
fi
"$ROOT/.venv/bin/python" - "$WORK/importer/importer_result.json" "$ROOT/docs/docsite/extra-docs.yml" <<'PY' || fail "the importer's result is not what Galaxy should show"
import json, sys, yaml
result = json.load(open(sys.argv[1]))
blob = result["docs_blob"]
problems = []
if not blob["collection_readme"].get("html"):
    problems.append("no README rendered")
shown = {doc["name"]: doc for doc in blob["documentation_files"] or []}
if "guides.md" not in shown:
    problems.append("docs/guides.md is not among the documentation files: %s" % sorted(shown))
else:
    guides = yaml.safe_load(open(sys.argv[2]))["sections"][0]["toctree"]
    problems += ["docs/guides.md does not link docsite/rst/%s.rst" % guide
                 for guide in guides if "docsite/rst/%s.rst" % guide not in shown["guides.md"]["html"]]
undocumented = [item["content_name"] for item in blob["contents"]
                if item["content_type"] not in ("module_utils", "doc_fragments")
                and not (item.get("doc_strings") or item.get("readme_html") or item.get("readme_file"))]
if undocumented:
    problems.append("no documentation for %s" % ", ".join(undocumented))
for problem in problems:
    print("    " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
log "galaxy-importer: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["contents"]))' "$WORK/importer/importer_result.json") contents imported, no warnings"

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
