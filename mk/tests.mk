# mk/tests.mk - the test, fuzz and benchmark targets.
#
# Included at the end of the main Makefile, which defines BUILD, CC,
# CFLAGS_ALL, WARN, SAN, DEPS_OK, $(BUILD)/libmldc.a and $(BUILD)/mldc, and
# declares `check: unit golden seeds examples docs`.  This fragment defines:
#
#   unit      Check unit tests (tests/unit/*.c) against libmldc.a
#   golden    diagnostics, dumps and CLI output pinned in tests/golden/
#   seeds     the fuzz harness replayed over the seed corpus and the examples
#   examples  `mldc check` on every examples/*.mld (each must pass)
#   docs      `mldc check` on every ```mld block of docs/*.md and README.md
#   fuzz      libFuzzer + ASan + UBSan for FUZZ_SECONDS (clang only)
#   bench     front-end speed on a generated 10,000-line design
#
# Sanitizers and Check: unit tests run in Check's default fork mode, one
# child process per test, also under sanitizers.  A sanitizer report then
# fails just the test that triggered it (Check shows it as a signal or an
# early exit, and the report itself is on stderr), and the other tests still
# run.  To debug one failure in a single process (gdb, one clean ASan report
# without Check's fork noise) run: CK_FORK=no build/asan/unit_tests
# CK_RUN_SUITE=NAME / CK_RUN_CASE=NAME narrow the run to a suite or a case.

FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_BUILD   := build/fuzz
BENCH_LINES  ?= 10000

UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
UNIT_HDR  := $(wildcard tests/unit/*.h) $(wildcard src/*.h)
FUZZ_SRC  := tests/fuzz/fuzz_check.c
EXAMPLES  := $(sort $(wildcard examples/*.mld))
DOC_FILES := $(sort $(wildcard docs/*.md)) $(wildcard README.md)

# Test code uses the library's flags and warnings, minus two that do not fit
# Check's macros (START_TEST defines functions without prototypes, and
# ck_assert_double_eq_tol promotes floats).
TEST_WARN := $(filter-out -Wmissing-prototypes -Wdouble-promotion,$(WARN))

.PHONY: unit golden seeds examples docs fuzz bench test-deps

# Check and pkg-config: installed when root with apt, else the command is
# printed.  Phony and order-only, so it runs every time without forcing a
# relink.
test-deps: | $(DEPS_OK)
	@sh scripts/install-deps.sh test

# ---- unit -----------------------------------------------------------------

$(BUILD)/unit_tests: $(UNIT_SRC) $(UNIT_HDR) $(BUILD)/libmldc.a | test-deps
	$(CC) $(CFLAGS_ALL) $(TEST_WARN) $$(pkg-config --cflags check) \
	    -o $@ $(UNIT_SRC) $(BUILD)/libmldc.a $$(pkg-config --libs check) -lm

unit: $(BUILD)/unit_tests
	@echo "unit: $(BUILD)/unit_tests"
	@$(BUILD)/unit_tests

# ---- golden ---------------------------------------------------------------

golden: $(BUILD)/mldc
	@echo "golden: tests/golden with $(BUILD)/mldc"
	@sh tests/golden/run.sh $(BUILD)/mldc

# ---- seeds ----------------------------------------------------------------

$(BUILD)/fuzz_replay: $(FUZZ_SRC) tests/fuzz/replay.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ $(FUZZ_SRC) tests/fuzz/replay.c \
	    $(BUILD)/libmldc.a -lm

seeds: $(BUILD)/fuzz_replay
	@$(BUILD)/fuzz_replay $(sort $(wildcard tests/fuzz/seeds/*)) $(EXAMPLES)

# ---- examples -------------------------------------------------------------

examples: $(BUILD)/mldc
	@sh tests/examples/run.sh $(BUILD)/mldc $(EXAMPLES)

# ---- docs -----------------------------------------------------------------

docs: $(BUILD)/mldc
	@sh tests/docs/run.sh $(BUILD)/mldc $(BUILD)/docs $(DOC_FILES)

# ---- fuzz -----------------------------------------------------------------
#
# The library is rebuilt with clang in build/fuzz with ASan, UBSan and
# libFuzzer's coverage instrumentation (fuzzer-no-link: without it the fuzzer
# would be blind to the parser's branches); only the final link adds the
# libFuzzer main.  The corpus grows in build/fuzz/corpus; crashes land in
# build/fuzz/ as crash-*, leak-*, timeout-*.  Replay one with
#   build/fuzz/fuzz_check build/fuzz/crash-...
# FUZZ_FLAGS passes more libFuzzer options, e.g. FUZZ_FLAGS="-jobs=4
# -workers=4" to use more cores, or -detect_leaks=0 to look past a known leak.

fuzz:
	@sh scripts/install-deps.sh fuzz
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	    SAN=address,undefined,fuzzer-no-link $(FUZZ_BUILD)/libmldc.a
	clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -Isrc -I$(FUZZ_BUILD) -D_POSIX_C_SOURCE=200809L \
	    -o $(FUZZ_BUILD)/fuzz_check $(FUZZ_SRC) $(FUZZ_BUILD)/libmldc.a -lm
	@mkdir -p $(FUZZ_BUILD)/corpus
	@for f in tests/fuzz/seeds/* $(EXAMPLES); do \
	    [ -f "$$f" ] && cp "$$f" "$(FUZZ_BUILD)/corpus/seed-$$(basename "$$f")"; \
	done; true
	$(FUZZ_BUILD)/fuzz_check -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -dict=tests/fuzz/mld.dict -artifact_prefix=$(FUZZ_BUILD)/ \
	    $(FUZZ_FLAGS) $(FUZZ_BUILD)/corpus

# ---- bench ----------------------------------------------------------------

$(BUILD)/bench_front: bench/bench_front.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ bench/bench_front.c $(BUILD)/libmldc.a -lm

$(BUILD)/gen_design: bench/gen_design.c
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ bench/gen_design.c

bench: $(BUILD)/bench_front $(BUILD)/gen_design
	@mkdir -p $(BUILD)/bench
	@$(BUILD)/gen_design $(BENCH_LINES) > $(BUILD)/bench/design.mld
	@$(BUILD)/bench_front $(BUILD)/bench/design.mld
