#!/bin/sh
# run.sh - tests of `mldc fmt`, the canonical formatter (src/fmt.c).
#
#   sh tests/fmt/run.sh MLDC
#
#   cases     each tests/fmt/cases/NAME.mld (hand-written, ugly) formats to
#             exactly NAME.expected, and NAME.expected is already formatted
#   corpus    every examples/*.mld, stdlib/std/*.mld, tests/golden/**/*.mld
#             and tests/fmt/cases/*.mld that parses, and a copy of each with
#             every line's indentation stripped: formatting is idempotent,
#             keeps the token stream (`dump tokens` without positions) and
#             the syntax tree (`dump ast` without locations), keeps every
#             comment in order, leaves no trailing blank, no run of blank
#             lines and exactly one final newline; the stripped copy formats
#             to the same text as the original
#   cli       --check lists unformatted files and exits 1, else 0, and
#             changes nothing; FILE is rewritten in place (permissions kept,
#             left alone when already formatted); a file with syntax errors
#             is reported and left untouched (exit 1); '-' is stdin to
#             stdout; a missing file exits 2
#
# Ends with "fmt: N passed, N failed" and exits 1 when anything failed.
set -u
[ $# -ge 1 ] || { echo "usage: $0 MLDC" >&2; exit 2; }
mldc=$1
case $mldc in /*) ;; *) mldc=$(pwd)/$mldc ;; esac
[ -x "$mldc" ] || { echo "run.sh: $mldc is not an executable" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
LC_ALL=C
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mldc-fmt.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
skipped=0

ok() { passed=$((passed + 1)); }
# fail WHAT [DETAIL]
fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    if [ $# -ge 2 ] && [ -n "$2" ]; then printf '%s\n' "$2" | head -n 20 | sed 's/^/    /'; fi
}

# The comments of a file in order, trailing blanks trimmed (strings are
# skipped, so a "//" inside one is not a comment).
comments() {
    awk 'BEGIN { RS = "\001" }
    {
        s = $0; n = length(s); i = 1
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "\"") {
                i++
                while (i <= n) {
                    c = substr(s, i, 1)
                    if (c == "\\") { i += 2; continue }
                    if (c == "\"" || c == "\n") break
                    i++
                }
                i++
            } else if (c == "/" && substr(s, i + 1, 1) == "/") {
                j = index(substr(s, i), "\n")
                if (j == 0) j = n - i + 2
                com = substr(s, i, j - 1)
                sub(/[ \t\r]+$/, "", com)
                print com
                i += j - 1
            } else if (c == "/" && substr(s, i + 1, 1) == "*") {
                j = index(substr(s, i + 2), "*/")
                len = j == 0 ? n - i + 1 : j + 3
                com = substr(s, i, len)
                gsub(/[ \t\r]+\n/, "\n", com)
                print com
                i += len
            } else {
                i++
            }
        }
    }' "$1"
}

tokens() { "$mldc" dump tokens "$1" 2>&1 | sed -e 's/^[0-9]*:[0-9]*-[0-9]*:[0-9]* //' -e "s/^';' (end of line)\$/';'/"; }
syntax() { "$mldc" dump ast "$1" 2>&1 | sed 's/ @[0-9]*:[0-9]*//g'; }

# ---- cases ----------------------------------------------------------------

