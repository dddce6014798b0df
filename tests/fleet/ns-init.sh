#!/usr/bin/env bash
# The first process (pid 1) of a simulated host or of the fleet's switch, started by start.sh under
#   unshare --pid --fork --kill-child --net --mount --propagation private --mount-proc
# Everything the host runs later (its sshd, the sessions Ansible opens, the commands they start) lives in
# the same pid namespace, so killing this process ends all of it, and with the last process the
# namespaces it created go away too.
#
#   ns-init.sh READY_FILE host|switch
set -euo pipefail
ready_file=$1
role=$2

# sysfs shows the network namespace of whoever mounted it: mount our own so /sys/class/net is this host's
mount -t sysfs lnt-fleet-sys /sys
if [ "$role" = host ]; then
  # A private /run (with its own /run/netns and sshd's privilege separation directory), and copy-on-write
  # views of /etc, /var/lib, /usr/local and /opt (where the roles write units, records, the boot applier and
  # their pyroute2 venv) whose writes live in a tmpfs of this host's: what this host's `ip netns add`, modules
  # and roles create is visible neither to the real machine nor to the other simulated hosts. The
  # propagation is private, so none of these mounts reaches the real machine's mount table.
  mount -t tmpfs -o mode=0755 lnt-fleet-run /run
  mkdir -p /run/netns /run/sshd
  # the upper layers live in this host's own /run (a tmpfs): gone with the host
  layers=/run/lnt-fleet-layers
  mkdir -m 0700 "$layers"
  for dir in /etc /var/lib /usr/local /opt; do
    key=${dir//\//_}
    mkdir -p "$layers/upper$key" "$layers/work$key"
    mount -t overlay lnt-fleet-overlay -o "lowerdir=$dir,upperdir=$layers/upper$key,workdir=$layers/work$key" "$dir"
  done
  # the collection's state starts empty on every host
  for dir in /etc/netns /etc/linuxnet-netns /var/lib/linuxnet-netns /usr/local/lib/linuxnet-netns /opt/linuxnet-netns; do
    rm -rf --one-file-system "$dir"
    mkdir -p "$dir"
  done
  # A fresh host's root has no shell start-up file of this machine's developers (language version managers
  # there cost most of a second per SSH command): bash reads it for every command sshd runs.
  root_home=$(getent passwd root | cut -d: -f6)
  if [ -f "$root_home/.bashrc" ]; then mount --bind /dev/null "$root_home/.bashrc"; fi
fi
ip link set lo up
echo "$role ready" > "$ready_file"
# pid 1 of a pid namespace gets only the signals it handles; it also inherits orphans, which `wait` reaps
trap 'exit 0' TERM INT
while :; do
  sleep 3600 &
  wait $! || true
done
