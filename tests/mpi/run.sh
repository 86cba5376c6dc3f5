#!/bin/sh
# tests/mpi/run.sh - `mpirun -n 3 mldc explore` gives the same result file as
# one process.
#
#   sh tests/mpi/run.sh MLDC MLDC_MPI
#
# MLDC is the ordinary build, MLDC_MPI the `make MPI=1` one.  Skipped, with
# the reason printed, where Open MPI is not installed.
set -u
mldc=$1
mpi=$2
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$mpi" ]; then
    echo "mpi: skipped: Open MPI is not installed (apt-get install libopenmpi-dev openmpi-bin)"
    echo "mpi: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
# CI runs as root; Open MPI refuses that unless told it is intended.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
design=tests/mpi/space.mld
for strategy in grid random; do
    "$mldc" explore --quiet -j 1 --strategy "$strategy" --seed 7 --max-points 60 -o "$t/local.csv" "$design" >/dev/null 2>"$t/err" ||
        { cat "$t/err"; fail=$((fail + 1)); continue; }
    mpirun --oversubscribe -n 3 "$mpi" explore --quiet -j 1 --strategy "$strategy" --seed 7 --max-points 60 \
        -o "$t/mpi.csv" "$design" >"$t/out" 2>&1
    if cmp -s "$t/local.csv" "$t/mpi.csv" && grep -q "mpi: 3 ranks" "$t/out" && ! ls "$t"/mpi.csv.rank* >/dev/null 2>&1; then
        pass=$((pass + 1))
    else
        echo "FAIL mpi $strategy: mpirun -n 3 differs from one process"
        cat "$t/out"
        diff "$t/local.csv" "$t/mpi.csv" | head -20
        fail=$((fail + 1))
    fi
done
echo "mpi: $pass passed, $fail failed"
[ "$fail" = 0 ]
