#!/usr/bin/env bash
# The fleet test: start simulated hosts, run the fleet playbooks against them over SSH, always stop them.
#
#   tests/fleet/run.sh              (FLEET_HOSTS=3 by default; FLEET_TIME_LIMIT=300 seconds for everything)
#
# Phases, each a separate ansible-playbook run whose outcome is checked here as well as by its asserts:
#   1. first_run.yml   each host converges its own topology; four runs of the overlay role; ip/bridge read back;
#                      a ping crosses the overlay; tasks run inside a remote namespace (netns_exec become plugin)
#   2. site.yml        the operator's playbook again: the recap shows changed=0 on every host
#   3. sshd_down.yml   host2's sshd is stopped mid-run: the recap shows host2 unreachable, the others converged
# Needs root. Runs standalone from a checkout (with scripts/setup.sh done) or from ansible-test (fleet target).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIMIT=${FLEET_TIME_LIMIT:-300}

# The simulated hosts and the controller's veth to their switch live in a test sandbox, never on the real host
if [ ! -e /run/linuxnet-netns-sandbox ]; then
  # the roles pip-install pyroute2 on the hosts: from the wheel cache (the sandbox has no network)
  LNT_WHEELS=$("$ROOT/tests/wheels.sh") || exit 1
  export LNT_WHEELS
  exec "$ROOT/tests/sandbox.sh" "$0" "$@"
fi

# Everything runs under one time box; timeout signals the whole process group, and the EXIT trap below still
# stops the fleet.
if [ -z "${FLEET_TIMEBOXED:-}" ]; then
  FLEET_TIMEBOXED=1 timeout --kill-after=30 "$LIMIT" "$0" "$@"
  status=$?
  [ "$status" -eq 124 ] && echo "[fleet] FAILED: over the time limit of ${LIMIT}s" >&2
  exit "$status"
fi

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" fleet
pip_from_wheel_cache

