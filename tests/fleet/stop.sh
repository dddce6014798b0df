#!/usr/bin/env bash
# Stop a fleet started by start.sh and remove every trace of it; safe after a partial start and safe to run
# twice. Processes are ended by the pids start.sh recorded, after checking each is still the one it started.
#
#   tests/fleet/stop.sh STATE_DIR [--keep-state]
set -uo pipefail

STATE=${1:?usage: stop.sh STATE_DIR [--keep-state]}
KEEP=${2:-}
[ -d "$STATE" ] || exit 0
STATE=$(cd "$STATE" && pwd)
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh" fleet

PREFIX=
if [ -s "$STATE/env" ]; then
  PREFIX=$(sed -n 's/^FLEET_PREFIX=//p' "$STATE/env")
fi

# Control masters the ssh connection plugin left behind (ControlPersist): ask each to exit, and end the
# ones that do not by the pid they report.
if [ -d "$STATE/cp" ]; then
  for socket in "$STATE"/cp/*; do
    [ -S "$socket" ] || continue
    master=$(ssh -o ControlPath="$socket" -O check fleet 2>&1 | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
    ssh -o ControlPath="$socket" -O exit fleet >/dev/null 2>&1 || true
    if [ -n "$master" ] && kill -0 "$master" 2>/dev/null; then kill "$master" 2>/dev/null || true; fi
  done
fi

# Is this pid still the process start.sh started for this state directory?
ours() {
  local pid=$1 pattern=$2
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

# Killing a namespace's pid 1 kills every process of its pid namespace (sshd, sessions, whatever they
# started); unshare, its parent, then exits, and with the last process the namespaces are released.
for dir in "$STATE"/host* "$STATE"/switch; do
  [ -d "$dir" ] || continue
  init=$(cat "$dir/init.pid" 2>/dev/null || true)
  unshare_pid=$(cat "$dir/unshare.pid" 2>/dev/null || true)
  if [ -n "$init" ] && ours "$init" "ns-init.sh $dir/ready"; then kill -KILL "$init" 2>/dev/null || true; fi
  if [ -n "$unshare_pid" ] && ours "$unshare_pid" "ns-init.sh $dir/ready"; then
    for _ in $(seq 1 50); do
      kill -0 "$unshare_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$unshare_pid" 2>/dev/null; then kill -KILL "$unshare_pid" 2>/dev/null || true; fi
  fi
done

# The controller veth goes with the switch namespace; the kernel dismantles namespaces asynchronously, so
# wait for it, and delete it here if it lingers.
if [ -n "$PREFIX" ]; then
  link=${PREFIX}c
  for _ in $(seq 1 50); do
    ip link show "$link" >/dev/null 2>&1 || break
    sleep 0.1
  done
  if ip link show "$link" >/dev/null 2>&1; then
    log "deleting $link"
    ip link delete "$link" 2>/dev/null || true
  fi
fi

if [ "$KEEP" != --keep-state ]; then
  rm -rf -- "$STATE"
fi
log "fleet ${PREFIX:-?} stopped"
