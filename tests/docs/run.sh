#!/bin/sh
# run.sh - every ```mld block in the documentation must check cleanly.
#
#   sh tests/docs/run.sh MLDC OUTDIR FILE.md...
#
# Extracts the blocks with extract.sh into OUTDIR, runs `MLDC check` on each
# from the repository root, and reports a failing block by the Markdown file
# and line of its opening fence (diagnostic line L is Markdown line
# FENCE + L).  Ends with "docs: N passed, N failed"; exits 1 when any failed.
set -u
[ $# -ge 2 ] || { echo "usage: $0 MLDC OUTDIR FILE.md..." >&2; exit 2; }
mldc=$1
out=$2
shift 2
here=$(dirname "$0")
list=$(sh "$here/extract.sh" "$out" "$@") || exit 1
passed=0
failed=0
tab=$(printf '\t')
while IFS=$tab read -r file origin; do
    [ -n "$file" ] || continue
    res=$("$mldc" check "$file" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $origin: the mld block there does not check (exit $rc; extracted to $file)"
        printf '%s\n' "$res" | sed 's/^/    /'
    fi
done <<END
$list
END
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
