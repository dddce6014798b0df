#!/usr/bin/env bash
# The reliability suites: bad input, faults, concurrency, hostile /run/netns, resource hygiene, properties.
#
#   tests/reliability/run.sh          the CI size (fault and concurrency rounds trimmed)
#   tests/reliability/run.sh --full   the full run whose figures the README reports
#   tests/reliability/run.sh [--full] PYTEST-ARGS...   a part (e.g. -k test_addresses); no figures written
#
# Everything runs in a sandbox of its own (tests/sandbox.sh: private network, mount and pid namespaces with
# their own /run, /etc/netns and /var/lib/linuxnet-netns), so no case can touch this machine's namespaces,
# links or /run/netns, and concurrent test runs cannot disturb the byte-for-byte state comparisons.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/reliability

if [ "${LNT_RELIABILITY_SANDBOX:-}" != 1 ]; then
  # a sandbox per suite run, even when called from inside another one (their state comparisons are
  # byte-for-byte: nothing else may run in the same "host")
  LNT_RELIABILITY_SANDBOX=1 exec "$ROOT/tests/sandbox.sh" --new "$0" "$@"
fi
full=0
[ "${1:-}" = --full ] && { full=1; shift; }

figures=$(mktemp /tmp/lnt-figures.XXXXXX)
trap 'rm -f "$figures"' EXIT
export LNT_FIGURES=$figures LNT_FULL=$full PYTHONDONTWRITEBYTECODE=1
status=0
"$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider --durations=12 -o console_output_style=classic "$HERE" "$@" \
  || status=$?
[ $# -eq 0 ] || exit $status
"$ROOT/.venv/bin/python" "$HERE/report.py" "$figures" "$full" "$status" | tee "$HERE/results/$([ $full = 1 ] && echo full || echo ci).md"
exit $status
