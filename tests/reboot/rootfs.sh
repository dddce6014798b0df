#!/usr/bin/env bash
# The root filesystem of the booted test hosts: a minimal Debian 12 with systemd, sshd and python3, built once
# with mmdebstrap from Debian's packages and cached outside the repository, keyed by its recipe.
#
#   tests/reboot/rootfs.sh            build it if the cache lacks it; print the root directory
#
# The cache is REBOOT_ROOTFS_CACHE (default /var/cache/linuxnet-netns/rootfs), one directory per recipe:
# SUITE-KEY, KEY the first 16 hex digits of the SHA-256 of the recipe below (suite, mirror, packages, hook),
# so changing any of them builds a new one beside the old; SUITE-KEY/root is the tree (about 300 MB),
# SUITE-KEY/built says when and how long it took. Delete a directory to reclaim its space. The hosts never
# write to it: each boots an overlay of it (tests/reboot/run.sh). It has no pyroute2 and no
# Ansible on purpose: the topology role installs what the collection needs, as on a fresh machine.
# Runs on this machine, not in a sandbox: it needs the network to reach the Debian mirror.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" rootfs
require_root
command -v mmdebstrap >/dev/null || die "mmdebstrap not found (scripts/setup.sh reboot installs it)"

CACHE=${REBOOT_ROOTFS_CACHE:-/var/cache/linuxnet-netns/rootfs}
SUITE=bookworm
MIRROR=${REBOOT_MIRROR:-http://deb.debian.org/debian}
# systemd as pid 1, dbus for logind (a boot without failed units), sshd for Ansible, python3 for its modules,
# pip and venv for the role to install pyroute2 with into its virtual environment (Debian 12's python3-pyroute2
# is too old, and the hosts have no network to fetch python3-venv from when the role asks apt for it), ip, ping
# and nft for the role
PACKAGES=systemd,systemd-sysv,dbus,iproute2,iputils-ping,nftables,openssh-server,python3,python3-pip,python3-venv
# Host keys are made per test run (the cache is shared by every run); apt's timers would start downloads at boot;
# the resolv.conf mmdebstrap copies is this machine's, replaced by one that names nothing real.
# shellcheck disable=SC2016  # "$1" is mmdebstrap's: the hook runs with the root directory as its argument
HOOK='rm -f "$1"/etc/ssh/ssh_host_*_key "$1"/etc/ssh/ssh_host_*_key.pub && systemctl --root="$1" mask apt-daily.timer apt-daily-upgrade.timer && echo "nameserver 198.19.255.53" > "$1"/etc/resolv.conf'
RECIPE="suite=$SUITE mirror=$MIRROR variant=minbase packages=$PACKAGES hook=$HOOK"
KEY=$(printf '%s' "$RECIPE" | sha256sum | cut -c1-16)
TARGET=$CACHE/$SUITE-$KEY

mkdir -p "$CACHE"
# one build at a time; a second run waits for the first and then finds its result
exec 9>"$CACHE/.lock"
flock 9
if [ ! -f "$TARGET/built" ]; then
  # what an interrupted build left
  rm -rf "$TARGET" "$CACHE"/.building-*
  building=$(mktemp -d "$CACHE/.building-$KEY.XXXXXX")
  trap 'rm -rf "$building"' EXIT
  log "building $TARGET with mmdebstrap (one to three minutes)"
  started=$SECONDS
  mmdebstrap --quiet --variant=minbase --include="$PACKAGES" --customize-hook="$HOOK" \
    "$SUITE" "$building/root" "$MIRROR" >&2 || die "mmdebstrap failed"
  printf '%s\n' "$RECIPE" > "$building/recipe"
  echo "built in $((SECONDS - started))s on $(date -u +%FT%TZ)" > "$building/built"
  # complete or not there at all: a directory appears under its final name in one rename
  mv "$building" "$TARGET"
  trap - EXIT
  log "built in $((SECONDS - started))s"
fi
echo "$TARGET/root"
