#!/bin/sh
# run.sh - every ```mld block in the documentation must check cleanly.
#
#   sh tests/docs/run.sh MLDC OUTDIR FILE.md...
#
# Extracts the blocks with extract.sh into OUTDIR, runs `MLDC check` on each
# from the repository root, and reports a failing block by the Markdown file
# and line of its opening fence.  Diagnostic locations are rewritten to point
# into the Markdown file (block line L is Markdown line FENCE + L), so an
# editor can jump to them.  Ends with "docs: N passed, N failed"; exits 1 when
# any failed.
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
        md=${origin%:*}
        fence=${origin##*:}
        printf '%s\n' "$res" | awk -v f="$file" -v md="$md" -v fence="$fence" '
            # A diagnostic header: rewrite it when it names the block, and
            # remember whether the excerpt lines after it are from the block.
            /^[^ ]/ {
                ours = 0
                if (index($0, f ":") == 1) {
                    rest = substr($0, length(f) + 2)
                    if (match(rest, /^[0-9]+/)) {
                        $0 = md ":" (substr(rest, 1, RLENGTH) + fence) substr(rest, RLENGTH + 1)
                        ours = 1
                    }
                }
            }
            ours && /^ *[0-9]+ \| / {
                n = $0
                sub(/^ */, "", n)
                sub(/ .*/, "", n)
                $0 = sprintf("%5d", n + fence) substr($0, index($0, " | "))
            }
            { print "    " $0 }'
    fi
done <<END
$list
END
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
