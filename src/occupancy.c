/* occupancy.c - what each memory holds over time.
 *
 * Lifetimes come from the plan (plan.c records them while replaying the
 * mapping): a life is a tensor, or the shares of it, resident in one
 * memory instance; its events are the tasks that write it there (each
 * allocating its bytes when it starts; a store allocates when the run
 * starts) and the tasks that read it there.  A life ends when the last of
 * its events' tasks ends, when the run ends if it is kept (stored tensors
 * stay at rest; an output nothing reads is the run's result), or when its
 * heir ends (a cache grown in place by append lives on in the grown one).
 *
 * Allocation waits for space.  During the run (occ_live_*, called by
 * sim.c) a task that writes into a memory takes its bytes when it becomes
 * ready; when they do not fit, the task stalls until a release makes room
 * (stalled tasks are retried in id order at every instant something is
 * given back).  So a mapping that prefetches every layer's weights into a
 * small SRAM runs double-buffered by itself: the next layer's weights
 * arrive as the previous layer's are released.  A stall that can never end
 * (nothing left to release) is an error naming the memory, what it holds,
 * its capacity and the largest resident tensors with their source lines.
 *
 * After the run, occ_build() sweeps every allocation (at the task's actual
 * start, no earlier than it was taken) and release by (memory, time,
 * releases first, life), records the bytes held after each instant and the
 * peak, and re-checks the capacity (stores at rest that alone overflow a
 * memory are the one way to exceed it).
 */
#include "occupancy.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

typedef struct change {
    uint64_t inst;
    int32_t elem;
    double t;
    double bytes;  /* + allocated, - released */
    uint32_t life;
} change;

static int cmp_change(const void *x, const void *y) {
    const change *a = x, *b = y;
    if (a->inst != b->inst) return a->inst < b->inst ? -1 : 1;
    if (a->elem != b->elem) return a->elem < b->elem ? -1 : 1;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    if ((a->bytes < 0) != (b->bytes < 0)) return a->bytes < 0 ? -1 : 1; /* releases first */
    return a->life < b->life ? -1 : a->life > b->life;
}

typedef struct resident {
    uint32_t life;
    double bytes;
} resident;

static int cmp_resident(const void *x, const void *y) {
    const resident *a = x, *b = y;
    if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
    return a->life < b->life ? -1 : a->life > b->life;
}

/* Notes on the three largest residents (sorted), then emit d. */
static void note_residents(const plan *p, mld_diag *d, const resident *res, uint64_t nres, diag_ctx *dc) {
    const ir_workload *w = p->map->wl;
    char q[64];
    for (uint64_t k = 0; k < nres && k < 3; k++) {
        const plan_life *l = &p->lives[res[k].life];
        units_format_value(res[k].bytes, units_base(UNIT_B), q, sizeof q);
        diag_note(dc, d, w->tensors[l->tensor].loc, "'%s' holds %s there%s", w->tensors[l->tensor].name, q,
                  l->keep ? " for the whole run" : "");
    }
    /* the whole of it by kind: weights, inputs (a training step's
     * optimizer state), caches, and what operators produced (activations,
     * gradients) */
    if (nres > 3) {
        double by[4] = {0, 0, 0, 0};
        for (uint64_t k = 0; k < nres; k++) {
            const ir_tensor *t = &w->tensors[p->lives[res[k].life].tensor];
            int c = t->producer >= 0 ? 3 : t->kind == TENSOR_WEIGHT ? 0 : t->kind == TENSOR_INPUT ? 1 : 2;
            by[c] += res[k].bytes;
        }
        char qs[4][64];
        for (int c = 0; c < 4; c++) units_format_value(by[c], units_base(UNIT_B), qs[c], sizeof qs[c]);
        diag_note(dc, d, p->map->loc, "held there in all: weights %s, inputs %s, caches %s, operator outputs %s", qs[0],
                  qs[1], qs[2], qs[3]);
    }
    diag_emit(dc, d);
}

/* The overflow of one memory at time t: changes c[0 .. n) are that
 * memory's, those before index `upto` have happened. */
