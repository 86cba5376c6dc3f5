/* lower_wl.c - lowering of workload templates: tensors, operators and
 * groups.
 *
 * Every declaration is entered by its full group path ("layer[3].attn.qk")
 * so that references from mappings resolve by name; an operator's work and
 * traffic are computed from its kind and its tensors' shapes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"
#include "parser.h"

/* ------------------------------------------------------------------ */
/* Workloads                                                           */
/* ------------------------------------------------------------------ */

static ir_dtype tensor_dtype(const value *v) { return (ir_dtype)v->code; }

static int name_add(lower *L, wbuild *wb, const char *path, int kind, int idx, mld_loc loc) {
    nameref *r = arena_alloc(&L->tmp, sizeof *r);
    r->kind = kind;
    r->idx = idx;
    nameref *old = strmap_put(&L->tmp, &wb->names, path, r);
    if (old) {
        mld_loc prev = old->kind == 1 ? wb->w->ops[old->idx].loc : old->kind == 2 ? wb->w->tensors[old->idx].loc
                                                                     : old->kind == 0 ? wb->w->groups[old->idx].loc : loc;
        mld_diag *dg = diag_new(L->dc, DIAG_ERROR, loc, "duplicate name '%s' in workload '%s'", path, wb->w->name);
        diag_note(L->dc, dg, prev, "'%s' was first defined here", path);
        diag_emit(L->dc, dg);
        return 0;
    }
    return 1;
}

static int new_tensor(lower *L, wbuild *wb, const char *name, mld_loc loc, ir_tensor_kind kind, ir_dtype dt,
                      int ndims, const int64_t *dims) {
    ir_workload *w = wb->w;
    GROW(L, w->tensors, w->ntensors, wb->captensors);
    ir_tensor *t = &w->tensors[w->ntensors];
    memset(t, 0, sizeof *t);
    t->name = arena_strdup(L->mem, name);
    t->loc = loc;
    t->kind = kind;
    t->dtype = dt;
    t->ndims = ndims;
    double elems = 1;
    for (int i = 0; i < ndims; i++) {
        t->dims[i] = dims[i];
        elems *= (double)dims[i];
    }
    t->bytes = elems * ir_dtype_bytes(dt);
    t->producer = -1;
    t->group = L->group;
    return w->ntensors++;
}

static void wl_tensor(lower *L, scope *s, const ast *st) {
    wbuild *wb = L->wb;
    value v = lower_eval(L, s, st->a);
    if (v.k == V_ERR) return;
    if (v.k == V_DTYPE) {
        v.k = V_SHAPE;
        v.ndims = 0;
    }
    if (v.k != V_SHAPE) {
        ERR(L, st->a->loc, "expected a tensor type such as fp16[64][1024], found %s", lower_vkind_name(v.k));
        return;
    }
    const char *path = lower_join(L, L->gpath, st->name);
    ir_tensor_kind k = st->op == KW_INPUT ? TENSOR_INPUT : st->op == KW_WEIGHT ? TENSOR_WEIGHT : TENSOR_CACHE;
    int ti = new_tensor(L, wb, path, st->b->loc, k, tensor_dtype(&v), v.ndims, v.dims);
    if (!name_add(L, wb, path, 2, ti, st->b->loc)) return;
    (void)s;
    lower_define(L, L->gscope, st->name, lower_vwl(L, wb, WS_TENSOR, path, ti), st->b->loc, "tensor");
}

static ir_opclass opclass_of(ir_opkind k) {
    return k == OPK_MATMUL || k == OPK_BMM || k == OPK_ATTENTION ? OPCLASS_MATRIX : OPCLASS_VECTOR;
}

static int tensor_arg(lower *L, scope *s, const ast *arg, int *out) {
    value v = lower_eval(L, s, arg);
    if (v.k == V_ERR) return 0;
    if (v.k == V_WL && (v.wl->kind == WS_TENSOR || v.wl->kind == WS_OP) && v.wl->wb == L->wb) {
        *out = v.wl->kind == WS_TENSOR ? v.wl->idx : L->wb->w->ops[v.wl->idx].output;
        return 1;
    }
    ERR(L, arg->loc, "expected a tensor or an operator of this workload, found %s", lower_vkind_name(v.k));
    return 0;
}

