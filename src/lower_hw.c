/* lower_hw.c - lowering of level templates and systems.
 *
 * A level template is instantiated once per distinct argument list (the
 * instantiation key); its body declares elements (compute and memory with
 * their attribute blocks), child level matrices, networks with their links,
 * and attachments.  Instance ids are laid out depth first (ir.h), so a child
 * matrix is an offset and a stride within its parent.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"
#include "parser.h"

/* ------------------------------------------------------------------ */
/* Attribute blocks                                                    */
/* ------------------------------------------------------------------ */

typedef struct attrspec {
    const char *name;
    units_dim dim;
    double *slot;
    int required;
    int alt;           /* index of an alternative spelling's spec that also satisfies required */
    mld_loc loc;
    int set;
    units_dim dim2;    /* a second accepted dimension (rate per cycle), if has2 */
    int has2, used2;
} attrspec;

#define D6 units_make

/* Evaluate an attribute block against specs.  Unknown names get a
 * suggestion; `ops` (an identifier) is handled by the caller via *ops. */
static int attrs(lower *L, scope *s, const ast *blk, attrspec *sp, int nsp, const char *what,
                 const char *name, const ast **ops) {
    int unknown = 0;
    if (!blk) return 0;
    for (int i = 0; i < blk->list.n; i++) {
        const ast *st = blk->list.v[i];
        if (st->kind == AST_LET) {
            lower_control(L, s, st, NULL);
            continue;
        }
        if (st->kind != AST_ATTR) {
            if ((st->kind == AST_LINK || st->kind == AST_FOR || st->kind == AST_IF) && strcmp(what, "network") == 0)
                continue; /* read by net_stmt */
            lower_misplaced(L, st, arena_printf(&L->tmp, "in a %s block", what));
            continue;
        }
        if (ops && strcmp(st->name, "ops") == 0) {
            *ops = st->a;
            continue;
        }
        int k = -1;
        for (int j = 0; j < nsp; j++)
            if (strcmp(sp[j].name, st->name) == 0) k = j;
        if (k < 0) {
            suggest sg;
            suggest_init(&sg, st->name);
            for (int j = 0; j < nsp; j++) suggest_add(&sg, sp[j].name);
            if (ops) suggest_add(&sg, "ops");
            char buf[160];
            ERR(L, st->b->loc, "%s '%s' has no attribute '%s'%s", what, name, st->name, suggest_text(&sg, buf, sizeof buf));
            unknown++;
            continue;
        }
        if (sp[k].set) {
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, st->b->loc, "attribute '%s' is set twice", st->name);
            diag_note(L->dc, dg, sp[k].loc, "first set here");
            diag_emit(L->dc, dg);
            continue;
        }
        sp[k].set = 1;
        sp[k].loc = st->b->loc;
        value v = lower_eval(L, s, st->a);
        if (v.k == V_ERR) continue;
        if (v.k != V_NUM) {
            ERR(L, st->a->loc, "'%s' must be %s, found %s", st->name, lower_dim_text(L, sp[k].dim), lower_vkind_name(v.k));
            continue;
        }
        if (sp[k].has2 && units_eq(v.dim, sp[k].dim2)) {
            sp[k].used2 = 1;
        } else if (!units_eq(v.dim, sp[k].dim)) {
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, st->a->loc, "'%s' of %s '%s' must be %s, found %s",
                                    st->name, what, name, lower_dim_text(L, sp[k].dim), lower_dim_text(L, v.dim));
            diag_emit(L->dc, dg);
            continue;
        }
        if (v.num < 0 || !isfinite(v.num)) {
            ERR(L, st->a->loc, "'%s' must not be negative", st->name);
            continue;
        }
        /* rates and capacities divide work: zero would mean infinitely slow */
        static const char *const positive[] = {"rate", "clock", "size", "bandwidth", "ports", "fanout", NULL};
        int must = 0;
        for (int j = 0; positive[j]; j++) must |= strcmp(positive[j], st->name) == 0;
        if (must && v.num == 0) {
            ERR(L, st->a->loc, "'%s' must be greater than zero", st->name);
            continue;
        }
        *sp[k].slot = v.num;
    }
    return unknown;
}

static void require_attrs(lower *L, attrspec *sp, int nsp, const char *what, const char *name, mld_loc loc,
                          int unknown) {
    if (unknown) return; /* a misspelt attribute was reported; do not ask for it again */
    for (int j = 0; j < nsp; j++)
        if (sp[j].required && !sp[j].set && !(sp[j].alt > 0 && sp[sp[j].alt].set))
            ERR(L, loc, "%s '%s' needs a '%s'", what, name, sp[j].name);
}

/* ------------------------------------------------------------------ */
/* Levels                                                              */
/* ------------------------------------------------------------------ */


/* Expand a relative selection of one child matrix into network nodes. */
typedef struct nodelist {
    ir_node *v;
    int64_t n, cap;
} nodelist;

