/* sim.c - the event-driven simulator and the schedule verifier.
 *
 * Two kinds of event drive the run: a task FINISHES (its successors lose a
 * pending dependency) and a task becomes READY (all its dependencies are
 * done; it claims its resources).  Events are handled in the order (time,
 * FINISH before READY, task id), so requests made at the same instant are
 * granted in task order, which is issue order, and never in an order a heap
 * happened to produce.  Finishes wait in a binary heap by (time, id); a task
 * becomes ready exactly when a finish releases it, so ready tasks only need
 * a small heap of ids for the current instant.
 *
 * Resources are first-come-first-served servers with a calendar of their
 * future reservations: a request takes the earliest idle interval long
 * enough for it, so a link is never held idle for data that has not
 * arrived.  A compute task holds its element for its roofline time and,
 * when that memory is shared with other units (it belongs to an enclosing
 * level), its local memory for bytes / bandwidth at the earliest free time
 * within that window (operands stream while the unit computes); when no
 * such slot exists the task starts later, so many units reading one memory
 * together take as long as their traffic needs.  A
 * transfer claims the hops of its route in order, pipelined (cut-through):
 * hop i starts once the head has crossed hop i-1 (its latency) and the hop
 * is free, and not so early that it would finish before the data has
 * finished arriving from hop i-1; each hop is held exactly S / b_i:
 *
 *     s_1 = max(ready, free_1)
 *     s_i = max(s_{i-1} + l_{i-1}, e_{i-1} + l_{i-1} - S / b_i, free_i)
 *     e_i = s_i + S / b_i
 *     end = e_k + l_k
 *
 * With no contention this is S / min(b) + sum(l), the textbook cut-through
 * time; two transfers on one link run back to back, so the later one ends
 * at (S_1 + S_2) / b, as it would under fair sharing.  A fast resource next
 * to a slow one (a memory behind a link) is busy only for its own S / b,
 * at the end of the stream, so it stays free for other traffic meanwhile.  A resource is
 * therefore never over-committed, which sim_verify re-checks from the
 * finished schedule alone.
 *
 * The critical path is walked back from the last task to finish, following
 * the dependency that released each task; time a task spent ready but
 * waiting for a busy resource is charged to "resource wait".
 */
#include "sim.h"

#include "bigarr.h"
#include "occupancy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The event heap                                                      */
/* ------------------------------------------------------------------ */

typedef struct event {
    double t;
    uint64_t key; /* kind << 32 | task: FINISH (0) sorts before READY (1) */
} event;

typedef struct heap {
    event *v;
    size_t n, cap;
} heap;

static int ev_less(event a, event b) { return a.t < b.t || (a.t == b.t && a.key < b.key); }

static void heap_push(heap *h, event e) {
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        if (!h->v) mem_fail(0);
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!ev_less(e, h->v[up])) break;
        h->v[i] = h->v[up];
        i = up;
    }
    h->v[i] = e;
}

static event heap_pop(heap *h) {
    event top = h->v[0], last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && ev_less(h->v[c + 1], h->v[c])) c++;
        if (!ev_less(h->v[c], last)) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (n) h->v[i] = last;
    return top;
}

enum { EV_FINISH = 0, EV_READY = 1 };

/* Tasks ready at the current instant, smallest id first: a plain binary
 * heap of ids.  A task always becomes ready at the instant the finish that
 * releases it is processed, so READY events never need the timed heap. */
typedef struct idheap {
    uint32_t *v;
    size_t n, cap;
} idheap;

static void id_push(idheap *h, uint32_t x) {
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        if (!h->v) mem_fail(0);
    }
    size_t i = h->n++;
    while (i > 0 && h->v[(i - 1) / 2] > x) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = x;
}

static uint32_t id_pop(idheap *h) {
    uint32_t top = h->v[0], last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h->v[c + 1] < h->v[c]) c++;
        if (h->v[c] >= last) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (n) h->v[i] = last;
    return top;
}

/* ------------------------------------------------------------------ */
/* Resource calendars                                                  */
/* ------------------------------------------------------------------ */

