#!/usr/bin/env bash
# What a booted test host must show, checked on the host itself with plain commands (run.sh pipes this script
# through ssh: no Ansible, no file of this checkout on the host, so scripts/lib.sh is not sourced here).
#
#   ssh HOST bash -s -- APP_NET UNDERLAY HOST WHEN TOPOLOGY_UNIT < check.sh
#
# APP_NET and UNDERLAY: the first three octets of namespace app's /24 (site.yml) and of the host's eth0 /24 (.2,
# the controller .1, where run.sh serves the address each request comes from on port 8081); WHEN: "before the
# reboot" or "after the reboot". Prints one line per check and exits 1 if any failed.
set -uo pipefail
APP_NET=$1 UNDERLAY=$2 HOST=$3 WHEN=$4 TOPOLOGY_UNIT=$5
WEB=lnt-web.service
failed=0
ok() { printf '[%s] ok: %s\n' "$HOST" "$*"; }
bad() { printf '[%s] FAIL (%s): %s\n' "$HOST" "$WHEN" "$*"; failed=1; }
expect() {  # expect WHAT WANT GOT
  if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: expected '$2', got '$3'"; fi
}
prop() { systemctl show -p "$1" --value "$2"; }

state=$(systemctl is-system-running --wait 2>/dev/null)
expect "system state (no failed unit)" running "$state"
[ "$state" = running ] || systemctl --failed --no-pager --plain

# the boot unit: the applier converged the persisted topology at this boot, without Ansible
expect "$TOPOLOGY_UNIT" "active success 0" \
  "$(prop ActiveState "$TOPOLOGY_UNIT") $(prop Result "$TOPOLOGY_UNIT") $(prop ExecMainStatus "$TOPOLOGY_UNIT")"
applied=$(journalctl -b -o cat -u "$TOPOLOGY_UNIT" --no-pager | grep -E '\.json: (changed|unchanged) ' | tail -n 1)
if [ "$WHEN" = "after the reboot" ]; then
  # a fresh boot: it made everything itself
  case $applied in *": changed "*) ok "the applier at boot: $applied" ;; *) bad "the applier did not converge at boot: '$applied'" ;; esac
else
  if [ -n "$applied" ]; then ok "the applier: $applied"; else bad "no run of the applier in this boot's journal"; fi
fi
if python3 -c 'import ansible' 2>/dev/null; then bad "Ansible is importable on the host"; else ok "no Ansible on the host"; fi
# the role installs pyroute2 into its virtual environment (its default netns_venv), which sees the system's
# packages; the system's python3 itself is left as Debian ships it
VENV=/opt/linuxnet-netns/venv
pyroute2=$("$VENV/bin/python" -c 'import pyroute2; print(pyroute2.__file__)' 2>&1)
case $pyroute2 in
  "$VENV"/lib/python3*) ok "pyroute2 is the one the role installed into $VENV: $pyroute2" ;;
  *) bad "pyroute2 of $VENV/bin/python is not what the role installed: $pyroute2" ;;
esac
if python3 -c 'import pyroute2' 2>/dev/null; then bad "the system's python3 imports pyroute2: the role installed into it"
else ok "the system's python3 has no pyroute2 (the role kept to its venv)"; fi

# the topology
if ip netns list | grep -q '^app\b'; then ok "namespace app"; else bad "no namespace app: $(ip netns list | tr '\n' ' ')"; fi
expect "app0 (host side)" "$APP_NET.1/24" "$(ip -4 -br address show dev app0 2>&1 | awk '{print $3}')"
expect "eth0 in app" "$APP_NET.2/24" "$(ip -n app -4 -br address show dev eth0 2>&1 | awk '{print $3}')"
expect "default route in app" "default via $APP_NET.1 dev eth0" "$(ip -n app route show default 2>&1 | awk '{print $1, $2, $3, $4, $5}')"
expect "forwarding on the host" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"

# the unit inside app
expect "$WEB" active "$(prop ActiveState "$WEB")"
pid=$(prop MainPID "$WEB")
expect "ip netns identify \$(systemctl show -p MainPID --value $WEB)" app "$(ip netns identify "$pid" 2>&1)"
started=$(prop ExecMainStartTimestampMonotonic "$WEB")
made=$(prop ActiveEnterTimestampMonotonic "$TOPOLOGY_UNIT")
if [ "$made" -gt 0 ] && [ "$started" -ge "$made" ]; then ok "$WEB started after $TOPOLOGY_UNIT was done"
else bad "$WEB started at ${started}us, before $TOPOLOGY_UNIT was done (${made}us)"; fi
# get URL [NETNS]: its body, asked from inside NETNS if given; a simple service is "active" once started, not once
# listening: a few seconds of grace
get() {
  local inside=()
  [ -n "${2:-}" ] && inside=(ip netns exec "$2")
  "${inside[@]}" python3 - "$1" <<'PY' 2>&1
import sys, time, urllib.request
for attempt in range(50):
    try:
        print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode().strip())
        break
    except OSError as exc:
        error = exc
        time.sleep(0.2)
else:
    print('no answer: %s' % error)
PY
}
expect "HTTP from the host's namespace to $APP_NET.2:8080" "hello from $HOST" "$(get "http://$APP_NET.2:8080/")"
# the firewall's masquerade: the controller sees app's request come from the host's address
expect "nft table of the topology" "table inet linuxnet" "$(nft list tables 2>&1 | grep -x 'table inet linuxnet')"
expect "app's request to the controller, as the controller saw it" "$UNDERLAY.2" \
  "$(get "http://$UNDERLAY.1:8081/" app)"
# /proc/PID/root is the process's view of the filesystem, its own mounts included
unit_resolv=$(cat "/proc/$pid/root/etc/resolv.conf" 2>&1)
expect "the unit's /etc/resolv.conf is /etc/netns/app/resolv.conf" "$(cat /etc/netns/app/resolv.conf)" "$unit_resolv"
if [ "$unit_resolv" = "$(cat /etc/resolv.conf)" ]; then bad "the unit's resolv.conf is the host's"; fi
exit "$failed"
