#!/usr/bin/env bash
# The compat checks (every module four times, both roles four times, the connection plugin) under Mitogen's
# strategy mitogen_linear, which large fleets use for speed; the become plugin must refuse there, never run on
# the host. Mitogen comes from the test venv (requirements-dev.txt pins it).
set -euo pipefail
[ -e /run/linuxnet-netns-sandbox ] || { echo "FAIL: integration targets run only inside the test sandbox (tests/integration.sh)" >&2; exit 1; }
collection_root=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/linuxnet/netns
# shellcheck source=scripts/lib.sh
. "$collection_root/scripts/lib.sh" mitogen
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
strategies=$("$python" -c 'import ansible_mitogen, os; print(os.path.join(os.path.dirname(ansible_mitogen.__file__), "plugins", "strategy"))') \
  || fail "Mitogen is not installed for $python (requirements-dev.txt pins it)"
printf 'testhost ansible_connection=local ansible_python_interpreter=%s\n' "$python" > inventory.mitogen
cat > mitogen.yml <<'PLAY'
- name: The compat checks under Mitogen
  hosts: testhost
  gather_facts: false
  roles:
    - role: compat
      vars:
        compat_mitogen: true
PLAY
start=$SECONDS
# the compat target and its setup_netns_tests are copied beside this one (needs/target in aliases)
ANSIBLE_ROLES_PATH=$(cd .. && pwd) ANSIBLE_STRATEGY_PLUGINS=$strategies ANSIBLE_STRATEGY=mitogen_linear \
  ansible-playbook -i inventory.mitogen mitogen.yml "$@" | tee mitogen.log
grep -q 'mitogen' <<<"$(ANSIBLE_STRATEGY_PLUGINS=$strategies ANSIBLE_STRATEGY=mitogen_linear ansible-config dump --only-changed 2>/dev/null)" \
  || fail "the play did not run with strategy mitogen_linear"
log "passed under mitogen_linear in $((SECONDS - start))s"