/* The future reservations of one resource: sorted, disjoint [s, e).  A
 * transfer books the later hops of its route ahead of time; a request that
 * arrives meanwhile may still use an idle gap before such a booking (a
 * link is not held for data that has not reached it).  Reservations that
 * ended before the current instant are dropped from the front. */
typedef struct cal {
    double *s, *e;
    uint32_t head, n, cap;
} cal;

/* Earliest start >= t at which [start, start + d) is free. */
static double cal_fit(const cal *c, double t, double d) {
    if (c->n == c->head || t >= c->e[c->n - 1]) return t; /* after everything: the usual case */
    /* the first reservation ending after t (ends are sorted too) */
    uint32_t lo = c->head, hi = c->n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->e[mid] <= t) lo = mid + 1;
        else hi = mid;
    }
    for (uint32_t i = lo; i < c->n; i++) {
        if (t + d <= c->s[i]) return t;
        if (c->e[i] > t) t = c->e[i];
    }
    return t;
}

static void cal_book(cal *c, double s, double e, double now) {
    if (e <= s) return; /* nothing to hold */
    while (c->head < c->n && c->e[c->head] <= now) c->head++;
    if (c->head > 32 && c->head * 2 > c->n) { /* compact */
        memmove(c->s, c->s + c->head, sizeof(double) * (c->n - c->head));
        memmove(c->e, c->e + c->head, sizeof(double) * (c->n - c->head));
        c->n -= c->head;
        c->head = 0;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4;
        c->s = realloc(c->s, sizeof(double) * c->cap);
        c->e = realloc(c->e, sizeof(double) * c->cap);
        if (!c->s || !c->e) mem_fail(0);
    }
    uint32_t i = c->n;
    while (i > c->head && c->s[i - 1] > s) i--; /* usually appends */
    /* touching neighbours merge, so back-to-back bookings stay one entry */
    int left = i > c->head && c->e[i - 1] == s, right = i < c->n && c->s[i] == e;
    if (left && right) {
        c->e[i - 1] = c->e[i];
        memmove(c->s + i, c->s + i + 1, sizeof(double) * (c->n - i - 1));
        memmove(c->e + i, c->e + i + 1, sizeof(double) * (c->n - i - 1));
        c->n--;
        return;
    }
    if (left) {
        c->e[i - 1] = e;
        return;
    }
    if (right) {
        c->s[i] = s;
        return;
    }
    memmove(c->s + i + 1, c->s + i, sizeof(double) * (c->n - i));
    memmove(c->e + i + 1, c->e + i, sizeof(double) * (c->n - i));
    c->s[i] = s;
    c->e[i] = e;
    c->n++;
}

/* ------------------------------------------------------------------ */
/* Running                                                             */
/* ------------------------------------------------------------------ */

int sim_task_cause(const plan *p, uint32_t t) {
    const plan_task *tk = &p->tasks[t];
    if (tk->kind == TASK_SYNC) return CAUSE_SYNC;
    if (tk->kind == TASK_COMPUTE) return tk->mem_bound ? CAUSE_MEMORY : CAUSE_COMPUTE;
    for (uint32_t i = 0; i < tk->nuse; i++)
        if (p->res[p->uses[tk->use0 + i]].kind == RES_LINK) return CAUSE_NETWORK;
    return CAUSE_MEMORY;
}

static void report_deadlock(const plan *p, const uint32_t *pending, diag_ctx *dc) {
    uint32_t stuck = 0;
    for (uint32_t t = 0; t < p->ntasks; t++) stuck += pending[t] > 0;
    const ir_action *first = NULL;
    for (uint32_t t = 0; t < p->ntasks && !first; t++)
        if (pending[t]) first = &p->map->actions[p->tasks[t].action];
    mld_loc none = {0};
    mld_diag *d = diag_new(dc, DIAG_ERROR, first ? first->loc : none,
                           "deadlock: %u of %u tasks can never start", stuck, p->ntasks);
    int shown = 0;
    char a[600], b[600];
    for (uint32_t t = 0; t < p->ntasks && shown < 5; t++) {
        if (!pending[t]) continue;
        /* name one dependency that never finished */
        const plan_task *tk = &p->tasks[t];
        uint32_t on = UINT32_MAX;
        for (uint32_t i = 0; i < tk->ndep && on == UINT32_MAX; i++)
            if (pending[p->deps[tk->dep0 + i]]) on = p->deps[tk->dep0 + i];
        plan_task_name(p, t, a, sizeof a);
        if (on == UINT32_MAX) snprintf(b, sizeof b, "a task that never ran");
        else plan_task_name(p, on, b, sizeof b);
        diag_note(dc, d, p->map->actions[tk->action].loc, "'%s' waits for '%s'", a, b);
        shown++;
    }
    diag_emit(dc, d);
}

