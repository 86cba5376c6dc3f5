/* lower_map.c - lowering of mappings, mapping templates and the explore
 * block.
 *
 * A mapping body is evaluated statement by statement; each place, transfer,
 * store, sync and call statement becomes one IR action whose operands are
 * expanded to unit lists.  The explore block lowers to parameter axes,
 * constraints and objectives.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"
#include "parser.h"

/* ------------------------------------------------------------------ */
/* Mappings                                                            */
/* ------------------------------------------------------------------ */

static ir_action *new_action(lower *L, ir_action_kind k, mld_loc loc) {
    ir_mapping *m = L->map;
    if (m->nactions == m->cap) {
        int64_t cap = m->cap ? m->cap * 2 : 16;
        ir_action *v = arena_alloc(L->mem, sizeof(ir_action) * (size_t)cap);
        if (m->nactions) memcpy(v, m->actions, sizeof(ir_action) * (size_t)m->nactions);
        m->actions = v;
        m->cap = cap;
    }
    ir_action *a = &m->actions[m->nactions++];
    memset(a, 0, sizeof *a);
    a->kind = k;
    a->loc = loc;
    a->op = a->tensor = -1;
    return a;
}

/* A mapping operand may be one reference or a list of them: flatten. */
static void flatten(lower *L, value v, ptrvec *out) {
    if (v.k == V_LIST) {
        for (int i = 0; i < v.nitems; i++) flatten(L, v.items[i], out);
        return;
    }
    value *p = arena_alloc(&L->tmp, sizeof *p);
    *p = v;
    ptrvec_push(&L->tmp, out, p);
}

typedef struct intlist {
    int *v;
    int n, cap;
} intlist;

static void ints_push(lower *L, intlist *il, int x) {
    if (il->n == il->cap) {
        int cap = il->cap ? il->cap * 2 : 16;
        int *v = arena_alloc(&L->tmp, sizeof(int) * (size_t)cap);
        if (il->n) memcpy(v, il->v, sizeof(int) * (size_t)il->n);
        il->v = v;
        il->cap = cap;
    }
    il->v[il->n++] = x;
}

/* Operators (want_tensors = 0) or tensors (1) selected by a mapping operand. */
static int map_refs(lower *L, scope *s, const ast *e, int want_tensors, intlist *out) {
    value v = lower_eval(L, s, e);
    if (v.k == V_ERR) return 0;
    ptrvec items = {0};
    flatten(L, v, &items);
    const ir_workload *w = L->map->wl;
    for (int i = 0; i < items.n; i++) {
        value *it = items.v[i];
        if (it->k == V_ERR) return 0;
        if (it->k == V_WL && it->wl->wb->w == w) {
            wlsel *ws = it->wl;
            if (ws->kind == WS_GROUP || ws->kind == WS_WORKLOAD) {
                if (!want_tensors) {
                    value all = lower_wl_collect(L, ws->wb, ws->kind == WS_GROUP ? ws->idx : -1, 0, 0);
                    for (int k = 0; k < all.wl->nset; k++) ints_push(L, out, all.wl->set[k]);
                    continue;
                }
            } else if (ws->kind == WS_OP) {
                ints_push(L, out, want_tensors ? w->ops[ws->idx].output : ws->idx);
                continue;
            } else if (ws->kind == WS_OPS) {
                for (int k = 0; k < ws->nset; k++) ints_push(L, out, want_tensors ? w->ops[ws->set[k]].output : ws->set[k]);
                continue;
            } else if (want_tensors && ws->kind == WS_TENSOR) {
                ints_push(L, out, ws->idx);
                continue;
            } else if (want_tensors && ws->kind == WS_TENSORS) {
                for (int k = 0; k < ws->nset; k++) ints_push(L, out, ws->set[k]);
                continue;
            }
        }
        const char *found = it->k != V_WL ? lower_vkind_name(it->k)
                          : it->wl->kind == WS_TENSOR || it->wl->kind == WS_TENSORS ? "tensors"
                          : it->wl->kind == WS_GROUP || it->wl->kind == WS_WORKLOAD ? "a group (use .weights, .inputs, .caches or .*)"
                          : "a reference into another workload";
        ERR(L, e->loc, "expected %s of workload '%s', found %s", want_tensors ? "tensors" : "operators", w->name, found);
        return 0;
    }
    return 1;
}

