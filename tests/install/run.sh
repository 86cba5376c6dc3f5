#!/bin/sh
# run.sh - the installed program finds its stdlib from its own location.
#
#   sh tests/install/run.sh BUILD
#
# `make install` into a temporary prefix (with BUILD's mldc), then the
# installed tree is moved elsewhere and a design that imports the stdlib is
# run with the moved binary, MLDC_STDLIB unset.  To prove that the moved
# stdlib is the one read, and not the source tree's, the design also imports
# a module that exists only in the moved copy.  The man page's FILES section
# must name every stdlib module.  Prints "install: N passed, N failed".
set -u
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mldc-install.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
unset MLDC_STDLIB 2>/dev/null || true
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

if ! make -s --no-print-directory BUILD="$build" PREFIX="$tmp/prefix" install >"$tmp/log" 2>&1; then
    bad make-install "make install failed"; sed 's/^/    /' "$tmp/log"
    echo "install: $passed passed, $failed failed"; exit 1
fi
mv "$tmp/prefix" "$tmp/moved" || exit 2
inst=$tmp/moved

# a module only the moved stdlib has, and a design importing the real ones
printf 'level Probe { compute c { rate = 1 TFLOP/s } }\n' >"$inst/share/mldc/stdlib/std/install_probe.mld"
mkdir -p "$tmp/work"
cp examples/gpu.mld "$tmp/work/design.mld"
grep -q 'import "std/' "$tmp/work/design.mld" || { bad example "the example imports no stdlib module"; }
printf '\nimport "std/install_probe"\n' >>"$tmp/work/design.mld"
(cd "$tmp/work" && "$inst/bin/mldc" run design.mld) >"$tmp/out" 2>&1
if grep -q '^makespan' "$tmp/out"; then ok run-moved-install
else bad run-moved-install "the moved binary did not run a design with imports"; sed 's/^/    /' "$tmp/out"; fi

# --stdlib and MLDC_STDLIB still win over the installed stdlib
(cd "$tmp/work" && MLDC_STDLIB="$tmp/nowhere" "$inst/bin/mldc" check design.mld) >"$tmp/out" 2>&1
if grep -q "cannot open '$tmp/nowhere/std/" "$tmp/out"; then ok env-overrides
else bad env-overrides "MLDC_STDLIB was not used"; sed 's/^/    /' "$tmp/out"; fi

[ -f "$inst/share/man/man1/mldc.1" ] && ok man-page-installed || bad man-page-installed "no share/man/man1/mldc.1"
files=$(sed -n '/^\.SH FILES/,/^\.SH /p' docs/mldc.1)
for m in stdlib/std/*.mld; do
    name=$(basename "$m")
    case $files in
    *"$name"*) ok "man-files-$name" ;;
    *) bad "man-files-$name" "docs/mldc.1 FILES does not list $name" ;;
    esac
done

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