static void nodes_push(lower *L, nodelist *nl, ir_node nd) {
    if (nl->n == nl->cap) {
        int64_t cap = nl->cap ? nl->cap * 2 : 16;
        ir_node *v = arena_alloc(&L->tmp, (size_t)cap * sizeof *v);
        if (nl->n) memcpy(v, nl->v, (size_t)nl->n * sizeof *v);
        nl->v = v;
        nl->cap = cap;
    }
    nl->v[nl->n++] = nd;
}

/* An `efficiency` attribute (the sustained fraction of a peak rate or
 * bandwidth, see kernel.h): the factor it applies, 1 when not given. */
static double sustained(lower *L, int set, mld_loc loc, double eff) {
    if (!set) return 1;
    if (eff <= 0 || eff > 1) {
        ERR(L, loc, "an efficiency is a fraction of the peak: greater than 0 and at most 1, found %g", eff);
        return 1;
    }
    return eff;
}

static void level_element(lower *L, scope *s, const ast *st) {
    lbuild *lb = L->lb;
    ir_level *lv = lb->lv;
    GROW(L, lv->elems, lv->nelems, lb->capelems);
    ir_elem *el = &lv->elems[lv->nelems];
    memset(el, 0, sizeof *el);
    el->name = arena_strdup(L->mem, st->name);
    el->loc = st->b->loc;
    el->ports = 1;
    scope *inner = lower_scope_new(L, s);
    if (st->op == KW_COMPUTE) {
        el->kind = ELEM_COMPUTE;
        double rate = 0, clock = 0;
        attrspec sp[] = {
            {"rate", D6(0, -1, 1, 0, 0, 0), &rate, 1, 0, {0}, 0, units_none(), 0, 0},
            {"clock", D6(0, -1, 0, 0, 0, 1), &clock, 0, 0, {0}, 0, units_none(), 0, 0},
            {"energy", D6(0, 0, -1, 1, 0, 0), &el->energy, 0, 0, {0}, 0, units_none(), 0, 0},
            {"area", D6(0, 0, 0, 0, 2, 0), &el->area, 0, 0, {0}, 0, units_none(), 0, 0},
            {"launch", D6(0, 1, 0, 0, 0, 0), &el->launch, 0, 0, {0}, 0, units_none(), 0, 0},
            {"efficiency", units_none(), &el->efficiency, 0, 0, {0}, 0, units_none(), 0, 0},
            {"dispatch", D6(0, 1, 0, 0, 0, 0), &el->dispatch, 0, 0, {0}, 0, units_none(), 0, 0},
            {"row_memory", D6(1, 0, 0, 0, 0, 0), &el->row_memory, 0, 0, {0}, 0, units_none(), 0, 0},
            {"units", units_none(), &el->units, 0, 0, {0}, 0, units_none(), 0, 0},
            {"static_power", D6(0, -1, 0, 1, 0, 0), &el->static_power, 0, 0, {0}, 0, units_none(), 0, 0},
        };
        /* rate may be given per cycle, with a clock */
        const ast *ops = NULL;
        sp[0].dim2 = D6(0, 0, 1, 0, 0, -1);
        sp[0].has2 = 1;
        int unk = attrs(L, inner, st->c, sp, 10, "compute element", el->name, &ops);
        require_attrs(L, sp, 10, "compute element", el->name, el->loc, unk);
        if (sp[8].set && (el->units < 1 || el->units != floor(el->units) || el->units > 1 << 20)) {
            ERR(L, sp[8].loc, "'units' must be a whole number from 1 to 2^20");
            el->units = 0;
        }
        if (sp[0].used2) {
            if (!sp[1].set && sp[0].set)
                ERR(L, sp[0].loc, "'rate' is per cycle, so compute element '%s' needs a 'clock'", el->name);
            rate *= clock;
        }
        el->rate = rate * sustained(L, sp[5].set, sp[5].loc, el->efficiency);
        if (ops) {
            if (ops->kind != AST_IDENT || (strcmp(ops->name, "matrix") && strcmp(ops->name, "vector") && strcmp(ops->name, "any")))
                ERR(L, ops->loc, "'ops' must be matrix, vector or any");
            else
                el->accepts = ops->name[0] == 'm' ? OPCLASS_MATRIX : ops->name[0] == 'v' ? OPCLASS_VECTOR : OPCLASS_ANY;
        }
    } else {
        el->kind = ELEM_MEMORY;
        double ports = 1;
        attrspec sp[] = {
            {"size", D6(1, 0, 0, 0, 0, 0), &el->size, 1, 0, {0}, 0, units_none(), 0, 0},
            {"bandwidth", D6(1, -1, 0, 0, 0, 0), &el->bandwidth, 1, 0, {0}, 0, units_none(), 0, 0},
            {"latency", D6(0, 1, 0, 0, 0, 0), &el->latency, 0, 0, {0}, 0, units_none(), 0, 0},
            {"energy", D6(-1, 0, 0, 1, 0, 0), &el->energy, 0, 0, {0}, 0, units_none(), 0, 0},
            {"ports", units_none(), &ports, 0, 0, {0}, 0, units_none(), 0, 0},
            {"area", D6(0, 0, 0, 0, 2, 0), &el->area, 0, 0, {0}, 0, units_none(), 0, 0},
            {"efficiency", units_none(), &el->efficiency, 0, 0, {0}, 0, units_none(), 0, 0},
            {"write_efficiency", units_none(), &el->write_efficiency, 0, 0, {0}, 0, units_none(), 0, 0},
            {"static_power", D6(0, -1, 0, 1, 0, 0), &el->static_power, 0, 0, {0}, 0, units_none(), 0, 0},
        };
        int unk = attrs(L, inner, st->c, sp, 9, "memory", el->name, NULL);
        require_attrs(L, sp, 9, "memory", el->name, el->loc, unk);
        el->bandwidth *= sustained(L, sp[6].set, sp[6].loc, el->efficiency);
        sustained(L, sp[7].set, sp[7].loc, el->write_efficiency);
        if (ports < 1 || ports != floor(ports) || ports > 1024) {
            ERR(L, sp[4].loc, "'ports' must be a whole number from 1 to 1024");
            ports = 1;
        }
        el->ports = (int)ports;
    }
    value ref;
    memset(&ref, 0, sizeof ref);
    hwsel *h = arena_alloc(&L->tmp, sizeof *h);
    h->start = h->end = lv;
    h->elem = lv->nelems;
    h->net = -1;
    ref = lower_vhw(h);
    lower_define(L, lb->sc, el->name, ref, el->loc, st->op == KW_COMPUTE ? "compute element" : "memory");
    lv->nelems++;
}

