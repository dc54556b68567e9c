#!/usr/bin/env bash
# Make (or reuse) the project's virtual environment in .venv and install Organizer into it.
# Usage: scripts/venv.sh [extra]   e.g. scripts/venv.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Organizer needs Python 3.11 or newer (found: $("$python" --version 2>&1))." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-${1:-app}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  target="."
  [ -n "${1:-}" ] && target=".[$1]"
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e "$target"; } >.venv/pip.log 2>&1; then
    cat .venv/pip.log >&2
    echo "Installing Organizer's Python packages failed (log above)." >&2
    exit 1
  fi
  touch "$stamp"
fi
