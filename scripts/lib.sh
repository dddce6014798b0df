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
