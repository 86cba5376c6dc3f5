/* fuzz_sim.c - libFuzzer harness for planning and simulation.
 *
 * Each input is a .mld source.  It is loaded from a buffer (as fuzz_check.c
 * does); when the design is error-free, has a mapping and is small (the
 * first mapping's actions make at most MAX_TASKS tasks), the harness
 *
 *   - builds the plan of the first mapping and dumps it (to /dev/null),
 *   - runs sim_run twice and requires the two schedules to be identical
 *     (same input, same output),
 *   - requires every start, end and occupancy time to be finite and >= 0,
 *   - runs sim_verify and requires no violation,
 *   - writes the text and JSON reports, the per-operator reports (--ops,
 *     --ops-csv, --json --ops) and the trace (to /dev/null),
 *
 * and abort()s, after printing what went wrong, when a requirement fails.
 * Inputs that do not get that far are kept out of the fuzzing corpus, so
 * that the fuzzer mutates designs that simulate: the front end is linked
 * without coverage instrumentation (mk/tests.mk), and the harness returns
 * -1 for them (honoured from libFuzzer 16).
 * A plan_build error (a limit) or a deadlock report is an accepted outcome:
 * the checker does not promise to find every deadlock.  Any crash, sanitizer
 * report, leak or hang is a bug too.
 *
 * Built two ways (mk/tests.mk): with clang -fsanitize=fuzzer for
 * `make fuzz FUZZ_TARGET=sim`, and with any C compiler plus replay.c
 * (compiled with -DMLDC_FUZZ_REPLAY) for `make seeds`.  With the
 * environment variable MLDC_FUZZ_SIM_STRICT=1 an input that does not get to
 * the simulator (errors, no mapping, too big, a plan_build error) is an
 * error too: exit status 3 after naming the input.  `make seeds` replays the simulation
 * seeds and the examples that way, so that a seed that stops simulating is
 * noticed instead of silently covering nothing.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mldc.h"
#include "plan.h"
#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_TASKS = 20000, MAX_USES = 400000 };

#ifdef MLDC_FUZZ_REPLAY
extern const char *fuzz_replay_current; /* replay.c: the file being replayed */
#define INPUT_NAME (fuzz_replay_current ? fuzz_replay_current : "input")
#else
#define INPUT_NAME "input"
#endif

typedef struct sink {
    int errors, notes;
    size_t sum;
    char first[512]; /* the first error, for messages */
} sink;

/* Count every diagnostic and touch each byte of its message, so a message
 * built from freed or uninitialised memory shows under the sanitizers. */
static void on_diag(void *ud, const mld_diag *d) {
    sink *s = ud;
    if (d->sev == DIAG_ERROR) {
        if (!s->errors) snprintf(s->first, sizeof s->first, "%s:%d:%d: %s", d->loc.src ? d->loc.src->path : "-",
                                 d->loc.line, d->loc.col, d->msg);
        s->errors++;
    }
    s->sum += strlen(d->msg);
    for (const mld_diag *n = d->notes; n; n = n->next) {
        s->sum += strlen(n->msg);
        s->notes++;
    }
}

/* Tasks of one transfer: one per (source, destination) pair. */
static int loop_tasks(void *ud, const ir_action *t) {
    *(uint64_t *)ud += (uint64_t)(t->nsrc > t->ndst ? t->nsrc : t->ndst);
    return 0;
}

