#!/usr/bin/env bash
# The reboot test: booted Debian hosts, reached by Ansible over SSH, powered off and booted again, then checked
# without Ansible.
#
#   tests/reboot/run.sh         (or make reboot; REBOOT_HOSTS=2 hosts, REBOOT_TIME_LIMIT=900 seconds in the sandbox,
#                               REBOOT_ANSIBLE_ARGS for ansible-playbook, e.g. -v)
#
# 1. On this machine: the apt packages (scripts/setup.sh base test reboot), the host's root filesystem
#    (tests/reboot/rootfs.sh: mmdebstrap, cached under /var/cache/linuxnet-netns), the wheel cache
#    (tests/wheels.sh), and the snapshot of the host-untouched check (tests/host_state.sh).
# 2. In a sandbox (tests/sandbox.sh), each host is an overlay of that root filesystem (its own SSH host key,
#    the controller's key, a pip configuration pointing at the wheel cache) booted with systemd-nspawn --boot
#    with a private network namespace whose eth0 is a veth to the controller (the sandbox): systemd is its
#    pid 1, sshd and python3 are Debian's, and it has neither Ansible nor pyroute2.
# 3. site.yml over SSH: a small HTTP server unit, the topology role with persistence (a namespace app, a veth
#    into it, addresses, a default route, forwarding, a firewall masquerading app behind the host, app's
#    resolv.conf) and the unit bound into app by netns_services; service_netns' bad input refused by a booted
#    systemd with no file written.
# 4. check.sh on each host over plain ssh, and HTTP from the controller, before the reboot.
# 5. Reboot: systemctl poweroff, the same overlay booted again (a fresh network namespace and veth).
# 6. The same checks, with no Ansible run since: the boot unit re-created the topology (its applier, the
#    collection's code, ran with the pyroute2 the role installed), app reaches the controller masqueraded, the
#    unit runs inside app, answers from the host's namespace and from the controller, and reads app's
#    resolv.conf.
# 7. site.yml again: changed=0 on every host.
# Always: every host powered off (killed after 30 s), overlays unmounted, the state directory removed; the
# rootfs cache is kept. Then the host-untouched check. Needs root.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" reboot
LIMIT=${REBOOT_TIME_LIMIT:-900}
HOSTS=${REBOOT_HOSTS:-2}
if ! [[ $HOSTS =~ ^[0-9]+$ ]] || [ "$HOSTS" -lt 1 ] || [ "$HOSTS" -gt 9 ]; then die "REBOOT_HOSTS must be 1..9: $HOSTS"; fi

# --- on this machine ----------------------------------------------------------------------------------------------
if [ ! -e /run/linuxnet-netns-sandbox ]; then
  require_root
  started=$SECONDS
  "$ROOT/scripts/setup.sh" base test reboot || die "scripts/setup.sh failed"
  begin=$SECONDS
  REBOOT_ROOTFS=$("$HERE/rootfs.sh") || die "no root filesystem for the hosts"
  log "root filesystem $REBOOT_ROOTFS ready after $((SECONDS - begin))s"
  LNT_WHEELS=$("$ROOT/tests/wheels.sh") || die "no wheel cache"
  export REBOOT_ROOTFS LNT_WHEELS
  snapshots=$(mktemp -d /tmp/lnt-reboot-host.XXXXXX)
  "$ROOT/tests/host_state.sh" snapshot "$snapshots/before.txt" || die "cannot snapshot this machine"
  status=0
  "$ROOT/tests/sandbox.sh" "$0" "$@" || status=$?
  "$ROOT/tests/host_state.sh" snapshot "$snapshots/after.txt" \
    && "$ROOT/tests/host_state.sh" compare "$snapshots/before.txt" "$snapshots/after.txt" || status=1
  rm -rf "$snapshots"
  if [ "$status" -eq 0 ]; then log "PASSED in $((SECONDS - started))s in all"; else log "FAILED after $((SECONDS - started))s"; fi
  exit "$status"
fi

# --- in the sandbox ------------------------------------------------------------------------------------------------
# one time box for everything in it; timeout signals the process group and the EXIT trap still stops the hosts
if [ -z "${REBOOT_TIMEBOXED:-}" ]; then
  REBOOT_TIMEBOXED=1 timeout --kill-after=30 "$LIMIT" "$0" "$@"
  status=$?
  [ "$status" -eq 124 ] && log "FAILED: over the time limit of ${LIMIT}s"
  exit "$status"
