#!/usr/bin/env bash
# The linuxnet.netns.netns connection plugin: namespaces of this machine as inventory hosts.
#   - ad hoc: `ip -br link` through it shows exactly that namespace's interfaces
#   - a missing namespace, and a /run/netns entry that is no namespace, are UNREACHABLE, naming it
#   - test_connection.yml: the connection test every connection plugin passes (raw, put/fetch with unicode,
#     file modules, wait_for_connection, reset_connection), with pipelining off (red) and on (green)
#   - test_namespace.yml: copy/fetch, the /etc/netns/NAME bind, become inside the namespace
set -euo pipefail
[ -e /run/linuxnet-netns-sandbox ] || { echo "FAIL: integration targets run only inside the test sandbox (tests/integration.sh)" >&2; exit 1; }

# ansible-test runs this from a copy of the target; the collection itself is on the collections path
collection_root=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/linuxnet/netns
# shellcheck source=scripts/lib.sh
. "$collection_root/scripts/lib.sh" connection_netns
prefix=$(random_prefix)
red=$prefix-red
blue=$prefix-blue
green=$prefix-green
missing=$prefix-missing
stale=$prefix-stale
work=$(mktemp -d "/tmp/$prefix-connection.XXXXXX")

cleanup() {
  local ns
  for ns in "$red" "$blue" "$green"; do ip netns delete "$ns" 2>/dev/null || true; done
  rm -f "/run/netns/$stale"
  rm -rf "/etc/netns/$green" "$work"
}
trap cleanup EXIT

step_start=$SECONDS
step() { echo "connection_netns: $* (at ${SECONDS}s, $((SECONDS - step_start))s since the last step)"; step_start=$SECONDS; }

# red and blue joined by a veth; green with a bridge, under another inventory name, with its own /etc/hosts
ip netns add "$red"
ip netns add "$blue"
ip netns add "$green"
ip link add v-blue netns "$red" type veth peer name v-red netns "$blue"
ip -n "$green" link add br-green type bridge
mkdir -p "/etc/netns/$green"
printf '127.0.0.1 localhost\n198.18.100.7 only-in-green\n' > "/etc/netns/$green/hosts"
: > "/run/netns/$stale"   # what an interrupted `ip netns add` leaves: a plain empty file

cat > "$work/inventory.ini" <<INI
# pipelining off for red, on for the others: each run of a playbook covers both ways
[namespaces]
$red ansible_pipelining=false
$blue ansible_pipelining=true
green ansible_netns_name=$green ansible_pipelining=true

# one host of each kind: pipelining off (red) and on, with another inventory name (green)
[pair]
$red
green

[broken]
$missing
$stale

[all:vars]
ansible_connection=linuxnet.netns.netns
ansible_python_interpreter={{ ansible_playbook_python }}
INI
export ANSIBLE_INVENTORY=$work/inventory.ini

# --- ad hoc: each host sees its own namespace's interfaces and no other ---------------------------------
out=$(ansible namespaces -m ansible.builtin.command -a 'ip -br link' 2>&1) || fail "ad hoc command failed: $out"
for host in "$red" "$blue" green; do
  ns=$host
  [ "$host" = green ] && ns=$green
  seen=$(awk -v h="$host" '/ \| (CHANGED|SUCCESS|FAILED)/ {on = ($1 == h); next} on && NF {sub(/@.*/, "", $1); print $1}' <<< "$out" | sort)
  want=$(ip -br -n "$ns" link | awk '{sub(/@.*/, "", $1); print $1}' | sort)
  if [ -z "$want" ] || [ "$seen" != "$want" ]; then fail "$host: saw [$seen], namespace $ns has [$want]: $out"; fi
done
for link in v-blue v-red br-green; do grep -q "$link" <<< "$out" || fail "$link missing from: $out"; done

step "ad hoc command checked"
# --- missing namespaces are UNREACHABLE, with their name ----------------------------------------------
set +e
out=$(ansible broken -m ansible.builtin.ping 2>&1)
status=$?
set -e
[ "$status" -eq 4 ] || fail "unreachable hosts must make ansible exit 4, got $status: $out"
grep -q "$missing | UNREACHABLE" <<< "$out" || fail "$missing not UNREACHABLE: $out"
grep -q "network namespace '$missing' does not exist (no /run/netns/$missing)" <<< "$out" || fail "no clear message: $out"
grep -q "$stale | UNREACHABLE" <<< "$out" || fail "$stale not UNREACHABLE: $out"
grep -q "/run/netns/$stale is not a namespace but a plain file" <<< "$out" || fail "no clear message: $out"

step "unreachable hosts checked"
# --- the connection test, on red (without pipelining) and green (with it) ------------------------------
ansible-playbook test_connection.yml -e "local_tmp=$work/local" -e "remote_tmp=$work/remote"

step "connection test passed"
# pipelining is what the inventory says: module files are put only for red
out=$(ansible namespaces -m ansible.builtin.command -a true -vvv 2>&1) || fail "command failed: $out"
grep -q "<$red> PUT .*AnsiballZ_command.py" <<< "$out" || fail "no module file put for $red (pipelining off): $out"
grep -q "<$green> PUT .*AnsiballZ" <<< "$out" && fail "a module file was put for $green (pipelining on): $out"
grep -q "<$green> EXEC" <<< "$out" || fail "no command ran in $green: $out"

# connection variables stay out of the output (as ansible-core's own connection test checks)
out=$(ansible namespaces -m ansible.builtin.set_fact -a testing=value -v 2>&1)
grep -q ansible_netns_name <<< "$out" && fail "connection variables in the output: $out"

step "pipelining and output checked"
# --- what is particular to namespaces -----------------------------------------------------------------
ansible-playbook test_namespace.yml -e "work=$work" -e "green_netns=$green"

step "namespace test passed"
ansible-doc -t connection linuxnet.netns.netns > /dev/null || fail "ansible-doc does not render the connection plugin"
ansible-doc -t become linuxnet.netns.netns_exec > /dev/null || fail "ansible-doc does not render the become plugin"
echo "connection_netns: all checks passed in ${SECONDS}s"
