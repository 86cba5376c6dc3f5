/* check.c - semantic checks on a lowered design.
 *
 * Lowering already checked names, dimensions, indices and shapes.  What is
 * left needs the whole mapping: this pass replays each mapping's actions in
 * program order, tracking where every tensor resides, and reports
 *
 *   - a tensor larger than a memory it is stored, moved or produced into, and
 *     stores that together overflow a memory;
 *   - a transfer between memories that no chain of networks connects, or
 *     from a memory that does not hold the tensor at that point;
 *   - an operator reading data that is in no memory at all (an error) or not
 *     in its unit's local memory (a warning: the checker infers a transfer
 *     from the tensor's first home, inserts it into the mapping, and says so);
 *   - a sync that can never complete: it waits for an operator that one of
 *     its own participants runs only after the sync, or for one never placed,
 *     or its participants are not connected;
 *   - operators that the mapping never places.
 *
 * Connectivity follows the hardware tree: from an element up through each
 * level's gateway (the node where the parent's network enters it), across
 * one network of the lowest common level, and down again.
 */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

/* ------------------------------------------------------------------ */
/* Connectivity                                                        */
/* ------------------------------------------------------------------ */

static int attached(const ir_level *lv, int net, int elem) {
    for (int i = 0; i < lv->nattaches; i++)
        if (lv->attaches[i].net == net && lv->attaches[i].elem == elem) return 1;
    return 0;
}

static int has_node(const ir_net *n, int child, int64_t index) {
    for (int64_t i = 0; i < n->nnodes; i++)
        if (n->nodes[i].child == child && n->nodes[i].index == index) return 1;
    return 0;
}

/* Can the origin inside level instance st[k] (element elem when k is the
 * last step, else child st[k+1]) reach st[k]'s gateway? */
static int reach_gateway(const ir_system *s, const ir_step *st, int n, int k, int elem, char *why, size_t wn) {
    const ir_level *lv = st[k].level;
    char path[512];
    if (k == n - 1) {
        if (elem < 0 || lv->nnets == 0) return 1; /* the level itself, or a level without networks */
        if (attached(lv, lv->gateway_net, elem)) return 1;
        ir_inst_path(s, st[k].inst, path, sizeof path);
        snprintf(why, wn, "'%s.%s' is not attached to network '%s', through which '%s' is reached", path,
                 lv->elems[elem].name, lv->nets[lv->gateway_net].name, path);
        return 0;
    }
    ir_inst_path(s, st[k].inst, path, sizeof path);
    if (lv->nnets == 0) {
        snprintf(why, wn, "'%s' (level '%s') has no network, so its children cannot reach outside it", path, lv->name);
        return 0;
    }
    if (has_node(&lv->nets[lv->gateway_net], st[k + 1].child, st[k + 1].index)) return 1;
    char child[512];
    ir_inst_path(s, st[k + 1].inst, child, sizeof child);
    snprintf(why, wn, "'%s' is not on network '%s', through which '%s' is reached", child,
             lv->nets[lv->gateway_net].name, path);
    return 0;
}