/* Memory was given back: the stalled tasks try again, now. */
static void wake(idheap *stalled, idheap *now) {
    while (stalled->n) id_push(now, id_pop(stalled));
}

sim_result *sim_run(const plan *p, diag_ctx *dc) { return sim_run_progress(p, dc, NULL, NULL); }

sim_result *sim_run_progress(const plan *p, diag_ctx *dc, mldc_progress_fn fn, void *ud) {
    uint32_t n = p->ntasks;
    sim_result *r = calloc(1, sizeof *r);
    if (!r) mem_fail(0);
    r->p = p;
    r->start = big_alloc(sizeof(double) * (n + 1));
    r->end = big_alloc(sizeof(double) * (n + 1));
    r->use_start = big_alloc(sizeof(double) * (p->nuses + 1));
    r->busy = calloc(p->nres + 1, sizeof(double));
    cal *cals = calloc(p->nres + 1, sizeof(cal));
    double *since = NULL; /* per task, allocated at the first stall: when a stalled task last tried */
    uint32_t *pending = big_alloc(sizeof(uint32_t) * (n + 1));
    uint32_t *released_by = big_alloc(sizeof(uint32_t) * (n + 1)); /* the dep that finished last */
    /* successors in CSR form */
    uint32_t *soff = big_calloc(sizeof(uint32_t) * (n + 2));
    uint32_t *succ = big_alloc(sizeof(uint32_t) * (p->ndeps + 1));
    if (!r->busy || !cals) mem_fail(0);
    for (uint64_t i = 0; i < p->ndeps; i++) soff[p->deps[i] + 1]++;
    for (uint32_t t = 0; t < n; t++) soff[t + 1] += soff[t];
    /* fill the successors through pending[] as each task's cursor (its
     * final count is set below) */
    memcpy(pending, soff, sizeof(uint32_t) * n);
    for (uint32_t t = 0; t < n; t++) {
        const plan_task *tk = &p->tasks[t];
        for (uint32_t i = 0; i < tk->ndep; i++) succ[pending[p->deps[tk->dep0 + i]]++] = t;
    }
    for (uint32_t t = 0; t < n; t++) {
        pending[t] = p->tasks[t].ndep;
        released_by[t] = UINT32_MAX;
    }

    /* The order is (time, FINISH before READY, task id): at each instant
     * every finish is handled first (in id order, including finishes of
     * zero-length tasks that readies at this instant produce), then the
     * ready tasks in id order. */
    heap h = {0};   /* FINISH events, by (time, id) */
    idheap now = {0}; /* READY at the current instant, by id */
    double tnow = 0;
    for (uint32_t t = 0; t < n; t++)
        if (!pending[t]) id_push(&now, t);
    uint64_t events = 0;
    uint32_t done = 0;
    occ_live *mem = occ_live_new(p); /* allocation that waits for space */
    idheap stalled = {0};            /* ready tasks waiting for room in a memory */
    for (;;) {
        event e;
        if (h.n && h.v[0].t == tnow) {
            e = heap_pop(&h);
        } else if (now.n) {
            e = (event){tnow, (uint64_t)EV_READY << 32 | id_pop(&now)};
        } else if (h.n) {
            tnow = h.v[0].t;
            continue;
        } else {
            break;
        }
        events++;
        uint32_t t = (uint32_t)e.key;
        const plan_task *tk = &p->tasks[t];
        if (e.key >> 32 == EV_READY) {
            /* (taking room never makes room for another: only releases wake) */
            if (!occ_live_take(mem, t)) {
                if (!since) since = big_calloc(sizeof(double) * (n + 1));
                since[t] = tnow;
                id_push(&stalled, t); /* no room yet: retried when something is released */
                continue;
            }
        }
        if (e.key >> 32 == EV_READY) {
            /* a task is ready at the instant the finish (or release) that
             * let it go is handled: now */
            double rd = tnow, s = rd, end;
            if (tk->kind == TASK_COMPUTE) {
                /* the element for the roofline time, and (when shared) its
                 * local memory for the traffic, from one common instant */
                uint32_t res = p->uses[tk->use0];
                if (tk->nuse > 1) {
                    uint32_t mres = p->uses[tk->use0 + 1];
                    double md = tk->bytes / p->res[mres].rate;
                    double ms;
                    for (;;) {
                        s = cal_fit(&cals[res], s, tk->fixed);
                        ms = cal_fit(&cals[mres], s, md);
                        if (ms + md <= s + tk->fixed) break; /* the traffic fits in the window */
                        double ns = ms + md - tk->fixed;     /* start later, so that it does */
                        s = ns > s ? ns : ms;
                    }
                    cal_book(&cals[mres], ms, ms + md, e.t);
                    r->busy[mres] += md;
                    r->use_start[tk->use0 + 1] = ms; /* ends at ms + md: sim_use_end */
                } else {
                    s = cal_fit(&cals[res], s, tk->fixed);
                }
                end = s + tk->fixed;
                cal_book(&cals[res], s, end, e.t);
                r->busy[res] += tk->fixed;
                r->use_start[tk->use0] = s; /* ends at end = s + fixed */
            } else if (tk->kind == TASK_TRANSFER && tk->nuse) {
                double si = 0, ei = 0, lat_prev = 0;
                for (uint32_t i = 0; i < tk->nuse; i++) {
                    uint32_t u = tk->use0 + i, res = p->uses[u];
                    const plan_res *rs = &p->res[res];
                    double x = tk->work / rs->rate;
                    /* not before the head has crossed the previous hop, nor
                     * so early that this hop would outrun the data still
                     * arriving from it: a hop is held exactly S / b */
                    double ns = i == 0 ? rd : si + lat_prev;
                    if (i > 0 && ei + lat_prev - x > ns) ns = ei + lat_prev - x;
                    ns = cal_fit(&cals[res], ns, x);
                    double ne = ns + x;
                    si = ns;
                    ei = ne;
                    lat_prev = rs->latency;
                    cal_book(&cals[res], ns, ne, e.t);
                    r->busy[res] += ne - ns;
                    r->use_start[u] = ns; /* ends at ne = ns + x */
                    if (i == 0) s = ns;
                }
                end = ei + lat_prev;
            } else {
                end = s + tk->fixed; /* a sync, or a transfer within one memory */
            }
            r->start[t] = s;
            r->end[t] = end;
            heap_push(&h, (event){end, (uint64_t)EV_FINISH << 32 | t});
        } else {
            done++;
            if (fn && (done & 0xFFFF) == 0) fn(ud, "simulating", (double)done, (double)n);
            for (uint32_t i = soff[t]; i < soff[t + 1]; i++) {
                uint32_t sx = succ[i];
                /* finishes come in time order, so this one is the latest
                 * so far (ties: the higher id, deterministically) */
                released_by[sx] = t;
                if (--pending[sx] == 0) id_push(&now, sx); /* ready now, at r->end[t] == tnow */
            }
            /* memory given back: the stalled tasks try again, now */
            if (occ_live_done(mem, t)) wake(&stalled, &now);
        }
    }
    r->events = events;
    r->done = done;
    free(h.v);
    free(now.v);
    for (uint32_t x = 0; x < p->nres; x++) {
        free(cals[x].s);
        free(cals[x].e);
    }
    free(cals);
    free(soff);
    free(succ);
    if (done < n && stalled.n) {
        occ_live_report(mem, stalled.v, (uint32_t)stalled.n, since, dc);
    } else if (done < n) {
        report_deadlock(p, pending, dc);
    }
    free(stalled.v);
    occ_live_free(mem);
    free(since);
    if (done < n) {
        free(pending);
        free(released_by);
        sim_free(r);
        return NULL;
    }
    /* makespan, energy, critical path */
    uint32_t last = UINT32_MAX;
    for (uint32_t t = 0; t < n; t++)
        if (last == UINT32_MAX || r->end[t] > r->end[last]) last = t;
    r->makespan = last == UINT32_MAX ? 0 : r->end[last];
    r->energy_compute = p->energy_compute;
    r->energy_memory = p->energy_memory;
    r->energy_network = p->energy_network;
    r->energy_static = plan_static_power(p) * r->makespan;
    uint32_t ncrit = 0;
    for (uint32_t t = last; t != UINT32_MAX; t = released_by[t]) ncrit++;
    r->crit_tasks = malloc(sizeof(uint32_t) * (ncrit + 1));
    if (!r->crit_tasks) abort();
    r->ncrit = ncrit;
    for (uint32_t t = last; t != UINT32_MAX;) {
        r->crit_tasks[--ncrit] = t; /* filled back to front: first to last */
        r->crit[sim_task_cause(p, t)] += r->end[t] - r->start[t];
        uint32_t by = released_by[t];
        double released = by == UINT32_MAX ? 0 : r->end[by];
        if (r->start[t] > released) r->crit[CAUSE_WAIT] += r->start[t] - released;
        t = by;
    }
    free(pending);
    r->released_by = released_by; /* kept for the per-operator account */
    /* memories over their size at some instant are errors */
    r->occ = occ_build(r, dc);
    if (!r->occ) {
        sim_free(r);
        return NULL;
    }
    return r;
}

