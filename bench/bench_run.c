/* bench_run.c - where the time of `mldc run` goes, phase by phase.
 *
 *   bench_run [-n RUNS] [--verify] [--phases] [--max-memory MIB] [-s NAME=VALUE]... FILE...
 *
 * For each FILE, does what `mldc run` does in-process - load (read, parse,
 * imports, lower, check), plan_build for the first mapping, sim_run, and
 * the text report (written to /dev/null) - RUNS times (default 3) and prints
 * the best time of each phase and of the whole, with the plan's size and
 * the simulator's rate.  --verify adds sim_verify as a phase (as
 * `mldc run --verify` does) and fails when it reports a violation.  Exits 1
 * when a design has errors or does not simulate.  -s sets a parameter (as
 * `mldc run --set`).  --phases prints a line as each phase of each run ends,
 * with its time and the process's peak RSS so far (so a run stopped by a
 * timeout still shows how far it got, and the front end's and the engine's
 * shares of time and memory can be told apart); the scaling benchmark
 * (bench/resnet50_dp.sh) runs it that way.  An allocation past the memory
 * guard's limit or refused by the system ends the
 * process with exit status 3 and a line saying so; --max-memory MIB sets
 * that limit and caps the address space at it.
 *
 * The brief's bar: a GPT-3-175B prefill on a 1,000-core system (the design
 * bench/gpt3_1k.mld) simulates in about a second, end to end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "arena.h"
#include "mldc.h"
#include "plan.h"
#include "sim.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct counts {
    int errors, shown;
} counts;

static void on_diag(void *ud, const mld_diag *d) {
    counts *c = ud;
    if (d->sev == DIAG_ERROR) {
        c->errors++;
        if (c->shown++ < 5) diag_render_text(stderr, d);
    }
}

enum { PH_LOAD, PH_PLAN, PH_SIM, PH_VERIFY, PH_REPORT, PH_FREE, PH_TOTAL, PH_COUNT };
static const char *const phase_name[PH_COUNT] = {"load + check", "plan_build", "sim_run", "sim_verify",
                                                 "report",       "free",       "total"};

/* Peak RSS so far (VmHWM), in KiB; -1 where /proc is missing. */
static long peak_rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static int show_phases;     /* --phases */
static const char *sets[64]; /* -s NAME=VALUE */
static int nsets;

/* --phases: one line as a phase ends. */
static void phase_done(const char *what, double secs) {
    if (!show_phases) return;
    printf("  phase %-13s %9.3f s   peak RSS %8.1f MiB\n", what, secs, (double)peak_rss_kib() / 1024.0);
    fflush(stdout);
}

/* The memory guard refused an allocation: say so and stop (exit 3). */
static _Noreturn void on_mem_fail(void *ud, size_t want) {
    (void)ud;
    char msg[512];
    mem_describe(want, msg, sizeof msg);
    printf("  %s\n", msg);
    fflush(stdout);
    exit(3);
}

typedef struct outcome {
    uint32_t ntasks, nres;
    uint64_t nuses, ndeps, events;
    double makespan;
    int violations;
} outcome;

/* One full run; fills t[] with the phases' seconds.  0 on success. */
static int run_once(const char *path, int verify, FILE *devnull, double t[PH_COUNT], outcome *o) {
    counts c = {0, 0};
    diag_ctx dc;
    diag_ctx_init(&dc, on_diag, &c);
    mldc_options opt;
    memset(&opt, 0, sizeof opt);
    opt.sets = sets;
    opt.nsets = nsets;
    int rc = 1;
    plan *p = NULL;
    sim_result *r = NULL;
    memset(t, 0, sizeof(double) * PH_COUNT);

    double t0 = now(), a = t0, b;
    ir_design *d = mldc_load_file(path, &opt, &dc);
    b = now();
    t[PH_LOAD] = b - a;
    phase_done("load + check", t[PH_LOAD]);
    a = b;
    if (c.errors || d->nmappings == 0) {
        if (!c.errors) fprintf(stderr, "bench_run: %s has no mapping\n", path);
        goto out;
    }
    p = plan_build(d, d->mappings[0], &dc);
    b = now();
    t[PH_PLAN] = b - a;
    phase_done("plan_build", t[PH_PLAN]);
    a = b;
    if (!p) goto out;
    r = sim_run(p, &dc);
    b = now();
    t[PH_SIM] = b - a;
    phase_done("sim_run", t[PH_SIM]);
    a = b;
    if (!r) goto out;
    if (verify) {
        o->violations = sim_verify(r, &dc);
        b = now();
        t[PH_VERIFY] = b - a;
        a = b;
    }
    sim_report_text(devnull, r);
    fflush(devnull);
    b = now();
    t[PH_REPORT] = b - a;
    a = b;
    o->ntasks = p->ntasks;
    o->nres = p->nres;
    o->nuses = p->nuses;
    o->ndeps = p->ndeps;
    o->events = r->events;
    o->makespan = r->makespan;
    rc = o->violations ? 1 : 0;
out:
    a = now();
    sim_free(r);
    plan_free(p);
    ir_design_free(d);
    diag_ctx_free(&dc);
    b = now();
    t[PH_FREE] = b - a;
    t[PH_TOTAL] = b - t0;
    return rc;
}

