#!/usr/bin/env bash
# What Mitogen's strategy saves on a fleet-like playbook: the fleet's roles.yml (each host's topology through the
# topology role, with its dependency probe, then the overlay role joining them: about forty tasks a host)
# against N simulated SSH hosts (tests/fleet), run with strategy linear and with mitogen_linear, each several
# times after a first run that converges; the times of the unchanged runs are compared. Runs in a test sandbox; the hosts, their namespaces and their sshd end with it.
#
#   bench/mitogen.sh [HOSTS] [RUNS]     (default 5 hosts, 3 runs of each strategy)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh" bench-mitogen
HOSTS=${1:-5}
RUNS=${2:-3}
if [ ! -e /run/linuxnet-netns-sandbox ]; then
  "$ROOT/scripts/setup.sh" base test >&2
  exec "$ROOT/tests/sandbox.sh" "$0" "$@"
fi
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
STATE=$(mktemp -d /tmp/lnt-bench-mitogen.XXXXXX)
trap '"$ROOT/tests/fleet/stop.sh" "$STATE"; rm -rf "$STATE"' EXIT
FLEET_PYTHON=$ROOT/.venv/bin/python "$ROOT/tests/fleet/start.sh" "$STATE" "$HOSTS" >&2
export ANSIBLE_CONFIG=$STATE/ansible.cfg
unset ANSIBLE_INVENTORY ANSIBLE_PYTHON_INTERPRETER
strategies=$("$ROOT/.venv/bin/python" -c 'import ansible_mitogen, os; print(os.path.join(os.path.dirname(ansible_mitogen.__file__), "plugins", "strategy"))')

# seconds one run of roles.yml takes with strategy $1
run() {
  local start end
  start=$(date +%s.%N)
  ANSIBLE_STRATEGY_PLUGINS=$strategies ANSIBLE_STRATEGY=$1 ansible-playbook "$ROOT/tests/fleet/playbooks/roles.yml" \
    > "$STATE/$1.log" 2>&1 || { tail -20 "$STATE/$1.log" >&2; die "roles.yml failed with strategy $1"; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
run linear >/dev/null  # converge once
declare -A total=()
for strategy in linear mitogen_linear; do
  total[$strategy]=0
  for _ in $(seq 1 "$RUNS"); do
    seconds=$(run "$strategy")
    total[$strategy]=$(echo "${total[$strategy]} + $seconds" | bc)
  done
done
linear=$(echo "scale=2; ${total[linear]} / $RUNS" | bc)
mitogen=$(echo "scale=2; ${total[mitogen_linear]} / $RUNS" | bc)
printf '%s hosts, roles.yml unchanged (topology and overlay roles, over SSH), mean of %s runs:\n' "$HOSTS" "$RUNS"
printf '  strategy linear          %6.2f s\n  strategy mitogen_linear  %6.2f s (%.1fx faster)\n' "$linear" "$mitogen" \
  "$(echo "scale=2; $linear / $mitogen" | bc)"
