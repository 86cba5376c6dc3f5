#!/bin/sh
# extract.sh - pull the .mld code blocks out of Markdown files.
#
#   sh tests/docs/extract.sh OUTDIR FILE.md...
#
# Every fenced block whose info string is exactly `mld` (```mld) becomes
# OUTDIR/BASE-LINE.mld, where BASE is the Markdown file's name without .md
# and LINE the line of the opening fence; the block's first line is the
# fence's line + 1.  Blocks tagged otherwise (```mld-error for an example of
# a mistake, ```mld-fragment for a piece that is not a whole file, ```text,
# ...) are not extracted.  Prints one line per block:
#     OUTDIR/BASE-LINE.mld<TAB>FILE.md:LINE
set -eu
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR FILE.md..." >&2; exit 2; }
out=$1
shift
mkdir -p "$out"
rm -f "$out"/*.mld
for md in "$@"; do
    base=$(basename "$md" .md)
    awk -v out="$out" -v base="$base" -v md="$md" '
        function fence_len(s,   n) { n = 0; while (substr(s, n + 1, 1) == "`") n++; return n }
        {
            line = $0
            sub(/\r$/, "", line)
            stripped = line
            for (k = 0; k < 3 && substr(stripped, 1, 1) == " "; k++)
                stripped = substr(stripped, 2)
            if (!inblock) {
                n = fence_len(stripped)
                if (n >= 3) {
                    info = substr(stripped, n + 1)
                    gsub(/^[ \t]+|[ \t]+$/, "", info)
                    inblock = 1
                    flen = n
                    take = (info == "mld")
                    if (take) {
                        file = out "/" base "-" NR ".mld"
                        printf "" > file
                        printf "%s\t%s:%d\n", file, md, NR
                    }
                }
                next
            }
            n = fence_len(stripped)
            rest = substr(stripped, n + 1)
            if (n >= flen && rest ~ /^[ \t]*$/) {
                if (take) close(file)
                inblock = 0
                take = 0
                next
            }
            if (take) print line > file
        }
        END {
            if (inblock && take) {
                printf "%s:%d: unterminated code block\n", md, NR > "/dev/stderr"
                exit 1
            }
        }
    ' "$md"
done
