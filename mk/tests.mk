# mk/tests.mk - the test, fuzz and benchmark targets.
#
# Included at the end of the main Makefile, which defines BUILD, CC,
# CFLAGS_ALL, WARN, SAN, DEPS_OK, $(BUILD)/libmldc.a and $(BUILD)/mldc, and
# declares `check: unit golden seeds examples docs`.  This fragment defines:
#
#   unit      Check unit tests (tests/unit/*.c) against libmldc.a
#   golden    diagnostics, dumps and CLI output pinned in tests/golden/
#   seeds     the fuzz harnesses replayed over the seed corpora and the
#             examples (front end: tests/fuzz/seeds; plan + simulation:
#             tests/fuzz/seeds_sim, each of which must simulate; language
#             server: tests/fuzz/seeds_lsp, editing sessions)
#   examples  `mldc check` on every examples/*.mld (each must pass)
#   docs      `mldc check` on every ```mld block of docs/*.md and README.md
#   fuzz      libFuzzer + ASan + UBSan for FUZZ_SECONDS (clang only), on the
#             harness FUZZ_TARGET names: check (front end, the default),
#             sim (plan, simulate, verify), gen (designs generated from the
#             input by a grammar, then as sim), csv (explore results read
#             back) or hf (Hugging Face configs)
#   fuzz-long every harness for FUZZ_LONG_SECONDS each, coverage printed,
#             finds merged into the replay set
#   fuzz-compare  the sim and gen harnesses for FUZZ_SECONDS each, their
#             coverage side by side
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
FUZZ_LSP_SRC := tests/fuzz/fuzz_lsp.c
LSP_SEEDS := $(sort $(wildcard tests/fuzz/seeds_lsp/*))
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

$(BUILD)/fuzz_lsp_replay: $(FUZZ_LSP_SRC) tests/fuzz/replay.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ $(FUZZ_LSP_SRC) tests/fuzz/replay.c \
	    $(BUILD)/libmldc.a $(LIBS)

# Examples larger than the harness's task cap (a full 96-layer model) are
# simulated by `examples` instead, with --verify.
SIM_BIG   := examples/gpt3_tp8.mld

# The generator harness (fuzz_gen.c includes fuzz_sim.c), the CSV reader's
# and the HF reader's, replayed the same way.  Every generated design must
# simulate (strict).
$(BUILD)/fuzz_gen_replay: tests/fuzz/fuzz_gen.c $(FUZZ_SIM_SRC) tests/fuzz/replay.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -DMLDC_FUZZ_REPLAY -o $@ tests/fuzz/fuzz_gen.c tests/fuzz/replay.c \
	    $(BUILD)/libmldc.a $(LIBS)

$(BUILD)/fuzz_csv_replay: tests/fuzz/fuzz_csv.c tests/fuzz/replay.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -DFUZZ_CSV_DESIGN='"$(abspath tests/fuzz/csv_design.mld)"' -o $@ \
	    tests/fuzz/fuzz_csv.c tests/fuzz/replay.c $(BUILD)/libmldc.a $(LIBS)

$(BUILD)/fuzz_hf_replay: tests/fuzz/fuzz_hf.c tests/fuzz/replay.c $(wildcard src/*.h) $(BUILD)/libmldc.a
	$(CC) $(CFLAGS_ALL) $(WARN) -o $@ tests/fuzz/fuzz_hf.c tests/fuzz/replay.c $(BUILD)/libmldc.a $(LIBS)

seeds: $(BUILD)/fuzz_replay $(BUILD)/fuzz_sim_replay $(BUILD)/fuzz_gen_replay $(BUILD)/fuzz_csv_replay $(BUILD)/fuzz_hf_replay \
       $(BUILD)/fuzz_lsp_replay
	@$(BUILD)/fuzz_replay $(sort $(wildcard tests/fuzz/seeds/*)) $(SIM_SEEDS) $(EXAMPLES)
	@MLDC_FUZZ_SIM_STRICT=1 $(BUILD)/fuzz_sim_replay $(SIM_SEEDS) $(filter-out $(SIM_BIG),$(EXAMPLES))
	@$(BUILD)/fuzz_sim_replay $(sort $(wildcard tests/fuzz/seeds/*))
	@MLDC_FUZZ_SIM_STRICT=1 $(BUILD)/fuzz_gen_replay $(sort $(wildcard tests/fuzz/seeds_gen/*))
	@$(BUILD)/fuzz_csv_replay $(sort $(wildcard tests/fuzz/seeds_csv/*))
	@$(BUILD)/fuzz_hf_replay $(sort $(wildcard tests/fuzz/seeds_hf/*)) $(wildcard tests/hf/*.json)
	@$(BUILD)/fuzz_lsp_replay $(LSP_SEEDS) $(sort $(wildcard tests/fuzz/seeds/*)) $(EXAMPLES)

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
#   lsp    tests/fuzz/fuzz_lsp.c: an editing session on the language
#          server (edits, requests, raw messages)
#
# Each target's corpus grows in build/fuzz/corpus-TARGET, seeded from both
# seed directories and the examples; crashes land in build/fuzz/ as
# TARGET-crash-*, TARGET-leak-*, TARGET-timeout-*.  Replay one with
#   build/fuzz/fuzz_TARGET build/fuzz/TARGET-crash-...
# FUZZ_FLAGS passes more libFuzzer options, e.g. FUZZ_FLAGS="-jobs=4
# -workers=4" to use more cores, or -detect_leaks=0 to look past a known leak.

# The sim and gen targets link only the back end (FUZZ_BACKEND: the plan
# builder, its kernel, traffic and occupancy models, the simulator, the
# per-operator account and the reports) with coverage instrumentation, and
# the front end from a second build without it: a mutation that breaks the
# design then finds no new coverage and stays out of the corpus, which
# remains made of designs that simulate.  (With the whole library
# instrumented, 97% of the corpus was front-end error paths and never
# reached the simulator.)  The harness's own code is not instrumented
# either (tests/fuzz/harness.ignore), so the coverage both print counts the
# same edges, the back end's, and the two can be compared.
FUZZ_HARNESS_check := $(FUZZ_SRC)
FUZZ_HARNESS_sim   := $(FUZZ_SIM_SRC)
FUZZ_HARNESS_lsp   := $(FUZZ_LSP_SRC)
FUZZ_HARNESS_gen   := tests/fuzz/fuzz_gen.c
FUZZ_HARNESS_csv   := tests/fuzz/fuzz_csv.c -DFUZZ_CSV_DESIGN='"$(abspath tests/fuzz/csv_design.mld)"'
FUZZ_HARNESS_hf    := tests/fuzz/fuzz_hf.c
FUZZ_LINK_check    := $(FUZZ_BUILD)/libmldc.a
FUZZ_LINK_lsp      := $(FUZZ_BUILD)/libmldc.a
FUZZ_BACKEND       := plan kernel traffic occupancy sim account report
FUZZ_LINK_sim      := $(addprefix $(FUZZ_BUILD)/obj/,$(addsuffix .o,$(FUZZ_BACKEND))) \
                      $(FUZZ_BUILD)-nocov/libmldc.a
FUZZ_LINK_gen      := $(FUZZ_LINK_sim)
FUZZ_NOCOV_sim     := -fsanitize-coverage-ignorelist=tests/fuzz/harness.ignore
FUZZ_NOCOV_gen     := $(FUZZ_NOCOV_sim)
FUZZ_LINK_csv      := $(FUZZ_BUILD)/libmldc.a
FUZZ_LINK_hf       := $(FUZZ_BUILD)/libmldc.a
# Seeds of each target's corpus, and the replay set its finds go back into.
FUZZ_SEEDS_check   := tests/fuzz/seeds/* $(SIM_SEEDS) $(EXAMPLES)
FUZZ_SEEDS_sim     := $(FUZZ_SEEDS_check)
FUZZ_SEEDS_gen     := tests/fuzz/seeds_gen/*
FUZZ_SEEDS_csv     := tests/fuzz/seeds_csv/*
FUZZ_SEEDS_hf      := tests/fuzz/seeds_hf/* tests/hf/*.json
FUZZ_SEEDS_lsp     := $(LSP_SEEDS) $(FUZZ_SEEDS_check)
FUZZ_REPLAY_check  := tests/fuzz/seeds
FUZZ_REPLAY_sim    := tests/fuzz/seeds
FUZZ_REPLAY_gen    := tests/fuzz/seeds_gen
FUZZ_REPLAY_csv    := tests/fuzz/seeds_csv
FUZZ_REPLAY_hf     := tests/fuzz/seeds_hf
FUZZ_REPLAY_lsp    := tests/fuzz/seeds_lsp
FUZZ_DICT_check    := -dict=tests/fuzz/mld.dict
FUZZ_DICT_sim      := -dict=tests/fuzz/mld.dict
FUZZ_TARGETS       ?= check sim gen csv hf lsp

fuzz:
	@case "$(FUZZ_TARGET)" in check|sim|gen|csv|hf|lsp) ;; \
	    *) echo "fuzz: FUZZ_TARGET must be check, sim, gen, csv, hf or lsp, not '$(FUZZ_TARGET)'" >&2; exit 2;; esac
	@sh scripts/install-deps.sh fuzz
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	    WARN="$(WARN) -Wno-format-nonliteral" \
	    SAN=address,undefined,fuzzer-no-link $(FUZZ_BUILD)/libmldc.a
	@if [ "$(FUZZ_TARGET)" = sim ] || [ "$(FUZZ_TARGET)" = gen ]; then \
	    echo "$(MAKE) BUILD=$(FUZZ_BUILD)-nocov CC=clang SAN=address,undefined $(FUZZ_BUILD)-nocov/libmldc.a"; \
	    $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD)-nocov CC=clang \
	        WARN="$(WARN) -Wno-format-nonliteral" \
	        SAN=address,undefined $(FUZZ_BUILD)-nocov/libmldc.a >/dev/null || exit 1; \
	fi
	clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -Isrc -I$(FUZZ_BUILD) -D_POSIX_C_SOURCE=200809L $(FUZZ_NOCOV_$(FUZZ_TARGET)) \
	    -o $(FUZZ_BUILD)/fuzz_$(FUZZ_TARGET) $(FUZZ_HARNESS_$(FUZZ_TARGET)) $(FUZZ_LINK_$(FUZZ_TARGET)) $(LIBS)
	@mkdir -p $(FUZZ_BUILD)/corpus-$(FUZZ_TARGET)
	@for f in $(FUZZ_SEEDS_$(FUZZ_TARGET)); do \
	    [ -f "$$f" ] && cp "$$f" "$(FUZZ_BUILD)/corpus-$(FUZZ_TARGET)/seed-$$(basename "$$f")"; \
	done; true
	$(FUZZ_BUILD)/fuzz_$(FUZZ_TARGET) -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    $(FUZZ_DICT_$(FUZZ_TARGET)) -artifact_prefix=$(FUZZ_BUILD)/$(FUZZ_TARGET)- \
	    $(FUZZ_FLAGS) $(FUZZ_BUILD)/corpus-$(FUZZ_TARGET)

# fuzz-long: every harness for FUZZ_LONG_SECONDS each (default 1800: half
# an hour), one after another.  Each prints its coverage at the end
# ("cov": edges reached, "ft": features); the inputs that reach edges the
# replay set does not are merged into it (tests/fuzz/seeds*, replayed by
# `make seeds`), to be read and committed: edges only (-use_counters=0),
# the smallest input for each, so that the replay set grows by a few small
# files, not by every input that hit an edge a new number of times.
# FUZZ_TARGETS="gen sim" picks harnesses.  Stops at the first crash.
FUZZ_LONG_SECONDS ?= 1800
.PHONY: fuzz-long
fuzz-long:
	@mkdir -p $(FUZZ_BUILD)
	@for t in $(FUZZ_TARGETS); do \
	    echo "== fuzz-long: $$t for $(FUZZ_LONG_SECONDS) s"; \
	    $(MAKE) --no-print-directory fuzz FUZZ_TARGET=$$t FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) \
	        >$(FUZZ_BUILD)/fuzz-long-$$t.log 2>&1 || { tail -40 $(FUZZ_BUILD)/fuzz-long-$$t.log; exit 1; }; \
	    grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_BUILD)/fuzz-long-$$t.log | tail -1 | sed "s/^/fuzz-long: $$t: /"; \
	    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' $(FUZZ_BUILD)/fuzz-long-$$t.log | sed "s/^/fuzz-long: $$t: /"; \
	    case $$t in check) r=tests/fuzz/seeds;; sim) r=tests/fuzz/seeds;; *) r=tests/fuzz/seeds_$$t;; esac; \
	    n0=$$(ls $$r | wc -l); \
	    $(FUZZ_BUILD)/fuzz_$$t -merge=1 -use_counters=0 $$r $(FUZZ_BUILD)/corpus-$$t >>$(FUZZ_BUILD)/fuzz-long-$$t.log 2>&1; \
	    echo "fuzz-long: $$t: $$(($$(ls $$r | wc -l) - n0)) new seeds in $$r"; \
	done

# fuzz-compare: the two simulator harnesses (sim and gen) for FUZZ_SECONDS
# each from fresh corpora, their coverage side by side
# (tests/fuzz/compare.sh); FUZZ_COMPARE=empty starts both from nothing.
FUZZ_COMPARE ?=
.PHONY: fuzz-compare
fuzz-compare:
	@sh tests/fuzz/compare.sh $(FUZZ_SECONDS) $(FUZZ_COMPARE)

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
#   resnet50_dp  scaling: a data-parallel ResNet-50 training iteration
#                (bench/resnet50_dp.mld) on N = 16 .. 1024 accelerators,
#                each N under a timeout and a memory cap (BENCH_DP:
#                N:SECONDS:MIB per case); prints tasks, wall, peak RSS,
#                tasks/s and the front end's and engine's shares

BENCH_RUN_FILES := bench/gpt3_1k.mld $(EXAMPLES)
BENCH_DP ?= 16:60:2048 64:60:4096 256:60:4096 1024:120:8192

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
	@echo
	@echo "== scaling: data-parallel ResNet-50 iteration, ring all-reduce per layer (bench/resnet50_dp.mld)"
	@echo "   targets: N = 256 under 2 s and 2 GiB; N = 1024 under 60 s and 8 GiB"
	@sh bench/resnet50_dp.sh $(BUILD)/bench_run "$(BENCH_DP)"

# ---- bench: exploration ----------------------------------------------------
#
# Design points per second of mldc explore on one worker and on two
# (bench/explore_rate.sh): a small space (tests/mpi/space.mld, 240 points
# of well under a millisecond), a mid-size one (examples/study.mld) and one
# the size of examples/gpt3_tp8.mld (bench/explore_gpt3_tp8.mld, 36 points
# of about 40 k tasks each), with ms per point and the -j 2 / -j 1 ratio.
# BENCH_EXPLORE_BASE=path/to/another/mldc adds its rates and the ratios.

BENCH_EXPLORE_FILES ?= tests/mpi/space.mld $(wildcard examples/study.mld) bench/explore_gpt3_tp8.mld
BENCH_EXPLORE_BASE ?=

bench: bench-explore

.PHONY: bench-explore
bench-explore: $(BUILD)/mldc
	@echo
	@echo "== mldc explore: design points per second, -j 1 and -j 2 (bar: gpt3_tp8-sized points in 15 ms per core, -j 2 at 1.7x -j 1)"
	@sh bench/explore_rate.sh $(BUILD)/mldc $(BENCH_EXPLORE_BASE) $(BENCH_EXPLORE_FILES)

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

# ---- loops --------------------------------------------------------------------
# Regular loops (lowered once) against the same loops iterated: identical
# plans and results (tests/loops/run.sh).
.PHONY: loops
loops: $(BUILD)/mldc
	@sh tests/loops/run.sh $(BUILD)/mldc

# ---- limits -------------------------------------------------------------------
# The memory guard: designs built to exhaust memory (10^7 operators, 10^9
# mapping statements, a 2^30-instance mesh, a 10^6-layer HF config) end with
# a named error and exit 1.  `limits` runs them under --max-memory 64M
# (seconds); `bombs` runs them as they are, under a 4 GiB address-space
# limit and the default memory limit, each within 60 s (about a minute in
# all, and up to 3 GiB of memory: CI runs it, make check does not).  Not
# under sanitizers: their shadow memory does not fit an address-space limit.
.PHONY: limits bombs
limits: $(BUILD)/mldc
	@sh tests/limits/run.sh $(BUILD)/mldc

bombs: $(BUILD)/mldc
	@sh tests/limits/run.sh $(BUILD)/mldc bombs

# ---- outputs ------------------------------------------------------------------
# Output files and stdout: /dev/full, a file-size limit, a missing directory,
# symbolic links and a FIFO; each failure named, exit 2, no temporary file.
.PHONY: outputs
outputs: $(BUILD)/mldc
	@sh tests/outputs/run.sh $(BUILD)/mldc

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

# ---- lsp ----------------------------------------------------------------------
# mldc lsp driven through a scripted editor session (tests/lsp/client.py):
# diagnostics after edits, hover with units, definition into the stdlib,
# symbols, completion, formatting, malformed input, shutdown.
.PHONY: lsp
lsp: $(BUILD)/mldc
	@if command -v python3 >/dev/null 2>&1; then python3 tests/lsp/client.py $(BUILD)/mldc; \
	else echo "lsp: skipped: python3 not installed (the scripted client needs it)"; fi

# ---- python -------------------------------------------------------------------
# The Python package (python/) installed offline into a temporary venv; its
# tests (results equal the CLI's, explore equivalence) and docs/python.md.
# An instrumented libmldc.so cannot be loaded into an uninstrumented Python,
# so sanitizer builds skip it (the C API's own tests run there: unit, api).
.PHONY: python-test
python-test: $(BUILD)/mldc $(BUILD)/libmldc.so
	@if [ -n "$(SAN)" ]; then echo "python-test: skipped under sanitizers (SAN=$(SAN)); the api unit tests cover libmldc"; \
	else sh tests/python/run.sh $(BUILD); fi

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
