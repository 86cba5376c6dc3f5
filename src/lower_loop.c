/* lower_loop.c - regular loops of transfers, lowered once instead of once
 * per iteration.
 *
 * A `for` over an integer range in a mapping body whose body holds only
 * lets, ifs, further such loops and transfers (every collective of
 * std/parallel) is first evaluated symbolically: the loop variables are
 * bound to index expressions (V_SYM), arithmetic on them builds expression
 * nodes with an interval bound each, indexing a selection or a list with
 * one yields a table of what every index in the bound selects (V_UPAT),
 * and an `if` on one becomes a guard.  Each transfer statement becomes one
 * step of an ir_loop; the whole nest is one ACT_LOOP action, expanded
 * message by message where it is used (ir_loop_expand: the checker, the
 * plan builder, the IR dump), in the order the loop would have run, so the
 * result is the same as evaluating every iteration, at a cost that no
 * longer grows with the number of messages.
 *
 * The attempt is a trial: it runs with its diagnostics held back, and
 * anything outside that shape (an index expression used where a number is
 * needed, a bound that cannot be proved inside a table, a second tensor,
 * any diagnostic at all) abandons it; the loop is then evaluated iteration
 * by iteration as before, and reports as before.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"
#include "parser.h"

/* Magnitudes beyond which index arithmetic in doubles stops being exact. */
#define LOOP_EXACT 1e15

struct lloop {
    ir_lexpr *x;
    double *lo, *hi;      /* interval of each node */
    int nx, capx;
    ir_lstep *steps;
    int nsteps, capsteps;
    int nvars;
    int guard;            /* the current guard node, or -1 */
    int tensor;           /* the tensor the transfers move, -1 before the first */
    int has_guard;
    int failed;
};

int lower_loop_fail(lower *L) {
    if (L->loop) L->loop->failed = 1;
    return 0;
}

static int node(lower *L, ir_lxop op, int a, int b, double c, double lo, double hi) {
    lloop *lp = L->loop;
    if (!(fabs(lo) < LOOP_EXACT && fabs(hi) < LOOP_EXACT)) return lower_loop_fail(L), -1;
    if (lp->nx == lp->capx) {
        int cap = lp->capx ? 2 * lp->capx : 32;
        ir_lexpr *x = arena_alloc(&L->tmp, sizeof *x * (size_t)cap);
        double *l = arena_alloc(&L->tmp, sizeof *l * (size_t)cap), *h = arena_alloc(&L->tmp, sizeof *h * (size_t)cap);
        if (lp->nx) {
            memcpy(x, lp->x, sizeof *x * (size_t)lp->nx);
            memcpy(l, lp->lo, sizeof *l * (size_t)lp->nx);
            memcpy(h, lp->hi, sizeof *h * (size_t)lp->nx);
        }
        lp->x = x;
        lp->lo = l;
        lp->hi = h;
        lp->capx = cap;
    }
    lp->x[lp->nx] = (ir_lexpr){op, a, b, c};
    lp->lo[lp->nx] = lo;
    lp->hi[lp->nx] = hi;
    return lp->nx++;
}

static value vsym(int k) {
    value v = vint(0);
    v.k = V_SYM;
    v.code = k;
    return v;
}

/* The node of an operand: an index expression, or a plain integer. */
static int operand(lower *L, value v) {
    if (v.k == V_SYM) return v.code;
    if (v.k == V_NUM && v.is_int && units_is_none(v.dim) && v.num == floor(v.num))
        return node(L, LX_CONST, -1, -1, v.num, v.num, v.num);
    return lower_loop_fail(L), -1;
}

static double mn4(double a, double b, double c, double d) { return fmin(fmin(a, b), fmin(c, d)); }
static double mx4(double a, double b, double c, double d) { return fmax(fmax(a, b), fmax(c, d)); }

