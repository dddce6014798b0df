#!/usr/bin/env bash
# Stop what tests/engines/start.sh started and remove every trace of it: the containers, the engines (by the
# pids in their pidfiles), their mounts, their state under /run/lnt-engines and /var/lib/lnt-engines, and the
# few paths the engines create elsewhere (only those that did not exist before start.sh ran).
# Safe to run twice, after a failed start, or when nothing runs.
set -uo pipefail

RUN_DIR=/run/lnt-engines
LIB_DIR=/var/lib/lnt-engines
STATUS=0

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" engines

[ "$(id -u)" -eq 0 ] || { log "ERROR: run as root"; exit 1; }
if [ ! -e "$RUN_DIR" ] && [ ! -e "$LIB_DIR" ]; then
  log "nothing to stop"
  exit 0
fi

# The pid in this pidfile, if that process is alive and is still the program start.sh started.
engine_pid() {
  local pidfile=$1 program=$2 pid cmd
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") || return 1
  [[ $cmd == *"$program"*"$RUN_DIR"* ]] || return 1
  echo "$pid"
}

stop_pid() {
  local what=$1 pid=$2 _
  log "stopping $what (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do
    [ -e "/proc/$pid" ] || return 0
    sleep 0.5
  done
  log "$what did not exit within 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# --- the containers, removed through their engines while those still run --------------------------------
if dockerd_pid=$(engine_pid "$RUN_DIR/dockerd.pid" dockerd); then
  export DOCKER_HOST=unix://$RUN_DIR/docker.sock
  mapfile -t ids < <(docker ps -aq 2>/dev/null)
  if [ ${#ids[@]} -gt 0 ]; then
    log "docker rm -f ${#ids[@]} container(s)"
    docker rm -f "${ids[@]}" >/dev/null || STATUS=1
  fi
fi

if [ -f "$RUN_DIR/containers.conf" ] && [ -f "$RUN_DIR/storage.conf" ]; then
  export CONTAINERS_CONF=$RUN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$RUN_DIR/storage.conf
  podman pod rm -f -t 0 --all >/dev/null 2>&1
  # a container another one shares its namespace with can only go after it: repeat until none is left
  for _ in 1 2 3 4; do
    [ -z "$(podman ps -aq 2>/dev/null)" ] && break
    podman rm -f -t 0 --all >/dev/null 2>&1
  done
  if [ -n "$(podman ps -aq 2>/dev/null)" ]; then
    log "podman containers left: $(podman ps -aq | tr '\n' ' ')"
    STATUS=1
  fi
fi

if containerd_pid=$(engine_pid "$RUN_DIR/containerd.pid" containerd); then
  export CONTAINERD_ADDRESS=$RUN_DIR/containerd/containerd.sock
  for namespace in $(ctr namespaces ls -q 2>/dev/null); do
    export CONTAINERD_NAMESPACE=$namespace
    for task in $(ctr tasks ls -q 2>/dev/null); do
      ctr tasks kill -s SIGKILL "$task" >/dev/null 2>&1
    done
    for task in $(ctr tasks ls -q 2>/dev/null); do
      for _ in $(seq 1 20); do
        ctr tasks rm -f "$task" >/dev/null 2>&1 && break
        sleep 0.25
      done
    done
    for container in $(ctr containers ls -q 2>/dev/null); do
      ctr containers rm "$container" >/dev/null 2>&1 || STATUS=1
    done
  done
fi

# --- the engines ------------------------------------------------------------------------------------------
[ -n "${dockerd_pid:-}" ] && stop_pid dockerd "$dockerd_pid"
[ -n "${containerd_pid:-}" ] && stop_pid containerd "$containerd_pid"

# Anything still running from the engines' files: shims and conmon (their command lines name our
# directories) and container processes (their root directory is a rootfs under $LIB_DIR). Only such pids
# are killed, one by one.
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  [ "$pid" = "$$" ] && continue
  cmd=$(tr '\0' ' ' 2>/dev/null < "$proc/cmdline") || continue
  root=$(readlink "$proc/root" 2>/dev/null) || root=
  if [[ $cmd == *"$RUN_DIR/"* || $cmd == *"$LIB_DIR/"* || $root == "$LIB_DIR/"* ]]; then
    log "killing leftover pid $pid: ${cmd:0:100}"
    kill -KILL "$pid" 2>/dev/null || true
  fi
done

# --- mounts (overlays, namespace files, shm), deepest first, then the directories -----------------------
unmount_under() {
  local top=$1 mountpoint
  awk '{print $5}' /proc/self/mountinfo | grep -E "^$top(/|$)" | sort -r | while read -r mountpoint; do
    umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint" 2>/dev/null || {
      log "cannot unmount $mountpoint"
    }
  done
}

preexisting=()
[ -f "$RUN_DIR/preexisting" ] && mapfile -t preexisting < "$RUN_DIR/preexisting"
created_elsewhere=()
if [ -f "$RUN_DIR/preexisting" ]; then
  for path in /run/docker /run/containerd /run/runc /run/containers /var/lib/containers /dev/shm/libpod_lock; do
    found=0
    for old in "${preexisting[@]}"; do [ "$old" = "$path" ] && found=1; done
    [ $found -eq 0 ] && [ -e "$path" ] && created_elsewhere+=("$path")
  done
  # a containerd that ran before us keeps its directory; only our namespace's runc state goes
  [ -d /run/containerd/runc/lnt ] && created_elsewhere+=(/run/containerd/runc/lnt)
fi

for top in "$RUN_DIR" "$LIB_DIR" "${created_elsewhere[@]}"; do
  unmount_under "$top"
done
for top in "$RUN_DIR" "$LIB_DIR" "${created_elsewhere[@]}"; do
  [ -e "$top" ] || continue
  log "removing $top"
  rm -rf --one-file-system -- "$top" || STATUS=1
done

left=$(awk '{print $5}' /proc/self/mountinfo | grep -E "^($RUN_DIR|$LIB_DIR)(/|$)")
if [ -n "$left" ]; then
  log "mounts left: $left"
  STATUS=1
fi
[ $STATUS -eq 0 ] && log "stopped; nothing left"
exit $STATUS