/* Query-key pairs of sliding-window attention: each of the T queries (the
 * last T of S positions when causal) sees at most the W keys ending at its
 * own position.  Position p (0-based) sees min(p + 1, W) keys, summed over
 * p = S - T .. S - 1; without causality each query sees min(S, W). */
static double window_pairs(double T, double S, double W, int causal) {
    if (!causal) return T * (S < W ? S : W);
    double lo = S - T + 1, hi = S; /* p + 1 runs over lo .. hi */
    if (hi <= W) return (lo + hi) * (hi - lo + 1) / 2;
    if (lo > W) return W * (hi - lo + 1);
    return (lo + W) * (W - lo + 1) / 2 + W * (hi - W);
}

static const char *shape_text(lower *L, const ir_tensor *t) {
    char buf[160];
    int len = 0;
    for (int i = 0; i < t->ndims && len < 140; i++) len += snprintf(buf + len, sizeof buf - (size_t)len, "[%lld]", (long long)t->dims[i]);
    buf[len] = 0;
    return arena_strdup(&L->tmp, buf);
}

/* A tensor or operator statement, declared by `build`.  When it fails,
 * its name is still declared, as a poison value: what uses it later is
 * silently in error too, so one mistake (a bad template argument, say)
 * gives one diagnostic instead of one per tensor and operator downstream. */
static void wl_declare(lower *L, scope *s, const ast *st, void (*build)(lower *, scope *, const ast *)) {
    const char *path = lower_join(L, L->gpath, st->name);
    if (strmap_get(&L->wb->names, path)) { /* a duplicate: reported there */
        build(L, s, st);
        return;
    }
    build(L, s, st);
    if (!strmap_get(&L->wb->names, path)) {
        nameref *r = arena_alloc(&L->tmp, sizeof *r);
        r->kind = 4;
        r->idx = -1;
        strmap_put(&L->tmp, &L->wb->names, path, r);
        lower_define(L, L->gscope, st->name, verr(), st->b ? st->b->loc : st->loc, "name");
    }
}