static void level_child(lower *L, scope *s, const ast *st) {
    lbuild *lb = L->lb;
    ir_level *lv = lb->lv;
    /* peel [dims] off the type expression */
    const ast *t = st->a;
    const ast *dimx[IR_MAX_DIMS + 1];
    int nd = 0;
    while (t->kind == AST_INDEX) {
        if (nd == IR_MAX_DIMS) {
            ERR(L, t->loc, "a space matrix has at most %d dimensions", IR_MAX_DIMS);
            return;
        }
        dimx[nd++] = t->b;
        t = t->a;
    }
    int64_t dims[IR_MAX_DIMS];
    int64_t count = 1;
    int ok = 1;
    for (int i = 0; i < nd; i++) {
        const ast *dx = dimx[nd - 1 - i];
        if (dx->kind == AST_STAR || dx->kind == AST_RANGE) {
            ERR(L, dx->loc, "a space matrix dimension must be a number");
            ok = 0;
            continue;
        }
        if (!lower_eval_int(L, s, dx, &dims[i])) {
            ok = 0;
            continue;
        }
        if (dims[i] < 1) {
            ERR(L, dx->loc, "a space matrix dimension must be at least 1, found %lld", (long long)dims[i]);
            ok = 0;
            continue;
        }
        if (dims[i] > (INT64_C(1) << MLDC_MAX_INSTANCES_LOG2) || count > (INT64_C(1) << MLDC_MAX_INSTANCES_LOG2) / dims[i]) {
            ERR(L, st->a->loc, "space matrix '%s' has more than 2^%d instances", st->name, MLDC_MAX_INSTANCES_LOG2);
            ok = 0;
            break;
        }
        count *= dims[i];
    }
    value tv = lower_eval(L, s, t);
    if (tv.k == V_ERR || !ok) return;
    if (tv.k != V_LEVELT) {
        ERR(L, t->loc, "'%s' must be a level, found %s", st->name, lower_vkind_name(tv.k));
        return;
    }
    int before = L->dc->nerrors;
    ir_level *ct = lower_instantiate_level(L, tv, t->loc);
    if (!ct) return;
    uint64_t limit = UINT64_C(1) << MLDC_MAX_INSTANCES_LOG2;
    if (L->dc->nerrors == before && (uint64_t)count > limit / ct->ninst) {
        ERR(L, st->a->loc, "space matrix '%s' makes more than 2^%d level instances", st->name, MLDC_MAX_INSTANCES_LOG2);
        return;
    }
    GROW(L, lv->children, lv->nchildren, lb->capchildren);
    ir_child *ch = &lv->children[lv->nchildren];
    memset(ch, 0, sizeof *ch);
    ch->name = arena_strdup(L->mem, st->name);
    ch->loc = st->b->loc;
    ch->type = ct;
    ch->ndims = nd;
    memcpy(ch->dims, dims, sizeof(int64_t) * (size_t)nd);
    ch->count = count;
    hwsel *h = arena_alloc(&L->tmp, sizeof *h);
    h->start = lv;
    h->end = ct;
    h->elem = -1;
    h->net = -1;
    h->steps = arena_alloc(&L->tmp, sizeof(hwstep));
    h->steps[0].child = lv->nchildren;
    h->nsteps = 1;
    lv->nchildren++;
    lower_define(L, lb->sc, ch->name, lower_vhw(h), ch->loc, "child");
}