static void report_overflow(const sim_result *r, const change *c, uint64_t upto, const occ_mem *m, double t, double held,
                            const double *rel, diag_ctx *dc) {
    const plan *p = r->p;
    resident *res = malloc(sizeof *res * (size_t)(upto + 1));
    if (!res) abort();
    uint64_t nres = 0;
    for (uint64_t i = 0; i < upto; i++) {
        if (c[i].bytes <= 0 || rel[c[i].life] <= t) continue;
        uint64_t k = 0;
        while (k < nres && res[k].life != c[i].life) k++;
        if (k == nres) res[nres++] = (resident){c[i].life, 0};
        res[k].bytes += c[i].bytes;
    }
    qsort(res, nres, sizeof *res, cmp_resident);
    char name[512], q1[64], q2[64], q3[64];
    ir_unit_path(p->map->sys, m->mem, name, sizeof name);
    units_format_value(held, units_base(UNIT_B), q1, sizeof q1);
    units_format_value(t, units_base(UNIT_S), q2, sizeof q2);
    units_format_value(m->size, units_base(UNIT_B), q3, sizeof q3);
    /* located at the action whose allocation came last */
    const change *last = NULL;
    for (uint64_t i = upto; i > 0 && !last; i--)
        if (c[i - 1].bytes > 0) last = &c[i - 1];
    mld_loc loc = last ? p->map->actions[p->lives[last->life].action].loc : p->map->loc;
    mld_diag *d = diag_new(dc, DIAG_ERROR, loc, "memory '%s' would hold %s at %s, more than its capacity of %s", name, q1,
                           q2, q3);
    note_residents(p, d, res, nres, dc);
    free(res);
}

static double task_start(const sim_result *r, uint32_t t) { return t == UINT32_MAX ? 0 : r->start[t]; }
static double task_end(const sim_result *r, uint32_t t) { return t == UINT32_MAX ? 0 : r->end[t]; }

sim_occ *occ_build(const sim_result *r, diag_ctx *dc) {
    const plan *p = r->p;
    sim_occ *o = calloc(1, sizeof *o);
    double *rel = calloc((size_t)p->nlives + 1, sizeof *rel);
    uint64_t nalloc = 0;
    for (uint64_t i = 0; i < p->nlev; i++) nalloc += p->lev[i].bytes > 0;
    change *c = malloc(sizeof *c * (size_t)(2 * nalloc + 1));
    if (!o || !rel || !c) abort();
    /* when each life ends */
    for (uint64_t i = 0; i < p->nlev; i++) {
        double e = task_end(r, p->lev[i].task);
        if (e > rel[p->lev[i].life]) rel[p->lev[i].life] = e;
    }
    for (uint32_t l = p->nlives; l-- > 0;) {
        if (p->lives[l].keep) rel[l] = r->makespan;
        int32_t h = p->lives[l].heir;
        if (h >= 0 && (uint32_t)h < p->nlives && rel[h] > rel[l]) rel[l] = rel[h];
    }
    uint64_t nc = 0;
    for (uint64_t i = 0; i < p->nlev; i++) {
        const plan_life_ev *e = &p->lev[i];
        if (e->bytes <= 0) continue;
        const plan_life *l = &p->lives[e->life];
        double t0 = task_start(r, e->task);
        c[nc++] = (change){l->mem.inst, l->mem.elem, t0, e->bytes, e->life};
        c[nc++] = (change){l->mem.inst, l->mem.elem, rel[e->life] > t0 ? rel[e->life] : t0, -e->bytes, e->life};
    }
    qsort(c, nc, sizeof *c, cmp_change);
    o->steps = malloc(sizeof *o->steps * (size_t)(nc + 1));
    uint32_t capm = 0;
    if (!o->steps) abort();
    int overflow = 0;
    for (uint64_t i = 0; i < nc;) {
        uint64_t j = i;
        while (j < nc && c[j].inst == c[i].inst && c[j].elem == c[i].elem) j++;
        occ_mem m;
        memset(&m, 0, sizeof m);
        m.mem = (ir_unit){c[i].inst, c[i].elem};
        ir_step st[256];
        int ns = ir_inst_steps(p->map->sys, m.mem.inst, st, 256);
        const ir_level *lv = st[ns - 1].level;
        m.level = lv->id;
        m.size = lv->elems[m.mem.elem].size;
        m.s0 = o->nsteps;
        double held = 0;
        int reported = 0;
        for (uint64_t k = i; k < j;) {
            uint64_t g = k;
            while (g < j && c[g].t == c[k].t) {
                held += c[g].bytes;
                m.tensors += c[g].bytes > 0 && (g == i || c[g].life != c[g - 1].life);
                g++;
            }
            if (held < 0) held = 0; /* rounding */
            o->steps[o->nsteps++] = (occ_step){c[k].t, held};
            if (held > m.peak) {
                m.peak = held;
                m.peak_at = c[k].t;
            }
            if (held > m.size * (1 + 1e-9) && !reported) {
                report_overflow(r, c + i, g - i, &m, c[k].t, held, rel, dc);
                reported = overflow = 1;
            }
            k = g;
        }
        m.ns = o->nsteps - m.s0;
        if (o->nmems == capm) {
            capm = capm ? 2 * capm : 16;
            o->mems = realloc(o->mems, sizeof *o->mems * capm);
            if (!o->mems) abort();
        }
        o->mems[o->nmems++] = m;
        i = j;
    }
    free(c);
    free(rel);
    if (overflow) {
        occ_free(o);
        return NULL;
    }
    return o;
}