int check_connected(const ir_system *s, ir_unit a, ir_unit b, char *why, size_t wn, mld_loc *where) {
    ir_step sa[256], sb[256];
    int na = ir_inst_steps(s, a.inst, sa, 256), nb = ir_inst_steps(s, b.inst, sb, 256);
    int k = 0;
    while (k < na && k < nb && sa[k].inst == sb[k].inst) k++;
    /* k-1 is the lowest common level */
    const ir_level *lv = sa[k - 1].level;
    for (int j = k; j < na; j++)
        if (!reach_gateway(s, sa, na, j, a.elem, why, wn)) {
            *where = sa[j].level->loc;
            return 0;
        }
    for (int j = k; j < nb; j++)
        if (!reach_gateway(s, sb, nb, j, b.elem, why, wn)) {
            *where = sb[j].level->loc;
            return 0;
        }
    int a_here = k == na, b_here = k == nb;
    if (a_here && b_here) return 1; /* same level instance: its local connection */
    for (int n = 0; n < lv->nnets; n++) {
        const ir_net *net = &lv->nets[n];
        int ok_a = a_here ? (a.elem < 0 || attached(lv, n, a.elem)) : has_node(net, sa[k].child, sa[k].index);
        int ok_b = b_here ? (b.elem < 0 || attached(lv, n, b.elem)) : has_node(net, sb[k].child, sb[k].index);
        if (ok_a && ok_b) return 1;
    }
    char pa[512], pb[512], pl[512];
    *where = lv->loc;
    ir_unit_path(s, a, pa, sizeof pa);
    ir_unit_path(s, b, pb, sizeof pb);
    ir_inst_path(s, sa[k - 1].inst, pl, sizeof pl);
    if (lv->nnets == 0)
        snprintf(why, wn, "'%s' and '%s' meet in '%s' (level '%s'), which has no network", pa, pb, pl, lv->name);
    else
        snprintf(why, wn, "no network of '%s' (level '%s') joins '%s' and '%s'", pl, lv->name, pa, pb);
    return 0;
}

int check_local_memory(const ir_system *s, ir_unit u, ir_unit *mem) {
    ir_step st[256];
    int n = ir_inst_steps(s, u.inst, st, 256);
    for (int k = n - 1; k >= 0; k--) {
        const ir_level *lv = st[k].level;
        for (int i = 0; i < lv->nelems; i++)
            if (lv->elems[i].kind == ELEM_MEMORY) {
                *mem = (ir_unit){st[k].inst, i};
                return 1;
            }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Residency: a hash set of (tensor, memory instance)                   */
/* ------------------------------------------------------------------ */

typedef struct rkey {
    uint64_t inst;
    int64_t te; /* tensor << 16 | element */
} rkey;

typedef struct rset {
    rkey *k;
    uint8_t *used;
    size_t cap, n;
} rset;

static size_t rhash(rkey k) {
    uint64_t h = k.inst * 0x9E3779B97F4A7C15ull ^ (uint64_t)k.te * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29));
}

static int rset_has(const rset *s, rkey k) {
    if (!s->cap) return 0;
    for (size_t i = rhash(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->used[i]) return 0;
        if (s->k[i].inst == k.inst && s->k[i].te == k.te) return 1;
    }
}

static void rset_add(rset *s, rkey k);

static void rset_grow(rset *s) {
    rset n = {0};
    n.cap = s->cap ? s->cap * 2 : 1024;
    n.k = malloc(n.cap * sizeof *n.k);
    n.used = calloc(n.cap, 1);
    if (!n.k || !n.used) mem_fail(0);
    for (size_t i = 0; i < s->cap; i++)
        if (s->used[i]) rset_add(&n, s->k[i]);
    free(s->k);
    free(s->used);
    *s = n;
}

static void rset_add(rset *s, rkey k) {
    if ((s->n + 1) * 2 > s->cap) rset_grow(s);
    for (size_t i = rhash(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->used[i]) {
            s->used[i] = 1;
            s->k[i] = k;
            s->n++;
            return;
        }
        if (s->k[i].inst == k.inst && s->k[i].te == k.te) return;
    }
}

static void rset_free(rset *s) {
    free(s->k);
    free(s->used);
}

static rkey key(int tensor, ir_unit m) { return (rkey){m.inst, (int64_t)tensor << 16 | (m.elem & 0xffff)}; }

/* ------------------------------------------------------------------ */
/* Replaying a mapping                                                 */
/* ------------------------------------------------------------------ */

typedef struct mcheck {
    ir_design *d;
    ir_mapping *m;
    diag_ctx *dc;
    rset res;          /* where tensors are */
    ir_unit *home;     /* per tensor: first memory that held it */
    int *has_home;
    int *placed;       /* per op: placed so far (micro-batch pieces: how many) */
    int64_t *piece_m;  /* per op: M of its micro(I, M) pieces, or 0 */
    int64_t *piece_i;  /* per op: I of its last piece */
    mld_loc *place_loc; /* per op: where it was placed */
    int64_t *last_place; /* per op: index of its last place action, or -1 */
    int *warned;       /* per op: inferred-transfer warning given */
    ir_action *out;    /* the mapping's actions, inferred transfers included */
    int64_t nout, capout;
    struct usage { ir_unit mem; double bytes; int reported; } *usage;
    int nusage, capusage;
    mld_loc last_unconnected; /* statement of the last unconnected transfer */
    mld_loc last_overflow;    /* statement of the last store overflow */
} mcheck;