/* Nodes of a relative selection of this level's children (one step). */
static int level_nodes(lower *L, value v, const ast *where, nodelist *out) {
    if (v.k == V_ERR) return 0;
    if (v.k != V_HW || v.hw->sys || v.hw->nsteps != 1 || v.hw->elem >= 0 || v.hw->net >= 0 || v.hw->start != L->lb->lv) {
        ERR(L, where->loc, "expected children of this level (e.g. core[*][*]), found %s",
            v.k == V_HW ? (v.hw->elem >= 0 ? "an element" : "a deeper reference") : lower_vkind_name(v.k));
        return 0;
    }
    const ir_child *ch = &L->lb->lv->children[v.hw->steps[0].child];
    int64_t n = lower_step_count(ch, &v.hw->steps[0]);
    /* the node list and the network's copy of it */
    size_t need = (size_t)n * sizeof(ir_node) * 2;
    if (mem_would_exceed(need)) {
        char a[32], b[32];
        mem_format_size(need, a, sizeof a);
        mem_format_size(mem_limit(), b, sizeof b);
        ERR(L, where->loc, "a network over these %lld nodes would need %s for its node list, more than the memory "
                           "limit of %s (--max-memory)", (long long)n, a, b);
        return 0;
    }
    if (n > MAX_STEPS) {
        ERR(L, where->loc, "a network over these %lld nodes is larger than the %d nodes one network may have",
            (long long)n, MAX_STEPS);
        return 0;
    }
    if (!lower_budget(L, where->loc, n)) return 0;
    for (int64_t j = 0; j < n; j++) {
        int64_t flat = lower_step_flat(ch, &v.hw->steps[0], j);
        nodes_push(L, out, (ir_node){v.hw->steps[0].child, flat});
    }
    return 1;
}

static int64_t node_find(const ir_net *net, ir_node nd) {
    for (int64_t i = 0; i < net->nnodes; i++)
        if (net->nodes[i].child == nd.child && net->nodes[i].index == nd.index) return i;
    return -1;
}

static void net_stmt(lower *L, scope *s, const ast *lk) {
    ir_net *net = L->net;
    if (lk->kind == AST_ATTR) return; /* read by attrs() */
    if (lk->kind != AST_LINK) {
        lower_misplaced(L, lk, "in a network block");
        return;
    }
    if (net->topo != TOPO_CUSTOM) {
        ERR(L, lk->loc, "'link' statements belong in a custom() network; '%s' is a %s", net->name, lower_topo_names[net->topo]);
        return;
    }
    nodelist a = {0}, b = {0};
    if (!level_nodes(L, lower_eval(L, s, lk->a), lk->a, &a) || !level_nodes(L, lower_eval(L, s, lk->b), lk->b, &b)) return;
    if (a.n != 1 || b.n != 1) {
        ERR(L, lk->loc, "a link joins exactly two nodes; use a 'for' loop for many");
        return;
    }
    int64_t ia = node_find(net, a.v[0]), ib = node_find(net, b.v[0]);
    if (ia < 0 || ib < 0) {
        ERR(L, ia < 0 ? lk->a->loc : lk->b->loc, "this node is not part of network '%s'", net->name);
        return;
    }
    if (ia == ib) {
        ERR(L, lk->loc, "a link must join two different nodes");
        return;
    }
    double bw = 0;
    attrspec lsp[] = {{"bandwidth", D6(1, -1, 0, 0, 0, 0), &bw, 0, 0, {0}, 0, units_none(), 0, 0}};
    attrs(L, lower_scope_new(L, s), lk->c, lsp, 1, "link", net->name, NULL);
    int n = (int)net->nlinks;
    GROW(L, net->links, n, L->caplinks);
    net->links[n++] = (ir_link){ia, ib, bw};
    net->nlinks = n;
}

