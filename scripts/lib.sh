# shellcheck shell=bash
# Helpers every script of this repository shares. Source it with the prefix of the script's messages:
#
#   . "$ROOT/scripts/lib.sh" fleet
#
# log MESSAGE     print "[TAG] MESSAGE" on stderr
# die MESSAGE     log "ERROR: MESSAGE" and exit 1 (a script that cannot go on)
# fail MESSAGE    log "FAIL: MESSAGE" and exit 1 (a test whose check did not hold)
# random_prefix   lnt + 6 random lowercase letters or digits: the name prefix of one test's objects

LOG_TAG=${1:-$(basename "$0" .sh)}

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
fail() { log "FAIL: $*"; exit 1; }

random_prefix() {
  local alphabet=abcdefghijklmnopqrstuvwxyz0123456789 suffix='' _
  for _ in 1 2 3 4 5 6; do suffix+=${alphabet:$((RANDOM % 36)):1}; done
  echo "lnt$suffix"
}

require_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)"
}

# Inside a sandbox: pip (the topology role installing pyroute2, on the sandbox or a simulated host) takes its
# packages from the wheel cache tests/wheels.sh filled (LNT_WHEELS) and from nowhere else. A configuration file,
# not environment variables: ansible-test gives the playbooks a clean environment. The sandbox's /etc is its own
# (an overlay), so the file never reaches the real host; a user's pip configuration would override it, so it is
# hidden from this mount namespace.
pip_from_wheel_cache() {
  [ -n "${LNT_WHEELS:-}" ] && [ -e /run/linuxnet-netns-sandbox ] || return 0
  printf '[global]\nno-index = true\nfind-links = %s\n' "$LNT_WHEELS" > /etc/pip.conf
  local dir
  for dir in "$HOME/.config/pip" "$HOME/.pip"; do
    if [ -d "$dir" ] && ! mountpoint -q "$dir"; then mount -t tmpfs -o mode=0755 lnt-sandbox-pip "$dir"; fi
  done
  export PIP_NO_INDEX=1 PIP_FIND_LINKS=$LNT_WHEELS
}
