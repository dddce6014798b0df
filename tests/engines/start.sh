#!/usr/bin/env bash
# Start private container engines for the attach integration tests, inside a test sandbox (tests/sandbox.sh): dockerd, podman (daemonless, with its own
# configuration and storage) and containerd, all with their state under /run/lnt-engines and /var/lib/lnt-engines,
# and a busybox image (made from the host's busybox-static, no registry needed) in each.
#
#   tests/engines/start.sh      start what is not running yet; safe to run again
#   tests/engines/stop.sh       stop it all and remove every trace (also after a failed start)
#
# The tests read /run/lnt-engines/env (KEY=VALUE lines) for the sockets and settings. Nothing here installs
# anything: scripts/setup.sh test provides docker.io, podman, containerd, runc and busybox-static.
set -euo pipefail

RUN_DIR=/run/lnt-engines
LIB_DIR=/var/lib/lnt-engines
ENV_FILE=$RUN_DIR/env
IMAGE=lnt-busybox:latest
DOCKER_SOCK=$RUN_DIR/docker.sock
CONTAINERD_SOCK=$RUN_DIR/containerd/containerd.sock
CONTAINERD_NAMESPACE=lnt
# Engines create these outside their configured roots (shim sockets, runc state, podman's lock and caches).
# start.sh records which of them already existed so stop.sh removes only what the engines made.
GLOBAL_PATHS=(/run/docker /run/containerd /run/runc /run/containers /var/lib/containers /dev/shm/libpod_lock)

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" engines
trap '[ $? -eq 0 ] || log "run tests/engines/stop.sh to remove what was started"' EXIT

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -e /run/linuxnet-netns-sandbox ] || die "the test engines run only inside a test sandbox (tests/sandbox.sh)"
for tool in dockerd docker podman containerd ctr runc busybox; do
  command -v "$tool" >/dev/null || die "$tool not found; run scripts/setup.sh test first"
done

mkdir -p "$RUN_DIR" "$LIB_DIR"
# The sandbox's /var/lib is an overlay, and overlayfs cannot back the engines' own overlay storage: a tmpfs can
# (gone with the sandbox)
mountpoint -q "$LIB_DIR" || mount -t tmpfs -o mode=0700 lnt-engines-lib "$LIB_DIR"
chmod 0700 "$RUN_DIR" "$LIB_DIR"

if [ ! -e "$RUN_DIR/preexisting" ]; then
  for path in "${GLOBAL_PATHS[@]}"; do
    if [ -e "$path" ]; then echo "$path"; fi
  done > "$RUN_DIR/preexisting"
fi

# Is the process in this pidfile alive and still the program we started (not a reused pid)?
running() {
  local pidfile=$1 program=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -q -- "$program.*$RUN_DIR"
}

# The pid of the process whose command line (arguments joined by spaces) is exactly this text.
pid_of() {
  local want=$1 cmdline
  for cmdline in /proc/[0-9]*/cmdline; do
    if [ "$(tr '\0' ' ' 2>/dev/null < "$cmdline")" = "$want " ]; then
      cmdline=${cmdline#/proc/}
      echo "${cmdline%/cmdline}"
      return 0
    fi
  done
}

wait_for() {
  local what=$1 log_file=$2; shift 2
  local _
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  tail -n 30 "$log_file" >&2 || true
  die "$what did not answer within 60s (log: $log_file)"
}

# --- a busybox root filesystem, the same image for every engine ----------------------------------------
ROOTFS_TAR=$LIB_DIR/busybox-rootfs.tar
if [ ! -s "$ROOTFS_TAR" ]; then
  rootfs=$LIB_DIR/rootfs
  rm -rf "$rootfs"
  mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root,www}
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  # a pause process for pod infra containers: sleeps until killed
  printf '#!/bin/sh\nexec sleep 2147483647\n' > "$rootfs/pause"
  chmod 0755 "$rootfs/pause"
  chmod 1777 "$rootfs/tmp"
  tar -C "$rootfs" --numeric-owner -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$rootfs"
fi

