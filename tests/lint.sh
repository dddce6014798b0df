#!/usr/bin/env bash
# ansible-lint (production profile, configuration in .ansible-lint) over roles, playbooks, examples and
# integration targets, and antsibull-changelog's lint of the changelog fragments and changelog.yaml.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH=$ROOT/.venv/bin:$PATH
# this checkout as linuxnet.netns, so the FQCNs in the playbooks resolve
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.build/collections
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
cd "$ROOT"
status=0
printf '[lint] antsibull-changelog lint\n' >&2
antsibull-changelog lint || status=1
printf '[lint] ansible-lint\n' >&2
ansible-lint --nocolor || status=1
exit $status