/* Hardware selected by a mapping operand (one reference or a list), rooted
 * at the mapping's system. */
static int map_hw(lower *L, scope *s, const ast *e, const char *want, ptrvec *out) {
    value v = lower_eval(L, s, e);
    if (v.k == V_ERR) return 0;
    ptrvec items = {0};
    flatten(L, v, &items);
    for (int i = 0; i < items.n; i++) {
        value *it = items.v[i];
        if (it->k == V_ERR) return 0;
        if (it->k != V_HW || it->hw->sys != L->map->sys) {
            ERR(L, e->loc, "expected %s of system '%s', found %s", want, L->map->sys->name,
                it->k == V_HW ? "hardware of another system or level" : lower_vkind_name(it->k));
            return 0;
        }
        if (lower_hw_last_open(it->hw)) {
            const ir_child *ch = lower_hw_child(it->hw, it->hw->nsteps - 1);
            ERR(L, e->loc, "'%s' is a %d-dimensional matrix; index every dimension (e.g. with [*])", ch->name, ch->ndims);
            return 0;
        }
        if (it->hw->net >= 0) {
            ERR(L, e->loc, "expected %s, found the network '%s'", want, it->hw->end->nets[it->hw->net].name);
            return 0;
        }
        ptrvec_push(&L->tmp, out, it->hw);
    }
    return 1;
}

/* `split NAME`; for place also `split tiles(TM, TN)` (the output cut into
 * TM x TN tiles dealt round-robin to the units), `split inner` (each
 * unit a slice of the contraction, leaving a partial sum of the whole
 * output) and `split micro(M)` (each unit its rows in M micro-batches); for transfer also `split share(I, P)` (share I of P equal
 * shares).  `what` is 'p'lace, 't'ransfer or 's'tore. */