int main(int argc, char **argv) {
    int runs = 3, verify = 0, first = 1, failed = 0;
    long max_mib = 0; /* --max-memory MIB */
    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "-n") == 0 && first + 1 < argc) {
            runs = atoi(argv[first + 1]);
            first += 2;
        } else if (strcmp(argv[first], "--verify") == 0) {
            verify = 1;
            first++;
        } else if (strcmp(argv[first], "--max-memory") == 0 && first + 1 < argc) {
            max_mib = atol(argv[first + 1]);
            first += 2;
        } else if (strcmp(argv[first], "--phases") == 0) {
            show_phases = 1;
            first++;
        } else if (strcmp(argv[first], "-s") == 0 && first + 1 < argc && nsets < 64) {
            sets[nsets++] = argv[first + 1];
            first += 2;
        } else {
            break;
        }
    }
    if (first >= argc || runs < 1) {
        fprintf(stderr, "usage: bench_run [-n RUNS] [--verify] [--phases] [--max-memory MIB] [-s NAME=VALUE]... FILE...\n");
        return 2;
    }
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) return 2;
    if (max_mib > 0) {
        /* the guard for the library's arenas and plan arrays, and the
         * address space for everything else (malloc then fails, which
         * ends in on_mem_fail too) */
        size_t cap = (size_t)max_mib << 20;
        mem_set_limit(cap);
        struct rlimit rl = {cap, cap};
        setrlimit(RLIMIT_AS, &rl);
    }
    mem_on_fail(on_mem_fail, NULL);
    for (int f = first; f < argc; f++) {
        double best[PH_COUNT], t[PH_COUNT];
        for (int i = 0; i < PH_COUNT; i++) best[i] = 1e30;
        outcome o;
        memset(&o, 0, sizeof o);
        int ok = 1;
        for (int r = 0; r < runs && ok; r++) {
            if (run_once(argv[f], verify, devnull, t, &o) != 0) ok = 0;
            for (int i = 0; i < PH_COUNT; i++)
                if (t[i] < best[i]) best[i] = t[i];
        }
        if (!ok) {
            fprintf(stderr, "bench_run: %s: %s\n", argv[f],
                    o.violations ? "the schedule has violations" : "does not load, plan or simulate");
            failed = 1;
            continue;
        }
        printf("%s: %u tasks, %u resources, %llu uses, %llu deps, %llu events; makespan %.6g s\n", argv[f], o.ntasks,
               o.nres, (unsigned long long)o.nuses, (unsigned long long)o.ndeps, (unsigned long long)o.events,
               o.makespan);
        printf("  best of %d:", runs);
        for (int i = 0; i < PH_COUNT; i++) {
            if (i == PH_VERIFY && !verify) continue;
            printf("%s %s %.4f s", i ? "," : "", phase_name[i], best[i]);
        }
        printf("\n");
        if (best[PH_SIM] > 0)
            printf("  sim_run: %.2f M tasks/s, %.2f M events/s\n", o.ntasks / best[PH_SIM] / 1e6,
                   (double)o.events / best[PH_SIM] / 1e6);
        fflush(stdout);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %ld KiB\n", ru.ru_maxrss);
    fclose(devnull);
    return failed;
}
