#!/usr/bin/env bash
# Ad hoc use, as an operator types it: ansible localhost -m linuxnet.netns.netns -a name=X
set -euo pipefail
[ -e /run/linuxnet-netns-sandbox ] || { echo "FAIL: integration targets run only inside the test sandbox (tests/integration.sh)" >&2; exit 1; }

prefix="lnt$(printf '%06x' $(( (RANDOM << 15 | RANDOM) & 0xffffff )))"
name="$prefix-adhoc"
# the collection's root: the nearest directory up with galaxy.yml (ansible-test runs this from a copy of the
# target under tests/output/.tmp/integration/)
collection_root=$PWD
while [ ! -e "$collection_root/galaxy.yml" ]; do
  [ "$collection_root" != / ] || { echo "FAIL: no galaxy.yml above $PWD" >&2; exit 1; }
  collection_root=$(dirname "$collection_root")
done
cleanup() { ip netns delete "$name" 2>/dev/null || true; }
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
run() { ansible localhost -c local -o "$@" 2>&1; }

out=$(run -m linuxnet.netns.netns -a "name=$name" --check)
[[ $out == *"CHANGED"* ]] || fail "check mode on a missing namespace must report a change: $out"
[ ! -e "/run/netns/$name" ] || fail "check mode created /run/netns/$name"

out=$(run -m linuxnet.netns.netns -a "name=$name")
[[ $out == *"CHANGED"* ]] || fail "first run must report a change: $out"
ip netns list | awk '{print $1}' | grep -qx "$name" || fail "ip netns list does not show $name"

out=$(run -m linuxnet.netns.netns -a "name=$name")
[[ $out == *"SUCCESS"* && $out == *'"changed": false'* ]] || fail "second run must be unchanged: $out"

# the short module name resolves when the playbook directory is the collection's root, and only then
out=$(ANSIBLE_PLAYBOOK_DIR=$collection_root run -m netns -a "name=$name")
[[ $out == *'"changed": false'* ]] || fail "short name -m netns did not resolve: $out"
out=$(cd /tmp; ANSIBLE_PLAYBOOK_DIR=/tmp run -m netns -a "name=$name" || true)
[[ $out == *"Cannot resolve 'netns'"* ]] || fail "short name -m netns resolved outside the collection: $out"

out=$(run -m linuxnet.netns.netns -a "name=$name state=absent")
[[ $out == *"CHANGED"* ]] || fail "state=absent must report a change: $out"
ip netns list | awk '{print $1}' | grep -qx "$name" && fail "$name still listed after state=absent"

out=$(run -m linuxnet.netns.netns -a "name=../etc" || true)
[[ $out == *"FAILED"* && $out == *"name:"* && $out == *"'../etc'"* ]] || fail "traversal name not refused clearly: $out"

for module in netns veth link address route; do
  ansible-doc "linuxnet.netns.$module" > /dev/null || fail "ansible-doc linuxnet.netns.$module does not render"
done
echo "adhoc: all checks passed"