static int split_of(lower *L, scope *s, const ast *e, ir_split *out, int64_t tile[2], int what) {
    *out = SPLIT_NONE;
    if (!e) return 1;
    const char *hint = what == 'p' ? ", inner, tiles, tiles(TM, TN) or micro(M)" : what == 't' ? " or share(I, P)" : "";
    if (e->kind == AST_CALL && e->a->kind == AST_IDENT && strcmp(e->a->name, "micro") == 0) {
        if (what != 'p') {
            ERR(L, e->loc, "'split micro(...)' runs an operator in micro-batches; it belongs to place");
            return 0;
        }
        /* micro(M): all M micro-batches; micro(I, M): micro-batch I only */
        int n = e->list.n;
        if ((n != 1 && n != 2) || ((const ast *)e->list.v[0])->kind == AST_NAMEDARG ||
            ((const ast *)e->list.v[n - 1])->kind == AST_NAMEDARG) {
            ERR(L, e->loc, "micro() takes the number of micro-batches, micro(M), or one of them, micro(I, M)");
            return 0;
        }
        int64_t idx = -1;
        if (n == 2 && !lower_eval_int(L, s, e->list.v[0], &idx)) return 0;
        if (!lower_eval_int(L, s, e->list.v[n - 1], &tile[0])) return 0;
        if (tile[0] < 1 || tile[0] > 1 << 20) {
            ERR(L, e->loc, "micro(): the number of micro-batches must be between 1 and 2^20, found %lld", (long long)tile[0]);
            return 0;
        }
        if (n == 2 && (idx < 0 || idx >= tile[0])) {
            ERR(L, e->list.v[0] ? ((const ast *)e->list.v[0])->loc : e->loc, "micro-batch %lld is out of range 0 .. %lld",
                (long long)idx, (long long)tile[0] - 1);
            return 0;
        }
        tile[1] = idx + 1; /* 0: every micro-batch */
        *out = SPLIT_MICRO;
        return 1;
    }
    if (e->kind == AST_CALL && e->a->kind == AST_IDENT &&
        (strcmp(e->a->name, "tiles") == 0 || strcmp(e->a->name, "share") == 0)) {
        int tiles = e->a->name[0] == 't';
        if ((tiles && what != 'p') || (!tiles && what != 't')) {
            ERR(L, e->loc, "'split %s(...)' %s", e->a->name,
                tiles ? "cuts an operator's work; it belongs to place" : "picks a share of a moved tensor; it belongs to transfer");
            return 0;
        }
        if (e->list.n != 2) {
            ERR(L, e->loc, "%s", tiles ? "tiles() takes the tile's rows and columns, e.g. tiles(128, 256)"
                                       : "share() takes the share's index and the number of shares, e.g. share(i, 8)");
            return 0;
        }
        for (int i = 0; i < 2; i++) {
            const ast *arg = e->list.v[i];
            if (arg->kind == AST_NAMEDARG) {
                ERR(L, arg->loc, "%s() takes two numbers", e->a->name);
                return 0;
            }
            if (!lower_eval_int(L, s, arg, &tile[i])) return 0;
        }
        if (tiles) {
            for (int i = 0; i < 2; i++)
                if (tile[i] < 1 || tile[i] > (int64_t)1 << 40) {
                    ERR(L, ((const ast *)e->list.v[i])->loc, "a tile side must be between 1 and 2^40, found %lld", (long long)tile[i]);
                    return 0;
                }
        } else if (tile[1] < 1 || tile[1] > (int64_t)1 << 30 || tile[0] < 0 || tile[0] >= tile[1]) {
            ERR(L, e->loc, "share(%lld, %lld): the index must be in 0 .. %lld and the count between 1 and 2^30",
                (long long)tile[0], (long long)tile[1], (long long)tile[1] - 1);
            return 0;
        }
        *out = tiles ? SPLIT_TILES : SPLIT_SHARE;
        return 1;
    }
    /* bare `tiles` (place): the kernel's tile and split-K are picked (kernel.c) */
    static const char *const names[] = {"none", "rows", "cols", "heads", "batch", "inner", "tiles"};
    int k = e->kind == AST_IDENT ? lower_find_name(names, what == 'p' ? 7 : 5, e->name) : -1;
    if (k == 6) {
        tile[0] = tile[1] = 0;
        *out = SPLIT_TILES;
        return 1;
    }
    if (k <= 0) {
        if (e->kind == AST_IDENT)
            ERR(L, e->loc, "unknown split '%s'; expected rows, cols, heads, batch%s", e->name, hint);
        else
            ERR(L, e->loc, "expected a split: rows, cols, heads, batch%s", hint);
        return 0;
    }
    *out = k == 5 ? SPLIT_INNER : (ir_split)k;
    return 1;
}

/* The compute element of level instance set h that runs op, or -1. */
static int pick_compute(lower *L, const hwsel *h, const ir_op *op, const ast *where) {
    const ir_level *lv = h->end;
    if (h->elem >= 0) {
        const ir_elem *el = &lv->elems[h->elem];
        if (el->kind != ELEM_COMPUTE) {
            ERR(L, where->loc, "operators are placed on compute elements; '%s' is a memory", el->name);
            return -1;
        }
        if (el->accepts != OPCLASS_ANY && el->accepts != op->cls) {
            ERR(L, where->loc, "compute element '%s' runs %s operators only; '%s' is a %s operator", el->name,
                el->accepts == OPCLASS_MATRIX ? "matrix" : "vector", op->name, op->cls == OPCLASS_MATRIX ? "matrix" : "vector");
            return -1;
        }
        return h->elem;
    }
    for (int k = 0; k < lv->nelems; k++)
        if (lv->elems[k].kind == ELEM_COMPUTE && lv->elems[k].accepts == op->cls) return k;
    for (int k = 0; k < lv->nelems; k++)
        if (lv->elems[k].kind == ELEM_COMPUTE && lv->elems[k].accepts == OPCLASS_ANY) return k;
    ERR(L, where->loc, "level '%s' has no compute element that runs '%s' (a %s operator)", lv->name, op->name,
        op->cls == OPCLASS_MATRIX ? "matrix" : "vector");
    return -1;
}

