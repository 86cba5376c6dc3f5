#!/bin/sh
# explore_rate.sh - design points per second of `mldc explore`, on one
# worker and on two, and what the second worker adds.
#
#   sh bench/explore_rate.sh MLDC [BASE] FILE...
#
# For each FILE (a design with an explore block) runs a grid exploration
# with -j 1 and with -j 2 and prints the rate mldc explore reports in its
# summary (points evaluated / wall time of the whole run, start-up and the
# first load of the design included), the -j 2 / -j 1 ratio, the CPU time
# per point (user + system of mldc and its workers, all points and the
# first load included: what a point costs a core, whatever else runs) and
# the load average at the start (other programs on the machine share its
# cores: a busy machine slows -j 2 first).  The two CSV files must be equal: the results do not depend on
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

# cpu FILE: seconds of CPU (user + system) of the finished children in a
# `times` output - mldc and its workers, which it waits for
cpu() { awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); t += p[1] * 60 + p[2] } print t }' "$1"; }

# rate BIN J FILE CSV: prints the points/s of the run and its CPU seconds
# (empty on failure)
rate() {
    times >"$tmp/t0" # in this (sub)shell, not a command substitution's
    "$1" explore --quiet -j "$2" -o "$4" "$3" >"$tmp/out" 2>"$tmp/err"
    times >"$tmp/t1"
    r=$(sed -n 's/^evaluated [0-9]* in [0-9.]* s (\([0-9.]*\) points\/s).*/\1/p' "$tmp/out")
    [ -n "$r" ] && echo "$r $(awk -v a="$(cpu "$tmp/t0")" -v b="$(cpu "$tmp/t1")" 'BEGIN { print b - a }')"
}

for f in "$@"; do
    load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
    o1=$(rate "$mldc" 1 "$f" "$tmp/j1.csv")
    o2=$(rate "$mldc" 2 "$f" "$tmp/j2.csv")
    r1=${o1% *} r2=${o2% *} c1=${o1#* } c2=${o2#* }
    if [ -z "$o1" ] || [ -z "$o2" ]; then
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
    line=$(awk -v f="$f" -v n="$n" -v a="$r1" -v b="$r2" -v l="$load" -v c="$c1" -v d="$c2" 'BEGIN {
        printf "%-28s %4d points  -j 1 %7.1f points/s  -j 2 %7.1f points/s  x%.2f  CPU/point %.1f ms (-j 1), %.1f ms (-j 2)  load %s",
               f, n, a, b, (a > 0 ? b / a : 0), 1000 * c / n, 1000 * d / n, l }')
    if [ -n "$base" ]; then
        o1=$(rate "$base" 1 "$f" "$tmp/b1.csv")
        o2=$(rate "$base" 2 "$f" "$tmp/b2.csv")
        b1=${o1% *} b2=${o2% *} d1=${o1#* }
        if [ -n "$o1" ] && [ -n "$o2" ]; then
            cmp -s "$tmp/b1.csv" "$tmp/j1.csv" || echo "explore_rate: $f: the results differ from $base's" >&2
            line=$(awk -v l="$line" -v n="$n" -v a="$r1" -v b="$r2" -v c="$b1" -v d="$b2" -v e="$c1" -v g="$d1" 'BEGIN {
                printf "%s; before: -j 1 %.1f, -j 2 %.1f points/s, CPU/point %.1f ms: now x%.2f (-j 1), x%.2f (-j 2), CPU/point x%.2f lower",
                       l, c, d, 1000 * g / n, (c > 0 ? a / c : 0), (d > 0 ? b / d : 0), (e > 0 ? g / e : 0) }')
        fi
    fi
    echo "$line"
done
exit $status