static void wl_op(lower *L, scope *s, const ast *st) {
    wbuild *wb = L->wb;
    ir_workload *w = wb->w;
    const ast *call = st->a;
    if (call->kind != AST_CALL) {
        ERR(L, call->loc, "an operator is a call such as matmul(x, w)");
        return;
    }
    /* an operator name here means the operator, even if a user name shadows it */
    value fv;
    int opk = call->a->kind == AST_IDENT ? lower_find_name(ir_opkind_names, OPK_COUNT, call->a->name) : -1;
    if (opk >= 0) {
        memset(&fv, 0, sizeof fv);
        fv.k = V_OPKIND;
        fv.code = opk;
    } else {
        fv = lower_eval(L, s, call->a);
    }
    if (fv.k == V_ERR) return;
    if (fv.k != V_OPKIND) {
        ERR(L, call->a->loc, "expected an operator (matmul, bmm, add, mul, gelu, silu, elementwise, softmax, layernorm, rmsnorm, attention, embedding, scatter_add, append, transpose, split_heads, merge_heads), found %s",
            lower_vkind_name(fv.k));
        return;
    }
    ir_opkind kind = (ir_opkind)fv.code;
    enum { MAX_INPUTS = 256 };
    int ins[MAX_INPUTS], nin = 0;
    int heads = 1, has_dtype = 0, transpose = 0, causal = 0, fused = 1;
    int kv_heads = 0;    /* attention: 0 = as many as the key width gives */
    int64_t batch = 1;
    int64_t window = 0;  /* attention: keys each query sees at most (0: all) */
    double flops_per = 1;
    ir_dtype dt = DT_FP16;
    int ok = 1;
    for (int i = 0; i < call->list.n; i++) {
        const ast *arg = call->list.v[i];
        if (arg->kind == AST_NAMEDARG) {
            if (strcmp(arg->name, "dtype") == 0) {
                value d = lower_eval(L, s, arg->a);
                if (d.k != V_DTYPE) {
                    if (d.k != V_ERR) ERR(L, arg->a->loc, "'dtype' must be a data type such as fp16");
                    ok = 0;
                } else {
                    dt = (ir_dtype)d.code;
                    has_dtype = 1;
                }
            } else if ((strcmp(arg->name, "transpose") == 0 && kind == OPK_MATMUL) ||
                       (strcmp(arg->name, "causal") == 0 && kind == OPK_ATTENTION) ||
                       (strcmp(arg->name, "fused") == 0 && kind == OPK_ATTENTION)) {
                /* switches: 0 or 1 */
                int64_t n;
                if (!lower_eval_int(L, s, arg->a, &n)) { ok = 0; continue; }
                if (n != 0 && n != 1) { ERR(L, arg->a->loc, "'%s' is 0 or 1", arg->name); ok = 0; continue; }
                if (arg->name[0] == 't') transpose = (int)n;
                else if (arg->name[0] == 'f') fused = (int)n;
                else causal = (int)n;
            } else if (strcmp(arg->name, "window") == 0 && kind == OPK_ATTENTION) {
                /* sliding-window attention; 0 is no window */
                int64_t n;
                if (!lower_eval_int(L, s, arg->a, &n)) { ok = 0; continue; }
                if (n < 0) { ERR(L, arg->a->loc, "'window' must be 0 (none) or a number of keys"); ok = 0; continue; }
                window = n;
            } else if ((strcmp(arg->name, "heads") == 0 &&
                        (kind == OPK_ATTENTION || kind == OPK_SPLIT_HEADS || kind == OPK_MERGE_HEADS)) ||
                       (strcmp(arg->name, "kv_heads") == 0 && kind == OPK_ATTENTION) ||
                       (strcmp(arg->name, "batch") == 0 &&
                        (kind == OPK_ATTENTION || kind == OPK_SPLIT_HEADS || kind == OPK_MERGE_HEADS)) ||
                       (strcmp(arg->name, "flops") == 0 && kind == OPK_ELEMENTWISE)) {
                int64_t n;
                if (!lower_eval_int(L, s, arg->a, &n)) { ok = 0; continue; }
                if (n < 1) { ERR(L, arg->a->loc, "'%s' must be at least 1", arg->name); ok = 0; continue; }
                if (arg->name[0] == 'h') heads = (int)(n > 1 << 20 ? 1 << 20 : n);
                else if (arg->name[0] == 'k') kv_heads = (int)(n > 1 << 20 ? 1 << 20 : n);
                else if (arg->name[0] == 'b') batch = n;
                else flops_per = (double)n;
            } else {
                ERR(L, arg->b->loc, "%s() has no parameter '%s'", ir_opkind_names[kind], arg->name);
                ok = 0;
            }
            continue;
        }
        if (nin == MAX_INPUTS) {
            ERR(L, arg->loc, "too many inputs (at most %d)", MAX_INPUTS);
            ok = 0;
            break;
        }
        if (!tensor_arg(L, s, arg, &ins[nin++])) ok = 0;
    }
    if (!ok) return;
    static const int arity[OPK_COUNT] = {2, 2, -1, 2, 2, 1, 1, 1, 1, 1, 3, 2, -1, 2, 1, 1, 1};
    if (arity[kind] > 0 && nin != arity[kind]) {
        ERR(L, call->loc, "%s() takes %d tensor%s, found %d", ir_opkind_names[kind], arity[kind], arity[kind] == 1 ? "" : "s", nin);
        return;
    }
    if ((kind == OPK_ELEMENTWISE && nin < 1) || (kind == OPK_SCATTER_ADD && nin < 2)) {
        ERR(L, call->loc, "%s() takes at least %s", ir_opkind_names[kind], kind == OPK_ELEMENTWISE ? "one tensor" : "two tensors");
        return;
    }
    const ir_tensor *a = &w->tensors[ins[0]];
    const ir_tensor *b = nin > 1 ? &w->tensors[ins[1]] : NULL;
    int64_t od[IR_MAX_DIMS];
    int ond = a->ndims;
    memcpy(od, a->dims, sizeof od);
    double flops = 0, elems = 1, scratch = 0;
    for (int i = 0; i < a->ndims; i++) elems *= (double)a->dims[i];
    if (!has_dtype) dt = kind == OPK_EMBEDDING && b ? b->dtype : a->dtype;
    switch (kind) {
    case OPK_MATMUL: {
        if (a->ndims < 2 || b->ndims != 2) {
            ERR(L, call->loc, "matmul() needs a[..][M][K] and b[K][N], found %s and %s", shape_text(L, a), shape_text(L, b));
            return;
        }
        /* transpose = 1: b is stored [N][K] (a tied LM head reading the
         * embedding table) */
        int64_t K = a->dims[a->ndims - 1], bK = b->dims[transpose], N = b->dims[1 - transpose];
        if (K != bK) {
            ERR(L, call->loc, "matmul() inner dimensions differ: %s has K = %lld but %s has K = %lld%s",
                a->name, (long long)K, b->name, (long long)bK, transpose ? " (transposed)" : "");
            return;
        }
        od[a->ndims - 1] = N;
        flops = 2.0 * elems * (double)N;
        break;
    }
    case OPK_BMM:
        if (a->ndims != 3 || b->ndims != 3 || a->dims[0] != b->dims[0] || a->dims[2] != b->dims[1]) {
            ERR(L, call->loc, "bmm() needs a[B][M][K] and b[B][K][N], found %s and %s", shape_text(L, a), shape_text(L, b));
            return;
        }
        od[2] = b->dims[2];
        flops = 2.0 * elems * (double)b->dims[2];
        break;
    case OPK_ADD:
    case OPK_MUL:
    case OPK_ELEMENTWISE:
        for (int i = 1; i < nin; i++) {
            const ir_tensor *t = &w->tensors[ins[i]];
            int same = t->ndims == a->ndims;
            for (int d = 0; same && d < a->ndims; d++) same = t->dims[d] == a->dims[d];
            if (!same) {
                ERR(L, call->loc, "%s() needs tensors of one shape, found %s and %s", ir_opkind_names[kind], shape_text(L, a), shape_text(L, t));
                return;
            }
        }
        flops = elems * (kind == OPK_ELEMENTWISE ? flops_per : 1);
        break;
    case OPK_GELU: flops = 8 * elems; break;
    case OPK_SILU: flops = 4 * elems; break;
    case OPK_SOFTMAX: flops = 5 * elems; break;
    case OPK_LAYERNORM: flops = 8 * elems; break;
    case OPK_RMSNORM: flops = 4 * elems; break;
    case OPK_ATTENTION: {
        const ir_tensor *k = b, *v = &w->tensors[ins[2]];
        if (a->ndims != 2 || k->ndims != 2 || v->ndims != 2 || k->dims[0] != v->dims[0] || k->dims[1] != v->dims[1]) {
            ERR(L, call->loc, "attention() needs q[T][D], k[S][Dkv] and v[S][Dkv], found %s, %s and %s",
                shape_text(L, a), shape_text(L, k), shape_text(L, v));
            return;
        }
        /* grouped-query attention: q is heads x head width, k and v are
         * kv_heads x the same head width, and kv_heads divides heads */
        if (a->dims[1] % heads) {
            ERR(L, call->loc, "attention(): %d heads do not divide the query width %lld", heads, (long long)a->dims[1]);
            return;
        }
        int64_t hd = a->dims[1] / heads;
        if (k->dims[1] % hd) {
            ERR(L, call->loc, "attention(): the key/value width %lld is not a whole number of heads of width %lld "
                "(query width %lld / %d heads)", (long long)k->dims[1], (long long)hd, (long long)a->dims[1], heads);
            return;
        }
        if (kv_heads && k->dims[1] != kv_heads * hd) {
            ERR(L, call->loc, "attention(): %d key/value heads of width %lld need a key/value width of %lld, found %lld",
                kv_heads, (long long)hd, (long long)(kv_heads * hd), (long long)k->dims[1]);
            return;
        }
        kv_heads = (int)(k->dims[1] / hd);
        if (heads % kv_heads) {
            ERR(L, call->loc, "attention(): %d key/value heads do not divide %d query heads", kv_heads, heads);
            return;
        }
        if (a->dims[0] % batch || k->dims[0] % batch) {
            ERR(L, call->loc, "attention(): batch %lld does not divide the rows of q (%lld) and k (%lld)", (long long)batch,
                (long long)a->dims[0], (long long)k->dims[0]);
            return;
        }
        /* rows are batch sequences stacked; each attends within its own */
        double T = (double)(a->dims[0] / batch), S = (double)(k->dims[0] / batch), Dm = (double)a->dims[1];
        /* causal: the T queries are the last T of the S positions, and
         * query i sees keys 0 .. S - T + i, so T (T - 1) / 2 pairs drop out */
        if (causal && T > S) {
            ERR(L, call->loc, "attention(causal = 1): %g queries per sequence but only %g keys", T, S);
            return;
        }
        double pairs = causal ? T * S - T * (T - 1) / 2 : T * S;
        if (window > 0) pairs = window_pairs(T, S, (double)window, causal);
        flops = (double)batch * (4 * pairs * Dm + 5 * pairs * heads);
        /* unfused (bmm, softmax, bmm): the scores of every head go to
         * memory and back twice: written by the first product, read and
         * written by the softmax, read by the second product */
        if (!fused) scratch = 2 * (double)batch * pairs * heads * ir_dtype_bytes(dt);
        break;
    }
    case OPK_SCATTER_ADD:
        /* base [R][..], parts [r_i][..]: each part's rows are added into
         * rows of the base (the combine step of mixture-of-experts) */
        flops = 0;
        for (int i = 1; i < nin; i++) {
            const ir_tensor *t = &w->tensors[ins[i]];
            int same = t->ndims == a->ndims && t->dims[0] <= a->dims[0];
            for (int d = 1; same && d < a->ndims; d++) same = t->dims[d] == a->dims[d];
            if (!same) {
                ERR(L, call->loc, "scatter_add() needs parts with the base's row width and at most its rows, found %s and %s",
                    shape_text(L, a), shape_text(L, t));
                return;
            }
            double pe = 1;
            for (int d = 0; d < t->ndims; d++) pe *= (double)t->dims[d];
            flops += pe;
        }
        break;
    case OPK_APPEND: {
        /* cache [S][..] grown by new [T][..] rows: [S + T][..], written in
         * place (a KV-cache after a step) */
        int same = b->ndims == a->ndims;
        for (int d = 1; same && d < a->ndims; d++) same = b->dims[d] == a->dims[d];
        if (!same || a->dtype != b->dtype) {
            ERR(L, call->loc, "append() needs cache[S][..] and new[T][..] of one row shape and type, found %s and %s",
                shape_text(L, a), shape_text(L, b));
            return;
        }
        od[0] = a->dims[0] + b->dims[0];
        flops = 0;
        break;
    }
    case OPK_TRANSPOSE:
        /* [..][M][N] -> [..][N][M] */
        if (a->ndims < 2) {
            ERR(L, call->loc, "transpose() needs a[..][M][N], found %s", shape_text(L, a));
            return;
        }
        od[ond - 1] = a->dims[ond - 2];
        od[ond - 2] = a->dims[ond - 1];
        flops = 0;
        break;
    case OPK_SPLIT_HEADS: {
        /* [B T][H d] -> [B H][T][d]: the heads of each sequence apart */
        if (a->ndims != 2 || a->dims[1] % heads || a->dims[0] % batch) {
            ERR(L, call->loc, "split_heads() needs x[B*T][H*d] with %d heads and batch %lld, found %s", heads,
                (long long)batch, shape_text(L, a));
            return;
        }
        ond = 3;
        od[0] = batch * heads;
        od[1] = a->dims[0] / batch;
        od[2] = a->dims[1] / heads;
        flops = 0;
        break;
    }
    case OPK_MERGE_HEADS:
        /* [B H][T][d] -> [B T][H d] */
        if (a->ndims != 3 || a->dims[0] != batch * heads) {
            ERR(L, call->loc, "merge_heads() needs x[B*H][T][d] with %d heads and batch %lld, found %s", heads,
                (long long)batch, shape_text(L, a));
            return;
        }
        ond = 2;
        od[0] = batch * a->dims[1];
        od[1] = heads * a->dims[2];
        flops = 0;
        break;
    case OPK_EMBEDDING:
        if (a->ndims != 1 || b->ndims != 2) {
            ERR(L, call->loc, "embedding() needs ids[T] and table[V][D], found %s and %s", shape_text(L, a), shape_text(L, b));
            return;
        }
        ond = 2;
        od[0] = a->dims[0];
        od[1] = b->dims[1];
        flops = 0;
        break;
    default:
        break;
    }
    const char *path = lower_join(L, L->gpath, st->name);
    GROW(L, w->ops, w->nops, wb->capops);
    int oi = w->nops;
    ir_op *op = &w->ops[oi];
    memset(op, 0, sizeof *op);
    op->name = arena_strdup(L->mem, path);
    op->loc = st->b->loc;
    op->kind = kind;
    op->cls = opclass_of(kind);
    op->inputs = arena_alloc(L->mem, sizeof(int) * (size_t)nin);
    memcpy(op->inputs, ins, sizeof(int) * (size_t)nin);
    op->ninputs = nin;
    op->flops = flops;
    op->group = L->group;
    if (kind == OPK_ATTENTION) {
        op->heads = heads;
        op->batch = batch;
    }
    w->nops++;
    int out = new_tensor(L, wb, path, st->b->loc, TENSOR_ACT, dt, ond, od);
    w->ops[oi].output = out;
    w->tensors[out].producer = oi;
    for (int i = 0; i < nin; i++) w->ops[oi].bytes_in += w->tensors[ins[i]].bytes;
    if (kind == OPK_EMBEDDING) w->ops[oi].bytes_in = w->tensors[ins[0]].bytes + w->tensors[out].bytes;
    w->ops[oi].bytes_out = w->tensors[out].bytes;
    if (IR_OPK_IS_VIEW(kind)) w->ops[oi].bytes_in = w->ops[oi].bytes_out = 0; /* a relabelling */
    w->ops[oi].scratch = scratch;
    w->ops[oi].bytes_in += scratch;
    w->ops[oi].bytes_out += scratch;
    /* append reads the new rows and writes them after the cache's */
    if (kind == OPK_APPEND) w->ops[oi].bytes_in = w->ops[oi].bytes_out = w->tensors[ins[1]].bytes;
    w->flops += flops;
    if (!name_add(L, wb, path, 1, oi, st->b->loc)) return;
    lower_define(L, L->gscope, st->name, lower_vwl(L, wb, WS_OP, path, oi), st->b->loc, "operator");
}