static void map_place(lower *L, scope *s, const ast *st) {
    intlist ops = {0};
    ptrvec hws = {0};
    ir_split split;
    int64_t tile[2] = {0, 0};
    int ok = map_refs(L, s, st->a, 0, &ops);
    ok &= map_hw(L, s, st->b, "compute units", &hws);
    if (!ok || !split_of(L, s, st->c, &split, tile, 'p')) return;
    const ir_workload *w = L->map->wl;
    for (int i = 0; i < ops.n; i++) {
        const ir_op *op = &w->ops[ops.v[i]];
        unitlist ul = {0};
        for (int k = 0; k < hws.n; k++) {
            const hwsel *h = hws.v[k];
            int elem = pick_compute(L, h, op, st->b);
            if (elem < 0) return;
            unitlist part = lower_hw_expand(L, h);
            if (L->over_budget) return;
            for (int64_t j = 0; j < part.n; j++) lower_units_push(L, &ul, (ir_unit){part.v[j].inst, elem});
        }
        ir_action *a = new_action(L, ACT_PLACE, st->loc);
        a->op = ops.v[i];
        a->split = split;
        a->tile[0] = tile[0];
        a->tile[1] = tile[1];
        a->units = ul.v;
        a->nunits = ul.n;
    }
}

/* Expand memory selections into one list. */
static int mem_units(lower *L, const ptrvec *hws, const ast *e, unitlist *out) {
    for (int k = 0; k < hws->n; k++) {
        const hwsel *h = hws->v[k];
        if (h->elem < 0 || h->end->elems[h->elem].kind != ELEM_MEMORY) {
            ERR(L, e->loc, "expected memories here, found %s",
                h->elem >= 0 ? arena_printf(&L->tmp, "the compute element '%s'", h->end->elems[h->elem].name)
                             : "level instances (name their memory, e.g. .sram)");
            return 0;
        }
        unitlist part = lower_hw_expand(L, h);
        if (L->over_budget) return 0;
        for (int64_t j = 0; j < part.n; j++) lower_units_push(L, out, part.v[j]);
    }
    return 1;
}

static void map_transfer(lower *L, scope *s, const ast *st) {
    intlist ts = {0};
    ptrvec from = {0}, to = {0};
    const ast *to_e = st->list.v[0];
    ir_split split;
    int ok = map_refs(L, s, st->a, 1, &ts);
    ok &= map_hw(L, s, st->b, "memories", &from);
    ok &= map_hw(L, s, to_e, "memories", &to);
    int64_t share[2] = {0, 0};
    if (!ok || !split_of(L, s, st->c, &split, share, 't')) return;
    unitlist fu = {0}, tu = {0};
    if (!mem_units(L, &from, st->b, &fu) || !mem_units(L, &to, to_e, &tu)) return;
    for (int i = 0; i < ts.n; i++) {
        ir_action *a = new_action(L, ACT_TRANSFER, st->loc);
        a->tensor = ts.v[i];
        a->split = split;
        a->tile[0] = share[0];
        a->tile[1] = share[1];
        a->src = fu.v;
        a->nsrc = fu.n;
        a->dst = tu.v;
        a->ndst = tu.n;
    }
}