static void level_network(lower *L, scope *s, const ast *st) {
    lbuild *lb = L->lb;
    ir_level *lv = lb->lv;
    const ast *call = st->a;
    if (call->kind != AST_CALL) {
        ERR(L, call->loc, "a network is a topology over children, e.g. mesh(core)");
        return;
    }
    /* a topology name here means the topology, even if a user name shadows it */
    value tv;
    int topo = call->a->kind == AST_IDENT ? lower_find_name(lower_topo_names, TOPO_COUNT, call->a->name) : -1;
    if (topo >= 0) {
        memset(&tv, 0, sizeof tv);
        tv.k = V_TOPO;
        tv.code = topo;
    } else {
        tv = lower_eval(L, s, call->a);
    }
    if (tv.k == V_ERR) return;
    if (tv.k != V_TOPO) {
        suggest sg;
        suggest_init(&sg, call->a->kind == AST_IDENT ? call->a->name : "");
        for (int i = 0; i < TOPO_COUNT; i++) suggest_add(&sg, lower_topo_names[i]);
        char buf[120];
        ERR(L, call->a->loc, "expected a topology (mesh, torus, ring, bus, crossbar, switch, fully_connected, tree, custom), found %s%s",
            lower_vkind_name(tv.k), suggest_text(&sg, buf, sizeof buf));
        return;
    }
    ir_net net;
    memset(&net, 0, sizeof net);
    net.name = arena_strdup(L->mem, st->name);
    net.loc = st->b->loc;
    net.topo = (ir_topo)tv.code;
    net.fanout = 2;
    nodelist nl = {0};
    if (call->list.n == 0) {
        ERR(L, call->loc, "%s() needs the children it connects, e.g. %s(core)", lower_topo_names[net.topo], lower_topo_names[net.topo]);
        return;
    }
    for (int i = 0; i < call->list.n; i++) {
        const ast *arg = call->list.v[i];
        if (arg->kind == AST_NAMEDARG) {
            ERR(L, arg->loc, "topology arguments are children; set '%s' in the network's block", arg->name);
            continue;
        }
        value v = lower_eval(L, s, arg);
        if (!level_nodes(L, v, arg, &nl)) return;
        if (net.topo == TOPO_MESH || net.topo == TOPO_TORUS) {
            if (call->list.n != 1) {
                ERR(L, call->loc, "%s() spans exactly one space matrix", lower_topo_names[net.topo]);
                return;
            }
            const ir_child *ch = &lv->children[v.hw->steps[0].child];
            const hwstep *hs = &v.hw->steps[0];
            net.ndims = ch->ndims ? ch->ndims : 1;
            for (int d = 0; d < ch->ndims; d++)
                net.dims[d] = d < hs->ndone ? hs->hi[d] - hs->lo[d] : ch->dims[d];
            if (!ch->ndims) net.dims[0] = 1;
        }
    }
    for (int64_t i = 0; i < nl.n; i++)
        for (int64_t j = 0; j < i && nl.n < 4096; j++)
            if (nl.v[i].child == nl.v[j].child && nl.v[i].index == nl.v[j].index) {
                ERR(L, call->loc, "network '%s' lists the same child twice", net.name);
                return;
            }
    net.nodes = arena_alloc(L->mem, sizeof(ir_node) * (size_t)(nl.n + 1));
    memcpy(net.nodes, nl.v, sizeof(ir_node) * (size_t)nl.n);
    net.nnodes = nl.n;
    if (net.topo == TOPO_RING || net.topo == TOPO_MESH || net.topo == TOPO_TORUS || net.topo == TOPO_TREE) {
        net.ndims = net.ndims ? net.ndims : 1;
        if (net.topo != TOPO_MESH && net.topo != TOPO_TORUS) net.dims[0] = net.nnodes;
    }
    double fanout = 2;
    attrspec sp[] = {
        {"bandwidth", D6(1, -1, 0, 0, 0, 0), &net.bandwidth, 1, 0, {0}, 0, units_none(), 0, 0},
        {"hop", D6(0, 1, 0, 0, 0, 0), &net.hop, 0, 0, {0}, 0, units_none(), 0, 0},
        {"energy", D6(-1, 0, 0, 1, 0, 0), &net.energy, 0, 0, {0}, 0, units_none(), 0, 0},
        {"area", D6(0, 0, 0, 0, 2, 0), &net.area, 0, 0, {0}, 0, units_none(), 0, 0},
        {"fanout", units_none(), &fanout, 0, 0, {0}, 0, units_none(), 0, 0},
        {"efficiency", units_none(), &net.efficiency, 0, 0, {0}, 0, units_none(), 0, 0},
        {"static_power", D6(0, -1, 0, 1, 0, 0), &net.static_power, 0, 0, {0}, 0, units_none(), 0, 0},
    };
    scope *inner = lower_scope_new(L, s);
    int unk = attrs(L, inner, st->c, sp, 7, "network", net.name, NULL);
    require_attrs(L, sp, 7, "network", net.name, net.loc, unk);
    double eff = sustained(L, sp[5].set, sp[5].loc, net.efficiency);
    net.bandwidth *= eff;
    if (sp[4].set && (fanout < 2 || fanout != floor(fanout) || fanout > 1 << 20)) {
        ERR(L, sp[4].loc, "'fanout' must be a whole number of at least 2");
        fanout = 2;
    }
    if (sp[4].set && net.topo != TOPO_TREE) ERR(L, sp[4].loc, "'fanout' applies to tree networks only");
    net.fanout = (int)fanout;
    /* explicit links, possibly written with for/if */
    L->net = &net;
    L->caplinks = 0;
    lower_body(L, lower_scope_new(L, s), st->c, net_stmt);
    L->net = NULL;
    for (int64_t i = 0; i < net.nlinks; i++) net.links[i].bandwidth *= eff; /* links given their own */
    GROW(L, lv->nets, lv->nnets, lb->capnets);
    lv->nets[lv->nnets] = net;
    hwsel *h = arena_alloc(&L->tmp, sizeof *h);
    h->start = h->end = lv;
    h->elem = -1;
    h->net = lv->nnets;
    lv->nnets++;
    lower_define(L, lb->sc, net.name, lower_vhw(h), net.loc, "network");
}

