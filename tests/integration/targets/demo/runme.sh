#!/usr/bin/env bash
# The main job (make demo) as a new user runs it, in the test sandbox that plays the host: refused with a clear
# message and nothing changed when a subnet of the scene is taken; built; built again with changed=0; removed;
# removed again with changed=0.
set -euo pipefail
[ -e /run/linuxnet-netns-sandbox ] || { echo "FAIL: the demo target runs only inside the test sandbox" >&2; exit 1; }
# ansible-test runs this from a copy of the target; the collection itself is on the collections path
collection_root=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/linuxnet/netns
# the demo's names (ns1, ns2, veth-ns1) are fixed, and the before/after snapshot below reads the whole host: a
# sandbox of its own, so that neither meets what the other lane's targets make meanwhile
if [ "${LNT_DEMO_OWN_SANDBOX:-}" != 1 ]; then
  exec env LNT_DEMO_OWN_SANDBOX=1 "$collection_root/tests/sandbox.sh" --new "$0" "$@"
fi
# shellcheck source=scripts/lib.sh
. "$collection_root/scripts/lib.sh" demo
demo=$collection_root/demo
blocker=lntdemoblk
cleanup() {
  ip link delete "$blocker" 2>/dev/null || true
  ip netns delete ns1 2>/dev/null || true
  ip netns delete ns2 2>/dev/null || true
}
trap cleanup EXIT
out=
play() { out=$(ansible-playbook -i "$demo/inventory.ini" "$demo/$1" 2>&1) || { echo "$out"; return 1; }; }
changed() { sed -n 's/^localhost *:.* changed=\([0-9]*\).*/\1/p' <<<"$out"; }
netns_list() { ip netns list | awk '{print $1}' | sort | tr '\n' ' '; }

# a subnet of the scene already routed here: the demo stops at once, naming the route, and changes nothing
ip link add "$blocker" type veth peer name "${blocker}p"
ip address add 10.200.1.77/25 dev "$blocker"
ip link set "$blocker" up
before=$(ip -o link; ip -o address; ip route show table all; netns_list)
if play site.yml; then fail "the demo ran although 10.200.1.0/25 is routed here"; fi
[[ $out == *'route "10.200.1.0/25 dev lntdemoblk" overlaps 10.200.1.0/24'* ]] || fail "the message names no route: $out"
[[ $out == *"Nothing was changed"* ]] || fail "the message does not say nothing changed: $out"
after=$(ip -o link; ip -o address; ip route show table all; netns_list)
[ "$before" = "$after" ] || fail "the refused demo changed something: $(diff <(echo "$before") <(echo "$after"))"
ip link delete "$blocker"

play site.yml || fail "make demo failed"
[ "$(changed)" -gt 0 ] || fail "the first run changed nothing"
[[ $out == *"pings from ns2: 10.200.0.1, fd00:200::1, 10.200.1.1 all answered"* ]] || fail "no ping summary: $out"
[ "$(netns_list)" = "ns1 ns2 " ] || fail "ip netns list shows $(netns_list)"
play site.yml || fail "make demo (again) failed"
[ "$(changed)" = 0 ] || fail "the second run changed something: $out"

play clean.yml || fail "make demo-clean failed"
[ "$(changed)" -gt 0 ] || fail "demo-clean changed nothing"
[ -z "$(netns_list)" ] || fail "namespaces left after demo-clean: $(netns_list)"
ip link show veth-ns1 >/dev/null 2>&1 && fail "veth-ns1 left after demo-clean"
play clean.yml || fail "demo-clean (again) failed"
[ "$(changed)" = 0 ] || fail "the second demo-clean changed something"
echo "demo: refused on a taken subnet, built, idempotent, removed"