# --- dockerd -------------------------------------------------------------------------------------------
export DOCKER_HOST=unix://$DOCKER_SOCK
if ! running "$RUN_DIR/dockerd.pid" dockerd; then
  log "starting dockerd on $DOCKER_SOCK"
  # an empty config file, so /etc/docker/daemon.json (if any) does not apply
  echo '{}' > "$RUN_DIR/docker-daemon.json"
  setsid dockerd \
    --config-file "$RUN_DIR/docker-daemon.json" \
    --data-root "$LIB_DIR/docker" \
    --exec-root "$RUN_DIR/docker" \
    --pidfile "$RUN_DIR/dockerd.pid" \
    -H "unix://$DOCKER_SOCK" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    >"$RUN_DIR/dockerd.log" 2>&1 </dev/null &
fi
wait_for dockerd "$RUN_DIR/dockerd.log" docker version
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "docker import $IMAGE"
  docker import --change 'CMD ["/bin/sh"]' "$ROOTFS_TAR" "$IMAGE" >/dev/null
fi

# --- podman: no daemon; its configuration and storage are private to these tests -----------------------
export CONTAINERS_CONF=$RUN_DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$RUN_DIR/storage.conf
mkdir -p "$RUN_DIR/podman" "$LIB_DIR/podman"
cat > "$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
# no host bridge, no firewall rules: every container gets only lo unless told otherwise
netns = "none"

[network]
network_config_dir = "$LIB_DIR/podman/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$RUN_DIR/podman/events.log"
tmp_dir = "$RUN_DIR/podman/tmp"
static_dir = "$LIB_DIR/podman/libpod"
volume_path = "$LIB_DIR/podman/volumes"
EOF
cat > "$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$LIB_DIR/podman/storage"
runroot = "$RUN_DIR/podman/storage"
EOF
podman info >/dev/null 2>"$RUN_DIR/podman.log" || { cat "$RUN_DIR/podman.log" >&2; die "podman info failed"; }
if ! podman image exists "localhost/$IMAGE"; then
  log "podman import $IMAGE"
  podman import --change 'CMD ["/bin/sh"]' "$ROOTFS_TAR" "$IMAGE" >/dev/null 2>>"$RUN_DIR/podman.log"
fi

# --- containerd (driven with ctr; crictl is not packaged in Debian 12) -----------------------------------
export CONTAINERD_ADDRESS=$CONTAINERD_SOCK CONTAINERD_NAMESPACE
if ! running "$RUN_DIR/containerd.pid" containerd; then
  log "starting containerd on $CONTAINERD_SOCK"
  mkdir -p "$RUN_DIR/containerd" "$LIB_DIR/containerd"
  cat > "$RUN_DIR/containerd.toml" <<EOF
version = 2
root = "$LIB_DIR/containerd"
state = "$RUN_DIR/containerd"
# the CRI plugin would want CNI and a kubelet; these tests drive containerd directly
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$LIB_DIR/containerd/opt"
EOF
  setsid containerd --config "$RUN_DIR/containerd.toml" >"$RUN_DIR/containerd.log" 2>&1 </dev/null &
fi
wait_for containerd "$RUN_DIR/containerd.log" ctr version
# containerd writes no pidfile; setsid may have forked, so find it by its private config file
pid=$(pid_of "containerd --config $RUN_DIR/containerd.toml")
[ -n "$pid" ] || die "containerd answers but its process was not found"
echo "$pid" > "$RUN_DIR/containerd.pid"
if ! ctr images ls -q | grep -qx "docker.io/library/$IMAGE"; then
  log "ctr images import $IMAGE"
  docker save "$IMAGE" | ctr images import - >/dev/null
fi

# --- what the tests need to know --------------------------------------------------------------------------
cat > "$ENV_FILE.tmp" <<EOF
DOCKER_HOST=unix://$DOCKER_SOCK
CONTAINERS_CONF=$CONTAINERS_CONF
CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF
CONTAINERD_ADDRESS=$CONTAINERD_SOCK
CONTAINERD_NAMESPACE=$CONTAINERD_NAMESPACE
LNT_DOCKER_IMAGE=$IMAGE
LNT_PODMAN_IMAGE=localhost/$IMAGE
LNT_CONTAINERD_IMAGE=docker.io/library/$IMAGE
EOF
mv "$ENV_FILE.tmp" "$ENV_FILE"
log "ready: dockerd pid $(cat "$RUN_DIR/dockerd.pid"), containerd pid $(cat "$RUN_DIR/containerd.pid"), env in $ENV_FILE"
