# mk/tests.mk - the test, fuzz and benchmark targets.
#
# Included at the end of the main Makefile, which defines BUILD, CC,
# CFLAGS_ALL, WARN, SAN, DEPS_OK, $(BUILD)/libmldc.a and $(BUILD)/mldc, and
# declares `check: unit golden seeds examples docs`.  This fragment defines:
#
#   unit      Check unit tests (tests/unit/*.c) against libmldc.a
#   golden    diagnostics, dumps and CLI output pinned in tests/golden/
#   seeds     both fuzz harnesses replayed over the seed corpora and the
#             examples (front end: tests/fuzz/seeds; plan + simulation:
#             tests/fuzz/seeds_sim, each of which must simulate)
#   examples  `mldc check` on every examples/*.mld (each must pass)
#   docs      `mldc check` on every ```mld block of docs/*.md and README.md
#   fuzz      libFuzzer + ASan + UBSan for FUZZ_SECONDS (clang only), on the
#             harness FUZZ_TARGET names: check (front end, the default) or
#             sim (plan, simulate, verify)
#   bench     front-end speed on a generated 10,000-line design, simulator
#             speed and memory on synthetic plans (bench/bench_sim.c), and
#             `mldc run` on bench/gpt3_1k.mld and the examples, end to end
#             and phase by phase
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
FUZZ_TARGET  ?= check
FUZZ_BUILD   := build/fuzz
BENCH_LINES  ?= 10000
BENCH_SIM    ?=
BENCH_RUNS   ?= 3

UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
UNIT_HDR  := $(wildcard tests/unit/*.h) $(wildcard src/*.h)
FUZZ_SRC  := tests/fuzz/fuzz_check.c
FUZZ_SIM_SRC := tests/fuzz/fuzz_sim.c
SIM_SEEDS := $(sort $(wildcard tests/fuzz/seeds_sim/*))
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
	    -o $@ $(UNIT_SRC) $(BUILD)/libmldc.a $$(pkg-config --libs check) $(LIBS)

unit: $(BUILD)/unit_tests
	@echo "unit: $(BUILD)/unit_tests"
	@$(BUILD)/unit_tests

# ---- golden ---------------------------------------------------------------

golden: $(BUILD)/mldc
	@echo "golden: tests/golden with $(BUILD)/mldc"
	@sh tests/golden/run.sh $(BUILD)/mldc

# ---- seeds ----------------------------------------------------------------
#
# Both harnesses, built with the normal compiler and replay.c (no libFuzzer).
# The simulation harness runs strict on its own seeds and on the examples:
# each must load without errors and get to the simulator (a reported
# deadlock counts), so a seed that stops simulating fails here instead of
# silently covering nothing; the front-end seeds, mostly erroneous, it
# replays leniently.

$(BUILD)/fuzz_replay: $(FUZZ_SRC) tests/fuzz/replay.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ $(FUZZ_SRC) tests/fuzz/replay.c \
	    $(BUILD)/libmldc.a $(LIBS)

$(BUILD)/fuzz_sim_replay: $(FUZZ_SIM_SRC) tests/fuzz/replay.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -DMLDC_FUZZ_REPLAY -o $@ $(FUZZ_SIM_SRC) tests/fuzz/replay.c \
	    $(BUILD)/libmldc.a $(LIBS)

# Examples larger than the harness's task cap (a full 96-layer model) are
# simulated by `examples` instead, with --verify.
SIM_BIG   := examples/gpt3_tp8.mld

seeds: $(BUILD)/fuzz_replay $(BUILD)/fuzz_sim_replay
	@$(BUILD)/fuzz_replay $(sort $(wildcard tests/fuzz/seeds/*)) $(SIM_SEEDS) $(EXAMPLES)
	@MLDC_FUZZ_SIM_STRICT=1 $(BUILD)/fuzz_sim_replay $(SIM_SEEDS) $(filter-out $(SIM_BIG),$(EXAMPLES))
	@$(BUILD)/fuzz_sim_replay $(sort $(wildcard tests/fuzz/seeds/*))

# ---- examples -------------------------------------------------------------

examples: $(BUILD)/mldc
	@sh tests/examples/run.sh $(BUILD)/mldc $(EXAMPLES) $(sort $(wildcard tests/stdlib/*.mld))

# ---- docs -----------------------------------------------------------------

docs: $(BUILD)/mldc
	@sh tests/docs/run.sh $(BUILD)/mldc $(BUILD)/docs $(DOC_FILES)

# ---- fuzz -----------------------------------------------------------------
#
# The library is rebuilt with clang in build/fuzz with ASan, UBSan and
# libFuzzer's coverage instrumentation (fuzzer-no-link: without it the fuzzer
# would be blind to the parser's branches); only the final link adds the
# libFuzzer main.  (clang's -Wformat=2 also flags the vsnprintf of a
# va_list format in src/diag.c, which gcc does not; it is silenced here so
# that fuzzing does not depend on it.)  FUZZ_TARGET picks the harness:
#
#   check  tests/fuzz/fuzz_check.c: load and check any input
#   sim    tests/fuzz/fuzz_sim.c: load, and for small error-free designs
#          plan, simulate twice (same schedule), verify (no violation)
#
# Each target's corpus grows in build/fuzz/corpus-TARGET, seeded from both
# seed directories and the examples; crashes land in build/fuzz/ as
# TARGET-crash-*, TARGET-leak-*, TARGET-timeout-*.  Replay one with
#   build/fuzz/fuzz_TARGET build/fuzz/TARGET-crash-...
# FUZZ_FLAGS passes more libFuzzer options, e.g. FUZZ_FLAGS="-jobs=4
# -workers=4" to use more cores, or -detect_leaks=0 to look past a known leak.

# The sim target links only plan, sim and report with coverage
# instrumentation, and the front end from a second build without it: a
# mutation that breaks the design then finds no new coverage and stays out
# of the corpus, which remains made of designs that simulate.  (With the
# whole library instrumented, 97% of the corpus was front-end error paths
# and never reached the simulator.)
FUZZ_HARNESS_check := $(FUZZ_SRC)
FUZZ_HARNESS_sim   := $(FUZZ_SIM_SRC)
FUZZ_LINK_check    := $(FUZZ_BUILD)/libmldc.a
FUZZ_LINK_sim      := $(FUZZ_BUILD)/obj/plan.o $(FUZZ_BUILD)/obj/sim.o $(FUZZ_BUILD)/obj/report.o \
                      $(FUZZ_BUILD)-nocov/libmldc.a

fuzz:
	@case "$(FUZZ_TARGET)" in check|sim) ;; \
	    *) echo "fuzz: FUZZ_TARGET must be check or sim, not '$(FUZZ_TARGET)'" >&2; exit 2;; esac
	@sh scripts/install-deps.sh fuzz
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	    WARN="$(WARN) -Wno-format-nonliteral" \
	    SAN=address,undefined,fuzzer-no-link $(FUZZ_BUILD)/libmldc.a
	@if [ "$(FUZZ_TARGET)" = sim ]; then \
	    echo "$(MAKE) BUILD=$(FUZZ_BUILD)-nocov CC=clang SAN=address,undefined $(FUZZ_BUILD)-nocov/libmldc.a"; \
	    $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD)-nocov CC=clang \
	        WARN="$(WARN) -Wno-format-nonliteral" \
	        SAN=address,undefined $(FUZZ_BUILD)-nocov/libmldc.a >/dev/null || exit 1; \
	fi
	clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -Isrc -I$(FUZZ_BUILD) -D_POSIX_C_SOURCE=200809L \
	    -o $(FUZZ_BUILD)/fuzz_$(FUZZ_TARGET) $(FUZZ_HARNESS_$(FUZZ_TARGET)) $(FUZZ_LINK_$(FUZZ_TARGET)) $(LIBS)
	@mkdir -p $(FUZZ_BUILD)/corpus-$(FUZZ_TARGET)
	@for f in tests/fuzz/seeds/* $(SIM_SEEDS) $(EXAMPLES); do \
	    [ -f "$$f" ] && cp "$$f" "$(FUZZ_BUILD)/corpus-$(FUZZ_TARGET)/seed-$$(basename "$$f")"; \
	done; true
	$(FUZZ_BUILD)/fuzz_$(FUZZ_TARGET) -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -dict=tests/fuzz/mld.dict -artifact_prefix=$(FUZZ_BUILD)/$(FUZZ_TARGET)- \
	    $(FUZZ_FLAGS) $(FUZZ_BUILD)/corpus-$(FUZZ_TARGET)

# ---- bench ----------------------------------------------------------------
#
# Figures only, never pass/fail on speed (each program prints the brief's
# bar next to its figure); a failure is a design that does not load or a
# simulation that does not finish.  Takes about a minute on 2 cores.
#   bench_front  loading a generated BENCH_LINES-line design
#   bench_sim    sim_run on synthetic plans of 10^5 .. 10^7 tasks on 10^2 ..
#                10^4 resources; BENCH_SIM="1e6/1e3 ..." picks the cases
#   time_run.sh  `mldc run` as a process, best of BENCH_RUNS, on
#                bench/gpt3_1k.mld (GPT-3 175B prefill, 1,024 cores) and
#                the examples
#   bench_run    the same runs in-process, phase by phase (load, plan,
#                simulate, verify, report)

BENCH_RUN_FILES := bench/gpt3_1k.mld $(EXAMPLES)

$(BUILD)/bench_front: bench/bench_front.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ bench/bench_front.c $(BUILD)/libmldc.a $(LIBS)

$(BUILD)/gen_design: bench/gen_design.c
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ bench/gen_design.c

$(BUILD)/bench_sim: bench/bench_sim.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ bench/bench_sim.c $(BUILD)/libmldc.a $(LIBS)

$(BUILD)/bench_run: bench/bench_run.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ bench/bench_run.c $(BUILD)/libmldc.a $(LIBS)

bench: $(BUILD)/bench_front $(BUILD)/gen_design $(BUILD)/bench_sim $(BUILD)/bench_run $(BUILD)/mldc
	@mkdir -p $(BUILD)/bench
	@echo "== front end: bench_front"
	@$(BUILD)/gen_design $(BENCH_LINES) > $(BUILD)/bench/design.mld
	@$(BUILD)/bench_front $(BUILD)/bench/design.mld
	@echo
	@echo "== simulator: bench_sim"
	@$(BUILD)/bench_sim $(BENCH_SIM)
	@echo
	@echo "== mldc run, end to end (bar: GPT-3 175B prefill on ~1,000 cores in about a second)"
	@sh bench/time_run.sh $(BUILD)/mldc $(BENCH_RUNS) $(BENCH_RUN_FILES)
	@echo
	@echo "== mldc run, phase by phase: bench_run --verify"
	@$(BUILD)/bench_run -n $(BENCH_RUNS) --verify $(BENCH_RUN_FILES)

# ---- bench: exploration ----------------------------------------------------
#
# Design points per second on a small design (tests/mpi/space.mld, 240
# points) and a mid-size one (examples/study.mld), on one worker and on all
# cores.  The rate is the one mldc explore prints in its summary.

BENCH_EXPLORE_FILES ?= tests/mpi/space.mld $(wildcard examples/study.mld)

bench: bench-explore

.PHONY: bench-explore
bench-explore: $(BUILD)/mldc
	@mkdir -p $(BUILD)/bench
	@echo
	@echo "== mldc explore: design points per second (bar: hundreds per second for small designs, all cores)"
	@for f in $(BENCH_EXPLORE_FILES); do \
	    for j in 1 $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2); do \
	        printf '%-28s -j %-2s ' "$$f" "$$j"; \
	        $(BUILD)/mldc explore --quiet -j $$j -o $(BUILD)/bench/explore.csv "$$f" | sed -n 's/^evaluated \([0-9]*\) in \([0-9.]*\) s (\([0-9.]*\) points\/s).*/\1 points in \2 s: \3 points\/s/p'; \
	    done; \
	done

# ---- explore ----------------------------------------------------------------
# mldc explore/merge end to end: -j independence, kill -9/SIGINT + --resume,
# shards + merge, budgets, guided vs grid, infeasibility report, outputs.
.PHONY: explore
explore: $(BUILD)/mldc
	@sh tests/explore/run.sh $(BUILD)/mldc

# ---- validate -----------------------------------------------------------------
# Predictions against real hardware: measured A100 fp16 GEMMs vs the stdlib
# A100; prints the per-row table and the mean error, fails past the targets.
.PHONY: validate
validate: $(BUILD)/mldc
	@sh tests/validate/run.sh $(BUILD)/mldc

# ---- docs commands ------------------------------------------------------------
# Every ```console command in the docs is run and its output compared.
.PHONY: docs-commands
docs-commands: $(BUILD)/mldc
	@sh tests/docs/commands.sh $(BUILD)/mldc $(DOC_FILES)
	@$(BUILD)/mldc check docs/tutorial/*.mld

# ---- editors ------------------------------------------------------------------
# The Vim, Emacs and VS Code support cannot drift from the compiler's words;
# headless Vim/Emacs load, highlight, indent and parse diagnostics.
.PHONY: editors
editors: $(BUILD)/mldc
	@MLDC=$(BUILD)/mldc sh tests/editors/run.sh

# ---- fmt ----------------------------------------------------------------------
# mldc fmt: the cases' expected outputs, idempotence and meaning preserved on
# every shipped and test .mld file, --check exit codes; and every shipped
# .mld file is already formatted.
.PHONY: fmt
fmt: $(BUILD)/mldc
	@sh tests/fmt/run.sh $(BUILD)/mldc
	@$(BUILD)/mldc fmt --check examples/*.mld stdlib/std/*.mld docs/tutorial/*.mld && echo "fmt --check: examples, stdlib and tutorial files are formatted"

# ---- cli ----------------------------------------------------------------------
# What the golden tests cannot pin: colour and the progress line on a
# terminal (through script(1)), NO_COLOR, explore reading '-' once.
.PHONY: cli
cli: $(BUILD)/mldc
	@sh tests/cli/run.sh $(BUILD)/mldc

# ---- install-test ---------------------------------------------------------------
# make install into a temporary prefix, move the installed tree, and run a
# design that imports the stdlib with the moved binary (it must find the
# moved stdlib, not the source tree's); the man page lists every module.
.PHONY: install-test
install-test: $(BUILD)/mldc
	@sh tests/install/run.sh $(BUILD)