static void emit(mcheck *c, const ir_action *a) {
    if (c->nout == c->capout) {
        c->capout = c->capout ? c->capout * 2 : 64;
        ir_action *v = arena_alloc(&c->d->mem, sizeof(ir_action) * (size_t)c->capout);
        if (c->nout) memcpy(v, c->out, sizeof(ir_action) * (size_t)c->nout);
        c->out = v;
    }
    c->out[c->nout++] = *a;
}

static const ir_elem *mem_elem(const ir_system *s, ir_unit u) {
    ir_step st[256];
    int n = ir_inst_steps(s, u.inst, st, 256);
    return &st[n - 1].level->elems[u.elem];
}

static void reside(mcheck *c, int t, ir_unit mem) {
    rset_add(&c->res, key(t, mem));
    if (!c->has_home[t]) {
        c->has_home[t] = 1;
        c->home[t] = mem;
    }
}

/* A tensor (share) must fit the memory it goes to. */
static int fits(mcheck *c, const ir_action *a, int t, ir_unit mem, double share, int per_unit, const char *how) {
    const ir_elem *el = mem_elem(c->m->sys, mem);
    if (share <= el->size) return 1;
    char pm[512], sz[64], cap[64];
    ir_unit_path(c->m->sys, mem, pm, sizeof pm);
    units_dim B = units_base(UNIT_B);
    units_format_value(share, B, sz, sizeof sz);
    units_format_value(el->size, B, cap, sizeof cap);
    mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc, "tensor '%s' (%s%s) does not fit %s '%s' (%s)",
                            c->m->wl->tensors[t].name, sz, per_unit ? " per unit" : "", how, pm, cap);
    diag_note(c->dc, dg, el->loc, "memory '%s' is declared here", el->name);
    diag_emit(c->dc, dg);
    return 0;
}

static void do_store(mcheck *c, const ir_action *a) {
    const ir_tensor *t = &c->m->wl->tensors[a->tensor];
    double share = a->split ? t->bytes / (double)a->ndst : t->bytes; /* split: one share per memory */
    for (int64_t i = 0; i < a->ndst; i++) {
        if (!fits(c, a, a->tensor, a->dst[i], share, a->split != SPLIT_NONE, "in")) return;
        /* accumulate static usage */
        int k = -1;
        for (int j = 0; j < c->nusage; j++)
            if (c->usage[j].mem.inst == a->dst[i].inst && c->usage[j].mem.elem == a->dst[i].elem) k = j;
        if (k < 0) {
            if (c->nusage == c->capusage) {
                c->capusage = c->capusage ? c->capusage * 2 : 16;
                c->usage = realloc(c->usage, sizeof *c->usage * (size_t)c->capusage);
                if (!c->usage) mem_fail(0);
            }
            k = c->nusage++;
            c->usage[k].mem = a->dst[i];
            c->usage[k].bytes = 0;
            c->usage[k].reported = 0;
        }
        c->usage[k].bytes += share;
        const ir_elem *el = mem_elem(c->m->sys, a->dst[i]);
        if (c->usage[k].bytes > el->size && !c->usage[k].reported &&
            !(c->last_overflow.line == a->loc.line && c->last_overflow.col == a->loc.col && c->last_overflow.src == a->loc.src)) {
            c->usage[k].reported = 1;
            c->last_overflow = a->loc; /* one report per statement, not per memory */
            char pm[512], sz[64], cap[64];
            ir_unit_path(c->m->sys, a->dst[i], pm, sizeof pm);
            units_format_value(c->usage[k].bytes, units_base(UNIT_B), sz, sizeof sz);
            units_format_value(el->size, units_base(UNIT_B), cap, sizeof cap);
            mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc,
                                    "tensors stored in '%s' need %s so far, but it holds %s", pm, sz, cap);
            diag_note(c->dc, dg, el->loc, "memory '%s' is declared here", el->name);
            diag_emit(c->dc, dg);
        }
        reside(c, a->tensor, a->dst[i]);
    }
}

