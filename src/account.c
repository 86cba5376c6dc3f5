/* account.c - the per-operator account of a finished simulation.
 *
 * One pass over the compute tasks charges each to its operator (the place
 * action's `op`): busy time on its compute element (launch tasks apart as
 * `launch`, work tasks as compute- or memory-bound by their roofline),
 * FLOPs, bytes read and written in the memory the task computed out of
 * (grouped by level type and element, so "A100.hbm" sums the eight GPUs'
 * HBMs), and the time it waited for a busy resource once its inputs were
 * there (start minus the end of the dependency that released it).  The
 * critical path is walked back from the last task along `released_by`, as
 * sim.c does, and each compute task on it adds its duration to its
 * operator's `crit`.
 *
 * Per (operator, unit) busy times come from sorting (operator, resource)
 * pairs; their sum per compute resource is that resource's busy time in
 * the run's summary (a compute element runs only compute tasks), which
 * the tests check.
 */
#include "account.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

const char *acct_bound_name(acct_bound b) {
    static const char *const n[BOUND_COUNT] = {"compute", "memory", "launch", "waiting"};
    return b < BOUND_COUNT ? n[b] : "?";
}

acct_bound acct_row_bound(const acct_row *x) {
    double v[BOUND_COUNT] = {x->t_compute, x->t_memory, x->launch, x->wait};
    int best = 0;
    for (int i = 1; i < BOUND_COUNT; i++)
        if (v[i] > v[best]) best = i;
    return (acct_bound)best;
}

static int cmp_unit(const void *x, const void *y) {
    const acct_unit *a = x, *b = y;
    if (a->op != b->op) return a->op < b->op ? -1 : 1;
    return a->res < b->res ? -1 : a->res > b->res;
}

/* Add bytes to the row's entry for memory resource m. */
static void add_mem(acct_row *x, const plan *p, uint32_t m, double rd, double wr) {
    const plan_res *rs = &p->res[m];
    int i = 0;
    while (i < x->nmem && !(x->mem[i].level == rs->level && x->mem[i].elem == rs->elem)) i++;
    if (i == x->nmem) {
        if (x->nmem == ACCT_MEMS) {
            i = ACCT_MEMS - 1; /* further memories fold into the last entry */
        } else {
            x->nmem++;
            x->mem[i].level = rs->level;
            x->mem[i].elem = rs->elem;
            x->mem[i].rd = x->mem[i].wr = 0;
        }
    }
    x->mem[i].rd += rd;
    x->mem[i].wr += wr;
}

/* Fold row y into total x (a kind total). */
static void add_row(acct_row *x, const acct_row *y) {
    if (!x->ops || y->start < x->start) x->start = y->start;
    if (!x->ops || y->end > x->end) x->end = y->end;
    x->ops++;
    x->units += y->units;
    x->pieces += y->pieces;
    x->busy += y->busy;
    x->launch += y->launch;
    x->t_compute += y->t_compute;
    x->t_memory += y->t_memory;
    x->wait += y->wait;
    x->flops += y->flops;
    x->rd += y->rd;
    x->wr += y->wr;
    x->crit += y->crit;
    for (int i = 0; i < y->nmem; i++) {
        int j = 0;
        while (j < x->nmem && !(x->mem[j].level == y->mem[i].level && x->mem[j].elem == y->mem[i].elem)) j++;
        if (j == x->nmem) {
            if (x->nmem == ACCT_MEMS) {
                j = ACCT_MEMS - 1;
            } else {
                x->nmem++;
                x->mem[j] = y->mem[i];
                continue;
            }
        }
        x->mem[j].rd += y->mem[i].rd;
        x->mem[j].wr += y->mem[i].wr;
    }
}

acct *acct_build(const sim_result *r) {
    const plan *p = r->p;
    const ir_workload *w = p->map->wl;
    acct *a = calloc(1, sizeof *a);
    acct_row *per = calloc((size_t)w->nops + 1, sizeof *per);
    uint8_t *oncrit = calloc((size_t)p->ntasks + 1, 1);
    uint64_t ncomp = 0;
    for (uint32_t t = 0; t < p->ntasks; t++) ncomp += p->tasks[t].kind == TASK_COMPUTE;
    a->units = malloc(sizeof *a->units * (size_t)(ncomp + 1));
    if (!a || !per || !oncrit || !a->units) abort();
    /* the critical path, as sim.c walks it */
    uint32_t last = UINT32_MAX;
    for (uint32_t t = 0; t < p->ntasks && r->done == p->ntasks; t++)
        if (last == UINT32_MAX || r->end[t] > r->end[last]) last = t;
    for (uint32_t t = last; t != UINT32_MAX && r->released_by; t = r->released_by[t]) oncrit[t] = 1;
    for (int o = 0; o < w->nops; o++) {
        per[o].op = o;
        per[o].kind = w->ops[o].kind;
        per[o].start = DBL_MAX; /* lowered by its first task */
    }
    uint64_t nu = 0;
    for (uint32_t t = 0; t < p->ntasks; t++) {
        const plan_task *tk = &p->tasks[t];
        if (tk->kind != TASK_COMPUTE || r->done != p->ntasks) continue;
        int op = p->map->actions[tk->action].op;
        acct_row *x = &per[op];
        double d = r->end[t] - r->start[t];
        if (r->start[t] < x->start) x->start = r->start[t];
        if (r->end[t] > x->end) x->end = r->end[t];
        x->busy += d;
        if (tk->launch) {
            x->launch += d;
        } else {
            x->pieces++;
            if (tk->mem_bound) x->t_memory += d;
            else x->t_compute += d;
        }
        uint32_t by = r->released_by ? r->released_by[t] : UINT32_MAX;
        double rel = by == UINT32_MAX ? 0 : r->end[by];
        if (r->start[t] > rel) x->wait += r->start[t] - rel;
        x->flops += tk->work;
        x->rd += tk->bytes - tk->wr;
        x->wr += tk->wr;
        if (tk->mem != UINT32_MAX) add_mem(x, p, tk->mem, tk->bytes - tk->wr, tk->wr);
        if (oncrit[t]) x->crit += d;
        if (tk->nuse) a->units[nu++] = (acct_unit){op, p->uses[tk->use0], d};
    }
    /* per (operator, unit): sort, then merge equal pairs */
    qsort(a->units, nu, sizeof *a->units, cmp_unit);
    uint64_t m = 0;
    for (uint64_t i = 0; i < nu; i++) {
        if (m && a->units[m - 1].op == a->units[i].op && a->units[m - 1].res == a->units[i].res) {
            a->units[m - 1].busy += a->units[i].busy;
        } else {
            a->units[m++] = a->units[i];
            per[a->units[i].op].units++;
        }
    }
    a->nunits = m;
    /* operators that ran, and the kind totals */
    a->rows = malloc(sizeof *a->rows * (size_t)(w->nops + 1));
    if (!a->rows) abort();
    for (int o = 0; o < w->nops; o++) {
        if (!per[o].units) continue;
        per[o].ops = 1;
        a->rows[a->nrows++] = per[o];
        acct_row *k = &a->kinds[per[o].kind];
        k->op = -1;
        k->kind = per[o].kind;
        add_row(k, &per[o]);
    }
    free(per);
    free(oncrit);
    return a;
}

void acct_free(acct *a) {
    if (!a) return;
    free(a->rows);
    free(a->units);
    free(a);
}
