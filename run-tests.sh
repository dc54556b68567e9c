#!/usr/bin/env bash
# Set up (first time only), then check lint, types and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-deps.sh
scripts/venv.sh test
if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
  npm ci --prefix tests/js --no-audit --no-fund
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy organizer tests benchmarks main.py
exec .venv/bin/python -m pytest "$@"