for f in tests/fmt/cases/*.mld; do
    want=${f%.mld}.expected
    if [ ! -f "$want" ]; then
        fail "$f: no $want"
        continue
    fi
    if ! "$mldc" fmt - <"$f" >"$tmp/out" 2>"$tmp/err"; then
        fail "$f: mldc fmt failed" "$(cat "$tmp/err")"
        continue
    fi
    if cmp -s "$tmp/out" "$want"; then ok; else fail "$f: output differs from $want" "$(diff "$want" "$tmp/out")"; fi
    if "$mldc" fmt --check "$want" >"$tmp/out" 2>&1; then ok; else fail "$want is not formatted itself" "$(cat "$tmp/out")"; fi
done

# ---- corpus ---------------------------------------------------------------

# check_one FILE NAME: the corpus properties of formatting FILE.
check_one() {
    cf=$1
    name=$2
    "$mldc" fmt - <"$cf" >"$tmp/a.mld" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 0 ]; then
        if grep -q 'internal error' "$tmp/err"; then
            fail "$name: internal error" "$(cat "$tmp/err")"
        elif [ $rc -ne 1 ] || [ -s "$tmp/a.mld" ]; then
            fail "$name: exit $rc on a file with errors, or output written" "$(cat "$tmp/err")"
        else
            skipped=$((skipped + 1))
        fi
        return
    fi
    "$mldc" fmt - <"$tmp/a.mld" >"$tmp/b.mld" 2>"$tmp/err"
    if cmp -s "$tmp/a.mld" "$tmp/b.mld"; then ok; else fail "$name: not idempotent" "$(diff "$tmp/a.mld" "$tmp/b.mld"; cat "$tmp/err")"; fi
    tokens "$cf" >"$tmp/t1"
    tokens "$tmp/a.mld" >"$tmp/t2"
    if cmp -s "$tmp/t1" "$tmp/t2"; then ok; else fail "$name: token stream changed" "$(diff "$tmp/t1" "$tmp/t2")"; fi
    syntax "$cf" >"$tmp/s1"
    syntax "$tmp/a.mld" >"$tmp/s2"
    if cmp -s "$tmp/s1" "$tmp/s2"; then ok; else fail "$name: syntax tree changed" "$(diff "$tmp/s1" "$tmp/s2")"; fi
    comments "$cf" >"$tmp/c1"
    comments "$tmp/a.mld" >"$tmp/c2"
    if cmp -s "$tmp/c1" "$tmp/c2"; then ok; else fail "$name: comments changed" "$(diff "$tmp/c1" "$tmp/c2")"; fi
    bad=""
    grep -n '[[:space:]]$' "$tmp/a.mld" >/dev/null && bad="trailing whitespace: $(grep -n '[[:space:]]$' "$tmp/a.mld" | head -n 3)"
    if [ -s "$tmp/a.mld" ]; then
        [ "$(tail -c 1 "$tmp/a.mld" | od -An -c | tr -d ' ')" = '\n' ] || bad="$bad no final newline"
        [ -n "$(tail -n 1 "$tmp/a.mld")" ] || bad="$bad blank last line"
        [ -n "$(head -n 1 "$tmp/a.mld")" ] || bad="$bad blank first line"
    fi
    awk 'prev == "" && $0 == "" && NR > 1 { found = 1 } { prev = $0 } END { exit !found }' "$tmp/a.mld" && bad="$bad two blank lines in a row"
    if [ -z "$bad" ]; then ok; else fail "$name: layout:$bad"; fi
}

corpus=$(ls examples/*.mld stdlib/std/*.mld tests/fmt/cases/*.mld 2>/dev/null; find tests/golden -name '*.mld' | sort)
for f in $corpus; do
    check_one "$f" "$f"
    # The same file with every line's indentation stripped: same result.
    # (Only files without block comments, whose inner lines this would
    # change, and that are already formatted.)
    if ! grep -q '/\*' "$f" && "$mldc" fmt --check "$f" >/dev/null 2>&1; then
        sed 's/^[[:space:]]*//' "$f" >"$tmp/flat.mld"
        check_one "$tmp/flat.mld" "$f (indentation stripped)"
        "$mldc" fmt - <"$tmp/flat.mld" >"$tmp/flat.out" 2>&1
        if cmp -s "$tmp/flat.out" "$f"; then ok; else fail "$f (indentation stripped): formats differently" "$(diff "$f" "$tmp/flat.out")"; fi
    fi
done

# ---- cli ------------------------------------------------------------------

mkdir -p "$tmp/cli"
printf 'param a=1\n' >"$tmp/cli/ugly.mld"
printf 'param a = 1\n' >"$tmp/cli/pretty.mld"
printf 'param a = \nparam b=2\n' >"$tmp/cli/broken.mld"
chmod 640 "$tmp/cli/ugly.mld"
cp "$tmp/cli/ugly.mld" "$tmp/cli/ugly.orig"
cp "$tmp/cli/broken.mld" "$tmp/cli/broken.orig"