fi
[ -d "${REBOOT_ROOTFS:-}" ] || die "REBOOT_ROOTFS is not a directory (run tests/reboot/run.sh, not this part alone)"
for tool in systemd-nspawn ssh ssh-keygen ip; do command -v "$tool" >/dev/null || die "$tool not found"; done
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
# The collection as it is now, copied: the runs before and after the reboot must see the same code (an edit of
# the checkout meanwhile would reinstall the applier and count as a change)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
sync_collection
export ANSIBLE_COLLECTIONS_PATH=$TEST_TMP

started=$SECONDS
PREFIX=$(random_prefix)
STATE=$(mktemp -d /tmp/lnt-reboot.XXXXXX)
WHEELS_INSIDE=/var/cache/linuxnet-netns-wheels
TOPOLOGY_UNIT=linuxnet-netns-reboot.service
declare -A NSPAWN_PID=()

underlay() { echo "198.18.$((100 + $1))"; }  # the host's eth0 and the controller's veth: .2 and .1 of a /24
app_net() { echo "198.19.$((100 + $1))"; }   # namespace app on host N (site.yml): app0 .1, app's eth0 .2

# the pid of the host's systemd (pid 1 inside): the child of its systemd-nspawn that is in the container's own
# pid and network namespaces (nspawn's first child, which makes it and then exits, is in ours; a process that
# is exiting has no namespaces to read)
leader() {
  local pid=${NSPAWN_PID[$1]:-} child pidns netns
  [ -n "$pid" ] || return 1
  child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) || return 1
  child=${child// /}
  [[ $child =~ ^[0-9]+$ ]] || return 1
  pidns=$(readlink "/proc/$child/ns/pid" 2>/dev/null) && netns=$(readlink "/proc/$child/ns/net" 2>/dev/null) || return 1
  [ -n "$pidns" ] && [ "$pidns" != "$(readlink /proc/self/ns/pid)" ] || return 1
  [ -n "$netns" ] && [ "$netns" != "$(readlink /proc/self/ns/net)" ] || return 1
  echo "$child"
}

host_ssh() {
  local i=$1
  shift
  ssh -q -i "$STATE/id_ed25519" -o IdentitiesOnly=yes -o UserKnownHostsFile="$STATE/known_hosts" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=3 "root@$(underlay "$i").2" "$@"
}