/* Statements inside a network lower_body (other than attributes and links) are
 * evaluated in level_network; `for` over links is allowed there too. */

static void level_attach(lower *L, scope *s, const ast *st) {
    lbuild *lb = L->lb;
    ir_level *lv = lb->lv;
    int elem = -2;
    if (st->a->kind == AST_IDENT && strcmp(st->a->name, "parent") == 0 && !lower_scope_find(s, "parent")) {
        elem = -1;
    } else {
        value v = lower_eval(L, s, st->a);
        if (v.k == V_ERR) return;
        if (v.k != V_HW || v.hw->start != lv || v.hw->nsteps || v.hw->elem < 0) {
            ERR(L, st->a->loc, "'attach' takes an element of this level or 'parent', found %s",
                v.k == V_HW ? "a child or network" : lower_vkind_name(v.k));
            return;
        }
        elem = v.hw->elem;
    }
    value nv = lower_eval(L, s, st->b);
    if (nv.k == V_ERR) return;
    if (nv.k != V_HW || nv.hw->start != lv || nv.hw->net < 0) {
        ERR(L, st->b->loc, "expected a network of this level after 'to', found %s", lower_vkind_name(nv.k));
        return;
    }
    ir_net *net = &lv->nets[nv.hw->net];
    ir_attach at;
    memset(&at, 0, sizeof at);
    at.elem = elem;
    at.net = nv.hw->net;
    at.loc = st->loc;
    if (st->c) {
        nodelist nl = {0};
        if (!level_nodes(L, lower_eval(L, s, st->c), st->c, &nl)) return;
        at.at = arena_alloc(L->mem, sizeof(int64_t) * (size_t)(nl.n + 1));
        for (int64_t i = 0; i < nl.n; i++) {
            int64_t k = node_find(net, nl.v[i]);
            if (k < 0) {
                ERR(L, st->c->loc, "this node is not part of network '%s'", net->name);
                return;
            }
            at.at[at.nat++] = k;
        }
        if (elem == -1 && at.nat != 1) {
            ERR(L, st->c->loc, "'attach parent' needs exactly one node, found %lld", (long long)at.nat);
            return;
        }
    } else {
        if (elem == -1 || net->topo == TOPO_MESH || net->topo == TOPO_TORUS || net->topo == TOPO_RING ||
            net->topo == TOPO_TREE || net->topo == TOPO_CUSTOM) {
            ERR(L, st->loc, "attaching to %s network '%s' needs 'at' to name its node(s)",
                lower_topo_names[net->topo], net->name);
            return;
        }
        /* the element becomes a port of its own on the shared network */
        ir_node *nodes = arena_alloc(L->mem, sizeof(ir_node) * (size_t)(net->nnodes + 1));
        memcpy(nodes, net->nodes, sizeof(ir_node) * (size_t)net->nnodes);
        nodes[net->nnodes] = (ir_node){-1, elem};
        net->nodes = nodes;
        at.at = arena_alloc(L->mem, sizeof(int64_t));
        at.at[0] = net->nnodes++;
        at.nat = 1;
    }
    for (int i = 0; i < lv->nattaches; i++)
        if (lv->attaches[i].elem == elem && lv->attaches[i].net == at.net) {
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, st->loc, "%s is attached to '%s' twice",
                                    elem < 0 ? "'parent'" : arena_printf(&L->tmp, "'%s'", lv->elems[elem].name), net->name);
            diag_note(L->dc, dg, lv->attaches[i].loc, "first attached here");
            diag_emit(L->dc, dg);
            return;
        }
    if (elem == -1) {
        lv->gateway_net = at.net;
        lv->gateway_node = at.at[0];
    }
    GROW(L, lv->attaches, lv->nattaches, lb->capattaches);
    lv->attaches[lv->nattaches++] = at;
}

static void level_stmt(lower *L, scope *s, const ast *st) {
    switch (st->kind) {
    case AST_ELEMENT: level_element(L, s, st); break;
    case AST_CHILD: level_child(L, s, st); break;
    case AST_NETWORK: level_network(L, s, st); break;
    case AST_ATTACH: level_attach(L, s, st); break;
    case AST_ATTR:
        if (strcmp(st->name, "area") == 0) {
            value v = lower_eval(L, s, st->a);
            if (v.k == V_NUM && !units_eq(v.dim, D6(0, 0, 0, 0, 2, 0)))
                ERR(L, st->a->loc, "'area' of level '%s' must be an area (m2), found %s", L->lb->lv->tmpl, lower_dim_text(L, v.dim));
            else if (v.k == V_NUM)
                L->lb->lv->area += v.num;
            else if (v.k != V_ERR)
                ERR(L, st->a->loc, "'area' must be an area (m2), found %s", lower_vkind_name(v.k));
        } else {
            suggest sg;
            suggest_init(&sg, st->name);
            suggest_add(&sg, "area");
            char buf[100];
            ERR(L, st->b->loc, "a level has no attribute '%s'%s (elements are declared with 'compute' or 'memory')",
                st->name, suggest_text(&sg, buf, sizeof buf));
        }
        break;
    default: lower_misplaced(L, st, "in a level"); break;
    }
}