started=$SECONDS
STATE=$(mktemp -d /tmp/lnt-fleet.XXXXXX)
cleanup() {
  local status=$?
  "$HERE/stop.sh" "$STATE"
  log "fleet test took $((SECONDS - started))s in all"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# The collection and the interpreter the hosts run modules with: ansible-test provides both; a checkout has
# the venv of scripts/setup.sh and its collections path.
if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
  # shellcheck source=scripts/env.sh
  . "$ROOT/scripts/env.sh"
fi
FLEET_PYTHON=${FLEET_PYTHON:-${ANSIBLE_TEST_PYTHON_INTERPRETER:-$ROOT/.venv/bin/python}}
[ -x "$FLEET_PYTHON" ] || fail "no Python for the hosts at $FLEET_PYTHON (run scripts/setup.sh, or set FLEET_PYTHON)"
export FLEET_PYTHON

FLEET_PYTHON=$FLEET_PYTHON "$HERE/start.sh" "$STATE" "${FLEET_HOSTS:-3}" || fail "the fleet did not start"
log "fleet up after $((SECONDS - started))s"

# The generated configuration, not whatever the caller (ansible-test, scripts/env.sh) set.
export ANSIBLE_CONFIG=$STATE/ansible.cfg
export ANSIBLE_HOST_KEY_CHECKING=true
unset ANSIBLE_INVENTORY ANSIBLE_PYTHON_INTERPRETER
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_NOCOLOR=true
export ANSIBLE_DEPRECATION_WARNINGS=false
PLAYBOOKS=$HERE/playbooks
prefix=$(sed -n 's/^FLEET_PREFIX=//p' "$STATE/env")
hosts=$(sed -n 's/^FLEET_HOSTS=//p' "$STATE/env")

# ansible-playbook PHASE [ARGS...]: runs it with its output in STATE/PHASE.log; sets phase_status
playbook() {
  local phase=$1 begin=$SECONDS
  shift
  log "phase $phase"
  ansible-playbook "$@" 2>&1 | tee "$STATE/$phase.log"
  phase_status=${PIPESTATUS[0]}
  log "phase $phase: exit $phase_status after $((SECONDS - begin))s"
}

# recap PHASE HOST FIELD: the value of FIELD (ok, changed, unreachable, failed...) in HOST's recap line
recap() {
  sed -n "s/^$2 *:.*[[:space:]]$3=\([0-9]*\).*/\1/p" "$STATE/$1.log"
}

# the named namespaces of a simulated host, read inside its own mount namespace
host_netns() {
  nsenter --target "$(cat "$STATE/$1/init.pid")" --net --mount --pid -- ip netns list | awk '{print $1}' | sort
}

# What a host is, as an operator's dry run must leave it: links, addresses, namespaces, the collection's files,
# the distribution's packages and the system Python's packages
host_state() {
  nsenter --target "$(cat "$STATE/$1/init.pid")" --net --mount -- bash -c '
    # (an IPv6 address finishing duplicate address detection meanwhile is the kernel, not the dry run)
    ip -o link | sed "s/^[0-9]*: //"; ip -o address | sed "s/^[0-9]*: //; s/ tentative//"; ip netns list
    find /opt/linuxnet-netns /etc/linuxnet-netns /usr/local/lib/linuxnet-netns /var/lib/linuxnet-netns \
      /etc/systemd/system -printf "%p %y %s\n" 2>/dev/null | sort
    dpkg-query -W | sha256sum
    find /usr/lib/python3/dist-packages /usr/local/lib/python3* -maxdepth 1 2>/dev/null | sort | sha256sum'
}

# changed=N of every host of PHASE's recap, one line each
recaps() { for i in $(seq 1 "$hosts"); do echo "host$i changed=$(recap "$1" "host$i" changed)"; done; }
all_changed() { ! recaps "$1" | grep -q 'changed=0$'; }
none_changed() { ! recaps "$1" | grep -vq 'changed=0$'; }

# The first day with the roles, on hosts whose Python has no pyroute2 (the system's /usr/bin/python3): a group
# variable of a second inventory source, as an operator's inventory would set it (not -e, which would also
# override the interpreter the roles choose for their own modules)
printf 'fleet:\n  vars:\n    ansible_python_interpreter: /usr/bin/python3\n' > "$STATE/fresh.yml"
fresh=(-i "$STATE/inventory.yml" -i "$STATE/fresh.yml")
for i in $(seq 1 "$hosts"); do host_state "host$i" > "$STATE/host$i.before"; done
playbook roles_dry_run "$PLAYBOOKS/roles.yml" "${fresh[@]}" --check --diff
[ "$phase_status" -eq 0 ] || fail "dry run on fresh hosts"
all_changed roles_dry_run || fail "dry run on fresh hosts: a host reports nothing to do: $(recaps roles_dry_run)"
for i in $(seq 1 "$hosts"); do
  host_state "host$i" > "$STATE/host$i.after"
  cmp -s "$STATE/host$i.before" "$STATE/host$i.after" \
    || fail "the dry run changed host$i: $(diff "$STATE/host$i.before" "$STATE/host$i.after")"
done
playbook roles_apply "$PLAYBOOKS/roles.yml" "${fresh[@]}"
{ [ "$phase_status" -eq 0 ] && all_changed roles_apply; } || fail "apply with the roles: $(recaps roles_apply)"
playbook roles_again "$PLAYBOOKS/roles.yml" "${fresh[@]}"
{ [ "$phase_status" -eq 0 ] && none_changed roles_again; } || fail "apply again: $(recaps roles_again)"
playbook roles_dry_again "$PLAYBOOKS/roles.yml" "${fresh[@]}" --check --diff
{ [ "$phase_status" -eq 0 ] && none_changed roles_dry_again; } || fail "dry run after the apply: $(recaps roles_dry_again)"
playbook roles_teardown "$PLAYBOOKS/roles.yml" "${fresh[@]}" -e netns_state=absent
{ [ "$phase_status" -eq 0 ] && all_changed roles_teardown; } || fail "teardown with one switch: $(recaps roles_teardown)"
for i in $(seq 1 "$hosts"); do
  left=$(host_netns "host$i"; nsenter --target "$(cat "$STATE/host$i/init.pid")" --net -- ip -o link | grep -c 'vx\|ovl' || true)
  [ "$left" = 0 ] || fail "teardown left on host$i: $left"
done
playbook roles_teardown_again "$PLAYBOOKS/roles.yml" "${fresh[@]}" -e netns_state=absent
{ [ "$phase_status" -eq 0 ] && none_changed roles_teardown_again; } || fail "teardown again: $(recaps roles_teardown_again)"

playbook first_run "$PLAYBOOKS/first_run.yml"
[ "$phase_status" -eq 0 ] || fail "first run"

playbook second_run "$PLAYBOOKS/site.yml" -e fleet_expect=unchanged
[ "$phase_status" -eq 0 ] || fail "second run"
for i in $(seq 1 "$hosts"); do
  [ "$(recap second_run "host$i" changed)" = 0 ] || fail "second run: host$i reports changes"
  [ "$(recap second_run "host$i" ok)" -gt 0 ] || fail "second run: host$i ran nothing"
done

extra=$prefix-extra
playbook sshd_down "$PLAYBOOKS/sshd_down.yml" -e fleet_state_dir="$STATE" -e fleet_dir="$HERE" \
  -e fleet_down_host=host2 -e "{\"fleet_extra_namespaces\": [{\"name\": \"$extra\"}]}"
# ansible-playbook exits 4 when a host was unreachable and nothing failed
[ "$phase_status" -eq 4 ] || fail "sshd_down: exit $phase_status, expected 4 (a host unreachable, no failures)"
[ "$(recap sshd_down host2 unreachable)" = 1 ] || fail "sshd_down: host2 is not reported unreachable"
[ "$(recap sshd_down host2 failed)" = 0 ] || fail "sshd_down: host2 is reported failed, not unreachable"
for i in $(seq 1 "$hosts"); do
  [ "$i" = 2 ] && continue
  [ "$(recap sshd_down "host$i" unreachable)" = 0 ] || fail "sshd_down: host$i unreachable"
  [ "$(recap sshd_down "host$i" failed)" = 0 ] || fail "sshd_down: host$i failed"
  [ "$(recap sshd_down "host$i" changed)" -gt 0 ] || fail "sshd_down: host$i did not converge"
  host_netns "host$i" | grep -qx "$extra" || fail "sshd_down: host$i has no namespace $extra"
done
if host_netns host2 | grep -qx "$extra"; then fail "sshd_down: host2 got $extra although unreachable"; fi

log "PASSED: $hosts hosts, $((SECONDS - started))s including start and stop"
