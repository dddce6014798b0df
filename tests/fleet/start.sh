#!/usr/bin/env bash
# Start a fleet of simulated hosts on this machine, each reachable over real SSH from the controller.
#
#   tests/fleet/start.sh STATE_DIR [HOSTS]      (HOSTS defaults to 3; STATE_DIR must be an empty directory)
#   tests/fleet/stop.sh STATE_DIR               stops and removes everything, also after a failed start
#
# Each simulated host is a process tree in its own pid, network and mount namespace (ns-init.sh is its
# pid 1) with a private /run (so a private /run/netns), /etc/netns and /var/lib/linuxnet-netns: the
# namespaces a host creates are invisible to the real machine and to the other hosts. Each runs the
# system's sshd with a private configuration, host key and authorized_keys (root, key only, UsePAM no) on
# its own address. An unnamed switch namespace holds the underlay bridge; every host's eth0 and one
# controller veth are ports of it. The only objects on the real machine are that veth (FLEET_PREFIX + "c",
# with the controller's address and thus one connected route) and the processes, all recorded by pid in
# STATE_DIR.
#
# Writes STATE_DIR/env (FLEET_* settings), STATE_DIR/inventory.yml, STATE_DIR/ansible.cfg.
# Settings from the environment: FLEET_PREFIX (lnt + 6 chars; made up when unset), FLEET_PYTHON (the
# interpreter the hosts run modules with; must import pyroute2).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$HERE/../../scripts/lib.sh" fleet
STATE=${1:?usage: start.sh STATE_DIR [HOSTS]}
HOSTS=${2:-3}
STATE=$(cd "$STATE" && pwd)
PREFIX=${FLEET_PREFIX:-$(random_prefix)}
PYTHON=${FLEET_PYTHON:?set FLEET_PYTHON to the interpreter the simulated hosts run modules with}
SSH_PORT=22


[ "$(id -u)" -eq 0 ] || die "run as root"
[[ $PREFIX =~ ^lnt[a-z0-9]{6}$ ]] || die "FLEET_PREFIX must be lnt and 6 lowercase letters or digits: $PREFIX"
if ! [[ $HOSTS =~ ^[0-9]+$ ]] || [ "$HOSTS" -lt 1 ] || [ "$HOSTS" -gt 50 ]; then die "HOSTS must be 1..50: $HOSTS"; fi
for tool in unshare nsenter ip ssh ssh-keygen timeout; do
  command -v "$tool" >/dev/null || die "$tool not found (util-linux, iproute2, openssh-client)"
