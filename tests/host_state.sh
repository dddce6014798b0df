#!/usr/bin/env bash
# The host-untouched check: a snapshot of this machine's network state, taken before and after a test run, must
# be identical byte for byte.
#
#   tests/host_state.sh snapshot FILE          write the snapshot
#   tests/host_state.sh compare BEFORE AFTER   exit 1, printing each differing section, unless identical
#   tests/host_state.sh selftest               prove compare fails: snapshot a scratch namespace, leave an address
#                                              and a namespace entry in it, snapshot again (never touches the host)
#
# What a snapshot holds: links with every detail (ip -d link), addresses, IPv4 and IPv6 routes of every table,
# rules, named namespaces, /run/netns and /etc/netns (names, types, file contents), the mount table, the
# firewall (iptables-save, ip6tables-save, nft list ruleset), the net.* sysctls that decide forwarding and
# filtering, and the directories the collection writes (systemd unit directories, ownership records, the boot
# applier). Lifetimes of dynamic addresses and routes count down by themselves and are left out.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" host-check

DIRS=(/run/netns /etc/netns /etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system
      /var/lib/linuxnet-netns /usr/local/lib/linuxnet-netns)

section() { printf '## %s\n' "$1"; }

# every entry under a directory: path, type, and for regular files a digest of the content
tree() {
  local dir=$1
  [ -e "$dir" ] || { echo "(absent)"; return 0; }
  find "$dir" -xdev -mindepth 1 -printf '%P %y %l\n' | sort | while read -r path type target; do
    if [ "$type" = f ]; then
      # a namespace bind mount reads as EINVAL: its identity is in the mounts section
      echo "$path f $( (sha256sum < "$dir/$path" 2>/dev/null || echo unreadable) | cut -c1-16)"
    else
      echo "$path $type $target"
    fi
  done
}

without_lifetimes() { sed -E 's/(valid_lft|preferred_lft|expires) [0-9]+sec/\1 N/g; s/ expires [0-9]+sec//g'; }

snapshot() {
  section "ip -d link"; ip -d link show
  section "ip address"; ip address show | without_lifetimes
  section "ip route table all"; ip route show table all | without_lifetimes
  section "ip -6 route table all"; ip -6 route show table all | without_lifetimes
  section "ip rule"; ip rule show
  section "ip -6 rule"; ip -6 rule show
  section "ip netns list"; ip netns list
  local dir
  for dir in "${DIRS[@]}"; do
    section "$dir"; tree "$dir"
  done
  section "mounts"; awk '{print $5, $9}' /proc/self/mountinfo | sort
  section "iptables-save"
  if command -v iptables-save >/dev/null; then iptables-save | grep -v '^#' || true; else echo "(not installed)"; fi
  section "ip6tables-save"
  if command -v ip6tables-save >/dev/null; then ip6tables-save | grep -v '^#' || true; else echo "(not installed)"; fi
  section "nft list ruleset"
  if command -v nft >/dev/null; then nft list ruleset; else echo "(not installed)"; fi
  section "sysctl"
  sysctl -a 2>/dev/null | grep -E '^net\.(ipv4\.(ip_forward|conf\.)|ipv6\.conf\.|bridge\.)' | sort || true
}

# Print, for each section that differs, its name and the lines only in BEFORE (-) or only in AFTER (+).
compare() {
  local before=$1 after=$2
  if cmp -s "$before" "$after"; then
    log "the host is as before: links, addresses, routes, rules, namespaces, mounts, firewall, unit directories"
    return 0
  fi
  log "FAIL: the host's network state changed during the run"
  diff --unchanged-line-format='' --old-line-format='-%L' --new-line-format='+%L' \
    <(awk '/^## /{s=$0} {print s " | " $0}' "$before") \
    <(awk '/^## /{s=$0} {print s " | " $0}' "$after") | sed 's/^\([-+]\)## /\1/' >&2 || true
  return 1
}

selftest() {
  local dir
  dir=$(mktemp -d /tmp/lnt-host-check.XXXXXX)
  # the scratch "host" is a sandbox: the address and the namespace entry below never reach the real host
  # shellcheck disable=SC2016  # the script is expanded by the inner bash
  "$ROOT/tests/sandbox.sh" bash -c '
    set -e
    "$0" snapshot "$1/before"
    "$0" snapshot "$1/again"
    ip address add 198.18.255.1/32 dev lo
    ip netns add lnt-selftest
    "$0" snapshot "$1/after"' "$0" "$dir"
  local status=0
  compare "$dir/before" "$dir/again" >/dev/null 2>&1 || { log "FAIL: two snapshots of an unchanged host differ"; status=1; }
  if compare "$dir/before" "$dir/after" 2>"$dir/report"; then
    log "FAIL: a left-behind address and namespace were not detected"; status=1
  else
    for expected in '^[+]ip address \| .*inet 198[.]18[.]255[.]1/32' '^[+]ip netns list \| lnt-selftest' \
                    '^[+]/run/netns \| lnt-selftest f'; do
      grep -qE -- "$expected" "$dir/report" || { log "FAIL: the report lacks $expected"; status=1; }
    done
  fi
  [ $status -eq 0 ] || sed 's/^/    /' "$dir/report" >&2
  rm -rf "$dir"
  [ $status -eq 0 ] && log "self-test passed: an unchanged host compares equal; a left address and namespace are named"
  return $status
}

case ${1:-} in
  snapshot) [ $# -eq 2 ] || die "usage: $0 snapshot FILE"; snapshot > "$2" ;;
  compare) [ $# -eq 3 ] || die "usage: $0 compare BEFORE AFTER"; compare "$2" "$3" ;;
  selftest) selftest ;;
  *) die "usage: $0 snapshot FILE | compare BEFORE AFTER | selftest" ;;
esac