# The control masters Ansible's ssh connection left (ControlPersist): closed before a host goes down and at the end.
close_masters() {
  local socket
  for socket in "$STATE"/cp/*; do
    [ -S "$socket" ] || continue
    ssh -o ControlPath="$socket" -O exit dummy >/dev/null 2>&1 || true
  done
}

# prepare_host N: the host's overlay of the root filesystem, with what is its own
prepare_host() {
  local i=$1 dir=$STATE/h$1
  mkdir -p "$dir/upper" "$dir/work" "$dir/root"
  mount -t overlay "lnt-reboot-h$i" -o "lowerdir=$REBOOT_ROOTFS,upperdir=$dir/upper,workdir=$dir/work" "$dir/root" \
    || die "h$i: cannot mount the overlay of $REBOOT_ROOTFS"
  install -d -m 0700 "$dir/root/root/.ssh"
  install -m 0600 "$STATE/id_ed25519.pub" "$dir/root/root/.ssh/authorized_keys"
  ssh-keygen -q -t ed25519 -N '' -C "h$i-$PREFIX" -f "$dir/root/etc/ssh/ssh_host_ed25519_key"
  echo "$(underlay "$i").2 $(cut -d' ' -f1-2 "$dir/root/etc/ssh/ssh_host_ed25519_key.pub")" >> "$STATE/known_hosts"
  printf 'HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\n' \
    > "$dir/root/etc/ssh/sshd_config.d/linuxnet-netns-test.conf"
  # what the topology role's "pip install pyroute2" finds: the wheel cache, bound read-only at boot (no network)
  printf '[global]\nno-index = true\nfind-links = %s\n' "$WHEELS_INSIDE" > "$dir/root/etc/pip.conf"
}

# boot_host N BOOT: systemd-nspawn --boot with a private network namespace, then a veth from the controller into
# it (as a machine's NIC comes up), made afresh at every boot. --private-network, not a prepared namespace
# (--network-namespace-path): only with it does nspawn leave /proc/sys/net writable, and the topology sets
# net.ipv4.ip_forward on the host.
boot_host() {
  local i=$1 boot=$2 link=${PREFIX}c$1 net began pid init ms tick
  net=$(underlay "$i")
  began=$(date +%s%N)
  systemd-nspawn -q -D "$STATE/h$i/root" --boot --machine="${PREFIX}h$i" --register=no --keep-unit \
    --private-network --resolv-conf=off --link-journal=no --console=read-only \
    --bind-ro="$LNT_WHEELS:$WHEELS_INSIDE" </dev/null >"$STATE/h$i/console-$boot.log" 2>&1 &
  pid=$!
  NSPAWN_PID[$i]=$pid
  for tick in $(seq 1 100); do
    init=$(leader "$i") && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "${init:-}" ] || { tail -n 30 "$STATE/h$i/console-$boot.log" >&2; die "h$i: systemd-nspawn started no container"; }
  ip link add "$link" type veth peer name eth0 netns "$init" || die "h$i: no veth into the container"
  ip address add "$net.1/24" dev "$link"
  ip link set "$link" up
  nsenter --target "$init" --net ip address add "$net.2/24" dev eth0
  nsenter --target "$init" --net ip link set eth0 up
  # the controller reaches namespace app through the host, which forwards (site.yml)
  ip route add "$(app_net "$i").0/24" via "$net.2"
  for tick in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$STATE/h$i/console-$boot.log" >&2; die "h$i: systemd-nspawn exited"; }
    if host_ssh "$i" true 2>/dev/null; then
      ms=$(( ($(date +%s%N) - began) / 1000000 ))
      log "h$i: boot $boot answers over SSH after ${ms} ms ($(host_ssh "$i" systemd-analyze 2>/dev/null | head -n 1))"
      echo "$ms" >> "$STATE/boot-ms"
      return 0
    fi
    sleep 0.1
  done
  tail -n 30 "$STATE/h$i/console-$boot.log" >&2
  die "h$i: no SSH at $net.2 60 s after boot"
}

# poweroff_host N [KILL_AFTER]: systemctl poweroff, wait for systemd-nspawn to end (killed after KILL_AFTER
# seconds); the host's network namespace ends with it, and with it the veth and the controller's route
poweroff_host() {
  local i=$1 limit=${2:-60} pid=${NSPAWN_PID[$1]:-} init tick
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    host_ssh "$i" systemctl poweroff 2>/dev/null || true
    for tick in $(seq 1 $((limit * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      # still up after 5 s (no SSH, a hung boot): the signal systemd takes as "poweroff"
      if [ "$tick" = 50 ]; then init=$(leader "$i") && kill -RTMIN+4 "$init" 2>/dev/null; fi
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "h$i: still running ${limit}s after poweroff; killing it"
      init=$(leader "$i") && kill -KILL "$init" 2>/dev/null
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  fi
  unset "NSPAWN_PID[$i]"
  # the kernel dismantles a namespace asynchronously: wait for the veth to go, delete it if it lingers
  for tick in $(seq 1 50); do
    ip link show "${PREFIX}c$i" >/dev/null 2>&1 || return 0
    sleep 0.1
  done
  ip link delete "${PREFIX}c$i" 2>/dev/null || true
}

cleanup() {
  local status=$? i
  trap - EXIT
  close_masters
  [ -n "${PEER_PID:-}" ] && kill "$PEER_PID" 2>/dev/null
  for i in $(seq 1 "$HOSTS"); do
    poweroff_host "$i" 30
    mountpoint -q "$STATE/h$i/root" && { umount "$STATE/h$i/root" || umount -l "$STATE/h$i/root"; }
  done
  rm -rf --one-file-system "$STATE"
  [ -n "${OWN_TEST_TMP:-}" ] && rm -rf "$TEST_TMP"
  log "reboot test took $((SECONDS - started))s in the sandbox"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# --- the hosts ------------------------------------------------------------------------------------------------------
# What the role installs must be all there is: the cached root filesystem has no pyroute2 and no Ansible.
for pattern in 'usr/lib/python3/dist-packages/pyroute2*' 'usr/local/lib/python3*/dist-packages/pyroute2*' \
               'usr/lib/python3/dist-packages/ansible*'; do
  if compgen -G "$REBOOT_ROOTFS/$pattern" >/dev/null; then fail "the root filesystem already has $pattern"; fi
done
mkdir -p /run/systemd/nspawn "$STATE/cp"
ssh-keygen -q -t ed25519 -N '' -C "reboot-$PREFIX" -f "$STATE/id_ed25519"
: > "$STATE/known_hosts"
{
  echo "# Generated by tests/reboot/run.sh for $PREFIX"
  echo "all:"
  echo "  vars:"
  echo "    ansible_user: root"
  echo "    ansible_python_interpreter: /usr/bin/python3"
  echo "    ansible_ssh_private_key_file: $STATE/id_ed25519"
  echo "    ansible_ssh_common_args: >-"
  echo "      -o UserKnownHostsFile=$STATE/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"
  echo "      -o ConnectTimeout=5"
  echo "  children:"
  echo "    booted:"
  echo "      hosts:"
  for i in $(seq 1 "$HOSTS"); do
    echo "        h$i: {ansible_host: $(underlay "$i").2, reboot_index: $i}"
  done
} > "$STATE/inventory.yml"
cat > "$STATE/ansible.cfg" <<CFG
# Generated by tests/reboot/run.sh for $PREFIX
[defaults]
inventory = $STATE/inventory.yml
forks = 10
timeout = 20
gathering = explicit
retry_files_enabled = false

[ssh_connection]
control_path_dir = $STATE/cp
ssh_args = -o ControlMaster=auto -o ControlPersist=60s
pipelining = true
CFG
export ANSIBLE_CONFIG=$STATE/ansible.cfg
unset ANSIBLE_INVENTORY ANSIBLE_PYTHON_INTERPRETER
export ANSIBLE_HOST_KEY_CHECKING=true ANSIBLE_NOCOLOR=true ANSIBLE_DEPRECATION_WARNINGS=false

# what app on each host reaches through its host's masquerade: a server on the controller that answers with the
# address a request came from
python3 -c '
import http.server
class Peer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.client_address[0].encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("0.0.0.0", 8081), Peer).serve_forever()
' &
PEER_PID=$!

