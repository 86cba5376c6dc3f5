#!/bin/sh
# run.sh - every shipped example must check cleanly.
#
#   sh tests/examples/run.sh MLDC FILE...
#
# Runs `MLDC check FILE` on each file; a file fails when mldc exits nonzero
# or prints an error.  (Warnings are shown but allowed.)  Ends with
# "examples: N passed, N failed" and exits 1 when any failed.
set -u
[ $# -ge 1 ] || { echo "usage: $0 MLDC FILE..." >&2; exit 2; }
mldc=$1
shift
passed=0
failed=0
if [ $# -eq 0 ]; then
    echo "examples: no examples/*.mld found" >&2
    exit 1
fi
for f in "$@"; do
    out=$("$mldc" check "$f" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        [ -n "$out" ] && printf '%s\n' "$out"
    else
        failed=$((failed + 1))
        echo "FAIL $f (mldc check exited $rc)"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
done
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
