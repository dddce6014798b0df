#!/usr/bin/env bash
# The main job: build the seed tutorial's scene on this machine with the collection.
#
#   scripts/demo.sh          build it (idempotent; run it twice to see changed=0)
#   scripts/demo.sh clean    remove everything the demo made
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh" base
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"

case ${1:-build} in
  build) ansible-playbook "$ROOT/demo/site.yml" ;;
  clean) ansible-playbook "$ROOT/demo/clean.yml" ;;
  *) echo "usage: $0 [build|clean]" >&2; exit 2 ;;
esac