static void wl_stmt(lower *L, scope *s, const ast *st);

static void wl_group(lower *L, scope *s, const ast *st) {
    wbuild *wb = L->wb;
    ir_workload *w = wb->w;
    const ast *g = st->a;
    const char *base = NULL, *name = NULL;
    if (g->kind == AST_IDENT) {
        name = base = g->name;
    } else if (g->kind == AST_INDEX && g->a->kind == AST_IDENT && g->b->kind != AST_STAR) {
        int64_t i;
        if (!lower_eval_int(L, s, g->b, &i)) return;
        base = g->a->name;
        name = arena_printf(&L->tmp, "%s[%lld]", base, (long long)i);
    } else {
        ERR(L, g->loc, "a group is named by an identifier, optionally indexed: group layer[l]");
        return;
    }
    const char *path = lower_join(L, L->gpath, name);
    if (g->kind == AST_INDEX) {
        const char *bpath = lower_join(L, L->gpath, base);
        nameref *r = strmap_get(&wb->names, bpath);
        if (!r) {
            name_add(L, wb, bpath, 3, -1, g->loc);
            lower_define(L, L->gscope, base, lower_vwl(L, wb, WS_GROUPS, bpath, -1), g->loc, "group array");
        } else if (r->kind != 3) {
            ERR(L, g->loc, "'%s' is already a %s", bpath, r->kind == 1 ? "operator" : r->kind == 2 ? "tensor" : "group");
            return;
        }
    }
    GROW(L, w->groups, w->ngroups, wb->capgroups);
    int gi = w->ngroups++;
    w->groups[gi].name = arena_strdup(L->mem, path);
    w->groups[gi].parent = L->group;
    w->groups[gi].loc = g->loc;
    if (!name_add(L, wb, path, 0, gi, g->loc)) return;
    if (g->kind == AST_IDENT) lower_define(L, L->gscope, base, lower_vwl(L, wb, WS_GROUP, path, gi), g->loc, "group");
    const char *saved_path = L->gpath;
    int saved_group = L->group;
    scope *saved_scope = L->gscope;
    L->gpath = path;
    L->group = gi;
    L->gscope = lower_scope_new(L, s);
    lower_body(L, L->gscope, st->c, wl_stmt);
    L->gpath = saved_path;
    L->group = saved_group;
    L->gscope = saved_scope;
}