# expect WHAT WANT_RC GOT_RC [DETAIL]
expect() {
    if [ "$3" = "$2" ]; then ok; else fail "$1: exit $3, expected $2" "${4:-}"; fi
}

"$mldc" fmt --check "$tmp/cli/pretty.mld" >"$tmp/out" 2>&1
expect "--check on a formatted file" 0 $? "$(cat "$tmp/out")"
[ -s "$tmp/out" ] && fail "--check on a formatted file printed something" "$(cat "$tmp/out")" || ok

"$mldc" fmt --check "$tmp/cli/ugly.mld" "$tmp/cli/pretty.mld" >"$tmp/out" 2>"$tmp/err"
expect "--check on an unformatted file" 1 $? "$(cat "$tmp/err")"
if [ "$(cat "$tmp/out")" = "$tmp/cli/ugly.mld: not formatted" ]; then ok; else fail "--check listing" "$(cat "$tmp/out")"; fi
if cmp -s "$tmp/cli/ugly.mld" "$tmp/cli/ugly.orig"; then ok; else fail "--check changed the file"; fi

"$mldc" fmt --check - <"$tmp/cli/ugly.mld" >"$tmp/out" 2>&1
expect "--check on stdin" 1 $?
if [ "$(cat "$tmp/out")" = "<stdin>: not formatted" ]; then ok; else fail "--check on stdin: listing" "$(cat "$tmp/out")"; fi

"$mldc" fmt --check "$tmp/cli/broken.mld" >"$tmp/out" 2>"$tmp/err"
expect "--check on a file with syntax errors" 1 $?
if grep -q 'broken.mld:[0-9]*:[0-9]*: error: syntax error' "$tmp/err"; then ok; else fail "--check: syntax error not reported" "$(cat "$tmp/err")"; fi

ls -i "$tmp/cli/pretty.mld" >"$tmp/inode1"
"$mldc" fmt "$tmp/cli/ugly.mld" "$tmp/cli/pretty.mld" >"$tmp/out" 2>&1
expect "fmt FILE..." 0 $? "$(cat "$tmp/out")"
if [ "$(cat "$tmp/cli/ugly.mld")" = "param a = 1" ]; then ok; else fail "fmt FILE: not rewritten" "$(cat "$tmp/cli/ugly.mld")"; fi
perm=$(ls -l "$tmp/cli/ugly.mld" | cut -c1-10)
if [ "$perm" = "-rw-r-----" ]; then ok; else fail "fmt FILE: permissions not kept ($perm)"; fi
ls -i "$tmp/cli/pretty.mld" >"$tmp/inode2"
if cmp -s "$tmp/inode1" "$tmp/inode2"; then ok; else fail "fmt FILE: an already formatted file was rewritten"; fi
if ls "$tmp/cli" | grep -q 'fmt-'; then fail "fmt FILE: a temporary file was left behind" "$(ls "$tmp/cli")"; else ok; fi

"$mldc" fmt "$tmp/cli/broken.mld" >"$tmp/out" 2>"$tmp/err"
expect "fmt on a file with syntax errors" 1 $?
if cmp -s "$tmp/cli/broken.mld" "$tmp/cli/broken.orig"; then ok; else fail "fmt changed a file with syntax errors"; fi
if grep -q 'error: syntax error' "$tmp/err"; then ok; else fail "fmt: syntax error not reported" "$(cat "$tmp/err")"; fi

"$mldc" fmt - <"$tmp/cli/broken.mld" >"$tmp/out" 2>"$tmp/err"
expect "fmt - on a file with syntax errors" 1 $?
if [ -s "$tmp/out" ]; then fail "fmt - wrote output for a file with syntax errors" "$(cat "$tmp/out")"; else ok; fi

"$mldc" fmt "$tmp/cli/missing.mld" >"$tmp/out" 2>&1
expect "fmt on a missing file" 2 $? "$(cat "$tmp/out")"

"$mldc" fmt >"$tmp/out" 2>&1
expect "fmt without files" 2 $? "$(cat "$tmp/out")"

echo "fmt: $passed passed, $failed failed ($skipped files with syntax errors skipped)"
[ "$failed" -eq 0 ]
