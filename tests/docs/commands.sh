#!/bin/sh
# commands.sh - every command shown in the documentation is run, and its
# output compared with what the documentation says it prints.
#
#   sh tests/docs/commands.sh MLDC [FILE.md...]
#
# FILE.md defaults to docs/*.md and README.md.  In them, a fenced block
# whose info string is exactly `console` holds one or more commands, each on
# a line starting with "$ " (a line ending in "\" continues on the next
# one), each followed by the output it is expected to print, up to the next
# "$ " line or the end of the block:
#
#     ```console
#     $ mldc check docs/tutorial/chip.mld
#     $ mldc explore -o build/docs/x.csv docs/tutorial/explore.mld
#     explore docs/tutorial/explore.mld: grid search, 18 of 18 points
#     ...
#     results: build/docs/x.csv
#     ```
#
# Each command runs with `sh -c` from the repository root, with `mldc` on
# PATH meaning MLDC (a symlink in a temporary directory put first on PATH),
# MLDC_STDLIB unset and build/docs/ created beforehand (commands that write
# files write there or under another build/ directory, never into the source
# tree).  Its stdout and stderr go to one file, as a user would see them on
# a terminal, except that stdout is not a terminal (so `mldc explore` shows
# no progress line).  The output must equal the expected lines exactly, but
# a line that is exactly "..." matches any number of lines (zero or more),
# for output that changes from run to run (timings) or is too long to show.
# The exit status is not compared: show it with `; echo "exit $?"` where it
# matters.
#
# Commands run one after the other, in the order of the files and of the
# blocks, each in a fresh `sh -c` (a `cd` or variable does not carry over),
# with stdin from /dev/null and, where `timeout` exists, a limit of 120 s.
#
# Prints "FAIL FILE:LINE" (the line of the "$ ") and a diff of the expected
# and the actual output for each mismatch, then
# "docs-commands: N passed, N failed"; exits 1 when any failed, 2 on usage
# errors.  KEEP=1 keeps the temporary directory (each case's .cmd, .exp and
# .out files) and prints where it is.
set -u
[ $# -ge 1 ] || { echo "usage: $0 MLDC [FILE.md...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd) || exit 2
root=$(cd "$here/../.." && pwd) || exit 2
case $1 in
    /*) mldc=$1 ;;
    *) mldc=$(pwd)/$1 ;;
esac
shift
[ -x "$mldc" ] || { echo "commands.sh: '$mldc' is not an executable" >&2; exit 2; }
cd "$root" || exit 2
if [ $# -eq 0 ]; then
    set -- docs/*.md
    [ -f README.md ] && set -- "$@" README.md
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mldc-doccmd.XXXXXX") || exit 2
if [ -n "${KEEP:-}" ]; then
    trap 'echo "commands.sh: kept $tmp"' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi
trap 'rm -rf "$tmp"; exit 130' INT TERM
mkdir -p "$tmp/bin" "$tmp/cases" build/docs || exit 2
ln -s "$mldc" "$tmp/bin/mldc" || exit 2

# Split every console block into cases: for case K, cases/K.cmd holds the
# command (continuation lines joined by newlines, as sh reads them),
# cases/K.exp the expected output, and cases/K.where "FILE:LINE".
for md in "$@"; do
    awk -v md="$md" -v dir="$tmp/cases" '
        function fence_len(s,   n) { n = 0; while (substr(s, n + 1, 1) == "`") n++; return n }
        function close_case() {
            if (k == 0) return
            close(dir "/" k ".cmd"); close(dir "/" k ".exp"); close(dir "/" k ".where")
        }
        function new_case() {
            close_case()
            k = ++count
            printf "%s:%d\n", md, NR > (dir "/" k ".where")
            printf "" > (dir "/" k ".exp")
            cont = 0
        }
        BEGIN {
            count = 0
            # continue numbering after the cases of earlier files
            while ((getline l < (dir "/count")) > 0) count = l + 0
            close(dir "/count")
            k = 0
        }
        {
            line = $0
            sub(/\r$/, "", line)
            stripped = line
            for (i = 0; i < 3 && substr(stripped, 1, 1) == " "; i++)
                stripped = substr(stripped, 2)
            if (!inblock) {
                n = fence_len(stripped)
                if (n >= 3) {
                    info = substr(stripped, n + 1)
                    gsub(/^[ \t]+|[ \t]+$/, "", info)
                    inblock = 1
                    flen = n
                    indent = length(line) - length(stripped)
                    console = (info == "console")
                    k = 0
                    cont = 0
                }
                next
            }
            n = fence_len(stripped)
            if (n >= flen && substr(stripped, n + 1) ~ /^[ \t]*$/) {
                if (console && cont) {
                    printf "%s:%d: a command ends with \\ at the end of its block\n", md, NR > "/dev/stderr"
                    bad = 1
                }
                close_case()
                inblock = 0
                console = 0
                k = 0
                next
            }
            if (!console) next
            # a block indented (in a list item) has its content indented as
            # much: strip up to that many spaces, as Markdown does
            for (i = 0; i < indent && substr(line, 1, 1) == " "; i++)
                line = substr(line, 2)
            if (cont) {
                print line > (dir "/" k ".cmd")
                cont = line ~ /\\$/
                next
            }
            if (substr(line, 1, 2) == "$ ") {
                new_case()
                print substr(line, 3) > (dir "/" k ".cmd")
                cont = line ~ /\\$/
                next
            }
            if (k == 0) {
                printf "%s:%d: output before the first command of a console block\n", md, NR > "/dev/stderr"
                bad = 1
                next
            }
            print line > (dir "/" k ".exp")
        }
        END {
            if (inblock) {
                printf "%s:%d: unterminated code block\n", md, NR > "/dev/stderr"
                bad = 1
            }
            close_case()
            print count > (dir "/count")
            exit bad
        }
    ' "$md" || exit 2
done

# match EXPECTED ACTUAL: do the lines of ACTUAL match those of EXPECTED,
# where an expected line "..." stands for any number of lines?  (Dynamic
# programming over the two line arrays, as for a glob with "*".)
match() {
    awk '
        FILENAME == ARGV[1] { e[++ne] = $0; next }
        { a[++na] = $0 }
        END {
            # m[i, j]: expected lines i.. match actual lines j..
            for (j = na + 1; j >= 1; j--) m[ne + 1, j] = (j == na + 1)
            for (i = ne; i >= 1; i--)
                for (j = na + 1; j >= 1; j--) {
                    if (e[i] == "...")
                        m[i, j] = m[i + 1, j] || (j <= na && m[i, j + 1])
                    else
                        m[i, j] = j <= na && e[i] == a[j] && m[i + 1, j + 1]
                }
            exit !m[1, 1]
        }
    ' "$1" "$2"
}

limit=
command -v timeout >/dev/null 2>&1 && limit="timeout 120"
passed=0
failed=0
count=$(cat "$tmp/cases/count" 2>/dev/null || echo 0)
k=1
while [ "$k" -le "$count" ]; do
    c=$tmp/cases/$k
    k=$((k + 1))
    [ -f "$c.cmd" ] || continue
    (
        unset MLDC_STDLIB
        PATH=$tmp/bin:$PATH
        export PATH
        $limit sh -c "$(cat "$c.cmd")" </dev/null >"$c.out" 2>&1
    )
    if match "$c.exp" "$c.out"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $(cat "$c.where"): \$ $(head -n 1 "$c.cmd")"
        printf '    --- expected\n    +++ actual\n'
        diff -u "$c.exp" "$c.out" | tail -n +3 | sed 's/^/    /'
    fi
done
echo "docs-commands: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
