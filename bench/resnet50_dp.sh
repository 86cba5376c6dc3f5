#!/bin/sh
# resnet50_dp.sh - the scaling benchmark: one data-parallel ResNet-50
# training iteration (bench/resnet50_dp.mld) on N accelerators behind one
# switch, for each N given.
#
#   sh bench/resnet50_dp.sh BENCH_RUN "N:SECONDS:MIB ..."
#
# Each case runs `BENCH_RUN -n 1 --phases --max-memory MIB -s N=N` under
# `timeout SECONDS` and prints one row: tasks, wall time, peak RSS and
# tasks/s of the whole run (load, plan, simulate, report), then the share of
# the time and of the peak RSS that went to the front end (load + check)
# and to the engine (plan_build + sim_run).  A case that runs out of time
# prints "timed out" and one over its memory cap "over the memory cap",
# each with the phases it finished; neither stops the benchmark.  Exits 1
# only when a case fails in another way.
#
# The targets of this machine class: N = 256 under 2 s and 2 GiB; N = 1024
# under 60 s and 8 GiB.
set -u
bench_run=$1
cases=$2
file=bench/resnet50_dp.mld
out=${TMPDIR:-/tmp}/mldc-resnet50-dp.$$
status=0
printf '  %5s  %10s  %9s  %10s  %9s   %s\n' N tasks wall 'peak RSS' 'tasks/s' 'time: front end / engine;  peak RSS: front end / engine'
for c in $cases; do
    n=${c%%:*}
    rest=${c#*:}
    secs=${rest%%:*}
    mib=${rest#*:}
    timeout "$secs" "$bench_run" -n 1 --phases --max-memory "$mib" -s "N=$n" "$file" >"$out" 2>&1
    rc=$?
    # The phase lines: "  phase NAME... SECS s   peak RSS MIB MiB"
    awk -v n="$n" -v rc="$rc" -v secs="$secs" -v mib="$mib" '
        /^  phase / {
            s = $(NF - 5); r = $(NF - 1)
            if ($2 == "load") { tl = s; rl = r }
            else if ($2 == "plan_build") { tp = s; rp = r }
            else if ($2 == "sim_run") { ts = s; rs = r }
        }
        / tasks, / { tasks = $2 }
        /best of 1:/ { for (i = 1; i <= NF; i++) if ($i == "total") total = $(i + 1) }
        /^peak RSS:/ { peak = $3 / 1024 }
        /out of memory|over the limit|memory limit/ { oom = 1 }
        END {
            if (rc == 0 && tasks != "") {
                eng = tp + ts; erss = rs - rl
                printf "  %5d  %10d  %7.2f s  %6.0f MiB  %7.2f M   time %4.1f%% / %4.1f%%;  RSS %4.1f%% / %4.1f%%\n",
                    n, tasks, total, peak, tasks / total / 1e6,
                    100 * tl / total, 100 * eng / total, 100 * rl / peak, 100 * erss / peak
            } else {
                why = rc == 124 ? sprintf("timed out after %d s", secs) : \
                      (rc == 3 || oom) ? sprintf("over the memory cap of %d MiB", mib) : \
                      sprintf("failed (exit status %d)", rc)
                done = ""
                if (tl != "") done = sprintf("; load + check took %.2f s (peak RSS %.0f MiB)", tl, rl)
                if (tp != "") done = done sprintf(", plan_build %.2f s (%.0f MiB)", tp, rp)
                printf "  %5d  %s%s\n", n, why, done
            }
        }' "$out"
    case $rc in
        0 | 3 | 124) ;;
        *) echo "resnet50_dp: N=$n failed:" >&2; cat "$out" >&2; status=1 ;;
    esac
done
rm -f "$out"
exit $status