/* ------------------------------------------------------------------ */
/* Allocation during the run                                           */
/* ------------------------------------------------------------------ */

struct occ_live {
    const plan *p;
    uint32_t nmem;
    double *held, *size;   /* per memory */
    uint32_t *mem_of;      /* per life: its memory */
    uint32_t *left;        /* per life: events whose task has not finished */
    uint8_t *released;     /* per life */
    double *taken;         /* per life: bytes allocated so far */
    uint32_t *toff, *tev;  /* per task: its events (CSR, indices into p->lev) */
    uint32_t *hoff, *hby;  /* per life: the lives whose heir it is (CSR) */
    uint32_t *qoff, *q;    /* per memory: the tasks that allocate in it, in id order (CSR) */
    double *fen[2];        /* Fenwick trees over q: bytes not yet allocated by computed data [0] and by prefetches [1] */
    uint64_t nq;
};

/* Fenwick tree f over positions 0 .. nq - 1 (stored 1-based). */
static void fen_add(occ_live *o, int f, uint64_t i, double v) {
    for (i++; i <= o->nq; i += i & (~i + 1)) o->fen[f][i] += v;
}

static double fen_sum(const occ_live *o, int f, uint64_t n) { /* positions [0, n) */
    double s = 0;
    for (; n > 0; n -= n & (~n + 1)) s += o->fen[f][n];
    return s;
}

/* Which tree a task's allocations are counted in: 1 for a prefetch (a
 * transfer of data at rest: a weight, an input, a cache), 0 for data the
 * run computes (an operator's output, or a transfer of one). */
static int fen_of(const plan *p, uint32_t t) {
    const plan_task *tk = &p->tasks[t];
    if (tk->kind != TASK_TRANSFER) return 0;
    return p->map->wl->tensors[p->map->actions[tk->action].tensor].producer < 0;
}