static void map_store(lower *L, scope *s, const ast *st) {
    intlist ts = {0};
    ptrvec in = {0};
    ir_split split;
    int ok = map_refs(L, s, st->a, 1, &ts);
    ok &= map_hw(L, s, st->b, "memories", &in);
    if (!ok || !split_of(L, s, st->c, &split, NULL, 's')) return;
    unitlist mu = {0};
    if (!mem_units(L, &in, st->b, &mu)) return;
    for (int i = 0; i < ts.n; i++) {
        ir_action *a = new_action(L, ACT_STORE, st->loc);
        a->tensor = ts.v[i];
        a->split = split;
        a->dst = mu.v;
        a->ndst = mu.n;
    }
}

static void map_sync(lower *L, scope *s, const ast *st) {
    ptrvec hws = {0};
    intlist ops = {0};
    int ok = map_hw(L, s, st->a, "units", &hws);
    if (st->b) ok &= map_refs(L, s, st->b, 0, &ops);
    if (!ok) return;
    unitlist ul = {0};
    for (int k = 0; k < hws.n; k++) {
        unitlist part = lower_hw_expand(L, hws.v[k]);
        if (L->over_budget) return;
        for (int64_t j = 0; j < part.n; j++) lower_units_push(L, &ul, part.v[j]);
    }
    ir_action *a = new_action(L, ACT_SYNC, st->loc);
    a->units = ul.v;
    a->nunits = ul.n;
    a->after = arena_alloc(L->mem, sizeof(int) * (size_t)(ops.n + 1));
    if (ops.n) memcpy(a->after, ops.v, sizeof(int) * (size_t)ops.n);
    a->nafter = ops.n;
}


/* A call of a mapping template inside a mapping: bind its parameters (the
 * arguments may be hardware, workload references, numbers or lists) and
 * run its body as if written here. */
static void map_call(lower *L, scope *s, const ast *st) {
    value t = lower_eval(L, s, st->a);
    if (t.k == V_ERR) return;
    if (t.k != V_MAPT) {
        ERR(L, st->a->loc, "only mapping templates are called as statements; '%s' is %s", st->a->kind == AST_IDENT ? st->a->name : "this",
            lower_vkind_name(t.k));
        return;
    }
    const ast *decl = t.decl;
    if (L->tdepth >= MAX_TEMPLATE_DEPTH) {
        ERR(L, st->loc, "mapping templates nest deeper than %d; does '%s' call itself without a base case?", MAX_TEMPLATE_DEPTH,
            decl->name);
        return;
    }
    t.call = st;
    t.cs = s;
    scope *inner = lower_scope_new(L, L->globals);
    if (!lower_bind_params(L, inner, decl, t, "mapping template")) return;
    L->tdepth++;
    diag_push_context(L->dc, st->loc, arena_printf(&L->tmp, "in the call of mapping template '%s' here", decl->name));
    lower_body(L, inner, decl->c, lower_map_stmt);
    diag_pop_context(L->dc);
    L->tdepth--;
}

void lower_map_stmt(lower *L, scope *s, const ast *st) {
    switch (st->kind) {
    case AST_CALL: map_call(L, s, st); break;
    case AST_PLACE: map_place(L, s, st); break;
    case AST_TRANSFER: map_transfer(L, s, st); break;
    case AST_STORE: map_store(L, s, st); break;
    case AST_SYNC: map_sync(L, s, st); break;
    default: lower_misplaced(L, st, "in a mapping"); break;
    }
}

/* ------------------------------------------------------------------ */
/* Explore                                                             */
/* ------------------------------------------------------------------ */