value lower_sym_binop(lower *L, int op, value a, value b) {
    if (!L->loop) abort(); /* index expressions exist only in a trial */
    int ka = operand(L, a), kb = operand(L, b);
    if (ka < 0 || kb < 0) return verr();
    const lloop *lp = L->loop;
    double al = lp->lo[ka], ah = lp->hi[ka], bl = lp->lo[kb], bh = lp->hi[kb];
    int bconst = lp->x[kb].op == LX_CONST;
    double c = lp->x[kb].c;
    int k = -1;
    switch (op) {
    case '+': k = node(L, LX_ADD, ka, kb, 0, al + bl, ah + bh); break;
    case '-': k = node(L, LX_SUB, ka, kb, 0, al - bh, ah - bl); break;
    case '*':
        k = node(L, LX_MUL, ka, kb, 0, mn4(al * bl, al * bh, ah * bl, ah * bh), mx4(al * bl, al * bh, ah * bl, ah * bh));
        break;
    case '/': {
        if (!bconst || c == 0) return lower_loop_fail(L), verr();
        double x = trunc(al / c), y = trunc(ah / c);
        k = node(L, LX_DIV, ka, kb, 0, fmin(x, y), fmax(x, y));
        break;
    }
    case '%':
        /* fmod of a non-negative dividend by a positive constant */
        if (!bconst || c <= 0 || al < 0) return lower_loop_fail(L), verr();
        k = ah < c ? node(L, LX_MOD, ka, kb, 0, al, ah) : node(L, LX_MOD, ka, kb, 0, 0, c - 1);
        break;
    case '<': k = node(L, LX_LT, ka, kb, 0, 0, 1); break;
    case '>': k = node(L, LX_GT, ka, kb, 0, 0, 1); break;
    case LE: k = node(L, LX_LE, ka, kb, 0, 0, 1); break;
    case GE: k = node(L, LX_GE, ka, kb, 0, 0, 1); break;
    case EQ: k = node(L, LX_EQ, ka, kb, 0, 0, 1); break;
    case NE: k = node(L, LX_NE, ka, kb, 0, 0, 1); break;
    default: return lower_loop_fail(L), verr();
    }
    return k < 0 ? verr() : vsym(k);
}

int lower_sym_bounds(lower *L, value ix, int64_t *lo, int64_t *hi) {
    if (!L->loop || ix.k != V_SYM) return lower_loop_fail(L);
    *lo = (int64_t)L->loop->lo[ix.code];
    *hi = (int64_t)L->loop->hi[ix.code];
    if (*hi - *lo >= MAX_LIST) return lower_loop_fail(L);
    return 1;
}

value lower_sym_pattern(value ix, int64_t first, int64_t n, value *entries) {
    value v = vint((double)first);
    v.k = V_UPAT;
    v.code = ix.code;
    v.items = entries;
    v.nitems = (int)n;
    return v;
}

static int regular_body(const ast *blk);

/* An if statement with regular branches (else-if chains included). */
static int regular_body_if(const ast *st) {
    if (!regular_body(st->c)) return 0;
    return !st->b || (st->b->kind == AST_IF ? regular_body_if(st->b) : regular_body(st->b));
}

/* May this body be lowered as a regular loop?  Only lets, ifs, loops and
 * transfers. */
static int regular_body(const ast *blk) {
    if (!blk) return 1;
    for (int i = 0; i < blk->list.n; i++) {
        const ast *st = blk->list.v[i];
        switch (st->kind) {
        case AST_LET:
        case AST_TRANSFER: break;
        case AST_FOR:
            if (!regular_body(st->c)) return 0;
            break;
        case AST_IF:
            if (!regular_body_if(st)) return 0;
            break;
        default: return 0;
        }
    }
    return 1;
}

static ir_lstep *push_step(lower *L) {
    lloop *lp = L->loop;
    if (lp->nsteps == lp->capsteps) {
        int cap = lp->capsteps ? 2 * lp->capsteps : 8;
        ir_lstep *v = arena_alloc(&L->tmp, sizeof *v * (size_t)cap);
        if (lp->nsteps) memcpy(v, lp->steps, sizeof *v * (size_t)lp->nsteps);
        lp->steps = v;
        lp->capsteps = cap;
    }
    ir_lstep *st = &lp->steps[lp->nsteps++];
    memset(st, 0, sizeof *st);
    st->guard = -1;
    return st;
}

void lower_loop_nest(lower *L, scope *s, const ast *st, value r, stmt_fn fn) {
    lloop *lp = L->loop;
    if (!r.is_int || !units_is_none(r.dim) || r.step <= 0 || lp->nvars == IR_LOOP_MAX_VARS ||
        !(fabs(r.num) < LOOP_EXACT && fabs(r.hi) < LOOP_EXACT && r.step < LOOP_EXACT)) {
        lower_loop_fail(L);
        return;
    }
    int64_t count = r.hi > r.num ? (int64_t)ceil((r.hi - r.num) / r.step) : 0;
    int idx = lp->nsteps;
    ir_lstep *ls = push_step(L);
    ls->is_loop = 1;
    ls->var = lp->nvars++;
    ls->lo = r.num;
    ls->step = r.step;
    ls->count = count;
    if (count > 0) {
        int k = node(L, LX_VAR, ls->var, -1, 0, r.num, r.num + (double)(count - 1) * r.step);
        if (k < 0) return;
        scope *inner = lower_scope_new(L, s);
        lower_define(L, inner, st->name, vsym(k), st->loc, "loop variable");
        lower_body(L, inner, st->c, fn);
    }
    lp->steps[idx].end = lp->nsteps;
}

