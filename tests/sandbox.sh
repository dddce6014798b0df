#!/usr/bin/env bash
# Run a command in a private sandbox that plays "the host" for the tests, the benchmark and the docs examples.
#
#   tests/sandbox.sh COMMAND [ARGS...]
#   tests/sandbox.sh --new COMMAND [ARGS...]   a fresh sandbox even when called from inside one
#
# The sandbox is a new network, mount and pid namespace:
#   - network: only lo (up); every namespace, link, address, route, rule and nftables table the command makes
#     exists only here, and disappears with the sandbox;
#   - mount: copy-on-write overlays on /etc, /var/lib, /usr/local and /opt (whatever the command writes there is
#     thrown away at the end), with empty directories for the collection's state (/etc/netns,
#     /etc/linuxnet-netns, /etc/systemd/system, /var/lib/linuxnet-netns, /usr/local/lib/linuxnet-netns); private
#     tmpfs on /run (so /run/netns, /run/systemd, the engines' sockets; none of the host's mounts there),
#     /dev/shm and /sys (a sysfs of this network namespace; the cgroup hierarchy is kept);
#   - pid: the command's processes (container engines, sshd of simulated hosts, servers) end with it.
# Nothing else is shared with the real host but /tmp, /var/tmp, /root and this checkout. /run/linuxnet-netns-sandbox
# exists only inside; tests that touch the kernel refuse to run without it. Calls from inside a sandbox run the
# command directly in it, unless --new. Exit status: the command's.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" sandbox
MARKER=/run/linuxnet-netns-sandbox

if [ "${1:-}" != --inside ]; then
  new=0
  if [ "${1:-}" = --new ]; then new=1; shift; fi
  [ $# -gt 0 ] || die "usage: tests/sandbox.sh [--new] COMMAND [ARGS...]"
  require_root
  if [ -e "$MARKER" ] && [ $new = 0 ]; then exec "$@"; fi
  for tool in unshare ip mount; do command -v "$tool" >/dev/null || die "$tool not found (util-linux, iproute2)"; done
  scratch=$(mktemp -d /tmp/lnt-sandbox.XXXXXX)
  status=0
  # --kill-child: if this script is killed, the sandbox's first process is too, and with it every process in it
  unshare --net --mount --pid --fork --kill-child --propagation private --mount-proc -- \
    "$0" --inside "$scratch" "$@" || status=$?
  # the tmpfs on it was the sandbox's own; on the host the directory is still empty
  rmdir "$scratch" 2>/dev/null || rm -rf --one-file-system "$scratch"
  exit "$status"
fi

# --- inside: pid 1 of the new pid namespace -------------------------------------------------------------------
scratch=$2
shift 2
mount -t tmpfs -o mode=0700 lnt-sandbox-scratch "$scratch"

# The layers under the overlay on dir: "UPPER:LOWER" when dir is already a sandbox's overlay (a sandbox started
# inside another one), else dir itself, bound first to a path of our own (once the overlay is mounted, "dir"
# names the overlay). The kernel allows only two levels of stacked overlays and the simulated fleet hosts add one
# of their own, so a nested sandbox reuses its parent's layers, stacked side by side, instead of going deeper.
lower_layers() {
  local dir=$1 key=$2 options
  options=$(awk -v dir="$dir" '$5 == dir { for (i = 7; $i != "-"; i++); if ($(i+1) == "overlay" && $(i+2) == "lnt-sandbox-overlay") print $(i+3) }' \
    /proc/self/mountinfo | tail -n 1)
  if [ -n "$options" ]; then
    local upper lower
    upper=$(tr ',' '\n' <<<"$options" | sed -n 's/^upperdir=//p')
    lower=$(tr ',' '\n' <<<"$options" | sed -n 's/^lowerdir=//p')
    if [ -z "$upper" ] || [ -z "$lower" ]; then die "cannot read the layers of the overlay on $dir: $options"; fi
    echo "$upper:$lower"
    return
  fi
  mkdir -p "$scratch/lower$key"
  mount --bind "$dir" "$scratch/lower$key"
  echo "$scratch/lower$key"
}

# copy-on-write views of the directories the collection and the engines write to
for dir in /etc /var/lib /usr/local /opt; do
  key=${dir//\//_}
  mkdir -p "$scratch/upper$key" "$scratch/work$key"
  layers=$(lower_layers "$dir" "$key")
  mount -t overlay lnt-sandbox-overlay -o "lowerdir=$layers,upperdir=$scratch/upper$key,workdir=$scratch/work$key" "$dir"
done

# the directories the collection keeps its state in start empty, whatever the real host has there: removed in the
# overlay (a whiteout in its upper layer, the host's files stay) and made again, so they stay plain directories
# that the code under test may remove in turn
for dir in /etc/netns /etc/linuxnet-netns /etc/systemd/system /var/lib/linuxnet-netns /usr/local/lib/linuxnet-netns \
           /opt/linuxnet-netns; do
  rm -rf --one-file-system "$dir"
  mkdir -p "$dir"
done

# the host's mounts under /run (its /run/netns bind mount and namespace entries among them) go from this view
while read -r target; do
  umount -l "$target" 2>/dev/null || true
done < <(awk '$5 ~ "^/run/" {print $5}' /proc/self/mountinfo | sort -r)
mount -t tmpfs -o mode=0755 lnt-sandbox-run /run
mkdir -p /run/lock /run/netns
mount -t tmpfs -o mode=1777 lnt-sandbox-shm /dev/shm

# /sys/class/net shows the network namespace of whoever mounted sysfs: mount one of ours, and keep the cgroup
# hierarchy (the container engines need it) by moving it onto the new sysfs
if mountpoint -q /sys/fs/cgroup; then
  mkdir -p "$scratch/cgroup"
  mount --rbind /sys/fs/cgroup "$scratch/cgroup"
fi
mount -t sysfs lnt-sandbox-sys /sys
if [ -d "$scratch/cgroup" ]; then
  mount --move "$scratch/cgroup" /sys/fs/cgroup
fi

ip link set lo up
echo "sandbox of pid $$, started $(date -u +%FT%TZ)" > "$MARKER"
export LNT_SANDBOX=1

# pid 1 of a pid namespace: run the command as a child, so this shell reaps orphans and outlives it; when this
# shell exits, the kernel ends every process left in the sandbox
trap 'exit 143' TERM INT
status=0
"$@" || status=$?
exit "$status"