/* Bind a template's parameters from a call's arguments. */
/* Bind a template's parameters in `inner`: the arguments of every call in
 * the chain t (oldest first, so later calls override earlier ones), then
 * the defaults, which may use earlier parameters. */
int lower_bind_params(lower *L, scope *inner, const ast *decl, value t, const char *kind) {
    const ast *params = decl->a;
    int np = params ? params->list.n : 0;
    value *vals = arena_alloc(&L->tmp, sizeof(value) * (size_t)(np + 1));
    int *set = arena_alloc(&L->tmp, sizeof(int) * (size_t)(np + 1)); /* generation that set it */
    const ast **where = arena_alloc(&L->tmp, sizeof(ast *) * (size_t)(np + 1));
    const value *chain[MAX_TEMPLATE_DEPTH];
    int nchain = 0;
    for (const value *c = &t; c && c->call && nchain < MAX_TEMPLATE_DEPTH; c = c->prior) chain[nchain++] = c;
    int ok = 1;
    for (int g = nchain - 1; g >= 0; g--) {
        const ast *call = chain[g]->call;
        scope *outer = chain[g]->cs ? chain[g]->cs : L->globals;
        int gen = nchain - g, positional = 0;
        for (int i = 0; i < call->list.n; i++) {
            const ast *arg = call->list.v[i];
            int k = -1;
            if (arg->kind == AST_NAMEDARG) {
                for (int j = 0; j < np; j++)
                    if (strcmp(((ast *)params->list.v[j])->name, arg->name) == 0) k = j;
                if (k < 0) {
                    suggest sg;
                    suggest_init(&sg, arg->name);
                    for (int j = 0; j < np; j++) suggest_add(&sg, ((ast *)params->list.v[j])->name);
                    char buf[120];
                    ERR(L, arg->b->loc, "%s '%s' has no parameter '%s'%s", kind, decl->name, arg->name,
                        suggest_text(&sg, buf, sizeof buf));
                    ok = 0;
                    continue;
                }
            } else {
                k = positional++;
                if (k >= np) {
                    ERR(L, arg->loc, "%s '%s' takes %d parameter%s", kind, decl->name, np, np == 1 ? "" : "s");
                    ok = 0;
                    continue;
                }
            }
            if (set[k] == gen) {
                ERR(L, arg->loc, "parameter '%s' is given twice", ((ast *)params->list.v[k])->name);
                ok = 0;
                continue;
            }
            vals[k] = lower_eval(L, outer, arg->kind == AST_NAMEDARG ? arg->a : arg);
            if (vals[k].k == V_ERR) ok = 0;
            set[k] = gen;
            where[k] = arg;
        }
    }
    for (int j = 0; j < np; j++) {
        const ast *p = params->list.v[j];
        if (!set[j]) {
            if (!p->a) {
                ERR(L, t.call ? t.call->loc : decl->loc, "%s '%s' needs a value for parameter '%s'", kind, decl->name, p->name);
                ok = 0;
                continue;
            }
            vals[j] = lower_eval(L, inner, p->a); /* defaults may use earlier parameters */
            if (vals[j].k == V_ERR) ok = 0;
        } else if (p->a && vals[j].k == V_NUM) {
            value def = lower_eval(L, inner, p->a);
            if (def.k == V_NUM && !units_eq(def.dim, vals[j].dim)) {
                mld_diag *dg = diag_new(L->dc, DIAG_ERROR, where[j]->loc, "parameter '%s' of %s '%s' is %s, found %s",
                                        p->name, kind, decl->name, lower_dim_text(L, def.dim), lower_dim_text(L, vals[j].dim));
                diag_note(L->dc, dg, p->loc, "'%s' is declared here", p->name);
                diag_emit(L->dc, dg);
                ok = 0;
            }
        }
        lower_define(L, inner, p->name, vals[j], p->b ? p->b->loc : p->loc, "parameter");
    }
    return ok;
}

/* The cache key of an instantiation: template name and argument values,
 * whole and exact (numbers to 17 digits with their dimension, strings in
 * full), so two instances differ in key whenever they differ in any
 * argument.  *name receives the readable form used in dumps and messages
 * (numbers with a unit prefix, which may round); it is not unique. */