double sim_use_end(const sim_result *r, uint32_t t, uint32_t j) {
    const plan *p = r->p;
    const plan_task *tk = &p->tasks[t];
    uint64_t u = (uint64_t)tk->use0 + j;
    /* the same expressions sim_run adds to the use's start */
    double d = tk->kind != TASK_COMPUTE ? tk->work / p->res[p->uses[u]].rate
               : j == 0                 ? tk->fixed
                                        : tk->bytes / p->res[p->uses[u]].rate;
    return r->use_start[u] + d;
}

void sim_free(sim_result *r) {
    if (!r) return;
    free(r->start);
    free(r->end);
    free(r->use_start);
    free(r->busy);
    free(r->crit_tasks);
    free(r->released_by);
    occ_free(r->occ);
    free(r);
}

/* ------------------------------------------------------------------ */
/* Verification                                                        */
/* ------------------------------------------------------------------ */

typedef struct interval {
    double s, e;
    uint32_t task;
} interval;

static int cmp_interval(const void *x, const void *y) {
    const interval *a = x, *b = y;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    return a->task < b->task ? -1 : a->task > b->task;
}

/* Relative slack for comparing times computed along different paths. */
static int later(double a, double b) { return a > b + 1e-12 * (fabs(b) + 1e-9); }

static int violation(diag_ctx *dc, const plan *p, uint32_t t, int *count, const char *what, uint32_t other) {
    (*count)++;
    if (*count > 20) return 0;
    char a[600], b[600];
    plan_task_name(p, t, a, sizeof a);
    if (other != UINT32_MAX) plan_task_name(p, other, b, sizeof b);
    diag_error(dc, p->map->actions[p->tasks[t].action].loc, "schedule violation: '%s' %s%s%s%s", a, what,
               other != UINT32_MAX ? " '" : "", other != UINT32_MAX ? b : "", other != UINT32_MAX ? "'" : "");
    return 1;
}

