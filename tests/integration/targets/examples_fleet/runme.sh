#!/usr/bin/env bash
# The fleet example (examples/inventory, examples/fleet.yml) run as an operator runs it, on this machine: the four
# runs (check, apply, apply again, check again), the boot path without Ansible, then removal. Every name carries
# a random prefix (fleet_prefix), and the persistence and state files go to a temporary directory.
set -euo pipefail
[ -e /run/linuxnet-netns-sandbox ] || { echo "FAIL: integration targets run only inside the test sandbox (tests/integration.sh)" >&2; exit 1; }

# ansible-test runs this from a copy of the target; the collection itself is on the collections path
collection_root=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/linuxnet/netns
# shellcheck source=scripts/lib.sh
. "$collection_root/scripts/lib.sh" examples_fleet
prefix="$(random_prefix)-"
examples=$collection_root/examples
[ -f "$examples/fleet.yml" ] || fail "$examples/fleet.yml not found"
tmp=$(mktemp -d "/tmp/${prefix}XXXXXX")
namespaces=(edge-router edge-client1 edge-client2 app-switch app-web1 app-web2)
topologies=(edge app)
hosts=(edge1 app1)
start=$SECONDS

# Everything with the prefix, with ip rather than the collection: namespaces (their links go with them), host
# links, /etc/netns directories, and the temporary directory.
cleanup() {
  local entry link
  for entry in /run/netns/"$prefix"*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    ip netns delete "${entry##*/}" 2>/dev/null || rm -f -- "$entry"
  done
  rm -rf -- /etc/netns/"$prefix"*
  for link in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$prefix" || true); do
    ip link delete "$link" 2>/dev/null || true
  done
  rm -rf -- "$tmp"
}
trap cleanup EXIT


# One run of the example's playbook: its output in $out, its recap lines shown.
out=
play() {
  local label=$1 status=0
  shift
  out=$(ansible-playbook -i "$examples/inventory" "$examples/fleet.yml" \
    -e "fleet_prefix=$prefix" \
    -e "netns_persist_dir=$tmp/etc" \
    -e "netns_systemd_unit_dir=$tmp/systemd" \
    -e "netns_state_dir=$tmp/state" \
    -e "netns_persist_lib=$tmp/lib" \
    "$@" 2>&1) || status=$?
  [ "$status" -eq 0 ] || fail "$label: ansible-playbook exited with $status: $out"
  printf '== %s (%ss)\n' "$label" "$((SECONDS - start))"
  recap_lines
}
recap_lines() { awk '/^PLAY RECAP/ {recap = 1; next} recap && NF' <<<"$out"; }
# changed=N of a host in the recap of the last run
changed() {
  local count
  count=$(recap_lines | awk -v host="$1" '$1 == host && $2 == ":" {for (i = 3; i <= NF; i++) if ($i ~ /^changed=/) {sub(/^changed=/, "", $i); print $i}}')
  [[ $count =~ ^[0-9]+$ ]] || fail "no recap line for $1: $out"
  printf '%s\n' "$count"
}
expect_changed() {  # label: every host reports changes
  local host
  for host in "${hosts[@]}"; do
    [ "$(changed "$host")" -gt 0 ] || fail "$1: $host must report changed>0: $(recap_lines)"
  done
}
expect_unchanged() {  # label: no host reports a change
  local host
  for host in "${hosts[@]}"; do
    [ "$(changed "$host")" -eq 0 ] || fail "$1: $host must report changed=0: $out"
  done
}
ours() { find /run/netns -mindepth 1 -maxdepth 1 -name "$prefix*" -printf '%f\n' | sort; }
expected() { printf '%s\n' "${namespaces[@]/#/$prefix}" | sort; }

play "check mode on a fresh machine" --check --diff
expect_changed "check mode"
[ -z "$(ours)" ] || fail "check mode created namespaces: $(ours)"
[ -z "$(find "$tmp" -mindepth 1 -print -quit)" ] || fail "check mode wrote files: $(find "$tmp")"

play "apply"
expect_changed "apply"
[ "$(ours)" = "$(expected)" ] || fail "after apply: namespaces $(ours | xargs), expected $(expected | xargs)"
for topology in "${topologies[@]}"; do
  [ -f "$tmp/etc/$prefix$topology.json" ] || fail "no persisted description $tmp/etc/$prefix$topology.json"
  [ -L "$tmp/systemd/multi-user.target.wants/linuxnet-netns-$prefix$topology.service" ] \
    || fail "unit linuxnet-netns-$prefix$topology.service not enabled"
done

play "apply again"
expect_unchanged "apply again"

play "check mode again" --check --diff
expect_unchanged "check mode again"

# The boot path: the namespaces are gone, as after a reboot, and each unit's ExecStart= (the installed applier on
# the persisted description) brings its topology back without Ansible.
for name in $(ours); do ip netns delete "$name"; done
[ -z "$(ours)" ] || fail "namespaces left after deleting them by hand: $(ours)"
for topology in "${topologies[@]}"; do
  unit=$tmp/systemd/linuxnet-netns-$prefix$topology.service
  command=$(sed -n 's/^ExecStart=//p' "$unit")
  [ "$command" = "$tmp/lib/linuxnet-netns-apply $tmp/etc/$prefix$topology.json" ] || fail "$unit: ExecStart=$command"
  # word splitting is wanted: the command line as systemd runs it (the paths have no spaces)
  # shellcheck disable=SC2086
  booted=$($command 2>&1) || fail "$command failed: $booted"
  printf '== boot: %s\n%s\n' "$command" "$booted"
  [[ $booted == *"$prefix$topology.json: changed"* ]] || fail "the applier did not report its changes: $booted"
done
[ "$(ours)" = "$(expected)" ] || fail "after boot: namespaces $(ours | xargs), expected $(expected | xargs)"
ip netns exec "${prefix}edge-client1" ping -n -c 1 -i 0.2 -w 5 198.18.2.2 > /dev/null \
  || fail "after boot: edge-client1 does not reach edge-client2 through edge-router"
ip netns exec "${prefix}app-web1" ping -n -c 1 -i 0.2 -w 5 198.18.20.12 > /dev/null \
  || fail "after boot: app-web1 does not reach app-web2 across the bridge"

play "after boot (with the verify pings)"
expect_unchanged "after boot"

play "teardown" -e netns_state=absent
expect_changed "teardown"
[ -z "$(ours)" ] || fail "namespaces left after teardown: $(ours)"
left=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$prefix" || true)
[ -z "$left" ] || fail "host links left after teardown: $left"
left=$(find /etc/netns -mindepth 1 -maxdepth 1 -name "$prefix*" 2>/dev/null || true)
[ -z "$left" ] || fail "/etc/netns entries left after teardown: $left"
left=$(find "$tmp" -mindepth 1 -name "*$prefix*" ! -path "$tmp/state/*")
[ -z "$left" ] || fail "persisted descriptions or units left after teardown: $left"
for topology in "${topologies[@]}"; do
  python3 - "$tmp/state/$prefix$topology.json" <<'PY' || fail "the ownership record of $topology still owns objects"
import json, sys
with open(sys.argv[1]) as record:
    sys.exit(0 if json.load(record).get('objects') == {} else 1)
PY
done

echo "examples_fleet: all checks passed in $((SECONDS - start))s"