done
[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd not found (Debian package openssh-server)"
"$PYTHON" -c 'import pyroute2' 2>/dev/null || die "$PYTHON cannot import pyroute2"
[ -z "$(ls -A "$STATE")" ] || die "$STATE is not empty"

# The underlay: one /24 of the benchmarking range 198.18.0.0/15 that this machine does not route yet
# (another fleet may be running: its /24 is taken by its controller veth's route).
subnet=
for _ in $(seq 1 50); do
  octet=$(( RANDOM % 256 ))
  candidate=198.18.$octet
  if [ -z "$(ip -4 route show to match "$candidate.1" | grep -v '^default' || true)" ]; then
    subnet=$candidate
    break
  fi
done
[ -n "$subnet" ] || die "found no free /24 in 198.18.0.0/16"

{
  echo "FLEET_PREFIX=$PREFIX"
  echo "FLEET_HOSTS=$HOSTS"
  echo "FLEET_SUBNET=$subnet.0/24"
  echo "FLEET_CONTROLLER_ADDRESS=$subnet.1"
  echo "FLEET_CONTROLLER_LINK=${PREFIX}c"
} > "$STATE/env"

# Start ns-init.sh in fresh namespaces; records the pid of unshare (our child) and of the namespace's pid 1
# (unshare's only child), the one to enter and to kill.
start_namespaces() {
  local name=$1 role=$2 dir=$STATE/$1 unshare_pid init_pid _
  mkdir -p "$dir"
  setsid unshare --pid --fork --kill-child --net --mount --propagation private --mount-proc -- \
    "$HERE/ns-init.sh" "$dir/ready" "$role" </dev/null >"$dir/init.log" 2>&1 &
  unshare_pid=$!
  echo "$unshare_pid" > "$dir/unshare.pid"
  for _ in $(seq 1 100); do
    [ -s "$dir/ready" ] && break
    kill -0 "$unshare_pid" 2>/dev/null || { cat "$dir/init.log" >&2; die "$name: namespaces did not start"; }
    sleep 0.05
  done
  [ -s "$dir/ready" ] || die "$name: not ready after 5s"
  init_pid=$(cat "/proc/$unshare_pid/task/$unshare_pid/children")
  init_pid=${init_pid// /}
  [[ $init_pid =~ ^[0-9]+$ ]] || die "$name: no init process under unshare $unshare_pid"
  echo "$init_pid" > "$dir/init.pid"
}

in_ns() { local pid; pid=$(cat "$STATE/$1/init.pid"); shift; nsenter --target "$pid" --net --mount --pid -- "$@"; }

# The collection's standard directories are mount points of each host's private copy: make sure they exist
# (empty directories; a host would otherwise write its records into the real machine's).
mkdir -p /etc/netns /var/lib/linuxnet-netns

log "switch namespace"
start_namespaces switch switch
switch_pid=$(cat "$STATE/switch/init.pid")
in_ns switch ip link add br0 type bridge
# snooping would make the bridge wait for an IGMP querier nobody runs before forwarding VXLAN multicast
in_ns switch ip link set br0 type bridge mcast_snooping 0
in_ns switch ip link set br0 up

log "controller veth ${PREFIX}c ($subnet.1/24)"
ip link add "${PREFIX}c" type veth peer name ctl netns "$switch_pid"
ip address add "$subnet.1/24" dev "${PREFIX}c"
ip link set "${PREFIX}c" up
in_ns switch ip link set ctl master br0 up

ssh-keygen -q -t ed25519 -N '' -C "fleet-$PREFIX" -f "$STATE/id_ed25519"
install -m 0600 "$STATE/id_ed25519.pub" "$STATE/authorized_keys"
: > "$STATE/known_hosts"

inventory=$STATE/inventory.yml
{
  echo "# Generated by tests/fleet/start.sh for fleet $PREFIX"
  echo "all:"
  echo "  vars:"
  echo "    fleet_prefix: $PREFIX"
  echo "    fleet_state_dir: $STATE"
  echo "    ansible_user: root"
  echo "    ansible_port: $SSH_PORT"
  echo "    ansible_python_interpreter: $PYTHON"
  echo "    ansible_ssh_private_key_file: $STATE/id_ed25519"
  echo "    ansible_ssh_common_args: >-"
  echo "      -o UserKnownHostsFile=$STATE/known_hosts -o StrictHostKeyChecking=yes"
  echo "      -o IdentitiesOnly=yes -o ConnectTimeout=5"
  echo "  children:"
  echo "    fleet:"
  echo "      hosts:"
} > "$inventory"

for i in $(seq 1 "$HOSTS"); do
  host=host$i
  address=$subnet.$((10 + i))
  log "$host: $address"
  start_namespaces "$host" host
  host_pid=$(cat "$STATE/$host/init.pid")
  # both ends are born in their namespaces: nothing of this pair ever appears on the real machine
  ip link add eth0 netns "$host_pid" type veth peer name "port$i" netns "$switch_pid"
  in_ns switch ip link set "port$i" master br0 up
  in_ns "$host" ip address add "$address/24" dev eth0
  in_ns "$host" ip link set eth0 up

  ssh-keygen -q -t ed25519 -N '' -C "$host-$PREFIX" -f "$STATE/$host/ssh_host_ed25519_key"
  echo "$address $(cut -d' ' -f1-2 "$STATE/$host/ssh_host_ed25519_key.pub")" >> "$STATE/known_hosts"
  cat > "$STATE/$host/sshd_config" <<CONF
# sshd of simulated host $host of fleet $PREFIX (tests/fleet/start.sh)
ListenAddress $address:$SSH_PORT
HostKey $STATE/$host/ssh_host_ed25519_key
PidFile $STATE/$host/sshd.pid
AuthorizedKeysFile $STATE/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# the key material lives in a mktemp directory under /tmp, which is world-writable
StrictModes no
MaxStartups 50
MaxSessions 50
Subsystem sftp internal-sftp
LogLevel INFO
CONF
  in_ns "$host" /usr/sbin/sshd -t -f "$STATE/$host/sshd_config" || die "$host: sshd_config rejected"
  # --pid: sshd and every session it forks belong to the host's pid namespace (sshd daemonises itself)
  nsenter --target "$host_pid" --net --mount --pid -- \
    /usr/sbin/sshd -f "$STATE/$host/sshd_config" -E "$STATE/$host/sshd.log"
  {
    echo "        $host:"
    echo "          ansible_host: $address"
  } >> "$inventory"
done

cat > "$STATE/ansible.cfg" <<CFG
# Generated by tests/fleet/start.sh for fleet $PREFIX
[defaults]
inventory = $inventory
forks = 10
timeout = 10
gathering = explicit
retry_files_enabled = false

[ssh_connection]
# control masters are closed by stop.sh (ssh -O exit), never left running
control_path_dir = $STATE/cp
ssh_args = -o ControlMaster=auto -o ControlPersist=120s
pipelining = true
CFG
mkdir -p "$STATE/cp"

# Every host answers over SSH with the fleet key and its pinned host key.
for i in $(seq 1 "$HOSTS"); do
  address=$subnet.$((10 + i))
  ok=0
  for _ in $(seq 1 50); do
    if ssh -q -i "$STATE/id_ed25519" -o IdentitiesOnly=yes -o UserKnownHostsFile="$STATE/known_hosts" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=2 -p "$SSH_PORT" "root@$address" true; then
      ok=1
      break
    fi
    sleep 0.1
  done
  [ "$ok" = 1 ] || { tail -n 20 "$STATE/host$i/sshd.log" >&2 || true; die "host$i: no SSH at $address"; }
done

# Namespaces a host creates stay inside it: a probe added on host1 is neither on the real machine nor on
# the other hosts, and is gone again afterwards.
probe=${PREFIX}-probe
in_ns host1 ip netns add "$probe"
[ ! -e "/run/netns/$probe" ] || die "host1's namespace $probe is visible in the real /run/netns"
for i in $(seq 2 "$HOSTS"); do
  if in_ns "host$i" ip netns list | grep -qx "$probe"; then die "host1's $probe is visible on host$i"; fi
done
in_ns host1 ip netns list | grep -q "^$probe" || die "ip netns add inside host1 did not work"
in_ns host1 ip netns delete "$probe"

log "fleet $PREFIX: $HOSTS hosts on $subnet.0/24 (inventory $inventory)"