static void do_transfer(mcheck *c, const ir_action *a) {
    const ir_tensor *t = &c->m->wl->tensors[a->tensor];
    const ir_system *s = c->m->sys;
    int there = 0;
    for (int64_t i = 0; i < a->nsrc && !there; i++) there = rset_has(&c->res, key(a->tensor, a->src[i]));
    if (!there) {
        char ps[512];
        ir_unit_path(s, a->src[0], ps, sizeof ps);
        mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc, "'%s' is not in '%s'%s at this point of the mapping", t->name, ps,
                                a->nsrc > 1 ? " (or the other source memories)" : "");
        if (c->has_home[a->tensor]) {
            char ph[512];
            ir_unit_path(s, c->home[a->tensor], ph, sizeof ph);
            diag_note(c->dc, dg, t->loc, "'%s' is first in '%s'", t->name, ph);
        } else if (t->producer >= 0) {
            diag_note(c->dc, dg, c->m->wl->ops[t->producer].loc, "place '%s' before moving its output", c->m->wl->ops[t->producer].name);
        } else {
            diag_note(c->dc, dg, t->loc, "give '%s' a home first with 'store'", t->name);
        }
        diag_emit(c->dc, dg);
        return;
    }
    /* Without split every destination receives the whole tensor from source
     * i mod S.  With split the tensor is cut into max(S, D) shares and share
     * k goes from source k mod S to destination k mod D, so a destination
     * holds bytes / D. */
    double share = a->split == SPLIT_SHARE ? t->bytes / (double)a->tile[1] : a->split ? t->bytes / (double)a->ndst : t->bytes;
    char why[1200];
    mld_loc where = {0};
    int64_t npairs = a->split && a->split != SPLIT_SHARE && a->nsrc > a->ndst ? a->nsrc : a->ndst;
    for (int64_t k = 0; k < npairs; k++) {
        int64_t i = k % a->ndst;
        ir_unit src = a->src[k % a->nsrc];
        if (!check_connected(s, src, a->dst[i], why, sizeof why, &where)) {
            char ps[512], pd[512];
            ir_unit_path(s, src, ps, sizeof ps);
            ir_unit_path(s, a->dst[i], pd, sizeof pd);
            if (c->last_unconnected.line == a->loc.line && c->last_unconnected.col == a->loc.col &&
                c->last_unconnected.src == a->loc.src)
                goto failed; /* one report per statement, not per tensor */
            c->last_unconnected = a->loc;
            mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc, "no network connects '%s' to '%s' (moving '%s')", ps, pd, t->name);
            diag_note(c->dc, dg, where, "%s", why);
            diag_emit(c->dc, dg);
            goto failed;
        }
        if (!fits(c, a, a->tensor, a->dst[i], share, a->split != SPLIT_NONE, "into")) goto failed;
        reside(c, a->tensor, a->dst[i]);
    }
    return;
failed:
    /* Reported once: pretend the data arrived so dependent actions do not
     * repeat the error. */
    for (int64_t i = 0; i < a->ndst; i++) reside(c, a->tensor, a->dst[i]);
}

