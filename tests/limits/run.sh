#!/bin/sh
# run.sh - resource limits: designs built to exhaust memory end with a named
# error and exit 1, never a bare abort.
#
#   sh tests/limits/run.sh MLDC          quick: each case under --max-memory
#                                        64M (make check)
#   sh tests/limits/run.sh MLDC bombs    the full cases under a 4 GiB
#                                        address-space limit (ulimit -v) and
#                                        the default memory limit, each
#                                        within 60 s (make bombs, run by CI)
#
# The cases: ops.mld (a workload of 10^7 operators), map.mld (a mapping
# loop of 10^9 statements, refused by the plan's size estimate), mesh.mld (a mesh over 2^30 instances, the
# documented instance limit) and hf.mld (a Hugging Face config with 10^6
# layers).  Quick mode also checks --max-memory and MLDC_MAX_MEMORY parsing,
# and the other ways input could make mldc hang or flood: a FIFO nobody
# writes to, 40,000 unknown HF fields (warnings capped) and a 5 MB
# identifier (echoed shortened).
# Ends with "limits: N passed, N failed"; exits 1 when any check failed.
set -u
[ $# -ge 1 ] || { echo "usage: $0 MLDC [bombs]" >&2; exit 2; }
mldc=$1
mode=${2:-quick}
case $mldc in /*) ;; *) mldc=$(pwd)/$mldc ;; esac
[ -x "$mldc" ] || { echo "run.sh: $mldc is not an executable" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LC_ALL=C
MLDC_STDLIB=${MLDC_STDLIB:-$root/stdlib}
export LC_ALL MLDC_STDLIB
unset MLDC_MAX_MEMORY
T=$(mktemp -d "${TMPDIR:-/tmp}/mldc-limits.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 2' INT TERM
cd "$here" || exit 2

passed=0
failed=0
# expect NAME STATUS PATTERN SECONDS -- ARGS...: mldc ARGS exits STATUS
# within SECONDS, and its stderr matches the extended regex PATTERN (or is
# empty when PATTERN is "").
expect() {
    name=$1 want=$2 pat=$3 secs=$4
    shift 5
    start=$(date +%s)
    if [ "$mode" = bombs ]; then
        (ulimit -v 4194304 && exec timeout 120 "$mldc" "$@") >"$T/out" 2>"$T/err"
    else
        timeout 120 "$mldc" "$@" >"$T/out" 2>"$T/err"
    fi
    rc=$?
    took=$(($(date +%s) - start))
    if [ -z "$pat" ]; then matched=$([ ! -s "$T/err" ] && echo 1); else matched=$(grep -Eq "$pat" "$T/err" && echo 1); fi
    if [ "$rc" -eq "$want" ] && [ -n "$matched" ] && [ "$took" -le "$secs" ]; then
        passed=$((passed + 1))
        echo "ok   $name (exit $rc, ${took} s)"
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $rc (want $want), ${took} s (limit $secs s)"
        head -c 600 "$T/err" | sed 's/^/    /'
        echo "    (wanted stderr to match: $pat)"
    fi
}

ops="out of memory in the front end: .* passes the limit of .*; workload 'w' has [0-9,]+ operators"
# map.mld's loop is regular (lowered once): its 10^9 transfers are refused
# by the estimate before the checker replays them
map="map.mld:13:5: error: mapping 'm' would make ~1000.0 M transfers, at least .*, more than the memory limit of"
dp="parallel.mld:[0-9]+:[0-9]+: error: mapping 'dp' would make ~7.1 M transfers, at least .*, more than the memory limit of 64.0 MiB"
mesh="mesh.mld:7:24: error: a network over these 1073741824 nodes would need 32.0 GiB for its node list, more than the memory limit"
hf="field 'num_hidden_layers' \(1000000\) exceeds 1024"

if [ "$mode" = bombs ]; then
    expect "10^7 operators" 1 "$ops" 60 -- check ops.mld
    expect "10^9 mapping statements" 1 "$map" 60 -- check map.mld
    expect "2^30-instance mesh" 1 "$mesh" 60 -- check mesh.mld
    expect "10^6-layer HF config" 1 "$hf" 60 -- check hf.mld
else
    expect "10^7 operators" 1 "$ops" 30 -- check --max-memory 64M ops.mld
    expect "10^9 mapping statements" 1 "$map" 30 -- check --max-memory 64M map.mld
    expect "the estimate before the plan: dp_ring.mld at n = 256" 1 "$dp" 60 -- run --max-memory 64M --set n=256 dp_ring.mld
    expect "2^30-instance mesh" 1 "$mesh" 30 -- check --max-memory 4G mesh.mld
    expect "10^6-layer HF config" 1 "$hf" 30 -- check hf.mld
    expect "the limit in JSON diagnostics" 1 '^\{"severity":"error","message":"out of memory in the front end' 30 -- \
        check --diagnostics=json --max-memory 64M ops.mld
    MLDC_MAX_MEMORY=64MiB
    export MLDC_MAX_MEMORY
    expect "MLDC_MAX_MEMORY" 1 "passes the limit of 64.0 MiB" 30 -- check ops.mld
    MLDC_MAX_MEMORY=lots
    expect "MLDC_MAX_MEMORY unreadable" 2 "^mldc: invalid MLDC_MAX_MEMORY 'lots'" 5 -- check ops.mld
    unset MLDC_MAX_MEMORY
    expect "--max-memory with trailing text" 2 "^mldc: invalid value '4Gx' for --max-memory" 5 -- check --max-memory 4Gx ops.mld
    expect "--max-memory below 1 MiB" 2 "^mldc: invalid value '512K' for --max-memory" 5 -- check --max-memory 512K ops.mld
    expect "a design within the limit" 0 "" 30 -- run --max-memory 256M "$root/examples/gpu.mld"
    # a FIFO nobody writes to: an error after a bounded wait, not a hang
    if mkfifo "$T/fifo.mld" 2>/dev/null; then
        expect "a FIFO nobody writes to" 2 "it is a FIFO and nothing was written to it within 10 s" 20 -- check "$T/fifo.mld"
    fi
    # 40,000 unknown HF fields: 50 warnings and one note, not 40,000 lines
    python3 -c "
import json
d = {'model_type': 'llama', 'num_hidden_layers': 2, 'hidden_size': 64, 'num_attention_heads': 4, 'vocab_size': 100}
d.update(('u%d' % i, 1) for i in range(40000))
open('$T/many.json', 'w').write(json.dumps(d))" 2>/dev/null &&
        printf 'import "std/llm"\nlet m = hf_config("many.json")\n' >"$T/many.mld" &&
        expect "40,000 unknown HF fields" 0 "^mldc: note: too many warnings \(50\); the rest are not shown" 30 -- check "$T/many.mld" &&
        if [ "$(wc -l <"$T/err")" -gt 160 ]; then failed=$((failed + 1)); echo "FAIL 40,000 unknown HF fields: $(wc -l <"$T/err") lines"; fi
    # a 5 MB identifier is echoed as its start and its length
    awk 'BEGIN { printf "param x = "; for (i = 0; i < 5000000; i += 50) printf "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; print "" }' >"$T/longid.mld"
    expect "a 5 MB identifier" 1 "unknown name 'a{40}\.\.\. \(5000000 characters\)'" 30 -- check "$T/longid.mld"
    if [ "$(wc -c <"$T/err")" -gt 2000 ]; then failed=$((failed + 1)); echo "FAIL a 5 MB identifier: $(wc -c <"$T/err") bytes of stderr"; fi
fi

echo "limits: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
