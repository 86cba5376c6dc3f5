#!/bin/sh
# run.sh - golden tests: run mldc on pinned inputs, compare the output exactly.
#
#   sh tests/golden/run.sh MLDC [NAME...]     run all (or the named) tests
#   UPDATE=1 sh tests/golden/run.sh MLDC ...  (re)write the .expected files
#
# Three kinds, each NAME.expected holding "exit N" and then the output:
#
#   diag/NAME.mld    `MLDC check diag/NAME.mld`; the output is stderr (the
#                    diagnostics), stdout must be empty.
#   dump/NAME.args   one line of arguments, e.g. `dump ir examples/gpu.mld`;
#                    the output is stdout (stderr must be empty unless the
#                    exit status is nonzero, in which case it follows stdout
#                    after a line "--- stderr").
#   cli/NAME.args    one line of arguments; the output is stdout, then a line
#                    "--- stderr", then stderr.  A NAME.stdin next to it is
#                    the command's standard input (else /dev/null).
#
# Everything runs from the repository root with relative paths, so the
# expected files name inputs as tests/golden/...  Arguments in .args files
# are split on blanks (no quoting).  A failure prints "FAIL NAME" and a
# unified diff (expected -> actual); the last line is "N passed, N failed",
# and the exit status is 1 when anything failed.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 MLDC [NAME...]" >&2; exit 2; }
mldc=$1
shift
case $mldc in /*) ;; *) mldc=$(pwd)/$mldc ;; esac
[ -x "$mldc" ] || { echo "run.sh: $mldc is not an executable" >&2; exit 2; }
cd "$root" || exit 2

# Output must not depend on the caller's environment or on where the
# checkout lives: the stdlib is named by a relative path.
LC_ALL=C
MLDC_STDLIB=stdlib
export LC_ALL MLDC_STDLIB
unset NO_COLOR CLICOLOR_FORCE 2>/dev/null || true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mldc-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
update=${UPDATE:-0}

# wanted NAME: is NAME selected by the command line (all when none given)?
wanted() {
    [ $# -ge 1 ] || return 1
    name=$1
    shift
    [ $# -eq 0 ] && return 0
    for w in "$@"; do [ "$w" = "$name" ] && return 0; done
    return 1
}

# compare NAME EXPECTED ACTUAL
compare() {
    if [ "$update" = 1 ]; then
        if [ ! -f "$2" ] || ! cmp -s "$2" "$3"; then
            cp "$3" "$2"
            echo "updated $1"
        fi
        passed=$((passed + 1))
    elif [ ! -f "$2" ]; then
        echo "FAIL $1 (no $2; run with UPDATE=1 to create it, then read it)"
        sed 's/^/    /' "$3"
        failed=$((failed + 1))
    elif cmp -s "$2" "$3"; then
        passed=$((passed + 1))
    else
        echo "FAIL $1"
        diff -u "$2" "$3" | sed '1,2d'
        failed=$((failed + 1))
    fi
}

# run_case NAME KIND EXPECTED ARGS...
run_case() {
    name=$1 kind=$2 expected=$3
    shift 3
    input=/dev/null
    [ -f "${expected%.expected}.stdin" ] && input=${expected%.expected}.stdin
    "$mldc" "$@" >"$tmp/out" 2>"$tmp/err" <"$input"
    rc=$?
    {
        echo "exit $rc"
        case $kind in
        diag)
            cat "$tmp/err"
            if [ -s "$tmp/out" ]; then echo "--- stdout"; cat "$tmp/out"; fi
            ;;
        dump)
            cat "$tmp/out"
            if [ -s "$tmp/err" ]; then echo "--- stderr"; cat "$tmp/err"; fi
            ;;
        cli)
            cat "$tmp/out"
            echo "--- stderr"
            cat "$tmp/err"
            ;;
        esac
    } >"$tmp/actual"
    compare "$name" "$expected" "$tmp/actual"
}

for f in tests/golden/diag/*.mld; do
    [ -f "$f" ] || continue
    name=diag/$(basename "$f" .mld)
    wanted "$name" "$@" || continue
    run_case "$name" diag "${f%.mld}.expected" check "$f"
done

for kind in dump cli; do
    for f in tests/golden/"$kind"/*.args; do
        [ -f "$f" ] || continue
        name=$kind/$(basename "$f" .args)
        wanted "$name" "$@" || continue
        # Split the arguments on blanks, without expanding '*'.
        set -f
        # shellcheck disable=SC2046
        run_case "$name" "$kind" "${f%.args}.expected" $(cat "$f")
        set +f
    done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
