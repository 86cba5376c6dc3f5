#!/bin/sh
# explore_rate.sh - design points per second of `mldc explore`, on one
# worker and on two, and what the second worker adds.
#
#   sh bench/explore_rate.sh MLDC [BASE] FILE...
#
# For each FILE (a design with an explore block) runs a grid exploration
# with -j 1 and with -j 2 and prints the rate mldc explore reports in its
# summary (points evaluated / wall time of the whole run, start-up and the
# first load of the design included), the milliseconds per point per core
# (-j 1), the -j 2 / -j 1 ratio and the load average at the start (other
# programs on the machine share its cores: a busy machine slows -j 2
# first).  The two CSV files must be equal: the results do not depend on
# -j.  BASE, when it is an executable, is another mldc (an older build)
# measured the same way right after, and each line ends with the
# rate's ratio to it.  Exits 1 when a run fails or the -j runs differ.
set -u
mldc=$1
shift
base=
if [ $# -gt 0 ] && [ -x "$1" ] && [ ! -d "$1" ] && case $1 in *.mld) false;; *) true;; esac; then
    base=$1
    shift
fi
tmp=${TMPDIR:-/tmp}/mldc-explore-rate.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
status=0

# rate BIN J FILE CSV: prints the points/s of the run (empty on failure)
rate() {
    "$1" explore --quiet -j "$2" -o "$4" "$3" 2>"$tmp/err" |
        sed -n 's/^evaluated [0-9]* in [0-9.]* s (\([0-9.]*\) points\/s).*/\1/p'
}

for f in "$@"; do
    load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
    r1=$(rate "$mldc" 1 "$f" "$tmp/j1.csv")
    r2=$(rate "$mldc" 2 "$f" "$tmp/j2.csv")
    if [ -z "$r1" ] || [ -z "$r2" ]; then
        echo "explore_rate: mldc explore failed on $f:" >&2
        cat "$tmp/err" >&2
        status=1
        continue
    fi
    if ! cmp -s "$tmp/j1.csv" "$tmp/j2.csv"; then
        echo "explore_rate: $f: -j 1 and -j 2 gave different results" >&2
        status=1
    fi
    n=$(($(wc -l <"$tmp/j1.csv") - 1))
    line=$(awk -v f="$f" -v n="$n" -v a="$r1" -v b="$r2" -v l="$load" 'BEGIN {
        printf "%-30s %4d points  -j 1 %7.1f points/s (%6.1f ms/point)  -j 2 %7.1f points/s  x%.2f  load %s",
               f, n, a, (a > 0 ? 1000 / a : 0), b, (a > 0 ? b / a : 0), l }')
    if [ -n "$base" ]; then
        b1=$(rate "$base" 1 "$f" "$tmp/b1.csv")
        b2=$(rate "$base" 2 "$f" "$tmp/b2.csv")
        if [ -n "$b1" ] && [ -n "$b2" ]; then
            cmp -s "$tmp/b1.csv" "$tmp/j1.csv" || echo "explore_rate: $f: the results differ from $base's" >&2
            line=$(awk -v l="$line" -v a="$r1" -v b="$r2" -v c="$b1" -v d="$b2" 'BEGIN {
                printf "%s; before: -j 1 %.1f, -j 2 %.1f points/s: now x%.2f (-j 1), x%.2f (-j 2)",
                       l, c, d, (c > 0 ? a / c : 0), (d > 0 ? b / d : 0) }')
        fi
    fi
    echo "$line"
done
exit $status
