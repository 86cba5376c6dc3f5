#!/bin/sh
# install-deps.sh - make sure the tools mldc is built and tested with exist.
#
#   sh scripts/install-deps.sh build   flex, bison, a C compiler, Jansson (libjansson-dev), pkg-config
#   sh scripts/install-deps.sh test    + check (libcheck), pkg-config
#   sh scripts/install-deps.sh fuzz    + clang with libFuzzer
#   sh scripts/install-deps.sh mpi     Open MPI (mpicc, mpirun) for make MPI=1
#   sh scripts/install-deps.sh browser Chromium, to render explore's HTML report in a test
#   sh scripts/install-deps.sh editors Vim, Emacs (+ eglot), Python 3, Node.js + npm for tests/editors/run.sh
#   sh scripts/install-deps.sh python  Python 3 with venv and pip for make python-test and make lsp
#
# Every mode includes the build's needs: the Hugging Face config.json reader
# (src/hf.c) links Jansson, found through pkg-config.
#
# Missing tools are installed with apt-get when running as root on a
# Debian-like system; otherwise the exact command to run is printed and the
# script fails.
set -eu
what=${1:-build}
missing=""

need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

need_cmd flex flex
need_cmd bison bison
need_cmd cc gcc
need_cmd make make
need_cmd pkg-config pkg-config
# Without pkg-config this reports Jansson missing too; installing both fixes it.
if ! pkg-config --exists jansson 2>/dev/null; then missing="$missing libjansson-dev"; fi
if [ "$what" = test ] || [ "$what" = fuzz ]; then
    if ! pkg-config --exists check 2>/dev/null; then missing="$missing check"; fi
fi
if [ "$what" = editors ]; then
    need_cmd vim vim-nox
    need_cmd emacs emacs-nox
    need_cmd python3 python3
    need_cmd node nodejs
    need_cmd npm npm
    # eglot, for the language server check: built into Emacs 29; Debian 12's
    # Emacs 28 has it as elpa-eglot (installed only where apt offers it)
    if ! ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1 &&
       ! { command -v emacs >/dev/null 2>&1 &&
           emacs --batch -Q --eval '(kill-emacs (if (locate-library "eglot") 0 1))' >/dev/null 2>&1; } &&
       command -v apt-cache >/dev/null 2>&1 && apt-cache show elpa-eglot >/dev/null 2>&1; then
        missing="$missing elpa-eglot"
    fi
fi
if [ "$what" = python ]; then
    need_cmd python3 python3
    # Debian splits venv's ensurepip (python3-venv) and pip out of python3
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing="$missing python3-venv"
        python3 -m pip --version >/dev/null 2>&1 || missing="$missing python3-pip"
    fi
fi
if [ "$what" = browser ]; then
    need_cmd chromium chromium
fi
if [ "$what" = mpi ]; then
    need_cmd mpicc libopenmpi-dev
    need_cmd mpirun openmpi-bin
fi
if [ "$what" = fuzz ]; then
    need_cmd clang clang
    if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 &&
       ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
        missing="$missing libclang-rt-dev"
    fi
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    exit 0
fi
echo "install-deps: missing:$missing" >&2
echo "install-deps: run:  sudo apt-get install$missing" >&2
exit 1