static int metric_of(lower *L, const ast *e) {
    if (e->kind == AST_IDENT) {
        int k = lower_find_name(lower_metric_names, METRIC_COUNT, e->name);
        if (k >= 0) return k;
        suggest sg;
        suggest_init(&sg, e->name);
        for (int i = 0; i < METRIC_COUNT; i++) suggest_add(&sg, lower_metric_names[i]);
        char buf[120];
        ERR(L, e->loc, "unknown metric '%s'%s (metrics: latency, throughput, energy, area, power, edp, throughput_per_area, throughput_per_watt)", e->name,
            suggest_text(&sg, buf, sizeof buf));
        return -1;
    }
    ERR(L, e->loc, "expected a metric (latency, throughput, energy, area, power, edp, throughput_per_area, throughput_per_watt)");
    return -1;
}

void lower_ex_stmt(lower *L, scope *s, const ast *st) {
    ir_explore *ex = L->ex;
    ir_design *d = L->d;
    if (st->kind == AST_VARY) {
        ir_vary vy;
        memset(&vy, 0, sizeof vy);
        vy.name = arena_strdup(L->mem, st->name);
        vy.loc = st->b->loc;
        for (int i = 0; i < ex->nvary; i++)
            if (strcmp(ex->vary[i].name, st->name) == 0) {
                mld_diag *dg = diag_new(L->dc, DIAG_ERROR, vy.loc, "'%s' is varied twice", st->name);
                diag_note(L->dc, dg, ex->vary[i].loc, "first varied here");
                diag_emit(L->dc, dg);
                return;
            }
        value v = lower_eval(L, s, st->a);
        if (v.k == V_ERR) return;
        if (strcmp(st->name, "mapping") == 0 || strcmp(st->name, "system") == 0) {
            int is_map = st->name[0] == 'm';
            vy.kind = is_map ? VARY_MAPPING : VARY_SYSTEM;
            if (v.k != V_LIST) {
                ERR(L, st->a->loc, "'vary %s' takes a list of %s names", st->name, is_map ? "mapping" : "system");
                return;
            }
            vy.names = arena_alloc(L->mem, sizeof(char *) * (size_t)(v.nitems + 1));
            const ast *lst = st->a;
            for (int i = 0; i < v.nitems; i++) {
                value it = v.items[i];
                const ast *ie = lst->list.v[i];
                if (is_map && it.k != V_MAPNAME) {
                    ERR(L, ie->loc, "expected a mapping name, found %s", lower_vkind_name(it.k));
                    return;
                }
                if (!is_map && !(it.k == V_HW && it.hw->sys && it.hw->nsteps == 0 && it.hw->elem < 0)) {
                    ERR(L, ie->loc, "expected a system name, found %s", lower_vkind_name(it.k));
                    return;
                }
                vy.names[i] = is_map ? it.str : it.hw->sys->name;
            }
            vy.nvals = v.nitems;
        } else {
            int pi = -1;
            for (int i = 0; i < d->nparams; i++)
                if (strcmp(d->params[i].name, st->name) == 0) pi = i;
            if (pi < 0) {
                suggest sg;
                suggest_init(&sg, st->name);
                for (int i = 0; i < d->nparams; i++) suggest_add(&sg, d->params[i].name);
                suggest_add(&sg, "mapping");
                suggest_add(&sg, "system");
                char buf[120];
                ERR(L, vy.loc, "'vary %s': no parameter '%s'%s", st->name, st->name, suggest_text(&sg, buf, sizeof buf));
                return;
            }
            vy.kind = VARY_PARAM;
            vy.dim = d->params[pi].dim;
            int n = 0;
            double *vals = NULL;
            if (v.k == V_RANGE) {
                int cnt = (int)ceil((v.hi - v.num) / v.step - 1e-9);
                if (cnt < 1) {
                    ERR(L, st->a->loc, "the range is empty");
                    return;
                }
                vals = arena_alloc(L->mem, sizeof(double) * (size_t)cnt);
                for (int i = 0; i < cnt; i++) vals[n++] = v.num + v.step * i;
                v.dim = v.dim;
            } else if (v.k == V_LIST) {
                vals = arena_alloc(L->mem, sizeof(double) * (size_t)(v.nitems + 1));
                for (int i = 0; i < v.nitems; i++) {
                    if (v.items[i].k != V_NUM || !units_eq(v.items[i].dim, vy.dim)) {
                        const ast *ie = st->a->list.v[i];
                        mld_diag *dg = diag_new(L->dc, DIAG_ERROR, ie->loc, "parameter '%s' is %s, but this value is %s",
                                                st->name, lower_dim_text(L, vy.dim),
                                                v.items[i].k == V_NUM ? lower_dim_text(L, v.items[i].dim) : lower_vkind_name(v.items[i].k));
                        diag_note(L->dc, dg, d->params[pi].loc, "'%s' is declared here", st->name);
                        diag_emit(L->dc, dg);
                        return;
                    }
                    vals[n++] = v.items[i].num;
                }
            } else {
                ERR(L, st->a->loc, "'vary' takes a list or a range, found %s", lower_vkind_name(v.k));
                return;
            }
            if (v.k == V_RANGE && !units_eq(v.dim, vy.dim)) {
                mld_diag *dg = diag_new(L->dc, DIAG_ERROR, st->a->loc, "parameter '%s' is %s, but the range is %s",
                                        st->name, lower_dim_text(L, vy.dim), lower_dim_text(L, v.dim));
                diag_note(L->dc, dg, d->params[pi].loc, "'%s' is declared here", st->name);
                diag_emit(L->dc, dg);
                return;
            }
            vy.vals = vals;
            vy.nvals = n;
        }
        ir_vary *nv = arena_alloc(L->mem, sizeof(ir_vary) * (size_t)(ex->nvary + 1));
        if (ex->nvary) memcpy(nv, ex->vary, sizeof(ir_vary) * (size_t)ex->nvary);
        nv[ex->nvary++] = vy;
        ex->vary = nv;
        return;
    }
    if (st->kind == AST_REQUIRE) {
        const ast *c = st->a;
        if (c->kind != AST_BINOP || !(c->op == '<' || c->op == '>' || c->op == LE || c->op == GE)) {
            ERR(L, c->loc, "'require' takes a comparison such as area < 800 mm2");
            return;
        }
        int m = metric_of(L, c->a);
        if (m < 0) return;
        value b = lower_eval(L, s, c->b);
        if (!lower_want_num(L, b, c->b)) return;
        if (!units_eq(b.dim, ir_metric_dim((ir_metric)m))) {
            ERR(L, c->b->loc, "%s is %s, but the bound is %s", lower_metric_names[m], lower_dim_text(L, ir_metric_dim((ir_metric)m)),
                lower_dim_text(L, b.dim));
            return;
        }
        ir_require *nr = arena_alloc(L->mem, sizeof(ir_require) * (size_t)(ex->nreq + 1));
        if (ex->nreq) memcpy(nr, ex->req, sizeof(ir_require) * (size_t)ex->nreq);
        nr[ex->nreq++] = (ir_require){(ir_metric)m, c->op, b.num, st->loc};
        ex->req = nr;
        return;
    }
    if (st->kind == AST_OBJECTIVE) {
        for (int i = 0; i < st->list.n; i++) {
            const ast *e = st->list.v[i];
            int m = metric_of(L, e);
            if (m < 0) continue;
            for (int j = 0; j < ex->nobj; j++)
                if ((int)ex->obj[j].metric == m) {
                    ERR(L, e->loc, "objective '%s' is given twice", lower_metric_names[m]);
                    m = -1;
                    break;
                }
            if (m < 0) continue;
            ir_objective *no = arena_alloc(L->mem, sizeof(ir_objective) * (size_t)(ex->nobj + 1));
            if (ex->nobj) memcpy(no, ex->obj, sizeof(ir_objective) * (size_t)ex->nobj);
            no[ex->nobj++] = (ir_objective){(ir_metric)m, st->op == KW_MAXIMIZE, e->loc};
            ex->obj = no;
        }
        return;
    }
    lower_misplaced(L, st, "in an explore block");
}