static void do_place(mcheck *c, const ir_action *a) {
    const ir_workload *w = c->m->wl;
    const ir_op *op = &w->ops[a->op];
    const ir_system *s = c->m->sys;
    char why[1200];
    mld_loc where = {0};
    /* an operator may be placed micro-batch by micro-batch: micro(I, M)
     * pieces of one M, in increasing I */
    int piece = a->split == SPLIT_MICRO && a->tile[1];
    if (c->placed[a->op] && c->place_loc[a->op].line) {
        if (piece && c->piece_m[a->op] == a->tile[0] && a->tile[1] - 1 > c->piece_i[a->op]) {
            c->placed[a->op]++;
            c->piece_i[a->op] = a->tile[1] - 1;
            c->place_loc[a->op] = a->loc;
            return; /* its inputs were checked with the first piece */
        }
        mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc, "operator '%s' is placed twice", op->name);
        diag_note(c->dc, dg, c->place_loc[a->op],
                  piece ? "placed before here; micro-batch pieces need one M and increasing indices"
                        : "first placed here; split one placement over more units instead");
        diag_emit(c->dc, dg);
        return;
    }
    c->placed[a->op] = 1; /* even when an input fails below: no follow-on errors */
    c->piece_m[a->op] = piece ? a->tile[0] : 0;
    c->piece_i[a->op] = piece ? a->tile[1] - 1 : 0;
    c->place_loc[a->op] = a->loc;
    for (int j = 0; j < op->ninputs; j++) {
        int t = op->inputs[j];
        const ir_tensor *tt = &w->tensors[t];
        int64_t missing = 0;
        ir_unit first = {0, 0};
        for (int64_t u = 0; u < a->nunits; u++) {
            ir_unit mem;
            if (!check_local_memory(s, a->units[u], &mem)) {
                char pu[512];
                ir_unit_path(s, a->units[u], pu, sizeof pu);
                diag_error(c->dc, a->loc, "'%s' has no memory in its level or above to hold the operands of '%s'", pu, op->name);
                return;
            }
            if (!rset_has(&c->res, key(t, mem))) {
                if (!missing) first = mem;
                missing++;
            }
        }
        if (!missing) continue;
        if (!c->has_home[t]) {
            mld_diag *dg;
            if (tt->producer >= 0 && !c->placed[tt->producer]) {
                dg = diag_new(c->dc, DIAG_ERROR, a->loc, "'%s' reads '%s' before its producer is placed", op->name, tt->name);
                diag_note(c->dc, dg, w->ops[tt->producer].loc, "'%s' must be placed earlier in the mapping", w->ops[tt->producer].name);
            } else {
                dg = diag_new(c->dc, DIAG_ERROR, a->loc, "'%s' reads '%s', which the mapping never puts in any memory",
                              op->name, tt->name);
                diag_note(c->dc, dg, tt->loc, "give it a home with 'store %s in MEMORY' or move it with 'transfer'", tt->name);
            }
            diag_emit(c->dc, dg);
            continue;
        }
        /* infer a transfer from the tensor's first home */
        ir_unit from = c->home[t];
        ir_unit *dst = arena_alloc(&c->d->mem, sizeof(ir_unit) * (size_t)missing);
        int64_t nd = 0;
        for (int64_t u = 0; u < a->nunits; u++) {
            ir_unit mem;
            check_local_memory(s, a->units[u], &mem);
            if (rset_has(&c->res, key(t, mem))) continue;
            int dup = 0;
            for (int64_t k = 0; k < nd && !dup; k++) dup = dst[k].inst == mem.inst && dst[k].elem == mem.elem;
            if (dup) continue;
            if (!check_connected(s, from, mem, why, sizeof why, &where)) {
                char ps[512], pd[512];
                ir_unit_path(s, from, ps, sizeof ps);
                ir_unit_path(s, mem, pd, sizeof pd);
                mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc, "'%s' needs '%s' from '%s', but no network connects it to '%s'",
                                        op->name, tt->name, ps, pd);
                diag_note(c->dc, dg, where, "%s", why);
                diag_emit(c->dc, dg);
                reside(c, t, mem);
                continue;
            }
            if (!fits(c, a, t, mem, tt->bytes, 0, "into")) {
                reside(c, t, mem);
                continue;
            }
            dst[nd++] = mem;
        }
        if (!c->warned[a->op]) {
            c->warned[a->op] = 1;
            char ps[512], pd[512];
            ir_unit_path(s, from, ps, sizeof ps);
            ir_unit_path(s, first, pd, sizeof pd);
            diag_warning(c->dc, a->loc, "'%s' reads '%s', which the mapping never moved to '%s'; inferred transfer from '%s'%s",
                         op->name, tt->name, pd, ps,
                         nd > 1 ? arena_printf(&c->d->mem, " (and to %lld more memories)", (long long)nd - 1) : "");
        }
        if (!nd) continue;
        ir_action inf;
        memset(&inf, 0, sizeof inf);
        inf.kind = ACT_TRANSFER;
        inf.loc = a->loc;
        inf.op = -1;
        inf.tensor = t;
        inf.src = arena_alloc(&c->d->mem, sizeof(ir_unit));
        inf.src[0] = from;
        inf.nsrc = 1;
        inf.dst = dst;
        inf.ndst = nd;
        inf.inferred = 1;
        emit(c, &inf);
        for (int64_t k = 0; k < nd; k++) reside(c, t, dst[k]);
    }
    /* the output lands in each unit's local memory */
    const ir_tensor *o = &w->tensors[op->output];
    int partial = a->split != SPLIT_NONE && a->split != SPLIT_INNER; /* inner: a whole partial sum */
    double share = partial ? o->bytes / (double)a->nunits : o->bytes;
    for (int64_t u = 0; u < a->nunits; u++) {
        ir_unit mem;
        if (!check_local_memory(s, a->units[u], &mem)) continue;
        if (!fits(c, a, op->output, mem, share, partial, "into")) break;
        reside(c, op->output, mem);
    }
    c->placed[a->op] = 1;
}