int sim_verify(const sim_result *r, diag_ctx *dc) {
    const plan *p = r->p;
    int bad = 0;
    /* 1. no task before its inputs: start >= end of every dependency */
    for (uint32_t t = 0; t < p->ntasks; t++) {
        const plan_task *tk = &p->tasks[t];
        for (uint32_t i = 0; i < tk->ndep; i++) {
            uint32_t d = p->deps[tk->dep0 + i];
            if (later(r->end[d], r->start[t])) violation(dc, p, t, &bad, "starts before it has the output of", d);
        }
        if (r->end[t] < r->start[t]) violation(dc, p, t, &bad, "ends before it starts", UINT32_MAX);
        /* 2. pipelining: hop i neither starts before the head crossed hop
         *    i-1 nor ends before the tail left it; durations are real */
        for (uint32_t i = 0; i < tk->nuse; i++) {
            uint64_t u = tk->use0 + i;
            /* (a use's end is its start plus its work, by construction:
             * sim_use_end, so no use is held for less than its work) */
            if (i == 0 && later(r->start[t], r->use_start[u])) violation(dc, p, t, &bad, "uses a resource before it starts", UINT32_MAX);
            if (i > 0 && tk->kind == TASK_COMPUTE && later(r->use_start[u - 1], r->use_start[u]))
                violation(dc, p, t, &bad, "uses its memory before its compute element", UINT32_MAX);
            if (i > 0 && tk->kind == TASK_COMPUTE && later(sim_use_end(r, t, i), sim_use_end(r, t, i - 1)))
                violation(dc, p, t, &bad, "uses its memory after its compute element finished", UINT32_MAX);
            if (i > 0 && tk->kind == TASK_TRANSFER) {
                double lat = p->res[p->uses[u - 1]].latency;
                if (later(r->use_start[u - 1] + lat, r->use_start[u])) violation(dc, p, t, &bad, "enters a hop before crossing the previous one", UINT32_MAX);
                if (later(sim_use_end(r, t, i - 1) + lat, sim_use_end(r, t, i))) violation(dc, p, t, &bad, "leaves a hop before the data arrived", UINT32_MAX);
            }
        }
    }
    /* 3. no resource over-committed: its occupancies never overlap */
    uint32_t *count = calloc(p->nres + 1, sizeof(uint32_t)), *off = calloc(p->nres + 2, sizeof(uint32_t));
    interval *iv = malloc(sizeof(interval) * (p->nuses + 1));
    if (!count || !off || !iv) mem_fail(0);
    for (uint64_t u = 0; u < p->nuses; u++) count[p->uses[u]]++;
    for (uint32_t x = 0; x < p->nres; x++) off[x + 1] = off[x] + count[x];
    memset(count, 0, sizeof(uint32_t) * (p->nres + 1));
    for (uint32_t t = 0; t < p->ntasks; t++)
        for (uint32_t i = 0; i < p->tasks[t].nuse; i++) {
            uint64_t u = p->tasks[t].use0 + i;
            uint32_t x = p->uses[u];
            iv[off[x] + count[x]++] = (interval){r->use_start[u], sim_use_end(r, t, i), t};
        }
    for (uint32_t x = 0; x < p->nres; x++) {
        interval *a = iv + off[x];
        uint32_t k = off[x + 1] - off[x];
        qsort(a, k, sizeof *a, cmp_interval);
        /* An empty occupancy (a view's zero bytes on a shared memory) holds
         * nothing, as cal_book does not book it: it may start where
         * another one does.  prev is the last non-empty one. */
        uint32_t prev = UINT32_MAX;
        for (uint32_t i = 0; i < k; i++) {
            if (!(a[i].e > a[i].s)) continue;
            if (prev != UINT32_MAX && later(a[prev].e, a[i].s)) {
                char rn[600];
                plan_res_name(p, x, rn, sizeof rn);
                char what[700];
                snprintf(what, sizeof what, "overlaps on '%s' with", rn);
                violation(dc, p, a[i].task, &bad, what, a[prev].task);
            }
            prev = i;
        }
    }
    /* 4. in-order units: a unit's compute tasks start in program order,
     *    each after the previous one ended (tasks of one unit are in id
     *    order, since the plan is built in program order) */
    for (uint32_t x = 0; x < p->nres; x++) {
        if (p->res[x].kind != RES_COMPUTE) continue;
        interval *a = iv + off[x];
        uint32_t k = off[x + 1] - off[x];
        for (uint32_t i = 1; i < k; i++)
            if (a[i].task < a[i - 1].task) violation(dc, p, a[i].task, &bad, "overtakes the earlier", a[i - 1].task);
    }
    free(count);
    free(off);
    free(iv);
    if (bad > 20) {
        mld_loc none = {0};
        diag_error(dc, none, "schedule violations: %d in all (20 shown)", bad);
    }
    return bad;
}