static void wl_stmt(lower *L, scope *s, const ast *st) {
    switch (st->kind) {
    case AST_TENSOR: wl_declare(L, s, st, wl_tensor); break;
    case AST_OP: wl_declare(L, s, st, wl_op); break;
    case AST_GROUP: wl_group(L, s, st); break;
    default: lower_misplaced(L, st, "in a workload"); break;
    }
}

wbuild *lower_instantiate_workload(lower *L, const char *name, value t) {
    const ast *decl = t.decl;
    scope *inner = lower_scope_new(L, L->globals);
    if (!lower_bind_params(L, inner, decl, t, "workload")) return NULL;
    wbuild *wb = arena_alloc(&L->tmp, sizeof *wb);
    ir_workload *w = arena_alloc(L->mem, sizeof *w);
    wb->w = w;
    w->name = arena_strdup(L->mem, name);
    w->tmpl = arena_strdup(L->mem, decl->name);
    w->loc = decl->b->loc;
    const ast *params = decl->a;
    int np = params ? params->list.n : 0;
    w->pnames = arena_alloc(L->mem, sizeof(char *) * (size_t)(np + 1));
    w->pvals = arena_alloc(L->mem, sizeof(double) * (size_t)(np + 1));
    w->pdims = arena_alloc(L->mem, sizeof(units_dim) * (size_t)(np + 1));
    for (int j = 0; j < np; j++) {
        const ast *p = params->list.v[j];
        binding *b = strmap_get(&inner->map, p->name);
        if (b && b->v.k == V_NUM) {
            w->pnames[w->nparams] = arena_strdup(L->mem, p->name);
            w->pvals[w->nparams] = b->v.num;
            w->pdims[w->nparams] = b->v.dim;
            w->nparams++;
        }
    }
    wbuild *saved_wb = L->wb;
    const char *saved_path = L->gpath;
    int saved_group = L->group;
    scope *saved_scope = L->gscope;
    L->wb = wb;
    L->gpath = "";
    L->group = -1;
    L->gscope = inner;
    /* a template from another file (the stdlib): errors inside it also
     * point at the user's call that caused them */
    int noted = t.call && t.call->loc.src != decl->loc.src;
    if (noted)
        diag_push_context(L->dc, t.call->loc,
                          arena_printf(&L->tmp, "in workload '%s', an instance of '%s' made here", name, decl->name));
    lower_body(L, inner, decl->c, wl_stmt);
    if (noted) diag_pop_context(L->dc);
    L->wb = saved_wb;
    L->gpath = saved_path;
    L->group = saved_group;
    L->gscope = saved_scope;
    for (int i = 0; i < w->ntensors; i++)
        if (w->tensors[i].kind == TENSOR_WEIGHT) {
            double n = 1;
            for (int d = 0; d < w->tensors[i].ndims; d++) n *= (double)w->tensors[i].dims[d];
            w->weight_bytes += w->tensors[i].bytes;
            w->params += n;
        }
    wb->next = L->wbs;
    L->wbs = wb;
    GROW(L, L->d->workloads, L->d->nworkloads, L->cap_workloads);
    L->d->workloads[L->d->nworkloads++] = w;
    return wb;
}