/* Tasks plan_build would make for mapping m (see src/plan.c). */
static uint64_t task_estimate(const ir_mapping *m) {
    uint64_t n = 0;
    for (int64_t i = 0; i < m->nactions; i++) {
        const ir_action *a = &m->actions[i];
        switch (a->kind) {
        case ACT_PLACE: {
            /* items (units, micro-batches, or tiles times split-K slices:
             * at most 64 x 64 tiles in 16 slices when the kernel is picked),
             * a launch per unit and a host dispatch */
            uint64_t u = (uint64_t)(a->nunits > 0 ? a->nunits : 0), items = u;
            if (a->split == SPLIT_MICRO && !a->tile[1]) items = u * (uint64_t)a->tile[0];
            if (a->split == SPLIT_TILES) {
                const ir_tensor *o = &m->wl->tensors[m->wl->ops[a->op].output];
                uint64_t rows = 1, cols = (uint64_t)o->dims[o->ndims - 1];
                for (int d = 0; d + 1 < o->ndims; d++) rows *= (uint64_t)o->dims[d];
                uint64_t tm = a->tile[0] ? (uint64_t)a->tile[0] : 64, tn = a->tile[0] ? (uint64_t)a->tile[1] : 64;
                items = (rows + tm - 1) / tm * ((cols + tn - 1) / tn) * (a->tile[0] ? 1 : 16);
            }
            /* launches and the dispatch only where the element has them */
            const ir_elem *el = NULL;
            ir_step st[256];
            int ns = u ? ir_inst_steps(m->sys, a->units[0].inst, st, 256) : 0;
            if (ns > 0 && a->units[0].elem >= 0 && a->units[0].elem < st[ns - 1].level->nelems)
                el = &st[ns - 1].level->elems[a->units[0].elem];
            n += items + (el && el->launch > 0 ? u : 0) + (el && el->dispatch > 0);
            break;
        }
        case ACT_TRANSFER:
            n += (uint64_t)(a->nsrc > a->ndst ? a->nsrc : a->ndst);
            break;
        case ACT_SYNC:
            n += 1;
            break;
        case ACT_LOOP: /* a regular loop: its transfers, expanded (when not too many) */
            if (a->loop->messages > MAX_TASKS) n += (uint64_t)a->loop->messages;
            else ir_loop_expand(a, loop_tasks, &n);
            break;
        default:
            break;
        }
    }
    return n;
}

static int strict(void) {
    const char *s = getenv("MLDC_FUZZ_SIM_STRICT");
    return s && *s && strcmp(s, "0") != 0;
}

/* The input did not get to the simulator: fine while fuzzing, an error for
 * the seeds in strict mode. */
static void skipped(const char *why, const sink *s) {
    if (!strict()) return;
    fprintf(stderr, "fuzz_sim: %s does not simulate: %s%s%s\n", INPUT_NAME, why, s->errors ? ": " : "",
            s->errors ? s->first : "");
    exit(3);
}

static void fail(const char *what, const sink *s) {
    fprintf(stderr, "fuzz_sim: %s: %s%s%s\n", INPUT_NAME, what, s && s->errors ? "; first: " : "",
            s && s->errors ? s->first : "");
    abort();
}

static int bad_time(double t) { return !isfinite(t) || t < 0; }

