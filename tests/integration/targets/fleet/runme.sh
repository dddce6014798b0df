#!/usr/bin/env bash
# The fleet test through ansible-test: simulated hosts over SSH (tests/fleet/run.sh starts them, runs the
# fleet playbooks, and stops them however it ends, within its own time limit).
set -euo pipefail
[ -e /run/linuxnet-netns-sandbox ] || { echo "FAIL: integration targets run only inside the test sandbox (tests/integration.sh)" >&2; exit 1; }
# ansible-test runs this from a copy of the target; the collection itself is on the collections path
collection_root=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/linuxnet/netns
[ -x "$collection_root/tests/fleet/run.sh" ] || { echo "no tests/fleet/run.sh under $collection_root" >&2; exit 1; }
exec "$collection_root/tests/fleet/run.sh"
