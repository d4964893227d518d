#!/usr/bin/env bash
# README command 1: set up, write the bundled sample aging workbook and run the weekly cycle on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/dunning demo "${@:-dunning-demo}"
