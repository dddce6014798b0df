#!/usr/bin/env bash
# Inside a sandbox of its own (runme.sh): the demo as make demo runs it, then the fleet example on two simulated
# hosts with the overlay role between them, each drawn into OUT (demo.dot, fleet.dot).
#
#   draw.sh COLLECTION_ROOT OUT
set -euo pipefail
collection_root=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$collection_root/scripts/lib.sh" docs_pictures
[ -e /run/linuxnet-netns-sandbox ] || die "draw.sh runs only inside a test sandbox"

log "the demo (demo/site.yml)"
ansible-playbook -i "$collection_root/demo/inventory.ini" "$collection_root/demo/site.yml" \
  -e "demo_picture_dir=$out/demo-run" > "$out/demo.log" 2>&1 || { cat "$out/demo.log"; die "the demo failed"; }
cp "$out/demo-run/scene.dot" "$out/demo.dot"

state=$(mktemp -d /tmp/lnt-pictures-fleet.XXXXXX)
cleanup() { "$collection_root/tests/fleet/stop.sh" "$state"; rm -rf "$state"; }
trap cleanup EXIT
log "two simulated hosts"
mkdir "$state/fleet"
FLEET_PYTHON=${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)} "$collection_root/tests/fleet/start.sh" "$state/fleet" 2 \
  2>"$out/fleet-start.log" || { cat "$out/fleet-start.log"; die "the fleet did not start"; }
export ANSIBLE_CONFIG=$state/fleet/ansible.cfg
# host1 is an edge host, host2 an app host (the example's group_vars), joined by one VXLAN segment
mkdir -p "$state/inventory"
cp "$here/inventory/hosts.yml" "$state/inventory/hosts.yml"
ln -s "$collection_root/examples/inventory/group_vars" "$state/inventory/group_vars"
play() {
  local playbook=$1
  shift
  ansible-playbook -i "$state/fleet/inventory.yml" -i "$state/inventory/hosts.yml" "$playbook" \
    -e fleet_prefix= -e "netns_persist_dir=$state/etc" -e "netns_systemd_unit_dir=$state/systemd" \
    -e "netns_persist_lib=$state/lib" "$@" > "$out/play.log" 2>&1 || { cat "$out/play.log"; die "$playbook failed"; }
}
log "examples/fleet.yml"
play "$collection_root/examples/fleet.yml"
log "the overlay role"
play "$here/overlay.yml"
log "examples/picture.yml"
play "$collection_root/examples/picture.yml" -e "picture_dir=$out/fleet-run"
cp "$out/fleet-run/fleet.dot" "$out/fleet.dot"
