#!/usr/bin/env bash
# Set up (first time only) and open Organizer on your own database file.
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-deps.sh
scripts/venv.sh
exec .venv/bin/organizer "$@"