void lower_sym_if(lower *L, scope *s, const ast *st, value c, stmt_fn fn) {
    lloop *lp = L->loop;
    int old = lp->guard;
    int zero = node(L, LX_CONST, -1, -1, 0, 0, 0);
    if (zero < 0) return;
    int yes = node(L, LX_NE, c.code, zero, 0, 0, 1), no = node(L, LX_EQ, c.code, zero, 0, 0, 1);
    if (yes < 0 || no < 0) return;
    if (old >= 0) {
        yes = node(L, LX_MUL, old, yes, 0, 0, 1);
        no = node(L, LX_MUL, old, no, 0, 0, 1);
        if (yes < 0 || no < 0) return;
    }
    lp->has_guard = 1;
    lp->guard = yes;
    lower_body(L, lower_scope_new(L, s), st->c, fn);
    lp->guard = no;
    if (st->b && st->b->kind == AST_IF) lower_control(L, s, st->b, fn);
    else if (st->b) lower_body(L, lower_scope_new(L, s), st->b, fn);
    lp->guard = old;
}

int lower_loop_transfer(lower *L, int tensor, const ir_lstep *t) {
    lloop *lp = L->loop;
    if (lp->tensor >= 0 && lp->tensor != tensor) return lower_loop_fail(L);
    lp->tensor = tensor;
    ir_lstep *st = push_step(L);
    *st = *t;
    st->guard = lp->guard;
    return 1;
}

int lower_sym_share(lower *L, value i, value n, ir_lstep *t) {
    int ki = operand(L, i), kn = operand(L, n);
    if (ki < 0 || kn < 0) return 0;
    const lloop *lp = L->loop;
    /* as split_of checks share(I, P), for every value the loop gives them */
    if (lp->x[kn].op != LX_CONST || lp->hi[kn] < 1 || lp->hi[kn] > (double)((int64_t)1 << 30) || lp->lo[ki] < 0 ||
        lp->hi[ki] >= lp->hi[kn])
        return lower_loop_fail(L);
    t->split = SPLIT_SHARE;
    t->share_i = ki;
    t->share_n = kn;
    return 1;
}

/* Transfers a finished nest expands to: by the loop counts when no
 * transfer is guarded, else by expanding it. */
static int64_t count_range(const ir_loop *lp, int from, int to) {
    int64_t n = 0;
    for (int i = from; i < to; i++) {
        const ir_lstep *st = &lp->steps[i];
        if (st->is_loop) {
            n += st->count * count_range(lp, i + 1, st->end);
            i = st->end - 1;
        } else {
            n++;
        }
    }
    return n;
}

int lower_loop_try(lower *L, scope *s, const ast *st, value r, stmt_fn fn) {
    if (!regular_body(st->c)) return 0;
    lloop lp;
    memset(&lp, 0, sizeof lp);
    lp.guard = -1;
    lp.tensor = -1;
    diag_ctx quiet, *dc = L->dc;
    diag_ctx_init(&quiet, NULL, NULL);
    /* the trial's scopes, values and tables are scratch: released at the end */
    arena_mark mark = arena_get_mark(&L->tmp);
    long steps = L->steps;
    int over = L->over_budget;
    int64_t nact = L->map->nactions;
    L->loop = &lp;
    L->dc = &quiet;
    lower_loop_nest(L, s, st, r, fn);
    L->loop = NULL;
    L->dc = dc;
    int ok = !lp.failed && !quiet.nerrors && !quiet.nwarnings && lp.tensor >= 0 && !L->over_budget &&
             L->map->nactions == nact;
    diag_ctx_free(&quiet);
    L->steps = steps;
    L->over_budget = over;
    if (!ok) {
        arena_reset(&L->tmp, mark);
        L->map->nactions = nact;
        return 0;
    }
    /* keep the nest: steps and nodes into the design's arena */
    ir_loop *loop = arena_alloc(L->mem, sizeof *loop);
    loop->steps = arena_alloc(L->mem, sizeof *loop->steps * (size_t)lp.nsteps);
    memcpy(loop->steps, lp.steps, sizeof *loop->steps * (size_t)lp.nsteps);
    loop->nsteps = lp.nsteps;
    loop->x = arena_alloc(L->mem, sizeof *loop->x * (size_t)(lp.nx + 1));
    if (lp.nx) memcpy(loop->x, lp.x, sizeof *loop->x * (size_t)lp.nx);
    loop->nx = lp.nx;
    loop->nvars = lp.nvars;
    ir_action *a = lower_new_action(L, ACT_LOOP, st->loc);
    a->tensor = lp.tensor;
    a->loop = loop;
    loop->messages = lp.has_guard ? ir_loop_expand(a, NULL, NULL) : count_range(loop, 0, loop->nsteps);
    arena_reset(&L->tmp, mark);
    lower_budget(L, st->loc, 1);
    return 1;
}
