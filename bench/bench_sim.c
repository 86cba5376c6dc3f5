/* bench_sim.c - how fast the simulator runs, on synthetic plans.
 *
 *   bench_sim [TASKS/RESOURCES ...]     e.g. bench_sim 1e6/1e3 1e7/1e3
 *
 * With no argument it runs the standard cases (10^5, 10^6 and 10^7 tasks on
 * 10^2, 10^3 and 10^4 resources, minus the slowest combinations).  Each
 * case is a plan built directly as flat arrays, shaped like the plans
 * plan_build makes (src/plan.c):
 *
 *   - compute units sit on a W x H mesh; each unit has a compute element
 *     and a local memory, and each pair of neighbours a link per direction
 *     (so about 1/6 of the resources compute, 1/6 memories, 2/3 links);
 *   - every unit runs an in-order chain of compute tasks (each depends on
 *     the unit's previous one: program order);
 *   - before each compute task, 0 to 2 transfers (1 on average) bring it
 *     data from a producer on another unit 2 to 6 mesh hops away: the
 *     transfer depends on that unit's latest compute task and is routed
 *     dimension-order, source memory -> links -> destination memory, so it
 *     contends with every other transfer on those links and memories; the
 *     compute task depends on its transfers;
 *   - every 64 steps, each block of 16 units meets at a sync (a layer
 *     barrier: it waits for each unit's last task; their next ones wait for
 *     it).
 *
 * Tasks are about half compute and half transfer, ~3.5 resource uses and
 * ~1.6 dependencies per task.  The generator is deterministic (fixed seed).
 *
 * Per case it prints the plan's size, the events processed, the wall time of
 * sim_run (CLOCK_MONOTONIC; best of 3 up to 10^6 tasks, one run above), the
 * rates in tasks/s and events/s, and memory: bytes per task of the plan's
 * arrays, of the sim_result, and of sim_run's own peak (measured as the
 * growth of the process's peak RSS during sim_run, after resetting the peak
 * through /proc/self/clear_refs; estimated from sim.c's array sizes where
 * that is not available), and the process's peak RSS.
 *
 * Beside each case runs a bare reference loop on the same plan (bare_run:
 * FIFO resources, no per-use times, no occupancy, no critical path), and
 * the ratio mldc / bare of rates and of simulation-state bytes is printed.
 *
 * The brief's bar (design brief, section 7): at least 10 M tasks/s on one
 * core with contention on ~1,000 resources, and tens of bytes per task.
 */
#include <stdint.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bigarr.h"
#include "plan.h"
#include "sim.h"

/* ------------------------------------------------------------------ */
/* Utilities                                                           */
/* ------------------------------------------------------------------ */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint32_t rnd_below(uint32_t n) { return (uint32_t)((rnd() >> 32) % n); }

