#!/bin/sh
# run.sh - regular loops (lowered once, expanded by the plan builder) give
# exactly what the same loops give evaluated iteration by iteration.
#
#   sh tests/loops/run.sh MLDC
#
# equal.mld holds pairs of mappings, NAME_range (loops over ranges: lowered
# as regular loops) and NAME_list (the same loops over lists: evaluated
# iteration by iteration).  For each pair, `mldc dump plan` (every task,
# use and dependency) and `mldc run --verify` must print the same, apart
# from the mapping's name.  Ends with "loops: N passed, N failed".
set -u
[ $# -ge 1 ] || { echo "usage: $0 MLDC" >&2; exit 2; }
mldc=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LC_ALL=C
MLDC_STDLIB=${MLDC_STDLIB:-$root/stdlib}
export LC_ALL MLDC_STDLIB
T=$(mktemp -d "${TMPDIR:-/tmp}/mldc-loops.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
passed=0
failed=0
for pair in ring path; do
    for how in "dump plan" "run --verify"; do
        # shellcheck disable=SC2086
        "$mldc" $how "$here/equal.mld" --mapping ${pair}_range >"$T/range" 2>&1
        r1=$?
        # shellcheck disable=SC2086
        "$mldc" $how "$here/equal.mld" --mapping ${pair}_list >"$T/list" 2>&1
        r2=$?
        sed "s/${pair}_range/MAPPING/g" "$T/range" >"$T/a"
        sed "s/${pair}_list/MAPPING/g" "$T/list" >"$T/b"
        if [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ -s "$T/a" ] && cmp -s "$T/a" "$T/b"; then
            passed=$((passed + 1))
            echo "ok   $pair: $how the same for ranges and lists ($(wc -l <"$T/a") lines)"
        else
            failed=$((failed + 1))
            echo "FAIL $pair: $how differs (exit $r1 and $r2)"
            diff "$T/a" "$T/b" | head -10 | sed 's/^/    /'
        fi
    done
done
echo "loops: $passed passed, $failed failed"
[ $failed -eq 0 ]
