#!/bin/sh
# compare.sh - the simulator's two fuzz harnesses side by side, equal time.
#
#   sh tests/fuzz/compare.sh SECONDS [empty]
#
# Runs `make fuzz` for FUZZ_TARGET=sim (mutated .mld text, seeded with the
# seed corpora and the examples) and then FUZZ_TARGET=gen (designs
# generated from a grammar, seeded with tests/fuzz/seeds_gen), SECONDS
# each, one after the other, each from a fresh corpus; with `empty` both
# start from an empty corpus instead, which measures what each harness
# finds by itself rather than what its seeds bring.  Both targets count
# the same edges: the back end's (mk/tests.mk, FUZZ_BACKEND), not the
# front end's nor the harnesses' own.  Prints, per harness, the coverage
# after loading its seeds ("start") and at the end ("cov": edges, "ft":
# features), the edges found beyond the seeds, and the ratio of the two
# harnesses' edges.  The logs are build/fuzz/compare-TARGET.log.
# Run it alone, at low priority (nice -n 19) on a shared machine.

secs=${1:?usage: compare.sh SECONDS [empty]}
empty=${2:-}
make=${MAKE:-make}
B=build/fuzz
mkdir -p $B

# cov and ft of a libFuzzer status line: "#N INITED cov: A ft: B ..."
field() { sed -n "s/.* $1: \([0-9]*\).*/\1/p"; }

for t in sim gen; do
    rm -rf $B/corpus-$t
    if [ "$empty" = empty ]; then
        # an empty corpus: make fuzz copies the seeds in, so build first,
        # then run the binary on an empty directory with the same options
        $make --no-print-directory fuzz FUZZ_TARGET=$t FUZZ_SECONDS=1 >$B/compare-$t.log 2>&1 || {
            tail -20 $B/compare-$t.log
            exit 1
        }
        rm -rf $B/corpus-$t
        mkdir -p $B/corpus-$t
        dict=
        [ $t = sim ] && dict=-dict=tests/fuzz/mld.dict
        $B/fuzz_$t -max_total_time="$secs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 $dict -artifact_prefix=$B/$t- $B/corpus-$t >$B/compare-$t.log 2>&1 || {
            tail -20 $B/compare-$t.log
            exit 1
        }
    else
        $make --no-print-directory fuzz FUZZ_TARGET=$t FUZZ_SECONDS="$secs" >$B/compare-$t.log 2>&1 || {
            tail -20 $B/compare-$t.log
            exit 1
        }
    fi
    start=$(grep -E '^#[0-9]+[[:space:]]+INITED' $B/compare-$t.log | tail -1)
    done_=$(grep -E '^#[0-9]+[[:space:]]+DONE' $B/compare-$t.log | tail -1)
    [ -n "$done_" ] || done_=$(grep -E '^#[0-9]+[[:space:]]' $B/compare-$t.log | tail -1)
    c0=$(echo "$start" | field cov)
    c1=$(echo "$done_" | field cov)
    f0=$(echo "$start" | field ft)
    f1=$(echo "$done_" | field ft)
    execs=$(grep '^stat::number_of_executed_units' $B/compare-$t.log | tr -dc 0-9)
    echo "fuzz-compare: $t: start cov $c0 ft $f0; after $secs s cov $c1 ft $f1 ($((c1 - c0)) new edges, $execs runs)"
    eval "cov_$t=$c1 new_$t=$((c1 - c0))"
done
awk -v g="$cov_gen" -v s="$cov_sim" -v ng="$new_gen" -v ns="$new_sim" 'BEGIN {
    printf "fuzz-compare: gen/sim edges: %.2fx; edges found beyond the seeds: gen %d, sim %d\n", g / s, ng, ns }'