static double rnd_real(double lo, double hi) { return lo + (hi - lo) * (double)(rnd() >> 11) * 0x1p-53; }

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_sim: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_sim: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* A value from /proc/self/status ("VmRSS", "VmHWM"), in KiB; -1 if absent. */
static long proc_status_kib(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t k = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, k) == 0 && line[k] == ':') {
            v = strtol(line + k + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Reset the peak RSS (VmHWM) to the current RSS; 0 on success. */
static int reset_peak_rss(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* The synthetic plan                                                  */
/* ------------------------------------------------------------------ */

typedef struct gen {
    plan *p;
    uint32_t task_cap;
    uint64_t use_cap, dep_cap;
    uint32_t w, h, units;   /* the mesh */
    uint32_t *link;         /* per unit and direction (E W N S): resource id, or UINT32_MAX */
} gen;

enum { DIR_E, DIR_W, DIR_N, DIR_S };

static uint32_t add_res(plan *p, uint8_t kind, double rate, double latency, double energy) {
    uint32_t id = p->nres++;
    p->res = xrealloc(p->res, sizeof *p->res * p->nres);
    plan_res *r = &p->res[id];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->inst = id;
    r->rate = rate;
    r->latency = latency;
    r->energy = energy;
    return id;
}

static plan_task *new_task(gen *g, uint8_t kind) {
    plan *p = g->p;
    if (p->ntasks == g->task_cap) {
        g->task_cap = g->task_cap ? g->task_cap * 2 : 1024;
        p->tasks = xrealloc(p->tasks, sizeof *p->tasks * g->task_cap);
    }
    plan_task *t = &p->tasks[p->ntasks++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->use0 = (uint32_t)p->nuses;
    t->dep0 = (uint32_t)p->ndeps;
    return t;
}

static void add_use(gen *g, plan_task *t, uint32_t res) {
    plan *p = g->p;
    if (p->nuses == g->use_cap) {
        g->use_cap = g->use_cap ? g->use_cap * 2 : 4096;
        p->uses = xrealloc(p->uses, sizeof *p->uses * g->use_cap);
    }
    p->uses[p->nuses++] = res;
    t->nuse++;
}

static void add_dep(gen *g, plan_task *t, uint32_t dep) {
    plan *p = g->p;
    if (dep == UINT32_MAX) return;
    if (p->ndeps == g->dep_cap) {
        g->dep_cap = g->dep_cap ? g->dep_cap * 2 : 4096;
        p->deps = xrealloc(p->deps, sizeof *p->deps * g->dep_cap);
    }
    p->deps[p->ndeps++] = dep;
    t->ndep++;
}

/* Resources for a w x h mesh: units * (compute + memory) + directed links. */
static uint64_t mesh_res(uint32_t w, uint32_t h) {
    return 2ull * w * h + 2ull * ((uint64_t)(w - 1) * h + (uint64_t)w * (h - 1));
}

static plan *build(uint32_t ntasks, uint32_t nres_target, double *gen_s, uint32_t mesh[2]) {
    double t0 = now();
    rng_state = 0x9E3779B97F4A7C15ull ^ ((uint64_t)ntasks * 31 + nres_target);
    gen g;
    memset(&g, 0, sizeof g);
    plan *p = calloc(1, sizeof *p);
    if (!p) exit(1);
    g.p = p;
    /* The mesh whose resource count is closest to the target. */
    uint64_t best = UINT64_MAX;
    for (uint32_t hh = 2; hh < 1000; hh++)
        for (uint32_t ww = hh; ww <= hh + 1; ww++) {
            uint64_t n = mesh_res(ww, hh);
            uint64_t d = n > nres_target ? n - nres_target : nres_target - n;
            if (d < best) {
                best = d;
                g.w = ww;
                g.h = hh;
            }
        }
    g.units = g.w * g.h;
    uint32_t U = g.units;

    /* Resources: per unit a compute element and a local memory, then the
     * links (rates like a mid-size accelerator's NoC). */
    uint32_t *comp = xmalloc(sizeof(uint32_t) * U), *mem = xmalloc(sizeof(uint32_t) * U);
    for (uint32_t u = 0; u < U; u++) {
        comp[u] = add_res(p, RES_COMPUTE, 64e12, 0, 0.5e-12);
        mem[u] = add_res(p, RES_MEMORY, 256e9, 5e-9, 0.1e-12);
    }
    g.link = xmalloc(sizeof(uint32_t) * U * 4);
    for (uint32_t u = 0; u < U * 4; u++) g.link[u] = UINT32_MAX;
    for (uint32_t y = 0; y < g.h; y++)
        for (uint32_t x = 0; x < g.w; x++) {
            uint32_t u = y * g.w + x;
            if (x + 1 < g.w) g.link[u * 4 + DIR_E] = add_res(p, RES_LINK, 64e9, 2e-9, 0.5e-12);
            if (x > 0) g.link[u * 4 + DIR_W] = add_res(p, RES_LINK, 64e9, 2e-9, 0.5e-12);
            if (y + 1 < g.h) g.link[u * 4 + DIR_S] = add_res(p, RES_LINK, 64e9, 2e-9, 0.5e-12);
            if (y > 0) g.link[u * 4 + DIR_N] = add_res(p, RES_LINK, 64e9, 2e-9, 0.5e-12);
        }

    /* Reserve roughly what the tasks need. */
    g.task_cap = ntasks + 64;
    p->tasks = xmalloc(sizeof *p->tasks * g.task_cap);
    g.use_cap = (uint64_t)ntasks * 4;
    p->uses = xmalloc(sizeof *p->uses * g.use_cap);
    g.dep_cap = (uint64_t)ntasks * 2;
    p->deps = xmalloc(sizeof *p->deps * g.dep_cap);

    uint32_t *last = xmalloc(sizeof(uint32_t) * U); /* each unit's latest compute (or sync) */
    for (uint32_t u = 0; u < U; u++) last[u] = UINT32_MAX;
    uint32_t xfer[2];
    for (uint32_t step = 0; p->ntasks < ntasks; step++) {
        /* a layer barrier per block of 16 units every 64 steps */
        if (step > 0 && step % 64 == 0) {
            for (uint32_t b = 0; b < U && p->ntasks < ntasks; b += 16) {
                uint32_t e = b + 16 < U ? b + 16 : U;
                uint32_t id = p->ntasks;
                plan_task *t = new_task(&g, TASK_SYNC);
                t->fixed = 50e-9;
                for (uint32_t u = b; u < e; u++) add_dep(&g, t, last[u]);
                for (uint32_t u = b; u < e; u++) last[u] = id;
            }
        }
        for (uint32_t u = 0; u < U && p->ntasks < ntasks; u++) {
            uint32_t ux = u % g.w, uy = u / g.w;
            /* 0..2 transfers into u's memory from a producer 2..6 hops away */
            uint32_t nx = rnd_below(3), got = 0;
            for (uint32_t k = 0; k < nx && p->ntasks + 1 < ntasks; k++) {
                uint32_t want = 2 + rnd_below(5), vx = ux, vy = uy;
                /* walk `want` random steps away from u, staying on the mesh */
                for (uint32_t s = 0, tries = 0; s < want && tries < 64; tries++) {
                    uint32_t d = rnd_below(4);
                    int32_t dx = d == DIR_E ? 1 : d == DIR_W ? -1 : 0, dy = d == DIR_S ? 1 : d == DIR_N ? -1 : 0;
                    int64_t nxp = (int64_t)vx + dx, nyp = (int64_t)vy + dy;
                    if (nxp < 0 || nyp < 0 || nxp >= g.w || nyp >= g.h) continue;
                    /* only move further from u, so the distance grows */
                    int64_t before = labs((long)vx - (long)ux) + labs((long)vy - (long)uy);
                    int64_t after = labs((long)nxp - (long)ux) + labs((long)nyp - (long)uy);
                    if (after <= before) continue;
                    vx = (uint32_t)nxp;
                    vy = (uint32_t)nyp;
                    s++;
                }
                uint32_t v = vy * g.w + vx;
                if (v == u) continue;
                xfer[got++] = p->ntasks;
                plan_task *t = new_task(&g, TASK_TRANSFER);
                t->work = (double)(16u << rnd_below(5)) * 1024.0; /* 16 KiB .. 256 KiB */
                add_use(&g, t, mem[v]);
                double lat = p->res[mem[v]].latency;
                /* dimension order: x first, then y, from v to u */
                uint32_t cx = vx, cy = vy;
                while (cx != ux) {
                    uint32_t c = cy * g.w + cx, l = g.link[c * 4 + (cx < ux ? DIR_E : DIR_W)];
                    add_use(&g, t, l);
                    lat += p->res[l].latency;
                    cx = cx < ux ? cx + 1 : cx - 1;
                }
                while (cy != uy) {
                    uint32_t c = cy * g.w + cx, l = g.link[c * 4 + (cy < uy ? DIR_S : DIR_N)];
                    add_use(&g, t, l);
                    lat += p->res[l].latency;
                    cy = cy < uy ? cy + 1 : cy - 1;
                }
                add_use(&g, t, mem[u]);
                lat += p->res[mem[u]].latency;
                t->fixed = lat;
                add_dep(&g, t, last[v]);
            }
            plan_task *t = new_task(&g, TASK_COMPUTE);
            t->work = rnd_real(0.5e6, 50e6);
            t->bytes = rnd_real(16e3, 512e3);
            double tc = t->work / p->res[comp[u]].rate, tm = t->bytes / p->res[mem[u]].rate;
            t->mem_bound = tm > tc;
            t->fixed = tm > tc ? tm : tc;
            add_use(&g, t, comp[u]);
            uint32_t id = (uint32_t)(t - p->tasks);
            add_dep(&g, t, last[u]);
            for (uint32_t k = 0; k < got; k++) add_dep(&g, t, xfer[k]);
            last[u] = id;
        }
    }
    free(last);
    free(comp);
    free(mem);
    free(g.link);
    p->tokens = 1;
    p->tokens_what = "runs";
    mesh[0] = g.w;
    mesh[1] = g.h;
    *gen_s = now() - t0;
    return p;
}

static void free_plan(plan *p) {
    free(p->res);
    free(p->tasks);
    free(p->uses);
    free(p->deps);
    free(p);
}

/* ------------------------------------------------------------------ */
/* The bare reference                                                  */
/* ------------------------------------------------------------------ */

/* The floor to compare sim_run with: the same task graph run by the
 * simplest loop that still has contention.  Each resource is a FIFO server
 * (one "free from" time: no calendar, no filling of idle gaps), a transfer
 * crosses its hops cut-through with sim_run's formula, a compute task holds
 * its element for its roofline time, a sync waits its latency; events are
 * handled in sim_run's order, (time, FINISH before READY, id), from one
 * binary heap.  No per-use times, no memory occupancy, no critical path:
 * per task only its end, its pending count and its successors.  What it
 * allocates is counted in *bytes; the successor lists are built inside the
 * timed run, as sim_run builds them. */
typedef struct bare_ev {
    double t;
    uint64_t key; /* kind << 32 | task, as in sim.c */
} bare_ev;

static int bare_less(bare_ev a, bare_ev b) { return a.t < b.t || (a.t == b.t && a.key < b.key); }

static double bare_run(const plan *p, double *makespan, double *bytes) {
    uint32_t n = p->ntasks;
    double t0 = now();
    /* allocated as sim_run allocates its arrays (bigarr.h), so that both
     * pay the same for fresh pages */
    double *end = big_alloc(sizeof(double) * (n + 1)), *free_at = big_alloc(sizeof(double) * (p->nres + 1));
    uint32_t *pending = big_alloc(sizeof(uint32_t) * (n + 1)), *soff = big_alloc(sizeof(uint32_t) * (n + 2));
    uint32_t *succ = big_alloc(sizeof(uint32_t) * (p->ndeps + 1));
    size_t hcap = 1024, hn = 0, hpeak = 0;
    bare_ev *h = xmalloc(sizeof *h * hcap);
    memset(soff, 0, sizeof(uint32_t) * (n + 2));
    memset(free_at, 0, sizeof(double) * (p->nres + 1));
    for (uint64_t i = 0; i < p->ndeps; i++) soff[p->deps[i] + 1]++;
    for (uint32_t t = 0; t < n; t++) soff[t + 1] += soff[t];
    memcpy(pending, soff, sizeof(uint32_t) * n);
    for (uint32_t t = 0; t < n; t++)
        for (uint32_t i = 0; i < p->tasks[t].ndep; i++) succ[pending[p->deps[p->tasks[t].dep0 + i]]++] = t;
    for (uint32_t t = 0; t < n; t++) pending[t] = p->tasks[t].ndep;
#define BARE_PUSH(ev)                                                   \
    do {                                                                \
        if (hn == hcap) h = xrealloc(h, sizeof *h * (hcap *= 2));       \
        size_t i_ = hn++;                                               \
        while (i_ > 0 && bare_less((ev), h[(i_ - 1) / 2])) {            \
            h[i_] = h[(i_ - 1) / 2];                                    \
            i_ = (i_ - 1) / 2;                                          \
        }                                                               \
        h[i_] = (ev);                                                   \
        if (hn > hpeak) hpeak = hn;                                     \
    } while (0)
    for (uint32_t t = 0; t < n; t++)
        if (!pending[t]) BARE_PUSH(((bare_ev){0, 1ull << 32 | t}));
    double last = 0;
    while (hn) {
        bare_ev e = h[0], x = h[--hn];
        size_t i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= hn) break;
            if (c + 1 < hn && bare_less(h[c + 1], h[c])) c++;
            if (!bare_less(h[c], x)) break;
            h[i] = h[c];
            i = c;
        }
        if (hn) h[i] = x;
        uint32_t t = (uint32_t)e.key;
        if (e.key >> 32) { /* READY: claim the resources, FIFO */
            const plan_task *tk = &p->tasks[t];
            double en;
            if (tk->kind == TASK_COMPUTE && tk->nuse) {
                uint32_t r = p->uses[tk->use0];
                double s = e.t > free_at[r] ? e.t : free_at[r];
                en = free_at[r] = s + tk->fixed;
            } else if (tk->kind == TASK_TRANSFER && tk->nuse) {
                double si = 0, ei = 0, lat = 0;
                for (uint32_t k = 0; k < tk->nuse; k++) {
                    const plan_res *rs = &p->res[p->uses[tk->use0 + k]];
                    double xd = tk->work / rs->rate, ns = k == 0 ? e.t : si + lat;
                    if (k > 0 && ei + lat - xd > ns) ns = ei + lat - xd;
                    double *fa = &free_at[p->uses[tk->use0 + k]];
                    if (*fa > ns) ns = *fa;
                    si = ns;
                    ei = *fa = ns + xd;
                    lat = rs->latency;
                }
                en = ei + lat;
            } else {
                en = e.t + tk->fixed;
            }
            end[t] = en;
            BARE_PUSH(((bare_ev){en, t}));
        } else { /* FINISH: release the successors */
            if (e.t > last) last = e.t;
            for (uint32_t k = soff[t]; k < soff[t + 1]; k++)
                if (--pending[succ[k]] == 0) BARE_PUSH(((bare_ev){e.t, 1ull << 32 | succ[k]}));
        }
    }
#undef BARE_PUSH
    double secs = now() - t0;
    *makespan = last;
    *bytes = (double)(n + 1) * (8 + 4) + (double)(n + 2) * 4 + (double)(p->ndeps + 1) * 4 + (double)(p->nres + 1) * 8 +
             (double)hpeak * sizeof *h;
    free(end);
    free(free_at);
    free(pending);
    free(soff);
    free(succ);
    free(h);
    return secs;
}

/* ------------------------------------------------------------------ */
/* Running a case                                                      */
/* ------------------------------------------------------------------ */

static int diag_errors;

static void on_diag(void *ud, const mld_diag *d) {
    (void)ud;
    if (d->sev == DIAG_ERROR) diag_errors++;
}

/* Bytes sim_run allocates for itself, from sim.c's arrays: the calendars'
 * headers, pending, released_by, soff, succ, not counting the event heap
 * and the calendars' entries, whose sizes depend on the schedule. */
static double sim_internal_estimate(const plan *p) {
    double n = p->ntasks;
    return 24.0 * p->nres + n * (4 + 4 + 4) + 4.0 * (double)p->ndeps;
}

typedef struct figures {
    double tasks_per_s, bytes_per_task;
} figures;

static int run_case(uint32_t ntasks, uint32_t nres, figures *fig) {
    double gen_s;
    uint32_t mesh[2];
    plan *p = build(ntasks, nres, &gen_s, mesh);
    uint32_t n = p->ntasks;
    uint32_t counts[3] = {0, 0, 0};
    for (uint32_t t = 0; t < n; t++) counts[p->tasks[t].kind]++;
    uint32_t rcount[3] = {0, 0, 0};
    for (uint32_t r = 0; r < p->nres; r++) rcount[p->res[r].kind]++;

    int runs = n > 2000000 ? 1 : 3;
    double best = 1e30;
    long rss_growth = -1;
    uint64_t events = 0;
    double makespan = 0, waits = 0;
    int ok = 1;
    for (int r = 0; r < runs; r++) {
        diag_ctx dc;
        diag_ctx_init(&dc, on_diag, NULL);
        diag_errors = 0;
        long rss0 = proc_status_kib("VmRSS");
        int can_peak = reset_peak_rss() == 0 && rss0 >= 0;
        double t0 = now();
        sim_result *res = sim_run(p, &dc);
        double t = now() - t0;
        long hwm = proc_status_kib("VmHWM");
        if (can_peak && hwm >= 0 && hwm - rss0 > rss_growth) rss_growth = hwm - rss0;
        if (!res || diag_errors || res->done != n) {
            fprintf(stderr, "bench_sim: the simulation of %u tasks failed (deadlock?)\n", n);
            ok = 0;
        } else {
            events = res->events;
            makespan = res->makespan;
            waits = res->crit[CAUSE_WAIT];
            /* a cheap self-check: no task before its inputs */
            for (uint32_t x = 0; x < n && ok; x++)
                for (uint32_t i = 0; i < p->tasks[x].ndep; i++)
                    if (res->end[p->deps[p->tasks[x].dep0 + i]] > res->start[x]) {
                        fprintf(stderr, "bench_sim: task %u starts before its input\n", x);
                        ok = 0;
                        break;
                    }
        }
        sim_free(res);
        diag_ctx_free(&dc);
        if (t < best) best = t;
        if (!ok) break;
    }

    /* the bare reference on the same plan, best of as many runs */
    double bare_best = 1e30, bare_makespan = 0, bare_bytes = 0;
    for (int r = 0; r < runs && ok; r++) {
        double secs = bare_run(p, &bare_makespan, &bare_bytes);
        if (secs < bare_best) bare_best = secs;
    }

    double bplan = (double)sizeof(plan_task) * n + 4.0 * (double)p->nuses + 4.0 * (double)p->ndeps +
                   (double)sizeof(plan_res) * p->nres;
    double bresult = 16.0 * (n + 1) + 8.0 * ((double)p->nuses + 1) + 8.0 * (p->nres + 1);
    double binternal_est = sim_internal_estimate(p);
    double bsim_measured = rss_growth >= 0 ? (double)rss_growth * 1024.0 : -1;
    double bsim = bsim_measured >= 0 ? bsim_measured : bresult + binternal_est;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    printf("case %u tasks on %u resources\n", n, p->nres);
    printf("  plan:          %u compute, %u transfer, %u sync tasks; %llu uses (%.2f/task), %llu deps (%.2f/task)\n",
           counts[TASK_COMPUTE], counts[TASK_TRANSFER], counts[TASK_SYNC], (unsigned long long)p->nuses,
           (double)p->nuses / n, (unsigned long long)p->ndeps, (double)p->ndeps / n);
    printf("  resources:     %u compute, %u memory, %u link (a %ux%u mesh); built in %.3f s\n", rcount[RES_COMPUTE],
           rcount[RES_MEMORY], rcount[RES_LINK], mesh[0], mesh[1], gen_s);
    if (ok) {
        printf("  simulated:     makespan %.6g s, %.1f%% of the critical path waiting for busy resources\n", makespan,
               makespan > 0 ? 100.0 * waits / makespan : 0.0);
        printf("  sim_run:       %.4f s (%s)\n", best, runs > 1 ? "best of 3" : "1 run");
        printf("  events:        %llu  (%.2f M events/s)\n", (unsigned long long)events, (double)events / best / 1e6);
        printf("  tasks/s:       %.2f M\n", (double)n / best / 1e6);
        printf("  bare loop:     %.4f s, %.2f M tasks/s, %.1f B/task (FIFO resources, same graph; makespan %.6g s)\n",
               bare_best, (double)n / bare_best / 1e6, bare_bytes / n, bare_makespan);
    }
    printf("  memory/task:   plan %.1f B + sim_result %.1f B + sim_run's arrays %.1f B = %.1f B (from sizes, without the event heap)\n",
           bplan / n, bresult / n, binternal_est / n, (bplan + bresult + binternal_est) / n);
    if (bsim_measured >= 0)
        printf("                 measured: sim_run's peak RSS growth %.1f B/task (result + internal), so %.1f B/task in all\n",
               bsim_measured / n, (bplan + bsim_measured) / n);
    if (ok)
        printf("  mldc / bare:   rate %.3f; simulation state %.1f B/task vs the bare loop's %.1f B/task (%.1f x; both read the plan)\n",
               bare_best / best, bsim / n, bare_bytes / n, bsim / bare_bytes);
    printf("  peak RSS:      %ld KiB (process so far)\n", ru.ru_maxrss);
    fig->tasks_per_s = ok ? (double)n / best : 0;
    fig->bytes_per_task = (bplan + bsim) / n;
    free_plan(p);
    return ok;
}

/* "1e6", "1000000", "2.5e5" -> a count. */
static int parse_count(const char *s, const char *end, uint32_t *out) {
    char buf[64];
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *e;
    double v = strtod(buf, &e);
    if (*e || v < 1 || v > 1.5e8) return -1;
    *out = (uint32_t)(v + 0.5);
    return 0;
}

int main(int argc, char **argv) {
    static const char *const defaults[] = {"1e5/1e2", "1e5/1e3", "1e5/1e4", "1e6/1e2", "1e6/1e3",
                                           "1e6/1e4", "1e7/1e3", "1e7/1e4"};
    const char *const *cases = defaults;
    int ncases = (int)(sizeof defaults / sizeof *defaults);
    if (argc > 1) {
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
            printf("usage: bench_sim [TASKS/RESOURCES ...]   (default: %s", defaults[0]);
            for (int i = 1; i < ncases; i++) printf(" %s", defaults[i]);
            printf(")\n");
            return 0;
        }
        cases = (const char *const *)(argv + 1);
        ncases = argc - 1;
    }
#ifdef __GLIBC__
    /* Serve every large block with mmap and give it back on free, so each
     * sim_run starts from fresh pages and its peak RSS growth is its own. */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
    printf("bench_sim: sim_run on synthetic plans (in-order compute chains on a mesh, routed transfers, barriers)\n");
    printf("bar: >= 10 M tasks/s on one core with contention on ~1,000 resources; tens of bytes per task\n\n");
    int failed = 0;
    double worst_rate_1k = -1, worst_bytes = 0;
    for (int i = 0; i < ncases; i++) {
        const char *slash = strchr(cases[i], '/');
        uint32_t nt, nr;
        if (!slash || parse_count(cases[i], slash, &nt) || parse_count(slash + 1, slash + strlen(slash), &nr)) {
            fprintf(stderr, "bench_sim: bad case '%s' (want TASKS/RESOURCES, e.g. 1e6/1e3)\n", cases[i]);
            return 2;
        }
        figures f;
        if (!run_case(nt, nr, &f)) failed = 1;
        if (nr >= 500 && nr <= 2000 && (worst_rate_1k < 0 || f.tasks_per_s < worst_rate_1k))
            worst_rate_1k = f.tasks_per_s;
        if (f.bytes_per_task > worst_bytes) worst_bytes = f.bytes_per_task;
        printf("\n");
        fflush(stdout);
    }
    if (worst_rate_1k >= 0)
        printf("bar, speed:  slowest case on ~1,000 resources: %.2f M tasks/s (target >= 10): %s\n",
               worst_rate_1k / 1e6, worst_rate_1k >= 10e6 ? "met" : "MISSED");
    printf("bar, memory: at most %.1f bytes per task, plan + simulation (target: tens of bytes): %s\n", worst_bytes,
           worst_bytes < 100 ? "met" : "MISSED");
    return failed;
}