/* Position of task t in memory m's queue. */
static uint64_t q_pos(const occ_live *o, uint32_t m, uint32_t t) {
    uint64_t lo = o->qoff[m], hi = o->qoff[m + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (o->q[mid] < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static int cmp_life_mem(const void *x, const void *y, const plan *p) {
    const plan_life *a = &p->lives[*(const uint32_t *)x], *b = &p->lives[*(const uint32_t *)y];
    if (a->mem.inst != b->mem.inst) return a->mem.inst < b->mem.inst ? -1 : 1;
    if (a->mem.elem != b->mem.elem) return a->mem.elem < b->mem.elem ? -1 : 1;
    return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

/* qsort has no context argument: sort indices with a small merge sort */
static void sort_lives(uint32_t *v, uint32_t *tmp, uint32_t n, const plan *p) {
    if (n < 2) return;
    uint32_t h = n / 2;
    sort_lives(v, tmp, h, p);
    sort_lives(v + h, tmp, n - h, p);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp_life_mem(&v[i], &v[j], p) <= 0 ? v[i++] : v[j++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, sizeof *v * n);
}

occ_live *occ_live_new(const plan *p) {
    occ_live *o = calloc(1, sizeof *o);
    uint32_t nl = p->nlives, nt = p->ntasks;
    uint32_t *order = malloc(sizeof *order * (nl + 1)), *tmp = malloc(sizeof *tmp * (nl + 1));
    if (!o || !order || !tmp) abort();
    o->p = p;
    o->mem_of = malloc(sizeof *o->mem_of * (nl + 1));
    o->left = calloc(nl + 1, sizeof *o->left);
    o->released = calloc(nl + 1, 1);
    o->taken = calloc(nl + 1, sizeof *o->taken);
    o->held = calloc(nl + 1, sizeof *o->held);
    o->size = calloc(nl + 1, sizeof *o->size);
    o->toff = calloc((size_t)nt + 2, sizeof *o->toff);
    o->tev = malloc(sizeof *o->tev * (size_t)(p->nlev + 1));
    o->hoff = calloc((size_t)nl + 2, sizeof *o->hoff);
    o->hby = malloc(sizeof *o->hby * (nl + 1));
    if (!o->mem_of || !o->left || !o->released || !o->held || !o->size || !o->toff || !o->tev || !o->hoff || !o->hby)
        abort();
    /* memories: lives grouped by (instance, element) */
    for (uint32_t l = 0; l < nl; l++) order[l] = l;
    sort_lives(order, tmp, nl, p);
    for (uint32_t i = 0; i < nl; i++) {
        const plan_life *a = &p->lives[order[i]];
        if (i == 0 || a->mem.inst != p->lives[order[i - 1]].mem.inst || a->mem.elem != p->lives[order[i - 1]].mem.elem) {
            ir_step st[256];
            int ns = ir_inst_steps(p->map->sys, a->mem.inst, st, 256);
            o->size[o->nmem++] = st[ns - 1].level->elems[a->mem.elem].size;
        }
        o->mem_of[order[i]] = o->nmem - 1;
    }
    free(order);
    free(tmp);
    /* events by task; what is stored is there from the start */
    for (uint64_t i = 0; i < p->nlev; i++) {
        const plan_life_ev *e = &p->lev[i];
        if (e->task == UINT32_MAX) {
            o->held[o->mem_of[e->life]] += e->bytes;
            o->taken[e->life] += e->bytes;
            continue;
        }
        o->toff[e->task + 1]++;
        o->left[e->life]++;
    }
    for (uint32_t t = 0; t < nt; t++) o->toff[t + 1] += o->toff[t];
    uint32_t *fill = malloc(sizeof *fill * ((size_t)nt + 1));
    if (!fill) abort();
    memcpy(fill, o->toff, sizeof *fill * nt);
    for (uint64_t i = 0; i < p->nlev; i++)
        if (p->lev[i].task != UINT32_MAX) o->tev[fill[p->lev[i].task]++] = (uint32_t)i;
    free(fill);
    for (uint32_t l = 0; l < nl; l++)
        if (p->lives[l].heir >= 0) o->hoff[p->lives[l].heir + 1]++;
    for (uint32_t l = 0; l < nl; l++) o->hoff[l + 1] += o->hoff[l];
    fill = malloc(sizeof *fill * (nl + 1));
    if (!fill) abort();
    memcpy(fill, o->hoff, sizeof *fill * nl);
    for (uint32_t l = 0; l < nl; l++)
        if (p->lives[l].heir >= 0) o->hby[fill[p->lives[l].heir]++] = l;
    free(fill);
    /* per memory, its allocating tasks in id order: (memory << 32 | task), sorted */
    uint64_t na = 0;
    uint64_t *pairs = malloc(sizeof *pairs * (size_t)(p->nlev + 1));
    double *pb = malloc(sizeof *pb * (size_t)(p->nlev + 1) * 2);
    o->qoff = calloc((size_t)o->nmem + 2, sizeof *o->qoff);
    if (!pairs || !pb || !o->qoff) abort();
    for (uint64_t i = 0; i < p->nlev; i++)
        if (p->lev[i].task != UINT32_MAX && p->lev[i].bytes > 0)
            pairs[na++] = (uint64_t)o->mem_of[p->lev[i].life] << 32 | p->lev[i].task;
    qsort(pairs, na, sizeof *pairs, cmp_u64);
    o->q = malloc(sizeof *o->q * (size_t)(na + 1));
    o->fen[0] = calloc((size_t)na + 2, sizeof *o->fen[0]);
    o->fen[1] = calloc((size_t)na + 2, sizeof *o->fen[1]);
    if (!o->q || !o->fen[0] || !o->fen[1]) abort();
    uint64_t nq = 0;
    for (uint64_t i = 0; i < na; i++) {
        if (i && pairs[i] == pairs[i - 1]) continue;
        o->q[nq++] = (uint32_t)pairs[i];
        o->qoff[(pairs[i] >> 32) + 1]++;
    }
    o->nq = nq;
    for (uint32_t m = 0; m < o->nmem; m++) o->qoff[m + 1] += o->qoff[m];
    /* what each queued task will allocate there */
    for (uint64_t i = 0; i < nq; i++) pb[i] = 0;
    for (uint64_t i = 0; i < p->nlev; i++)
        if (p->lev[i].task != UINT32_MAX && p->lev[i].bytes > 0) {
            uint32_t m = o->mem_of[p->lev[i].life];
            pb[q_pos(o, m, p->lev[i].task)] += p->lev[i].bytes;
        }
    for (uint64_t i = 0; i < nq; i++) fen_add(o, fen_of(p, o->q[i]), i, pb[i]);
    free(pairs);
    free(pb);
    return o;
}

int occ_live_take(occ_live *o, uint32_t t) {
    const plan *p = o->p;
    int any = 0;
    /* all of the task's allocations, per memory, must fit together, next
     * to what the memory holds and to what is still to be written there by
     * the tasks before it in program order that carry computed data and,
     * for a prefetch, by the prefetches before it too: a prefetch never
     * takes the room that earlier computed data needs, and prefetches into
     * a memory are served in order; computed data does not wait for
     * earlier prefetches (computing may be what frees the room they
     * need) */
    for (uint32_t i = o->toff[t]; i < o->toff[t + 1]; i++) {
        const plan_life_ev *e = &p->lev[o->tev[i]];
        if (e->bytes <= 0) continue;
        uint32_t m = o->mem_of[e->life];
        any = 1;
        double need = 0;
        for (uint32_t j = o->toff[t]; j < o->toff[t + 1]; j++) {
            const plan_life_ev *f = &p->lev[o->tev[j]];
            if (f->bytes > 0 && o->mem_of[f->life] == m) need += f->bytes;
        }
        uint64_t pos = q_pos(o, m, t);
        double before = fen_sum(o, 0, pos) - fen_sum(o, 0, o->qoff[m]);
        if (fen_of(p, t)) before += fen_sum(o, 1, pos) - fen_sum(o, 1, o->qoff[m]);
        if (o->held[m] + before + need > o->size[m] * (1 + 1e-9)) return 0;
    }
    for (uint32_t i = o->toff[t]; i < o->toff[t + 1]; i++) {
        const plan_life_ev *e = &p->lev[o->tev[i]];
        if (e->bytes > 0) {
            o->held[o->mem_of[e->life]] += e->bytes;
            o->taken[e->life] += e->bytes;
        }
    }
    for (uint32_t i = o->toff[t]; i < o->toff[t + 1]; i++) {
        const plan_life_ev *e = &p->lev[o->tev[i]];
        if (e->bytes > 0) fen_add(o, fen_of(p, t), q_pos(o, o->mem_of[e->life], t), -e->bytes);
    }
    return any ? 2 : 1;
}

/* Give back life l if nothing needs it any more: no task left, not kept,
 * its heir (if any) given back; then those it is heir to. */
static int release(occ_live *o, uint32_t l) {
    const plan_life *x = &o->p->lives[l];
    if (o->released[l] || o->left[l] || x->keep) return 0;
    if (x->heir >= 0 && !o->released[x->heir]) return 0;
    o->released[l] = 1;
    o->held[o->mem_of[l]] -= o->taken[l];
    if (o->held[o->mem_of[l]] < 0) o->held[o->mem_of[l]] = 0; /* rounding */
    for (uint32_t i = o->hoff[l]; i < o->hoff[l + 1]; i++) release(o, o->hby[i]);
    return 1;
}

int occ_live_done(occ_live *o, uint32_t t) {
    int any = 0;
    for (uint32_t i = o->toff[t]; i < o->toff[t + 1]; i++) {
        uint32_t l = o->p->lev[o->tev[i]].life;
        if (o->left[l] && --o->left[l] == 0) any |= release(o, l);
    }
    return any;
}

void occ_live_report(const occ_live *o, const uint32_t *stuck, uint32_t n, const double *since, diag_ctx *dc) {
    const plan *p = o->p;
    for (uint32_t k = 0; k < n && k < 3; k++) {
        uint32_t t = stuck[k], m = UINT32_MAX;
        double need = 0;
        for (uint32_t i = o->toff[t]; i < o->toff[t + 1]; i++) {
            const plan_life_ev *e = &p->lev[o->tev[i]];
            if (e->bytes <= 0) continue;
            if (m == UINT32_MAX || o->mem_of[e->life] == m) {
                m = o->mem_of[e->life];
                need += e->bytes;
            }
        }
        if (m == UINT32_MAX) continue;
        /* what the memory holds now: lives with bytes taken, not given back */
        resident *res = malloc(sizeof *res * (p->nlives + 1));
        if (!res) abort();
        uint32_t nres = 0;
        ir_unit mem = {0, 0};
        for (uint32_t l = 0; l < p->nlives; l++) {
            if (o->mem_of[l] != m) continue;
            mem = p->lives[l].mem;
            if (!o->released[l] && o->taken[l] > 0) res[nres++] = (resident){l, o->taken[l]};
        }
        qsort(res, nres, sizeof *res, cmp_resident);
        char name[512], tn[512], q1[64], q2[64], q3[64], q4[64];
        ir_unit_path(p->map->sys, mem, name, sizeof name);
        plan_task_name(p, t, tn, sizeof tn);
        units_format_value(need, units_base(UNIT_B), q1, sizeof q1);
        units_format_value(o->held[m], units_base(UNIT_B), q2, sizeof q2);
        units_format_value(o->size[m], units_base(UNIT_B), q3, sizeof q3);
        units_format_value(since[t], units_base(UNIT_S), q4, sizeof q4);
        mld_diag *d = diag_new(dc, DIAG_ERROR, p->map->actions[p->tasks[t].action].loc,
                               "memory '%s' never has room for '%s' (%s): from %s on it holds %s of its %s and "
                               "releases nothing before that write",
                               name, tn, q1, q4, q2, q3);
        note_residents(p, d, res, nres, dc);
        free(res);
    }
}

void occ_live_free(occ_live *o) {
    if (!o) return;
    free(o->held);
    free(o->size);
    free(o->mem_of);
    free(o->left);
    free(o->released);
    free(o->taken);
    free(o->toff);
    free(o->tev);
    free(o->hoff);
    free(o->hby);
    free(o->qoff);
    free(o->q);
    free(o->fen[0]);
    free(o->fen[1]);
    free(o);
}

void occ_free(sim_occ *o) {
    if (!o) return;
    free(o->mems);
    free(o->steps);
    free(o);
}
