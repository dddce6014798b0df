#!/usr/bin/env bash
# Run the benchmark (as root): bench/run.sh [N ...]   (default: 10 100 500)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh" base
exec "$ROOT/.venv/bin/python" "$ROOT/bench/bench.py" "$@"
