#!/usr/bin/env bash
# Shellcheck (warnings and errors) over every shell script; ansible-lint (production profile, configuration in .ansible-lint) over roles, playbooks, examples and
# integration targets; antsibull-changelog's lint of the changelog fragments and changelog.yaml; and a check
# that CHANGELOG.md is what antsibull-changelog generates from changelogs/changelog.yaml and that the
# version in galaxy.yml is a release there.
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
version=$(sed -n 's/^version: *//p' galaxy.yml)
if ! grep -q "^  ${version//./\\.}:\$" changelogs/changelog.yaml; then
  printf '[lint] changelogs/changelog.yaml has no release %s (the version in galaxy.yml)\n' "$version" >&2
  status=1
fi
generated=$(mktemp -d /tmp/linuxnet-netns-changelog.XXXXXX)
cp -r galaxy.yml changelogs CHANGELOG.md "$generated/"
if ! (cd "$generated" && antsibull-changelog generate && diff -u "$ROOT/CHANGELOG.md" CHANGELOG.md >&2); then
  printf '[lint] CHANGELOG.md differs from what antsibull-changelog generate makes of changelogs/changelog.yaml\n' >&2
  status=1
fi
rm -rf "$generated"
printf '[lint] shellcheck\n' >&2
mapfile -t shell_scripts < <(git -C "$ROOT" ls-files --cached --others --exclude-standard '*.sh' 2>/dev/null \
  || find . -name '*.sh' -not -path './.venv/*' -printf '%P\n')
shellcheck -x -S warning "${shell_scripts[@]}" || status=1
printf '[lint] ansible-lint\n' >&2
ansible-lint --nocolor || status=1
exit $status
