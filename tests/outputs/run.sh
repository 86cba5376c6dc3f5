#!/bin/sh
# run.sh - output files and standard output: written whole or reported.
#
#   sh tests/outputs/run.sh MLDC
#
# Every output is written through one rule (util_out in src/util.c): a
# regular file or a new path through a temporary file renamed over it; a
# device or FIFO in place; a symbolic link followed (its target replaced,
# the link kept).  Each failure names the file and the system's reason,
# removes the temporary file and exits 2; standard output is checked too.
# Full disks are /dev/full, and a file-size limit (ulimit -f with SIGXFSZ
# ignored) for regular files.  Ends with "outputs: N passed, N failed".
set -u
[ $# -eq 1 ] || { echo "usage: $0 MLDC" >&2; exit 2; }
mldc=$1
case $mldc in /*) ;; *) mldc=$(pwd)/$mldc ;; esac
[ -x "$mldc" ] || { echo "run.sh: $mldc is not an executable" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LC_ALL=C
MLDC_STDLIB=${MLDC_STDLIB:-$root/stdlib}
export LC_ALL MLDC_STDLIB
T=$(mktemp -d "${TMPDIR:-/tmp}/mldc-outputs.XXXXXX") || exit 2
bgpid=
trap '[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 2' INT TERM
cd "$T" || exit 2
design=$root/tests/golden/dump/small.mld
gpu=$root/examples/gpu.mld

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; shift; for d in "$@"; do printf '%s\n' "$d" | sed 's/^/    /'; done; }
# expect NAME STATUS PATTERN: the last command's status and stderr (err)
expect() {
    if [ "$rc" -eq "$2" ] && grep -q "$3" err; then ok "$1"; else bad "$1" "exit $rc (want $2)" "$(cat err)"; fi
}
notmp() { ! ls -a "$1" | grep -q '\.tmp-'; }
# mldc is given a link to /dev/full, never the node itself: a build that
# replaced its -o file would then replace only the link in this directory
full=0
[ -c /dev/full ] && ln -s /dev/full full && full=1

if [ $full = 1 ]; then
    "$mldc" run "$gpu" >/dev/full 2>err; rc=$?
    expect "run > /dev/full: exit 2, the error names standard output" 2 "^mldc: error: cannot write to standard output: No space left on device"
    "$mldc" run --json "$gpu" >/dev/full 2>err; rc=$?
    expect "run --json > /dev/full: exit 2" 2 "cannot write to standard output"
    "$mldc" run --trace full "$gpu" >/dev/null 2>err; rc=$?
    expect "run --trace /dev/full: exit 2, naming the file and the reason" 2 "^mldc: error: cannot write 'full': No space left on device"
    "$mldc" explore --quiet -o full "$design" >out 2>err; rc=$?
    expect "explore -o /dev/full: exit 2, naming the file" 2 "cannot write 'full': No space left on device"
    if [ -L full ] && [ -c full ] && grep -q '^results: (none)$' out; then
        ok "explore -o /dev/full: the device is still a device; the summary lists no file"
    else
        bad "explore -o /dev/full: the device is still a device; the summary lists no file" "$(ls -l /dev/full)" "$(cat out)"
    fi
else
    echo "skipped: /dev/full is missing"
fi

# regular files on a full disk: a file-size limit makes writes fail
"$mldc" explore --quiet -o ref.csv "$design" >/dev/null 2>&1
(trap '' XFSZ; ulimit -f 1; exec "$mldc" explore --quiet -o big.csv "$root/examples/study.mld") >out 2>err
rc=$?
expect "explore, the CSV past a size limit: exit 2, naming the file and the reason" 2 "cannot write 'big.csv': File too large"
if notmp . && ! grep -q 'results: big.csv' out; then
    ok "explore, the CSV past a size limit: no temporary file left, the summary does not list it"
else
    bad "explore, the CSV past a size limit: no temporary file left, the summary does not list it" "$(ls -a)" "$(cat out)"
fi
(trap '' XFSZ; ulimit -f 1; exec "$mldc" run --json "$root/examples/gpt3_tp8.mld") >json.out 2>err
rc=$?
expect "run --json > a file past a size limit: exit 2 (not 0 with a short file)" 2 "cannot write to standard output: File too large"

# a missing directory
"$mldc" explore --quiet -o ok.csv --svg nodir/front.svg --report nodir/r.html "$design" >out 2>err
rc=$?
expect "explore --svg into a missing directory: exit 2, naming the file" 2 "cannot write 'nodir/front.svg': No such file or directory"
if grep -q "cannot write 'nodir/r.html'" err && grep -q '^results: ok.csv$' out; then
    ok "explore: each failed output named; the summary lists only the files written"
else
    bad "explore: each failed output named; the summary lists only the files written" "$(cat err out)"
fi

# a symbolic link is followed: the target is replaced, the link stays
echo old >target.csv
ln -s target.csv link.csv
"$mldc" explore --quiet -o link.csv "$design" >/dev/null 2>err
rc=$?
if [ $rc -eq 0 ] && [ -L link.csv ] && cmp -s target.csv ref.csv; then
    ok "explore -o SYMLINK: the link stays a link, its target holds the results"
else
    bad "explore -o SYMLINK: the link stays a link, its target holds the results" "exit $rc" "$(ls -l link.csv target.csv)" "$(cat err)"
fi
ln -s trace.json tlink.json
"$mldc" run --trace tlink.json "$gpu" >/dev/null 2>err
rc=$?
if [ $rc -eq 0 ] && [ -L tlink.json ] && [ -s trace.json ]; then
    ok "run --trace SYMLINK to a new file: the link stays, the target is written"
else
    bad "run --trace SYMLINK to a new file: the link stays, the target is written" "exit $rc" "$(ls -l)"
fi

# a FIFO is written in place, once, with the final file
if mkfifo fifo 2>/dev/null; then
    cat fifo >fifo.out &
    bgpid=$!
    "$mldc" explore --quiet -o fifo "$design" >/dev/null 2>err
    rc=$?
    wait $bgpid
    bgpid=
    if [ $rc -eq 0 ] && [ -p fifo ] && cmp -s fifo.out ref.csv; then
        ok "explore -o FIFO: written in place, the reader gets the final CSV once"
    else
        bad "explore -o FIFO: written in place, the reader gets the final CSV once" "exit $rc" "$(cat err)"
    fi
else
    echo "skipped: mkfifo failed"
fi
if notmp .; then ok "no temporary file left anywhere"; else bad "no temporary file left anywhere" "$(ls -a)"; fi

echo "outputs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