begin=$SECONDS
for i in $(seq 1 "$HOSTS"); do
  prepare_host "$i"
  boot_host "$i" 1
done
log "$HOSTS hosts up after $((SECONDS - begin))s"

# playbook PHASE [ARGS...]: site.yml with its output in STATE/PHASE.log; sets phase_status
playbook() {
  local phase=$1 begin=$SECONDS
  shift
  log "phase $phase"
  # shellcheck disable=SC2086  # REBOOT_ANSIBLE_ARGS: extra arguments for every run, e.g. -vv
  ansible-playbook "$HERE/site.yml" "$@" ${REBOOT_ANSIBLE_ARGS:-} 2>&1 | tee "$STATE/$phase.log"
  phase_status=${PIPESTATUS[0]}
  log "phase $phase: exit $phase_status after $((SECONDS - begin))s"
}
recap() { sed -n "s/^$2 *:.*[[:space:]]$3=\([0-9]*\).*/\1/p" "$STATE/$1.log"; }

# check_hosts WHEN: check.sh on every host (plain ssh, no Ansible), and HTTP from the controller into app
check_hosts() {
  local when=$1 i net body
  for i in $(seq 1 "$HOSTS"); do
    net=$(app_net "$i")
    log "h$i: checks $when"
    # ssh joins its arguments into one command line for the remote shell: quoted for it
    host_ssh "$i" bash -s -- "$(printf '%q ' "$net" "$(underlay "$i")" "h$i" "$when" "$TOPOLOGY_UNIT")" \
      < "$HERE/check.sh" \
      || fail "h$i: checks $when (above)"
    # another namespace than app's and the host's: the controller, through the host's forwarding
    body=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
      "http://$net.2:8080/") || fail "h$i: no HTTP answer from $net.2:8080 to the controller ($when)"
    [ "$body" = "hello from h$i" ] || fail "h$i: the controller got '$body' from $net.2:8080 ($when)"
    log "h$i: the controller got '$body' from $net.2:8080"
  done
}

playbook first -e reboot_run=first
[ "$phase_status" -eq 0 ] || fail "first run of site.yml"
check_hosts "before the reboot"

begin=$SECONDS
close_masters
for i in $(seq 1 "$HOSTS"); do
  poweroff_host "$i"
  log "h$i: powered off"
done
for i in $(seq 1 "$HOSTS"); do boot_host "$i" 2; done
log "$HOSTS hosts rebooted after $((SECONDS - begin))s"
check_hosts "after the reboot"

playbook again -e reboot_run=again
[ "$phase_status" -eq 0 ] || fail "second run of site.yml"
for i in $(seq 1 "$HOSTS"); do
  [ "$(recap again "h$i" changed)" = 0 ] || fail "second run: h$i reports changes"
  [ "$(recap again "h$i" ok)" -gt 0 ] || fail "second run: h$i ran nothing"
done
log "boots (ms from systemd-nspawn to SSH): $(tr '\n' ' ' < "$STATE/boot-ms")"
log "PASSED: $HOSTS hosts booted, set up over SSH, rebooted, checked without Ansible, changed=0 after;" \
  "$((SECONDS - started))s in the sandbox"
