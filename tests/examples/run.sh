#!/bin/sh
# run.sh - every shipped example must check cleanly and simulate cleanly.
#
#   sh tests/examples/run.sh MLDC FILE...
#
# For each file:
#   1. `MLDC check FILE` must exit 0 (warnings are shown but allowed);
#   2. `MLDC run --verify --trace TMP/trace.json FILE` must exit 0, print no
#      error and report "schedule verified" (the schedule obeys the hardware
#      rules: see sim_verify in src/sim.h);
#   3. the trace must be valid JSON: `python3 -m json.tool` when python3 is
#      installed, else a minimal check that it starts with {"traceEvents":[
#      and ends with }.
# Ends with "examples: N passed, N failed" and exits 1 when any failed.
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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mldc-examples.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
if command -v python3 >/dev/null 2>&1; then
    have_python=1
else
    have_python=0
fi

# json_ok FILE: is FILE a JSON trace?
json_ok() {
    if [ "$have_python" = 1 ]; then
        python3 -m json.tool "$1" >/dev/null 2>"$tmp/json.err"
        return
    fi
    head -c 16 "$1" | grep -q '^{"traceEvents":\[' || return 1
    # the last non-blank character is '}'
    [ "$(tr -d ' \t\r\n' <"$1" | tail -c 1)" = "}" ]
}

# fail FILE WHAT OUTPUT
fail() {
    failed=$((failed + 1))
    echo "FAIL $1 ($2)"
    [ -n "$3" ] && printf '%s\n' "$3" | sed 's/^/    /'
}

for f in "$@"; do
    out=$("$mldc" check "$f" 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$f" "mldc check exited $rc" "$out"
        continue
    fi
    [ -n "$out" ] && printf '%s\n' "$out"
    rm -f "$tmp/trace.json"
    "$mldc" run --verify --trace "$tmp/trace.json" "$f" >"$tmp/run.out" 2>"$tmp/run.err"
    rc=$?
    err=$(cat "$tmp/run.err")
    if [ $rc -ne 0 ]; then
        fail "$f" "mldc run --verify exited $rc" "$err"
        continue
    fi
    if grep -q 'error' "$tmp/run.err"; then
        fail "$f" "mldc run --verify reported an error" "$err"
        continue
    fi
    if ! grep -q 'schedule verified' "$tmp/run.err"; then
        fail "$f" "mldc run --verify did not verify the schedule" "$err"
        continue
    fi
    if [ ! -s "$tmp/trace.json" ]; then
        fail "$f" "no trace written" ""
        continue
    fi
    if ! json_ok "$tmp/trace.json"; then
        fail "$f" "the trace is not valid JSON" "$(cat "$tmp/json.err" 2>/dev/null)"
        continue
    fi
    # every other mapping of the file, verified too
    bad=""
    for m in $(sed -n 's/^mapping \([A-Za-z_][A-Za-z0-9_]*\) on .*/\1/p' "$f" | tail -n +2); do
        if ! "$mldc" run --verify --mapping "$m" "$f" >/dev/null 2>"$tmp/run.err" ||
           ! grep -q 'schedule verified' "$tmp/run.err"; then
            bad="$m"
            break
        fi
    done
    if [ -n "$bad" ]; then
        fail "$f" "mapping $bad does not run and verify" "$(cat "$tmp/run.err")"
        continue
    fi
    passed=$((passed + 1))
done
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
