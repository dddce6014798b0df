#!/usr/bin/env bash
# Prepare this machine for the demo and the tests: apt packages, a pinned venv,
# the collection on a collections path, and ansible-test's offline pip bootstrap.
# Idempotent and quick when everything is already there.
#
#   scripts/setup.sh [base|test|docs|reboot]...   (default: base)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.venv
BUILD=$ROOT/.build
PYTHON=${PYTHON:-python3}

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" setup

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)" >&2
  exit 1
fi

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(base)

apt_packages=(iproute2 iputils-ping rsync)
for group in "${groups[@]}"; do
  case $group in
    # Graphviz's dot: the demo draws its scene with it, the tests the pictures of the documentation
    base) apt_packages+=(graphviz) ;;
    test) apt_packages+=(docker.io podman runc busybox-static containerd openssh-server procps psmisc python3 shellcheck nftables) ;;
    docs) apt_packages+=(chromium) ;;
    # tests/reboot: booted hosts (systemd-nspawn) of a Debian root filesystem built with mmdebstrap
    reboot) apt_packages+=(systemd-container mmdebstrap) ;;
    *) echo "setup: unknown group $group" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || log "apt-get update failed; trying the cached package lists"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# One venv, pinned; rebuilt only when the requirement files change.
stamp=$VENV/.requirements.sha256
want=$(cat "$ROOT"/requirements-*.txt 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  for req in "$ROOT"/requirements-*.txt; do
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  done
  echo "$want" > "$stamp"
fi

# The collection on a collections path: playbooks and ansible-doc find it as linuxnet.netns.
mkdir -p "$BUILD/collections/ansible_collections/linuxnet"
ln -sfn "$ROOT" "$BUILD/collections/ansible_collections/linuxnet/netns"

# ansible-test wants to download get-pip.py when it builds its sanity venvs; this
# machine may be offline, so give it a bootstrap that uses ensurepip and pip instead.
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
cat > "$cache/get_pip_offline.py" <<'PY'
"""Offline stand-in for get-pip.py: ensurepip, then pip install of the requested packages."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
if any(not a.startswith('-') for a in args):
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check'] + args)
PY
# the pip versions the tested ansible-test releases bootstrap (2.16, 2.17: 23.1.2; 2.18, 2.19: 24.2)
for version in 23_1_2 24_2; do
  cp "$cache/get_pip_offline.py" "$cache/get_pip_$version.py"
done
# ansible-test makes this key pair on its first integration run when it is missing; the two integration lanes
# and the ansible-core matrix start ansible-test at the same moment, and the second ssh-keygen would stop at
# "Overwrite (y/n)?". Made once here, the way ansible-test makes it (PEM, with the header paramiko reads).
key=$HOME/.ansible/test/id_rsa
if [[ " ${groups[*]} " == *" test "* ]] && { [ ! -f "$key" ] || [ ! -f "$key.pub" ]; }; then
  rm -f "$key" "$key.pub"
  ssh-keygen -m PEM -q -t rsa -N '' -f "$key"
  sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$key"
fi
log "ready: $VENV"
