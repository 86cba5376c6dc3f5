#!/bin/sh
# time_run.sh - wall time of `mldc run` on each design, as a user sees it.
#
#   sh bench/time_run.sh MLDC RUNS FILE...
#
# Runs `MLDC run FILE` RUNS times per file (stdout to /dev/null) and prints
# the best and the worst wall time of the whole process: start-up, load,
# check, plan, simulate, report.  Exits 1 if a run fails.
set -u
mldc=$1
runs=$2
shift 2
now() { date +%s%N; }
status=0
for f in "$@"; do
    best=
    worst=
    i=0
    while [ "$i" -lt "$runs" ]; do
        t0=$(now)
        if ! "$mldc" run "$f" >/dev/null 2>/tmp/mldc-time-run.$$; then
            echo "time_run: '$mldc run $f' failed:" >&2
            cat /tmp/mldc-time-run.$$ >&2
            status=1
            break
        fi
        t1=$(now)
        dt=$((t1 - t0))
        if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
        if [ -z "$worst" ] || [ "$dt" -gt "$worst" ]; then worst=$dt; fi
        i=$((i + 1))
    done
    [ -n "$best" ] && awk -v f="$f" -v b="$best" -v w="$worst" -v n="$runs" \
        'BEGIN { printf "  mldc run %-24s best %.3f s, worst %.3f s (%d runs)\n", f, b / 1e9, w / 1e9, n }'
done
rm -f /tmp/mldc-time-run.$$
exit $status