static int simulate(const ir_design *d, FILE *devnull) {
    sink s;
    memset(&s, 0, sizeof s);
    diag_ctx dc;
    diag_ctx_init(&dc, on_diag, &s);
    const ir_mapping *m = d->mappings[0];
    uint64_t est = task_estimate(m);
    if (est > MAX_TASKS) {
        diag_ctx_free(&dc);
        skipped("more tasks than the fuzzing cap", &s);
        return 0;
    }
    plan *p = plan_build(d, m, &dc);
    if (!p) {
        if (!s.errors) fail("plan_build returned NULL without an error", NULL);
        diag_ctx_free(&dc);
        skipped("plan_build failed", &s);
        return 0;
    }
    if (s.errors) fail("plan_build reported an error but returned a plan", &s);
    if (p->ntasks > est) fail("plan_build made more tasks than the mapping's actions allow", NULL);
    if (p->nuses > MAX_USES) {
        plan_free(p);
        diag_ctx_free(&dc);
        skipped("more resource uses than the fuzzing cap", &s);
        return 0;
    }
    /* The plan's own invariants, which the simulator relies on. */
    for (uint32_t t = 0; t < p->ntasks; t++) {
        const plan_task *tk = &p->tasks[t];
        if ((uint64_t)tk->use0 + tk->nuse > p->nuses || (uint64_t)tk->dep0 + tk->ndep > p->ndeps)
            fail("a task's uses or deps run past the plan's arrays", NULL);
        for (uint32_t i = 0; i < tk->ndep; i++)
            if (p->deps[tk->dep0 + i] >= p->ntasks) fail("a task depends on a task that does not exist", NULL);
        for (uint32_t i = 0; i < tk->nuse; i++)
            if (p->uses[tk->use0 + i] >= p->nres) fail("a task uses a resource that does not exist", NULL);
        /* a compute task: its element, then its local memory when shared */
        if (tk->kind == TASK_COMPUTE &&
            (tk->nuse < 1 || tk->nuse > 2 || p->res[p->uses[tk->use0]].kind != RES_COMPUTE ||
             (tk->nuse == 2 && p->res[p->uses[tk->use0 + 1]].kind != RES_MEMORY)))
            fail("a compute task that does not use its element (and at most its memory)", NULL);
        if (tk->kind == TASK_TRANSFER)
            for (uint32_t i = 0; i < tk->nuse; i++)
                if (p->res[p->uses[tk->use0 + i]].kind == RES_COMPUTE) fail("a transfer through a compute element", NULL);
        if (bad_time(tk->fixed) || !isfinite(tk->work) || tk->work < 0) fail("a task with a bad duration or work", NULL);
    }
    for (uint32_t r = 0; r < p->nres; r++) {
        if (!(p->res[r].rate > 0) || !isfinite(p->res[r].rate) || bad_time(p->res[r].latency))
            fail("a resource with a rate that is not positive and finite, or a bad latency", NULL);
    }
    plan_dump(devnull, p);

    sim_result *r = sim_run(p, &dc);
    if (!r) {
        if (!s.errors) fail("sim_run returned NULL without reporting a deadlock", NULL);
        plan_free(p);
        diag_ctx_free(&dc);
        return 1; /* a reported deadlock: a result, also in strict mode */
    }
    if (s.errors) fail("sim_run reported an error but returned a result", &s);
    if (r->done != p->ntasks) fail("sim_run finished without running every task", NULL);
    if (bad_time(r->makespan)) fail("makespan is not finite and >= 0", NULL);
    for (uint32_t t = 0; t < p->ntasks; t++) {
        if (bad_time(r->start[t]) || bad_time(r->end[t])) fail("a task time is not finite and >= 0", NULL);
        if (r->end[t] > r->makespan) fail("a task ends after the makespan", NULL);
    }
    for (uint32_t t = 0; t < p->ntasks; t++)
        for (uint32_t i = 0; i < p->tasks[t].nuse; i++)
            if (bad_time(r->use_start[p->tasks[t].use0 + i]) || bad_time(sim_use_end(r, t, i)))
                fail("an occupancy time is not finite and >= 0", NULL);

    /* Same input, same schedule. */
    sim_result *again = sim_run(p, &dc);
    if (!again) fail("the second sim_run deadlocked", &s);
    if (memcmp(r->start, again->start, sizeof(double) * p->ntasks) ||
        memcmp(r->end, again->end, sizeof(double) * p->ntasks) ||
        memcmp(r->use_start, again->use_start, sizeof(double) * p->nuses) || r->events != again->events)
        fail("two runs of one plan gave different schedules", NULL);
    sim_free(again);

    int violations = sim_verify(r, &dc);
    if (violations) {
        fprintf(stderr, "fuzz_sim: %s: sim_verify found %d violation(s); first: %s\n", INPUT_NAME, violations,
                s.first);
        abort();
    }
    sim_report_text(devnull, r);
    sim_report_json(devnull, r);
    sim_report_json_ops(devnull, r);
    sim_ops_text(devnull, r);
    sim_ops_csv(devnull, r);
    sim_trace(devnull, r);
    fflush(devnull);
    sim_free(r);
    plan_free(p);
    diag_ctx_free(&dc);
    return 1;
}

/* Load a design from text and, when it gets that far, simulate it under
 * the checks above.  1 when it was simulated (or a deadlock reported), 0
 * when it stopped before the simulator.  fuzz_gen.c includes this file
 * (with FUZZ_SIM_NO_ENTRY) to run its generated designs through it. */
static int sim_text(const char *text, size_t size) {

    sink s;
    memset(&s, 0, sizeof s);
    diag_ctx dc;
    diag_ctx_init(&dc, on_diag, &s);
    mldc_options o;
    memset(&o, 0, sizeof o);
    ir_design *d = mldc_load_buffer("fuzz.mld", text, size, &o, &dc);
    int simulated = 0;
    if (s.errors) skipped("the design has errors", &s);
    else if (d->nmappings == 0) skipped("the design has no mapping", &s);
    else {
        static FILE *devnull;
        if (!devnull) devnull = fopen("/dev/null", "w");
        if (!devnull) abort();
        simulated = simulate(d, devnull);
    }
    ir_design_free(d);
    diag_ctx_free(&dc);
    return simulated;
}

#ifndef FUZZ_SIM_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (size_t)MLDC_MAX_FILE) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    text[size] = 0;
    int simulated = sim_text(text, size);
    free(text);
    /* -1 asks libFuzzer (from LLVM 16) to keep an input that never got to
     * the simulator out of the corpus; older versions ignore it, and the
     * front end's lack of coverage instrumentation in this target (see
     * mk/tests.mk) does the same. */
    return simulated ? 0 : -1;
}
#endif
