#!/usr/bin/env bash
# README command 2 (and what CI runs): set up, then lint, type-check and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --system
. .venv/bin/activate
ruff check .
ruff format --check .
mypy
set +e
python -m pytest "$@"
code=$?
set -e
if [[ $code -eq 5 ]]; then
  echo "test.sh: pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit $code