static const char *inst_key(lower *L, const ast *decl, scope *inner, const char **name) {
    const ast *params = decl->a;
    const char *key = decl->name, *pretty = decl->name;
    for (int j = 0; params && j < params->list.n; j++) {
        const ast *p = params->list.v[j];
        binding *b = strmap_get(&inner->map, p->name);
        const char *sep = j ? ", " : "(";
        if (b && b->v.k == V_NUM) {
            char val[64], dim[96];
            units_format_value(b->v.num, b->v.dim, val, sizeof val);
            if (b->v.is_int) snprintf(val, sizeof val, "%.17g", b->v.num);
            units_format_dim(b->v.dim, dim, sizeof dim);
            key = arena_printf(&L->tmp, "%s%s%s=%.17g %s", key, sep, p->name, b->v.num, dim);
            pretty = arena_printf(&L->tmp, "%s%s%s=%s", pretty, sep, p->name, val);
        } else if (b && (b->v.k == V_STR || b->v.k == V_MAPNAME)) {
            key = arena_printf(&L->tmp, "%s%s%s=\"%s\"", key, sep, p->name, b->v.str);
            pretty = arena_printf(&L->tmp, "%s%s%s=%s", pretty, sep, p->name, b->v.str);
        } else {
            /* no printable value: a fresh instance each time (a pointer here
             * would make level names, and so dumps, differ run to run) */
            int ref = ++L->nrefs;
            key = arena_printf(&L->tmp, "%s%s%s=<ref %d>", key, sep, p->name, ref);
            pretty = arena_printf(&L->tmp, "%s%s%s=<ref %d>", pretty, sep, p->name, ref);
        }
    }
    if (params && params->list.n) {
        key = arena_printf(&L->tmp, "%s)", key);
        pretty = arena_printf(&L->tmp, "%s)", pretty);
    }
    *name = pretty;
    return key;
}

ir_level *lower_instantiate_level(lower *L, value t, mld_loc use) {
    const ast *decl = t.decl;
    if (L->tdepth >= MAX_TEMPLATE_DEPTH) {
        mld_diag *dg = diag_new(L->dc, DIAG_ERROR, use,
                                "level templates nest deeper than %d; does '%s' instantiate itself without a base case?",
                                MAX_TEMPLATE_DEPTH, decl->name);
        diag_note(L->dc, dg, decl->b->loc, "'%s' is defined here", decl->name);
        diag_emit(L->dc, dg);
        return NULL;
    }
    scope *inner = lower_scope_new(L, L->globals);
    if (!lower_bind_params(L, inner, decl, t, "level")) return NULL;
    const char *name;
    const char *key = inst_key(L, decl, inner, &name);
    ir_level *lv = strmap_get(&L->levels, key);
    if (lv) {
        if (lv->ninst == 0) {
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, use, "level '%s' contains itself", name);
            diag_note(L->dc, dg, decl->b->loc, "'%s' is defined here; give its recursion a base case", decl->name);
            diag_emit(L->dc, dg);
            return NULL;
        }
        return lv;
    }
    lv = arena_alloc(L->mem, sizeof *lv);
    lv->name = arena_strdup(L->mem, name);
    lv->tmpl = arena_strdup(L->mem, decl->name);
    lv->loc = decl->b->loc;
    lv->gateway_net = -1;
    strmap_put(&L->tmp, &L->levels, key, lv);
    lbuild lb;
    memset(&lb, 0, sizeof lb);
    lb.lv = lv;
    lb.sc = inner;
    lbuild *saved = L->lb;
    L->lb = &lb;
    L->tstack[L->tdepth++] = decl;
    int before = L->dc->nerrors;
    lower_body(L, inner, decl->c, level_stmt);
    L->tdepth--;
    L->lb = saved;
    /* totals */
    uint64_t ninst = 1;
    double area = lv->area;
    int depth = 1;
    for (int i = 0; i < lv->nelems; i++) area += lv->elems[i].area;
    for (int i = 0; i < lv->nnets; i++) area += lv->nets[i].area;
    for (int c = 0; c < lv->nchildren; c++) {
        ir_child *ch = &lv->children[c];
        ch->offset = ninst - 1;
        ninst += (uint64_t)ch->count * ch->type->ninst;
        area += (double)ch->count * ch->type->area;
        if (ch->type->depth + 1 > depth) depth = ch->type->depth + 1;
    }
    if (ninst > (UINT64_C(1) << MLDC_MAX_INSTANCES_LOG2)) {
        if (L->dc->nerrors == before)
            ERR(L, use, "level '%s' makes more than 2^%d instances", lv->name, MLDC_MAX_INSTANCES_LOG2);
        ninst = UINT64_C(1) << MLDC_MAX_INSTANCES_LOG2;
    }
    lv->area = area;
    lv->ninst = ninst;
    lv->depth = depth;
    if (lv->gateway_net < 0 && lv->nnets > 0) {
        lv->gateway_net = 0;
        lv->gateway_node = 0;
    }
    if (lv->nelems == 0 && lv->nchildren == 0 && L->dc->nerrors == before)
        diag_warning(L->dc, lv->loc, "level '%s' has no elements and no children", lv->name);
    GROW(L, L->d->levels, L->d->nlevels, L->cap_levels);
    lv->id = L->d->nlevels;
    L->d->levels[L->d->nlevels++] = lv;
    return lv;
}
