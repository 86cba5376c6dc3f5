# mldc - build, test and benchmark.
#
#   make            build build/mldc and build/libmldc.so (the C API of src/mldc_api.h)
#   make demo       check and simulate a shipped example
#   make check      every test: unit (Check), golden, examples, docs, fuzz seeds,
#                   the language server session, the Python package
#   make asan       the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bombs      resource bombs under a 4 GiB address-space limit (about a minute)
#   make ubsan      the whole suite under UndefinedBehaviorSanitizer alone
#   make fuzz       run a libFuzzer harness for FUZZ_SECONDS (needs clang);
#                   FUZZ_TARGET=check (parse+check), sim (plan+simulate) or
#                   lsp (editing sessions on the language server)
#   make lsp        mldc lsp driven by a scripted editor session
#   make python-test  the Python package in a temporary venv (python/)
#   make bench      front end on a generated 10,000-line design, simulator on
#                   synthetic task graphs, mldc run on a GPT-3-sized design
#   make install    install mldc, the stdlib and the man page under PREFIX
#                   (relocatable: mldc finds PREFIX/share/mldc/stdlib from
#                   its own path)
#
# Missing build tools (flex, bison, check, pkg-config, clang) are installed by
# scripts/install-deps.sh when run as root with apt; otherwise it prints the
# command to run.

VERSION := 0.1.0
PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
# make MPI=1: an Open MPI build in build/mpi, for mpirun -n N mldc explore
ifeq ($(MPI),1)
override BUILD := build/mpi
override CC    := mpicc
MPIDEF  := -DMLDC_MPI
endif
OPT     ?= -O2 -g
SAN     ?=
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2 -Wundef \
           -Wold-style-definition -Wnull-dereference -Wdouble-promotion
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
CPPFLAGS_ALL := -Isrc -I$(BUILD) -D_POSIX_C_SOURCE=200809L $(MPIDEF) \
                -DMLDC_STDLIB_DIR='"$(abspath stdlib)"' -DMLDC_VERSION='"$(VERSION)"'
# Position-independent objects: the same library objects make libmldc.a
# (the CLI, tests, fuzzers) and libmldc.so (the public C API of
# src/mldc_api.h, which the Python package loads).
CFLAGS_ALL := -std=c11 $(OPT) $(SANFLAGS) -fPIC $(CPPFLAGS_ALL)
# Jansson reads Hugging Face config.json files (src/hf.c); its headers sit
# in the default include path on Debian, so only the link needs naming.
LIBS    := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson) -lm
GENWARN := -Wall -Wextra -Werror -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter -Wno-missing-field-initializers

SRC     := arena diag units util lex ast lower lower_eval lower_hw lower_wl lower_map check ir kernel traffic plan sim occupancy account report explore explore_plot fmt hf api lsp cli cli_lsp
LIBOBJ  := $(patsubst %,$(BUILD)/obj/%.o,$(filter-out cli cli_lsp,$(SRC))) \
           $(BUILD)/obj/parser.o $(BUILD)/obj/lexer.o
DEPS_OK := $(BUILD)/.deps-ok

.PHONY: all demo check asan ubsan fuzz bench install clean deps unit golden examples docs seeds mpi explore study editors docs-commands fmt validate cli install-test

all: $(BUILD)/mldc $(BUILD)/libmldc.so

$(DEPS_OK): scripts/install-deps.sh
	@sh scripts/install-deps.sh build
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/parser.c $(BUILD)/parser.h: grammar/parser.y | $(DEPS_OK)
	@mkdir -p $(BUILD)
	bison -Wall -Werror -o $(BUILD)/parser.c --header=$(BUILD)/parser.h $<

$(BUILD)/lexer.c: grammar/lexer.l $(BUILD)/parser.h | $(DEPS_OK)
	flex -o $@ $<

$(BUILD)/obj/parser.o: $(BUILD)/parser.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(GENWARN) -c $< -o $@

$(BUILD)/obj/lexer.o: $(BUILD)/lexer.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(GENWARN) -c $< -o $@

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) $(BUILD)/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) -c $< -o $@

$(BUILD)/libmldc.a: $(LIBOBJ)
	ar rcs $@ $^

$(BUILD)/mldc: $(BUILD)/obj/cli.o $(BUILD)/obj/cli_lsp.o $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

# The shared library exports the whole library; mldc_api.h is its public,
# versioned interface (the soname carries the API version).
API_VERSION := $(shell sed -n 's/^\#define MLDC_API_VERSION \([0-9]*\).*/\1/p' src/mldc_api.h)
$(BUILD)/libmldc.so: $(LIBOBJ)
	$(CC) $(CFLAGS_ALL) -shared -Wl,-soname,libmldc.so.$(API_VERSION) -o $@ $^ $(LIBS)

clean:
	rm -rf build

# ---- running -------------------------------------------------------------

demo: $(BUILD)/mldc
	$(BUILD)/mldc check examples/chiplet.mld
	$(BUILD)/mldc run --verify examples/chiplet.mld

# The worked three-tier study (docs/explore.md): CSV, plots and HTML report.
study: $(BUILD)/mldc
	@mkdir -p build/study
	$(BUILD)/mldc explore examples/study.mld -o build/study/study.csv --svg build/study/front.svg --report build/study/report.html

# ---- tests ---------------------------------------------------------------

include mk/tests.mk

check: unit golden seeds examples docs docs-commands fmt editors lsp python-test mpi explore validate limits outputs cli install-test
	@echo "make check: all test groups passed"

# mpirun -n 3 mldc explore == one process; skipped (with the reason) where
# Open MPI is missing and cannot be installed.
mpi: $(BUILD)/mldc
	@sh scripts/install-deps.sh mpi >/dev/null 2>&1 && $(MAKE) -s MPI=1 BUILD=build/mpi SAN= OPT="-O2 -g" all >/dev/null || true
	@sh tests/mpi/run.sh $(BUILD)/mldc build/mpi/mldc

# The whole suite again under sanitizers, in its own build tree.
asan:
	$(MAKE) BUILD=build/asan SAN=address,undefined OPT="-O1 -g" check

ubsan:
	$(MAKE) BUILD=build/ubsan SAN=undefined OPT="-O1 -g" check

# ---- installing ----------------------------------------------------------

install: $(BUILD)/mldc $(BUILD)/libmldc.so
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mldc/stdlib/std
	install -m 755 $(BUILD)/mldc $(DESTDIR)$(PREFIX)/bin/mldc
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/libmldc.so $(DESTDIR)$(PREFIX)/lib/libmldc.so.$(API_VERSION)
	ln -sf libmldc.so.$(API_VERSION) $(DESTDIR)$(PREFIX)/lib/libmldc.so
	install -m 644 src/mldc_api.h $(DESTDIR)$(PREFIX)/include/mldc_api.h
	install -m 644 stdlib/std/*.mld $(DESTDIR)$(PREFIX)/share/mldc/stdlib/std/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/mldc.1 $(DESTDIR)$(PREFIX)/share/man/man1/mldc.1
	@echo "installed in $(DESTDIR)$(PREFIX); mldc finds its stdlib in ../share/mldc/stdlib beside bin/, so the tree can be moved"
