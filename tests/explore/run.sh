#!/bin/sh
# run.sh - end-to-end tests of `mldc explore` and `mldc merge`, run the way a
# user runs them (a process, files, signals).
#
#   sh tests/explore/run.sh MLDC
#
# Inputs: examples/study.mld (324 fast points), tests/explore/slow.mld (720
# points of a few ms each: long enough to kill midway) and
# tests/explore/infeasible.mld (constraints that rule out every point).
# Everything is written in a temporary directory, removed at the end.
#
#   determinism   -j 1 and -j 4 write byte-identical CSV files: grid,
#                 random (--seed) and guided (--seed)
#   kept design   points planned on the design a worker kept from the point
#                 before equal the same points loaded afresh
#   kill -9       a run killed midway leaves only whole rows, in point order,
#                 equal to the finished run's; --resume then finishes a file
#                 byte-identical to an uninterrupted run's, evaluating only
#                 the missing points; a torn last line is dropped and redone
#   SIGINT        exit status 1, a message that says to --resume, and the
#                 resumed file is again byte-identical
#   shards        --shard 0/3, 1/3, 2/3 then `mldc merge` (in any order)
#                 equals the single run byte for byte (grid and random)
#   budgets       --max-points 5 evaluates exactly 5 and the summary says how
#                 many were not planned; a small --time-limit stops early,
#                 says so, and returns soon after the limit (-j 1 and -j 2)
#   guided        with a quarter of the grid's points, the guided search
#                 (seeds 1, 2, 3) finds a point on the grid's Pareto front or
#                 within 5% of the grid's best latency
#   infeasible    "no feasible point", which constraint ruled out how many,
#                 and each CSV row's why names the constraint and the margin
#   guards        --resume over another design's file and --shard with the
#                 guided search are refused
#   lost points   kill -9 of one worker: its point is an error row with the
#                 cause, the rest completes, exit 1, and --resume keeps the
#                 row; a point past --max-memory is an error row (-j 1, 2)
#   inputs        --resume after the design, a require bound or --set
#                 changed is refused naming the change (exit 2, the file
#                 untouched); --resume --force keeps the rows
#   rows          a bad field (abc, nan, -1, empty, 1e308, 0x10, status,
#                 index, pareto) or other columns: exit 2 naming the line;
#                 CRLF, a byte-order mark and an empty file are read
#   outputs       the SVG parses as XML, the JSON parses (python3), the HTML
#                 report exists and, with chromium installed, renders
#                 headless to a non-trivial PNG
#
# Checks that need python3 or chromium print "skipped: REASON" when the tool
# is missing.  Ends with "explore: N passed, N failed"; exits 1 when any
# check failed.
set -u
[ $# -eq 1 ] || { echo "usage: $0 MLDC" >&2; exit 2; }
mldc=$1
case $mldc in /*) ;; *) mldc=$(pwd)/$mldc ;; esac
[ -x "$mldc" ] || { echo "run.sh: $mldc is not an executable" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
study=$root/examples/study.mld
slow=$here/slow.mld
infeasible=$here/infeasible.mld
LC_ALL=C
MLDC_STDLIB=${MLDC_STDLIB:-$root/stdlib}
export LC_ALL MLDC_STDLIB

T=$(mktemp -d "${TMPDIR:-/tmp}/mldc-explore.XXXXXX") || exit 2
bgpid=
cleanup() {
    [ -n "$bgpid" ] && kill -9 "$bgpid" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
cd "$T" || exit 2

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok   $1"
}
# bad NAME [DETAIL...]
bad() {
    failed=$((failed + 1))
    echo "FAIL $1"
    shift
    for d in "$@"; do printf '%s\n' "$d" | sed 's/^/    /'; done
}
skip() { echo "skipped: $1"; }
# check NAME CONDITION-COMMAND... : ok when the command succeeds
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
ex() { "$mldc" explore --quiet "$@"; }
rows() { echo $(($(wc -l <"$1") - 1)); }
# same NAME A B: byte-identical files
same() {
    if cmp -s "$2" "$3"; then
        ok "$1"
    else
        bad "$1" "$(cmp "$2" "$3" 2>&1)" "$(diff "$2" "$3" 2>&1 | head -6)"
    fi
}
# num FILE REGEX: the first number that follows REGEX on a line of FILE
num() { sed -n "s/.*$2 *\([0-9][0-9.]*\).*/\1/p" "$1" | head -1; }
if sleep 0.01 2>/dev/null; then nap=0.05; else nap=1; fi
# wait_rows FILE N PID: poll until FILE has N data rows or PID has ended;
# gives up after about 60 s
wait_rows() {
    i=0
    while [ $i -lt 1200 ]; do
        if [ -f "$1" ] && [ "$(rows "$1")" -ge "$2" ]; then return 0; fi
        kill -0 "$3" 2>/dev/null || return 1
        sleep $nap
        i=$((i + 1))
    done
    return 1
}
if command -v python3 >/dev/null 2>&1; then have_python=1; else have_python=0; fi

# ---- determinism: -j 1 and -j 4 ------------------------------------------

ex -j 1 -o grid1.csv "$study" >grid1.out 2>&1
ex -j 4 -o grid4.csv "$study" >grid4.out 2>&1
space=$(rows grid1.csv)
check "grid: the study's 324 points (found $space)" [ "$space" -eq 324 ]
same "grid: -j 1 and -j 4 give the same CSV" grid1.csv grid4.csv
ex -j 1 --strategy random --max-points 80 --seed 11 -o rand1.csv "$study" >/dev/null 2>&1
ex -j 4 --strategy random --max-points 80 --seed 11 -o rand4.csv "$study" >/dev/null 2>&1
check "random: 80 points" [ "$(rows rand1.csv)" -eq 80 ]
same "random: -j 1 and -j 4 give the same CSV" rand1.csv rand4.csv
ex -j 1 --strategy guided --max-points 60 --seed 7 -o guid1.csv "$study" >/dev/null 2>&1
ex -j 4 --strategy guided --max-points 60 --seed 7 -o guid4.csv "$study" >/dev/null 2>&1
check "guided: 60 points" [ "$(rows guid1.csv)" -eq 60 ]
same "guided: -j 1 and -j 4 give the same CSV" guid1.csv guid4.csv

# ---- a worker's kept design ----------------------------------------------
# tests/mpi/space.mld varies the mapping last: consecutive points differ only
# in the mapping, and a worker plans the second on the design it loaded for
# the first.  The same space with the mapping varied first gives every point
# a fresh load; both must give the same results for each point.
space_mld=$root/tests/mpi/space.mld
sed 's/^    vary mapping in \[spread, single\]$//; s/^explore {$/explore {\n    vary mapping in [spread, single]/' \
    "$space_mld" >mapfirst.mld
ex -j 2 -o maplast.csv "$space_mld" >/dev/null 2>&1
ex -j 2 -o mapfirst.csv mapfirst.mld >/dev/null 2>&1
# cores,link_bw,mapping,status and metrics of each point, in one order
awk -F, 'NR > 1 { printf "%s,%s,%s", $2, $3, $4; for (i = 5; i <= 13; i++) printf ",%s", $i; print "" }' \
    maplast.csv | sort >maplast.key
awk -F, 'NR > 1 { printf "%s,%s,%s", $3, $4, $2; for (i = 5; i <= 13; i++) printf ",%s", $i; print "" }' \
    mapfirst.csv | sort >mapfirst.key
if [ "$(head -1 mapfirst.csv | cut -d, -f2)" = mapping ] && [ "$(rows maplast.csv)" -eq 240 ]; then
    same "kept design: each point's results equal those of a fresh load (240 points)" maplast.key mapfirst.key
else
    bad "kept design: the spaces ran" "$(head -1 mapfirst.csv)" "$(rows maplast.csv) rows"
fi

# ---- kill -9 and resume --------------------------------------------------

ex -j 2 -o ref.csv "$slow" >ref.out 2>&1
total=$(rows ref.csv)
nf=$(head -1 ref.csv | awk -F, '{ print NF }')
check "slow: the uninterrupted run has all 720 points (found $total)" [ "$total" -eq 720 ]

# whole_rows FILE [gaps]: every line ends with a newline and has the
# header's number of fields; the data rows are in point order: indices 0, 1,
# 2, ... (with "gaps": increasing, as the final rewrite of an interrupted run
# keeps every finished point); and each row equals the finished run's row of
# its index but for the Pareto column (filled in at the end)
whole_rows() {
    [ "$(tail -c 1 "$1" | wc -l)" -eq 1 ] || { echo "the last line has no newline"; return 1; }
    awk -F, -v OFS=, -v nf="$nf" -v gaps="${2:-}" '
        FNR == NR { $(nf - 1) = ""; want[$1] = $0; next }
        NF != nf { print "line " FNR " has " NF " fields, not " nf; exit 1 }
        FNR == 1 { next }
        gaps == "" && $1 != FNR - 2 { print "line " FNR " has index " $1 ", not " FNR - 2; exit 1 }
        gaps != "" && FNR > 2 && $1 + 0 <= last { print "line " FNR ": index " $1 " after " last; exit 1 }
        { last = $1 + 0; $(nf - 1) = "" }
        $0 != want[$1] { print "row " $1 " differs from the finished run'"'"'s:"; print "  " $0; print "  " want[$1]; exit 1 }
    ' ref.csv "$1"
}

"$mldc" explore --quiet -j 2 -o killed.csv "$slow" >killed.out 2>&1 &
bgpid=$!
if wait_rows killed.csv $((total / 5)) $bgpid; then
    kill -9 $bgpid
    wait $bgpid 2>/dev/null
    bgpid=
    n=$(rows killed.csv)
    if [ "$n" -ge "$total" ]; then
        bad "kill -9: the run finished before it could be killed; make tests/explore/slow.mld bigger"
    else
        if msg=$(whole_rows killed.csv); then
            ok "kill -9 after $n of $total rows: only whole rows, in point order"
        else
            bad "kill -9 after $n of $total rows: only whole rows, in point order" "$msg"
        fi
        cp killed.csv torn.csv
        cp killed.csv.inputs torn.csv.inputs
        ex -j 2 --resume -o killed.csv "$slow" >resume.out 2>&1
        rc=$?
        check "kill -9, --resume: exit status 0 (got $rc)" [ $rc -eq 0 ]
        same "kill -9, --resume: the CSV equals the uninterrupted run's" ref.csv killed.csv
        ev=$(num resume.out 'evaluated')
        kept=$(sed -n 's/.* \([0-9][0-9]*\) from the earlier run.*/\1/p' resume.out)
        if [ "${kept:-x}" = "$n" ] && [ "${ev:-x}" = $((total - n)) ]; then
            ok "kill -9, --resume: kept the $n finished rows, evaluated the other $ev"
        else
            bad "kill -9, --resume: kept the $n finished rows, evaluated the others" "$(cat resume.out)"
        fi
        # a torn last line (as a crash in the middle of a write would leave)
        sed -n "$((n + 2))p" ref.csv | cut -c 1-25 | tr -d '\n' >>torn.csv
        ex -j 2 --resume -o torn.csv "$slow" >torn.out 2>&1
        same "a torn last line: --resume drops it and finishes the same CSV" ref.csv torn.csv
    fi
else
    bgpid=
    bad "kill -9: the run ended before it wrote $((total / 5)) rows" "$(cat killed.out)"
fi

# ---- SIGINT --------------------------------------------------------------

"$mldc" explore --quiet -j 2 -o int.csv "$slow" >int.out 2>int.err &
bgpid=$!
if wait_rows int.csv $((total / 5)) $bgpid; then
    kill -INT $bgpid
    wait $bgpid
    rc=$?
    bgpid=
    n=$(rows int.csv)
    check "SIGINT: exit status 1 (got $rc)" [ $rc -eq 1 ]
    if grep -q -- '--resume' int.err; then
        ok "SIGINT: the message says to run again with --resume"
    else
        bad "SIGINT: the message says to run again with --resume" "$(cat int.err)"
    fi
    if grep -q 'not evaluated (interrupted)' int.out; then
        ok "SIGINT: the summary says what was not evaluated"
    else
        bad "SIGINT: the summary says what was not evaluated" "$(cat int.out)"
    fi
    if msg=$(whole_rows int.csv gaps); then
        ok "SIGINT after $n of $total rows: only whole rows, in point order"
    else
        bad "SIGINT after $n of $total rows: only whole rows, in point order" "$msg"
    fi
    ex -j 2 --resume -o int.csv "$slow" >/dev/null 2>&1
    same "SIGINT, --resume: the CSV equals the uninterrupted run's" ref.csv int.csv
else
    bgpid=
    bad "SIGINT: the run ended before it wrote $((total / 5)) rows" "$(cat int.out int.err)"
fi

# ---- shards and merge ----------------------------------------------------

for i in 0 1 2; do ex -j 2 --shard $i/3 -o shard$i.csv "$study" >shard$i.out 2>&1; done
check "shards: 108 points each" [ "$(rows shard0.csv)" -eq 108 -a "$(rows shard1.csv)" -eq 108 -a "$(rows shard2.csv)" -eq 108 ]
"$mldc" merge "$study" -o merged.csv shard2.csv shard0.csv shard1.csv >merge.out 2>&1
rc=$?
check "merge: exit status 0 (got $rc)" [ $rc -eq 0 ]
same "shards 0/3, 1/3, 2/3 merged equal the single run" grid1.csv merged.csv
for i in 0 1; do
    ex -j 2 --strategy random --max-points 50 --seed 5 --shard $i/2 -o rshard$i.csv "$study" >/dev/null 2>&1
done
ex -j 2 --strategy random --max-points 50 --seed 5 -o rsingle.csv "$study" >/dev/null 2>&1
"$mldc" merge "$study" -o rmerged.csv rshard0.csv rshard1.csv >/dev/null 2>&1
same "random shards 0/2, 1/2 merged equal the single run" rsingle.csv rmerged.csv

# ---- budgets -------------------------------------------------------------

ex -j 2 --max-points 5 -o mp.csv "$study" >mp.out 2>&1
check "--max-points 5: 5 rows" [ "$(rows mp.csv)" -eq 5 ]
if grep -q '^evaluated 5 in' mp.out && grep -q "319 of the space's 324 points not planned" mp.out; then
    ok "--max-points 5: the summary says 5 evaluated, 319 not planned"
else
    bad "--max-points 5: the summary says 5 evaluated, 319 not planned" "$(cat mp.out)"
fi
for j in 1 2; do
    limit=0.3
    ex -j $j --time-limit $limit -o tl$j.csv "$slow" >tl$j.out 2>&1
    rc=$?
    n=$(rows tl$j.csv)
    skipped=$(sed -n 's/.* \([0-9][0-9]*\) not evaluated (time limit).*/\1/p' tl$j.out)
    secs=$(sed -n 's/^evaluated [0-9]* in \([0-9.]*\) s.*/\1/p' tl$j.out)
    if [ $rc -eq 0 ] && [ "$n" -gt 0 ] && [ "$n" -lt "$total" ] && [ "${skipped:-x}" = $((total - n)) ]; then
        ok "--time-limit $limit -j $j: stopped early after $n points and says $skipped not evaluated (time limit)"
    else
        bad "--time-limit $limit -j $j: stops early and says so" "exit $rc, $n rows" "$(cat tl$j.out)"
    fi
    # a point takes a few ms: the run should end well within a second of the limit
    if awk -v s="${secs:-999}" -v l=$limit 'BEGIN { exit !(s <= l + 1) }'; then
        ok "--time-limit $limit -j $j: returned after ${secs} s"
    else
        bad "--time-limit $limit -j $j: returns within 1 s of the limit" "the summary says the run took ${secs:-?} s"
    fi
done

# ---- guided search against the grid --------------------------------------

# pairs FILE WHICH: "latency,energy" of the rows with pareto = 1 (front) or
# status = ok (feasible)
pairs() {
    awk -F, -v which="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        (which == "front" && $c["pareto"] == 1) || (which == "feasible" && $c["status"] == "ok") {
            print $c["latency_s"] "," $c["energy_j"] }' "$1" | sort -u
}
best_latency() {
    pairs "$1" feasible | awk -F, 'NR == 1 || $1 + 0 < best + 0 { best = $1 } END { print best }'
}
pairs grid1.csv front >front.txt
grid_best=$(best_latency grid1.csv)
budget=$((space / 4))
for seed in 1 2 3; do
    ex -j 2 --strategy guided --max-points $budget --seed $seed -o g$seed.csv "$study" >g$seed.out 2>&1
    pairs g$seed.csv feasible >g$seed.txt
    on_front=$(grep -c -x -F -f front.txt g$seed.txt)
    best=$(best_latency g$seed.csv)
    if [ "$on_front" -gt 0 ] ||
        awk -v b="${best:-1e300}" -v g="$grid_best" 'BEGIN { exit !(b <= 1.05 * g) }'; then
        ok "guided, seed $seed, $budget of $space points: $on_front of the grid front's $(wc -l <front.txt) (latency, energy) pairs; best latency $best s (grid $grid_best s)"
    else
        bad "guided, seed $seed, $budget of $space points: finds the grid's front or within 5% of its best latency" \
            "on the front: $on_front; best latency ${best:-none} s, grid's best $grid_best s"
    fi
done

# ---- infeasibility report ------------------------------------------------

ex -j 2 -o inf.csv "$infeasible" >inf.out 2>&1
if grep -q 'no feasible point' inf.out; then
    ok "infeasible: the summary says 'no feasible point'"
else
    bad "infeasible: the summary says 'no feasible point'" "$(cat inf.out)"
fi
if grep -q 'require area < 1 mm2 ruled out 6 points' inf.out && grep -q 'require power < 2 W ruled out 2 points' inf.out; then
    ok "infeasible: each constraint with the number of points it ruled out"
else
    bad "infeasible: each constraint with the number of points it ruled out" "$(cat inf.out)"
fi
n_inf=$(grep -c ',infeasible,.*area < 1 mm2: got [0-9.]* mm2 ([+][0-9.]*%)' inf.csv)
n_pow=$(grep -c 'power < 2 W: got [0-9.]* W ([+][0-9.]*%)' inf.csv)
if [ "$(rows inf.csv)" -eq 6 ] && [ "$n_inf" -eq 6 ] && [ "$n_pow" -eq 2 ]; then
    ok "infeasible: the why column names the constraint, the value and the margin"
else
    bad "infeasible: the why column names the constraint, the value and the margin" "$(cat inf.csv)"
fi

# ---- guards --------------------------------------------------------------

cp grid1.csv other.csv
ex -j 2 --resume -o other.csv "$infeasible" >guard1.out 2>&1
rc=$?
if [ $rc -eq 2 ] && cmp -s grid1.csv other.csv; then
    ok "--resume over another exploration's file: refused (exit 2), the file untouched"
else
    bad "--resume over another exploration's file: refused (exit 2), the file untouched" "exit $rc" "$(cat guard1.out)"
fi
ex -j 2 --strategy guided --shard 0/2 -o gs.csv "$study" >guard2.out 2>&1
rc=$?
check "--shard with the guided search: refused (exit 1, got $rc)" [ $rc -eq 1 ]

# ---- a worker that dies, memory, changed inputs, rows read back ---------

# kill -9 of one worker (not of mldc): its point becomes an error row with
# the cause, the other 719 points are still evaluated, the run exits 1 and
# says so; --resume keeps the error row instead of dying on it again
"$mldc" explore --quiet -j 2 -o wk.csv "$slow" >wk.out 2>wk.err &
bgpid=$!
if wait_rows wk.csv $((total / 5)) $bgpid; then
    victim=$(ps -o pid= --ppid $bgpid | head -1 | tr -d ' ')
    [ -n "$victim" ] && kill -9 "$victim"
    wait $bgpid
    rc=$?
    bgpid=
    check "a worker killed: exit status 1 (got $rc)" [ $rc -eq 1 ]
    check "a worker killed: all $total points have a row (found $(rows wk.csv))" [ "$(rows wk.csv)" -eq "$total" ]
    nk=$(grep -c ',error,.*its worker was killed by SIGKILL' wk.csv)
    check "a worker killed: exactly one error row names SIGKILL (found $nk)" [ "$nk" -eq 1 ]
    if grep -q '^mldc: error: 1 point lost: point [0-9]*: its worker was killed by SIGKILL' wk.err &&
        grep -q '^lost 1 point' wk.out; then
        ok "a worker killed: the error and the summary say a point was lost, and how"
    else
        bad "a worker killed: the error and the summary say a point was lost, and how" "$(cat wk.err wk.out)"
    fi
    grep -v ',error,' wk.csv | cut -d, -f1-14 >wk.ok
    grep -v ',error,' ref.csv | cut -d, -f1-14 | grep -v "^$(grep ',error,' wk.csv | cut -d, -f1)," >ref.ok
    same "a worker killed: the other rows equal the uninterrupted run's" ref.ok wk.ok
    ex -j 2 --resume -o wk.csv "$slow" >wk2.out 2>&1
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^evaluated 0 ' wk2.out && [ "$(grep -c ',error,' wk.csv)" -eq 1 ]; then
        ok "a worker killed, --resume: keeps the error row, evaluates nothing, exit 0"
    else
        bad "a worker killed, --resume: keeps the error row, evaluates nothing, exit 0" "exit $rc" "$(cat wk2.out)"
    fi
else
    bgpid=
    bad "a worker killed: the run ended before it wrote $((total / 5)) rows" "$(cat wk.out wk.err)"
fi

# a point past the memory limit: an error row naming the estimate and the
# limit, the other points evaluated, exit 0 (nothing lost); also with -j 1
for j in 1 2; do
    ex -j $j --max-memory 128M -o mem$j.csv "$here/memory.mld" >mem$j.out 2>&1
    rc=$?
    if [ $rc -eq 0 ] && [ "$(rows mem$j.csv)" -eq 4 ] && [ "$(grep -c ',ok,' mem$j.csv)" -eq 3 ] &&
        grep -q "^2,1000000,error,.*mapping 'm' would make ~100.0 M transfers, at least .*, more than the memory limit of" mem$j.csv; then
        ok "-j $j: a point past the memory limit is an error row saying so; the others are evaluated"
    else
        bad "-j $j: a point past the memory limit is an error row saying so; the others are evaluated" "exit $rc" "$(cat mem$j.out mem$j.csv)"
    fi
done

# --resume after the design changed: refused, naming what changed, the file
# untouched; --resume --force keeps the rows
cp "$study" design.mld
ex -j 2 --max-points 20 -o chg.csv design.mld >/dev/null 2>&1
cp chg.csv chg.keep
sed 's/^param clock = 1 GHz/param clock = 2 GHz/' "$study" >design.mld
ex -j 2 --resume -o chg.csv design.mld >chg.out 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "holds results of other inputs than this run's: 'design.mld' changed;" chg.out &&
    cmp -s chg.csv chg.keep; then
    ok "--resume after the design changed: refused (exit 2), naming the file, the CSV untouched"
else
    bad "--resume after the design changed: refused (exit 2), naming the file, the CSV untouched" "exit $rc" "$(cat chg.out)"
fi
sed 's/^    require power < 8 W/    require power < 9 W/' "$study" >design.mld
ex -j 2 --resume -o chg.csv design.mld >chg.out 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "the explore block changed" chg.out; then
    ok "--resume after a require bound changed: refused, 'the explore block changed'"
else
    bad "--resume after a require bound changed: refused, 'the explore block changed'" "exit $rc" "$(cat chg.out)"
fi
ex -j 2 --resume --set cores=8 -o chg.csv "$study" >chg.out 2>&1
grep -q "the --set overrides differ" chg.out && ok "--resume with other --set overrides: refused, saying so" ||
    bad "--resume with other --set overrides: refused, saying so" "$(cat chg.out)"
ex -j 2 --resume --force --max-points 20 -o chg.csv design.mld >chg.out 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q ' 20 from the earlier run' chg.out; then
    ok "--resume --force: keeps the 20 rows"
else
    bad "--resume --force: keeps the 20 rows" "exit $rc" "$(cat chg.out)"
fi
cp chg.keep noinputs.csv
ex -j 2 --resume -o noinputs.csv "$study" >chg.out 2>&1
rc=$?
check "--resume without the .inputs record: refused (exit 2, got $rc)" [ $rc -eq 2 ]

# rows read back are parsed strictly: each bad row is an error naming its
# line, and the file is left as it was
lat=$(head -1 grid1.csv | tr ',' '\n' | grep -n '^latency_s$' | cut -d: -f1)
st=$((lat - 1))
# edit N FIELD VALUE: grid1.csv with field FIELD of data row N set to VALUE
edit() { awk -F, -v OFS=, -v r=$(($1 + 1)) -v f="$2" -v v="$3" 'NR == r { $f = v } { print }' grid1.csv; }
# the row edited: the first evaluated (status ok) from the fifth on, its line in the file
row=$(awk -F, -v s="$st" 'NR > 5 && $s == "ok" { print NR - 1; exit }' grid1.csv)
line=$((row + 1))
n=0
for c in "$lat:abc:latency_s 'abc' is not a finite number" "$lat:nan:latency_s 'nan' is not a finite number" \
    "$lat:-1:latency_s '-1' is not a finite number" "$lat::latency_s '' is not a finite number" \
    "$lat:1e308:the metrics disagree" "$lat:0x10:latency_s '0x10' is not" \
    "$st:okay:status 'okay' is not ok, infeasible or error" "1:7x:the index is not a whole number" \
    "$((lat + 8)):2:the pareto field is not 0, 1 or empty"; do
    f=${c%%:*}
    rest=${c#*:}
    v=${rest%%:*}
    msg=${rest#*:}
    n=$((n + 1))
    edit "$row" "$f" "$v" >bad$n.csv
    cp grid1.csv.inputs bad$n.csv.inputs
    cp bad$n.csv bad$n.keep
    ex -j 2 --resume -o bad$n.csv "$study" >bad.out 2>&1
    rc=$?
    if [ $rc -eq 2 ] && grep -q "^mldc: error: bad$n.csv:$line: a malformed row: $msg" bad.out && cmp -s bad$n.csv bad$n.keep; then
        ok "--resume over a row with field $f = '$v': exit 2, naming its line"
    else
        bad "--resume over a row with field $f = '$v': exit 2, naming its line" "exit $rc" "$(cat bad.out)"
    fi
done
cut -d, -f1-5 grid1.csv >cols.csv
cp grid1.csv.inputs cols.csv.inputs
ex -j 2 --resume -o cols.csv "$study" >bad.out 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "is not this exploration's results (its header has 5 columns, fewer" bad.out; then
    ok "--resume over a file with other columns: exit 2, saying which"
else
    bad "--resume over a file with other columns: exit 2, saying which" "exit $rc" "$(cat bad.out)"
fi
# CRLF line ends and a byte-order mark are read; an empty file is no rows
head -100 grid1.csv | sed 's/$/\r/' >crlf.csv
printf '\357\273\277' >bom.csv
head -100 grid1.csv >>bom.csv
: >empty.csv
for f in crlf bom empty; do
    cp grid1.csv.inputs $f.csv.inputs
    ex -j 2 --resume -o $f.csv "$study" >$f.out 2>&1
    rc=$?
    if [ $rc -eq 0 ] && cmp -s grid1.csv $f.csv; then
        ok "--resume over a file with $f: read, and finished equal to the plain run"
    else
        bad "--resume over a file with $f: read, and finished equal to the plain run" "exit $rc" "$(cat $f.out)"
    fi
done

# ---- outputs: SVG, JSON, HTML --------------------------------------------

ex -j 2 --json --svg front.svg --report report.html -o out.csv "$study" >out.out 2>&1
rc=$?
check "outputs: exit status 0 (got $rc)" [ $rc -eq 0 ]
same "outputs: the CSV equals the plain grid run's" grid1.csv out.csv
if [ "$have_python" = 1 ]; then
    if msg=$(python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' front.svg 2>&1); then
        ok "outputs: the SVG parses as XML"
    else
        bad "outputs: the SVG parses as XML" "$msg"
    fi
    front_n=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["pareto"] == 1' grid1.csv | wc -l)
    if msg=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
pts = d["points"]
assert len(pts) == 324, "%d points" % len(pts)
n = sum(1 for p in pts if p["pareto"])
assert n == int(sys.argv[2]), "%d on the front, the CSV has %s" % (n, sys.argv[2])
' out.json "$front_n" 2>&1); then
        ok "outputs: out.json parses, 324 points, the CSV's front"
    else
        bad "outputs: out.json parses, 324 points, the CSV's front" "$msg"
    fi
else
    skip "python3 not installed: the SVG and JSON are not parsed"
    check "outputs: the SVG and out.json are not empty" [ -s front.svg -a -s out.json ]
fi
if [ -s report.html ] && grep -q '<svg' report.html; then
    ok "outputs: the HTML report exists and holds its plots"
else
    bad "outputs: the HTML report exists and holds its plots"
fi
chromium=
for c in chromium chromium-browser; do
    if command -v $c >/dev/null 2>&1; then chromium=$c; break; fi
done
if [ -n "$chromium" ]; then
    prof=$(mktemp -d "$T/chromium.XXXXXX")
    to=
    command -v timeout >/dev/null 2>&1 && to="timeout 120"
    $to $chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
        --screenshot="$T/r.png" --window-size=1200,1600 "file://$T/report.html" >chromium.out 2>&1
    size=$(wc -c <"$T/r.png" 2>/dev/null || echo 0)
    if [ "$size" -gt 10240 ]; then
        ok "outputs: chromium renders the report ($size-byte PNG)"
    else
        bad "outputs: chromium renders the report to a PNG over 10 kB (got $size bytes)" "$(tail -5 chromium.out)"
    fi
    # the report's script, driven as a user would (report-check.js):
    # sorting by a click on a heading, filtering, a click on a point
    # highlighting its row, colouring by a variable
    { sed '$d' "$T/report.html"; printf '<script>\n'; cat "$here/report-check.js"; printf '</script>\n</html>\n'; } \
        >"$T/report-check.html"
    $to $chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
        --enable-logging=stderr --v=0 --dump-dom "file://$T/report-check.html" >dom.out 2>chromium.out
    result=$(sed -n 's/.*<pre id="result">RESULT \(.*\) END<\/pre>.*/\1/p' dom.out)
    if grep -q "Uncaught" chromium.out; then
        bad "outputs: the report's script runs without errors" "$(grep Uncaught chromium.out | head -3)"
    elif [ -n "$result" ] && ! echo "$result" | grep -q FAIL; then
        ok "outputs: the report's table sorts by a click, filters; a click on a point highlights its row; colour by a variable ($result)"
    else
        bad "outputs: the report's script in chromium" "${result:-no result: $(tail -3 chromium.out)}"
    fi
else
    skip "chromium not installed (sh scripts/install-deps.sh browser): the report is not rendered, its script not run"
fi

echo "explore: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
