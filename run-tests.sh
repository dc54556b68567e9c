#!/usr/bin/env bash
# Set up (first time only), then check lint, types and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-deps.sh
scripts/venv.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy organizer tests
exec .venv/bin/python -m pytest "$@"