/* Is instance `inst` (or one of its ancestors) among the sync's units? */
static int in_units(const ir_system *s, const ir_action *sy, uint64_t inst) {
    ir_step st[256];
    int n = ir_inst_steps(s, inst, st, 256);
    for (int64_t i = 0; i < sy->nunits; i++)
        for (int k = 0; k < n; k++)
            if (st[k].inst == sy->units[i].inst) return 1;
    return 0;
}

static void do_sync(mcheck *c, const ir_action *a, int64_t index) {
    const ir_system *s = c->m->sys;
    const ir_workload *w = c->m->wl;
    char why[1200];
    mld_loc where = {0};
    for (int64_t i = 1; i < a->nunits; i++) {
        if (!check_connected(s, a->units[0], a->units[i], why, sizeof why, &where)) {
            mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc, "this sync can never complete: its participants are not connected");
            diag_note(c->dc, dg, where, "%s", why);
            diag_emit(c->dc, dg);
            return;
        }
    }
    for (int j = 0; j < a->nafter; j++) {
        int op = a->after[j];
        if (c->placed[op]) continue;
        if (c->last_place[op] < 0) {
            mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc, "this sync can never complete: it waits for '%s', which is never placed",
                                    w->ops[op].name);
            diag_note(c->dc, dg, w->ops[op].loc, "'%s' is declared here", w->ops[op].name);
            diag_emit(c->dc, dg);
            return;
        }
        /* placed later: a deadlock when one of our own units runs it */
        const ir_mapping *m = c->m;
        for (int64_t k = index + 1; k < m->nactions; k++) {
            const ir_action *p = &m->actions[k];
            if (p->kind != ACT_PLACE || p->op != op) continue;
            for (int64_t u = 0; u < p->nunits; u++)
                if (in_units(s, a, p->units[u].inst)) {
                    char pu[512];
                    ir_unit_path(s, p->units[u], pu, sizeof pu);
                    mld_diag *dg = diag_new(c->dc, DIAG_ERROR, a->loc,
                                            "this sync can never complete: it waits for '%s', which '%s' runs only after the sync",
                                            w->ops[op].name, pu);
                    diag_note(c->dc, dg, p->loc, "'%s' is placed here, later in the mapping", w->ops[op].name);
                    diag_emit(c->dc, dg);
                    return;
                }
        }
    }
}

