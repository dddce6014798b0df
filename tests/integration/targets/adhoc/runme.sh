#!/usr/bin/env bash
# Ad hoc use, as an operator types it: ansible localhost -m linuxnet.netns.netns -a name=X
set -euo pipefail
[ -e /run/linuxnet-netns-sandbox ] || { echo "FAIL: integration targets run only inside the test sandbox (tests/integration.sh)" >&2; exit 1; }

# ansible-test runs this from a copy of the target; the collection itself is on the collections path
collection_root=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/linuxnet/netns
# shellcheck source=scripts/lib.sh
. "$collection_root/scripts/lib.sh" adhoc
prefix=$(random_prefix)
name="$prefix-adhoc"
cleanup() { ip netns delete "$name" 2>/dev/null || true; }
trap cleanup EXIT

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
