#!/bin/sh
# run.sh - `make python-test`: the Python package, installed as a user would.
#
#   sh tests/python/run.sh BUILD      (BUILD holds mldc and libmldc.so)
#
# Creates a temporary virtual environment (with the system's site packages
# visible, so an installed pandas or matplotlib is used), installs ./python
# into it offline (`pip install --no-index`: the package's build backend
# needs nothing from a package index), then runs python/tests from outside
# the tree (so the installed copy is what is imported), and the worked
# example of docs/python.md: its ```python blocks, concatenated, as one
# script run from the repository root.  Skipped, with the reason, where
# python3 or its venv module is missing (Debian: python3-venv, which
# `sh scripts/install-deps.sh python` installs).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac

if ! command -v python3 >/dev/null 2>&1; then
    echo "python-test: skipped: python3 is not installed"
    exit 0
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "python-test: skipped: the Python venv module is missing (Debian: python3-venv)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 -m venv --system-site-packages "$tmp/venv"
py=$tmp/venv/bin/python
MLDC_LIB=$build/libmldc.so "$py" -m pip install --quiet --no-index --disable-pip-version-check "$root/python"
echo "python-test: installed $("$py" -c 'import mldc; print("mldc", mldc.version(), "API", mldc.api_version())') into a temporary venv"

cd "$tmp"
MLDC_ROOT=$root MLDC_BIN=$build/mldc "$py" -m unittest discover -s "$root/python/tests"

# docs/python.md, run as written
awk '/^```python$/ {on = 1; next} /^```/ {on = 0} on' "$root/docs/python.md" > "$tmp/python_md.py"
[ -s "$tmp/python_md.py" ] || { echo "python-test: docs/python.md has no python blocks" >&2; exit 1; }
cd "$root"
PATH=$build:$PATH MLDC_PLOT_DIR=$tmp "$py" "$tmp/python_md.py" > "$tmp/python_md.out"
echo "python-test: docs/python.md ran ($(grep -c . "$tmp/python_md.out") lines of output)"
