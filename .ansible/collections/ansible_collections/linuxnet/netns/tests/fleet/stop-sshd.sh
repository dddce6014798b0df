#!/usr/bin/env bash
# Stop the SSH service of one simulated host, as an outage would: its listening sshd and every session it
# serves (the controller's open control connection included), nothing else. The host itself stays up.
#
#   tests/fleet/stop-sshd.sh STATE_DIR HOST
set -euo pipefail
STATE=${1:?usage: stop-sshd.sh STATE_DIR HOST}
HOST=${2:?usage: stop-sshd.sh STATE_DIR HOST}
init=$(cat "$STATE/$HOST/init.pid")
tr '\0' ' ' < "/proc/$init/cmdline" | grep -qF "ns-init.sh $STATE/$HOST/ready" || {
  echo "$HOST of $STATE is not running" >&2
  exit 1
}
# The host's processes are exactly those of its pid namespace; of them, end the sshd ones.
host_pidns=$(readlink "/proc/$init/ns/pid")
stopped=0
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  [ "$(readlink "$proc/ns/pid" 2>/dev/null)" = "$host_pidns" ] || continue
  [ "$(cat "$proc/comm" 2>/dev/null)" = sshd ] || continue
  kill -KILL "$pid" 2>/dev/null && stopped=$((stopped + 1))
done
[ "$stopped" -gt 0 ] || { echo "no sshd found on $HOST" >&2; exit 1; }
echo "stopped $stopped sshd processes of $HOST"