static void check_mapping(ir_design *d, ir_mapping *m, diag_ctx *dc) {
    mcheck c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.m = m;
    c.dc = dc;
    int nt = m->wl->ntensors, no = m->wl->nops;
    c.home = calloc((size_t)nt + 1, sizeof *c.home);
    c.has_home = calloc((size_t)nt + 1, sizeof *c.has_home);
    c.placed = calloc((size_t)no + 1, sizeof *c.placed);
    c.warned = calloc((size_t)no + 1, sizeof *c.warned);
    c.place_loc = calloc((size_t)no + 1, sizeof *c.place_loc);
    c.piece_m = calloc((size_t)no + 1, sizeof *c.piece_m);
    c.piece_i = calloc((size_t)no + 1, sizeof *c.piece_i);
    if (!c.piece_m || !c.piece_i) mem_fail(0);
    c.last_place = malloc(((size_t)no + 1) * sizeof *c.last_place);
    if (!c.home || !c.has_home || !c.placed || !c.warned || !c.last_place || !c.place_loc) mem_fail(0);
    for (int i = 0; i < no; i++) c.last_place[i] = -1;
    for (int64_t i = 0; i < m->nactions; i++)
        if (m->actions[i].kind == ACT_PLACE) c.last_place[m->actions[i].op] = i;
    int before = dc->nerrors;
    for (int64_t i = 0; i < m->nactions && !diag_full(dc); i++) {
        const ir_action *a = &m->actions[i];
        switch (a->kind) {
        case ACT_STORE: do_store(&c, a); break;
        case ACT_TRANSFER: do_transfer(&c, a); break;
        case ACT_PLACE: do_place(&c, a); break;
        case ACT_SYNC: do_sync(&c, a, i); break;
        }
        emit(&c, a);
    }
    /* operators never placed: one error per mapping, a note per op (capped) */
    int nun = 0;
    for (int i = 0; i < no; i++) nun += c.last_place[i] < 0;
    if (nun && !diag_full(dc)) {
        char names[200];
        int len = 0, listed = 0;
        for (int i = 0; i < no && listed < 3 && len < 150; i++)
            if (c.last_place[i] < 0)
                len += snprintf(names + len, sizeof names - (size_t)len, "%s'%s'", listed++ ? ", " : "", m->wl->ops[i].name);
        names[len] = 0;
        mld_diag *dg = diag_new(dc, DIAG_ERROR, m->loc, "in mapping '%s', %d of the %d operators of '%s' %s never placed: %s%s", m->name,
                                nun, no, m->wl->name, nun == 1 ? "is" : "are", names, nun > listed ? ", ..." : "");
        int shown = 0;
        for (int i = 0; i < no && shown < 5; i++)
            if (c.last_place[i] < 0) {
                diag_note(dc, dg, m->wl->ops[i].loc, "'%s' is never placed", m->wl->ops[i].name);
                shown++;
            }
        if (nun > shown) diag_note(dc, dg, m->loc, "... and %d more", nun - shown);
        diag_emit(dc, dg);
    }
    /* operators placed in pieces must cover every micro-batch */
    for (int i = 0; i < no && !diag_full(dc); i++)
        if (c.piece_m[i] && c.placed[i] < c.piece_m[i])
            diag_error(dc, c.place_loc[i], "operator '%s' is placed for %d of its %lld micro-batches", m->wl->ops[i].name,
                       c.placed[i], (long long)c.piece_m[i]);
    if (dc->nerrors == before) {
        m->actions = c.out;
        m->nactions = c.nout;
        m->cap = c.capout;
    }
    rset_free(&c.res);

    free(c.usage);
    free(c.home);
    free(c.has_home);
    free(c.placed);
    free(c.warned);
    free(c.place_loc);
    free(c.piece_m);
    free(c.piece_i);
    free(c.last_place);
}

void check_design(ir_design *d, diag_ctx *dc) {
    for (int i = 0; i < d->nmappings && !diag_full(dc); i++) check_mapping(d, d->mappings[i], dc);
    if (d->explore) {
        /* every varied mapping and system must exist (checked in lowering);
         * an explore block that varies nothing and optimises nothing is
         * almost certainly unfinished */
        if (d->explore->nobj == 0)
            diag_warning(dc, d->explore->loc, "this explore block has no objective ('minimize' or 'maximize')");
    }
}
