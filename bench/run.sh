#!/usr/bin/env bash
# Run the benchmark (as root): bench/run.sh [--output FILE] [N ...]   or   make bench [BENCH_SIZES="N ..."]
# Profile the module's core on W(N): bench/run.sh --profile [N] [first|rerun|teardown] [cumulative|tottime]
# Only the firewall benchmark (100 namespaces with a masquerade rule and a port forward, next to nft -f):
# bench/run.sh --firewall [-n N] [--output FILE]; the default run writes it to bench/results/firewall.md.
#
# Default sizes: W(10), W(100), W(1000), W(5000). On an idle 2-core machine the whole default run takes 7 to 8
# minutes (W(5000) about 5 of them, most of that the `ip -batch` floor, whose `ip -n` calls slow down as
# namespaces accumulate); on the machine of bench/results/latest.md, about half as fast, 12 minutes. Other test
# suites running at the same time stretch it (13 to 15 minutes at a load average of 5 to 8 on the faster one). Other sizes, up to 32768 (the /30s of
# 198.18.0.0/15): bench/run.sh 2000 10000, or make bench BENCH_SIZES="2000 10000". A failed topology run is
# written to the results as such; the script then exits 1.
#
# Setup runs here on the host (it may need the network); the measuring runs in tests/sandbox.sh, so every
# namespace, link and file it makes exists only in the sandbox and goes with it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh" base
args=("$@")
if [ ${#args[@]} -eq 0 ] && [ -n "${BENCH_SIZES:-}" ]; then
  read -r -a args <<< "$BENCH_SIZES"
fi
if [ "${args[0]:-}" = --profile ]; then
  # the module's core under cProfile, without Ansible (bench/module_profile.py)
  exec "$ROOT/tests/sandbox.sh" "$ROOT/.venv/bin/python" "$ROOT/bench/module_profile.py" "${args[@]:1}"
fi
if [ "${args[0]:-}" = --firewall ]; then
  # only the firewall benchmark (bench/firewall.py): bench/run.sh --firewall [-n N]
  exec "$ROOT/tests/sandbox.sh" "$ROOT/.venv/bin/python" "$ROOT/bench/firewall.py" "${args[@]:1}"
fi
"$ROOT/tests/sandbox.sh" "$ROOT/.venv/bin/python" "$ROOT/bench/bench.py" "${args[@]}"
if [ ${#args[@]} -eq 0 ]; then
  # the default run also measures firewalls: 100 namespaces, next to the nft -f floor
  "$ROOT/tests/sandbox.sh" "$ROOT/.venv/bin/python" "$ROOT/bench/firewall.py" -n 100 \
    --output "$ROOT/bench/results/firewall.md"
fi
