#!/bin/sh
# run.sh - command-line behaviour that the golden tests cannot pin down:
# what mldc does on a terminal (colour, NO_COLOR, the progress line of a
# long `run`: bench/gpt3_1k.mld, 1.7 M tasks, several seconds) and reading
# a design from standard input for `explore`.
#
#   sh tests/cli/run.sh MLDC
#
# A terminal comes from script(1) (util-linux); without it the terminal
# cases are skipped with the reason.  Prints "ok NAME" / "FAIL NAME" per
# case and "cli: N passed, N failed"; exits 1 when any failed.
set -u
[ $# -eq 1 ] || { echo "usage: $0 MLDC" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
case $1 in /*) mldc=$1 ;; *) mldc=$(pwd)/$1 ;; esac
cd "$root" || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mldc-cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
unset NO_COLOR CLICOLOR_FORCE MLDC_STDLIB 2>/dev/null || true
passed=0 failed=0
esc=$(printf '\033')

ok() { echo "ok $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# on_tty OUT CMD...: run CMD with stdout and stderr on a pseudo-terminal,
# the terminal's output in OUT.
on_tty() {
    out=$1
    shift
    TERM=xterm script -qec "$*" /dev/null >"$out" 2>&1 </dev/null
}

if script -qec true /dev/null >/dev/null 2>&1 </dev/null; then
    on_tty "$tmp/tty" "$mldc" check tests/golden/diag/dim-add.mld
    if grep -q "$esc\[1;31merror" "$tmp/tty"; then ok colour-on-tty; else bad colour-on-tty "no red 'error' on a terminal"; fi
    NO_COLOR=1 on_tty "$tmp/tty" "$mldc" check tests/golden/diag/dim-add.mld
    if grep -q "$esc" "$tmp/tty"; then bad no-color "NO_COLOR=1 still coloured"; elif grep -q "error:" "$tmp/tty"; then ok no-color; else bad no-color "no diagnostic"; fi
    on_tty "$tmp/tty" "$mldc" check --color=never tests/golden/diag/dim-add.mld
    if grep -q "$esc" "$tmp/tty"; then bad color-never "--color=never still coloured"; else ok color-never; fi
    # a run of several seconds (1.7 M tasks) shows its progress on a terminal
    on_tty "$tmp/tty" "$mldc" run bench/gpt3_1k.mld ">/dev/null"
    if grep -q "mldc: simulating [0-9]*%" "$tmp/tty"; then ok progress-on-tty; else bad progress-on-tty "no progress line"; fi
    on_tty "$tmp/tty" "$mldc" run --quiet bench/gpt3_1k.mld ">/dev/null"
    if grep -q "simulating" "$tmp/tty"; then bad progress-quiet "--quiet still shows progress"; else ok progress-quiet; fi
else
    echo "skip terminal cases: script(1) from util-linux is missing or cannot open a pseudo-terminal"
fi

"$mldc" run bench/gpt3_1k.mld >/dev/null 2>"$tmp/err"
if [ -s "$tmp/err" ]; then bad progress-not-tty "stderr not empty off a terminal"; sed 's/^/    /' "$tmp/err" | head -3; else ok progress-not-tty; fi

"$mldc" check tests/golden/diag/dim-add.mld 2>"$tmp/err"
if grep -q "$esc" "$tmp/err"; then bad no-colour-in-file "escape codes in redirected output"; else ok no-colour-in-file; fi

# explore loads the design once per point: '-' is read once and kept.
"$mldc" explore --quiet -j 2 -o "$tmp/x.csv" - <tests/golden/cli/base.mld >"$tmp/out" 2>&1
"$mldc" explore --quiet -j 2 -o "$tmp/y.csv" tests/golden/cli/base.mld >/dev/null 2>&1
if [ "$(wc -l <"$tmp/x.csv")" -gt 1 ] && cmp -s "$tmp/x.csv" "$tmp/y.csv"; then ok explore-stdin
else bad explore-stdin "the results from stdin differ from the file's"; sed 's/^/    /' "$tmp/out"; fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
