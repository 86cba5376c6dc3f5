/* lower_eval.c - values, scopes and expression evaluation for lowering.
 *
 * Values carry dimensions (units.h); every arithmetic operator checks them,
 * and every attribute checks the dimension it needs, naming both.  An error
 * yields a poison value (V_ERR) that later operators pass on silently, so one
 * mistake gives one diagnostic and evaluation carries on to find the next.
 *
 * Hardware references (top.chip[1][*].core[0][0].sram) evaluate to a
 * selection: a path of (child, index pattern) steps from a system root or
 * from the level being built, expanded to instance ids only where needed
 * (lower_hw_expand).  Workload references evaluate to groups, operators,
 * tensors or sets of them.  The statements common to every body (let, for,
 * if) are interpreted here too, each loop iteration counted against the
 * evaluation-step limit (lower_budget).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hf.h"
#include "lower_int.h"
#include "parser.h"

const char *lower_vkind_name(vkind k) {
    switch (k) {
    case V_ERR: return "an error";
    case V_NUM: return "a number";
    case V_STR: return "a string";
    case V_RANGE: return "a range";
    case V_LIST: return "a list";
    case V_HW: return "hardware";
    case V_WL: return "a workload reference";
    case V_LEVELT: return "a level template";
    case V_WLT: return "a workload template";
    case V_MAPT: return "a mapping template";
    case V_MAPNAME: return "a mapping";
    case V_DTYPE: return "a data type";
    case V_SHAPE: return "a tensor type";
    case V_FUNC: return "a function";
    case V_TOPO: return "a topology";
    case V_OPKIND: return "an operator";
    case V_METRIC: return "a metric";
    }
    return "a value";
}

/* "a bandwidth (B/s)" for messages. */
const char *lower_dim_text(lower *L, units_dim d) {
    char u[64];
    units_format_dim(d, u, sizeof u);
    const char *name = units_dim_name(d);
    if (units_is_none(d)) return "a plain number";
    if (name) {
        const char *art = strchr("aeiou", name[0]) ? "an" : "a";
        return arena_printf(&L->tmp, "%s %s (%s)", art, name, u);
    }
    return arena_printf(&L->tmp, "a quantity in %s", u);
}

const char *lower_value_text(lower *L, value v) {
    if (v.k == V_NUM) {
        char buf[64];
        units_format_value(v.num, v.dim, buf, sizeof buf);
        return arena_strdup(&L->tmp, buf);
    }
    return lower_vkind_name(v.k);
}

int lower_budget(lower *L, mld_loc loc, long n) {
    L->steps += n;
    if (L->steps > MAX_STEPS) {
        if (!L->over_budget)
            ERR(L, loc, "evaluation exceeds %d steps; is a loop or matrix far too large?", MAX_STEPS);
        L->over_budget = 1;
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Scope operations                                                    */
/* ------------------------------------------------------------------ */

scope *lower_scope_new(lower *L, scope *parent) {
    scope *s = arena_alloc(&L->tmp, sizeof *s);
    s->parent = parent;
    return s;
}

binding *lower_scope_find(scope *s, const char *name) {
    for (; s; s = s->parent) {
        binding *b = strmap_get(&s->map, name);
        if (b) return b;
    }
    return NULL;
}

/* Define name in s; a second definition in the same scope is an error with
 * a note at the first. */
void lower_define(lower *L, scope *s, const char *name, value v, mld_loc loc, const char *what) {
    binding *b = arena_alloc(&L->tmp, sizeof *b);
    b->v = v;
    b->loc = loc;
    b->what = what;
    binding *old = strmap_put(&L->tmp, &s->map, name, b);
    if (old) {
        mld_diag *dg = diag_new(L->dc, DIAG_ERROR, loc, "duplicate %s '%s'", what, name);
        diag_note(L->dc, dg, old->loc, "'%s' was first defined here as a %s", name, old->what);
        diag_emit(L->dc, dg);
    }
}

/* ------------------------------------------------------------------ */
/* Built-in names                                                      */
/* ------------------------------------------------------------------ */

static const char *const func_names[] = {"min", "max", "ceil", "floor", "log2", "sqrt", "count", "hf_config", NULL};
const char *const lower_topo_names[TOPO_COUNT] = {
    "mesh", "torus", "ring", "bus", "crossbar", "switch", "fully_connected", "tree", "custom"};
static const char *const dtype_names[DT_COUNT] = {"fp32", "bf16", "fp16", "fp8", "int8", "int4", "int32"};
const char *const lower_metric_names[METRIC_COUNT] = {
    "latency", "throughput", "energy", "area", "power", "edp", "throughput_per_area", "throughput_per_watt"};

int lower_find_name(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n && names[i]; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

static int builtin(const char *name, value *out) {
    int i;
    memset(out, 0, sizeof *out);
    if ((i = lower_find_name(func_names, 8, name)) >= 0) { out->k = V_FUNC; out->code = i; return 1; }
    if ((i = lower_find_name(lower_topo_names, TOPO_COUNT, name)) >= 0) { out->k = V_TOPO; out->code = i; return 1; }
    if ((i = lower_find_name(dtype_names, DT_COUNT, name)) >= 0) { out->k = V_DTYPE; out->code = i; return 1; }
    if ((i = lower_find_name(ir_opkind_names, OPK_COUNT, name)) >= 0) { out->k = V_OPKIND; out->code = i; return 1; }
    if ((i = lower_find_name(lower_metric_names, METRIC_COUNT, name)) >= 0) { out->k = V_METRIC; out->code = i; return 1; }
    return 0;
}

static void suggest_scope(suggest *sg, scope *s) {
    for (; s; s = s->parent)
        for (int i = 0; i < s->map.nb; i++)
            for (strmap_entry *e = s->map.b[i]; e; e = e->next) suggest_add(sg, e->key);
}

static void suggest_builtins(suggest *sg) {
    for (int i = 0; func_names[i]; i++) suggest_add(sg, func_names[i]);
    for (int i = 0; i < TOPO_COUNT; i++) suggest_add(sg, lower_topo_names[i]);
    for (int i = 0; i < DT_COUNT; i++) suggest_add(sg, dtype_names[i]);
    for (int i = 0; i < OPK_COUNT; i++) suggest_add(sg, ir_opkind_names[i]);
    for (int i = 0; i < METRIC_COUNT; i++) suggest_add(sg, lower_metric_names[i]);
}

static value lookup(lower *L, scope *s, const ast *id) {
    binding *b = lower_scope_find(s, id->name);
    if (b) return b->v;
    value v;
    if (builtin(id->name, &v)) return v;
    suggest sg;
    suggest_init(&sg, id->name);
    suggest_scope(&sg, s);
    suggest_builtins(&sg);
    char buf[160];
    ERR(L, id->loc, "unknown name '%s'%s", id->name, suggest_text(&sg, buf, sizeof buf));
    return verr();
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */


int lower_want_num(lower *L, value v, const ast *e) {
    if (v.k == V_NUM) return 1;
    if (v.k != V_ERR) ERR(L, e->loc, "expected a number here, found %s", lower_vkind_name(v.k));
    return 0;
}

/* Evaluate to an integer (dimensionless, whole). */
int lower_eval_int(lower *L, scope *s, const ast *e, int64_t *out) {
    value v = lower_eval(L, s, e);
    if (!lower_want_num(L, v, e)) return 0;
    if (!units_is_none(v.dim)) {
        ERR(L, e->loc, "expected a plain integer, found %s", lower_dim_text(L, v.dim));
        return 0;
    }
    if (v.num != floor(v.num) || fabs(v.num) > 9e15) {
        ERR(L, e->loc, "expected an integer, found %s", lower_value_text(L, v));
        return 0;
    }
    *out = (int64_t)v.num;
    return 1;
}

static value binop(lower *L, int op, value a, value b, const ast *e) {
    if (a.k == V_ERR || b.k == V_ERR) return verr();
    if (a.k != V_NUM || b.k != V_NUM) {
        ERR(L, e->loc, "operator '%s' needs numbers, found %s and %s", ast_op_text(op),
            lower_vkind_name(a.k), lower_vkind_name(b.k));
        return verr();
    }
    int both_int = a.is_int && b.is_int;
    switch (op) {
    case '+':
    case '-':
    case '<': case '>': case LE: case GE: case EQ: case NE:
        if (!units_eq(a.dim, b.dim)) {
            const char *verb = op == '+' ? "add" : op == '-' ? "subtract" : "compare";
            ERR(L, e->loc, "cannot %s %s and %s", verb, lower_dim_text(L, a.dim), lower_dim_text(L, b.dim));
            return verr();
        }
        break;
    default:
        break;
    }
    switch (op) {
    case '+': return vnum(a.num + b.num, a.dim, both_int);
    case '-': return vnum(a.num - b.num, a.dim, both_int);
    case '*': return vnum(a.num * b.num, units_mul(a.dim, b.dim), both_int);
    case '/':
        if (b.num == 0) {
            ERR(L, e->loc, "division by zero");
            return verr();
        }
        if (both_int && units_is_none(a.dim) && units_is_none(b.dim))
            return vnum(trunc(a.num / b.num), a.dim, 1); /* as in C: toward zero */
        return vnum(a.num / b.num, units_div(a.dim, b.dim), 0);
    case '%':
        if (!units_eq(a.dim, b.dim) || b.num == 0) {
            ERR(L, e->loc, b.num == 0 ? "remainder by zero" : "'%%' needs operands of one dimension");
            return verr();
        }
        return vnum(fmod(a.num, b.num), a.dim, both_int); /* sign of the dividend, as in C */
    case '<': return vint(a.num < b.num);
    case '>': return vint(a.num > b.num);
    case LE: return vint(a.num <= b.num);
    case GE: return vint(a.num >= b.num);
    case EQ: return vint(a.num == b.num);
    case NE: return vint(a.num != b.num);
    }
    abort();
}

/* Instances a fully indexed selection denotes (the product of its ranges). */
static int64_t hw_count(const hwsel *h) {
    int64_t n = 1;
    for (int k = 0; k < h->nsteps; k++)
        for (int d = 0; d < h->steps[k].ndone; d++) n *= h->steps[k].hi[d] - h->steps[k].lo[d];
    return n;
}

/* hf_config("config.json"): a Hugging Face model configuration read with
 * hf.c, as the stdlib template `transformer` applied to what the file
 * says; call the result with the step's shape: hf_config("x.json")(seq = 1). */
typedef struct hf_ctx {
    lower *L;
    mld_loc loc;
    const char *path;
} hf_ctx;

static void hf_report(void *ud, int is_error, int line, int col, const char *msg) {
    hf_ctx *h = ud;
    char where[64] = "";
    if (line > 0) snprintf(where, sizeof where, ":%d:%d", line, col);
    mld_diag *dg = diag_new(h->L->dc, is_error ? DIAG_ERROR : DIAG_WARNING, h->loc, "%s%s: %s", h->path, where, msg);
    diag_emit(h->L->dc, dg);
}

static value hf_config(lower *L, scope *s, const ast *e) {
    value pv = lower_eval(L, s, e->list.v[0]);
    if (pv.k == V_ERR) return pv;
    if (pv.k != V_STR || !pv.str[0]) {
        ERR(L, e->loc, "hf_config() takes the path of a config.json, in quotes");
        return verr();
    }
    const char *path = pv.str;
    if (path[0] != '/' && e->loc.src) {
        const char *slash = strrchr(e->loc.src->path, '/');
        if (slash) path = arena_printf(&L->tmp, "%.*s%s", (int)(slash - e->loc.src->path + 1), e->loc.src->path, pv.str);
    }
    binding *tb = lower_scope_find(L->globals, "transformer");
    if (!tb || tb->v.k != V_WLT) {
        ERR(L, e->loc, "hf_config() builds on the stdlib template 'transformer'; add import \"std/llm\"");
        return verr();
    }
    FILE *f = util_open_input(path);
    if (!f) {
        ERR(L, e->loc, "cannot read '%s': %s", path,
            errno == ETIMEDOUT ? "it is a FIFO and nothing was written to it in time" : strerror(errno));
        return verr();
    }
    size_t len = 0;
    char *text = util_read_all(f, (size_t)1 << 20, &len);
    fclose(f);
    if (!text) {
        ERR(L, e->loc, "cannot read '%s': not a file, or larger than 1 MiB", path);
        return verr();
    }
    ir_input *in = arena_alloc(&L->tmp, sizeof *in);
    in->path = path;
    in->hash = util_hash64(text, len, UTIL_HASH_START);
    ptrvec_push(&L->tmp, &L->hf_inputs, in);
    hf_model *m = arena_alloc(&L->tmp, sizeof *m);
    hf_ctx h = {L, e->loc, path};
    int ok = hf_parse(text, len, m, hf_report, &h);
    free(text);
    if (!ok) return verr();
    /* the file's fields as named arguments of a call of transformer */
    ast *call = arena_alloc(&L->tmp, sizeof *call);
    call->kind = AST_CALL;
    call->loc = e->loc;
    call->a = arena_alloc(&L->tmp, sizeof *call->a);
    call->a->kind = AST_IDENT;
    call->a->loc = e->loc;
    call->a->name = "transformer";
    for (int i = 0; i < m->nargs; i++) {
        ast *arg = arena_alloc(&L->tmp, sizeof *arg), *v = arena_alloc(&L->tmp, sizeof *v);
        arg->kind = AST_NAMEDARG;
        arg->loc = e->loc;
        arg->name = arena_strdup(&L->tmp, m->args[i].name);
        arg->b = call->a; /* where a message about the name points */
        v->loc = e->loc;
        if (m->args[i].word[0]) {
            v->kind = AST_IDENT;
            v->name = arena_strdup(&L->tmp, m->args[i].word);
        } else {
            v->kind = AST_NUM;
            v->num = (double)m->args[i].value;
            v->is_int = 1;
            v->scale = 1;
            v->dim = units_none();
        }
        arg->a = v;
        ptrvec_push(&L->tmp, &call->list, arg);
    }
    value t = tb->v;
    t.call = call;
    t.cs = L->globals;
    t.prior = NULL;
    return t;
}

/* sel[i] on a selection of several instances: the i-th of them in
 * row-major order (the order of hw_expand), keeping its element. */
static value hw_pick(lower *L, scope *s, const hwsel *h, const ast *e);

static value eval_call_func(lower *L, scope *s, int f, const ast *e) {
    int want = f <= 1 ? 2 : 1;
    if (e->list.n != want) {
        ERR(L, e->loc, "%s() takes %d argument%s, found %d", func_names[f], want, want == 1 ? "" : "s", e->list.n);
        return verr();
    }
    if (f == 7) return hf_config(L, s, e);
    value a = lower_eval(L, s, e->list.v[0]);
    if (f == 6) { /* count(x): instances a hardware reference selects, items of a list */
        if (a.k == V_ERR) return a;
        if (a.k == V_LIST) return vint(a.nitems);
        if (a.k == V_HW) return vint((double)hw_count(a.hw));
        ERR(L, e->loc, "count() takes a hardware reference or a list, found %s", lower_vkind_name(a.k));
        return verr();
    }
    if (!lower_want_num(L, a, e->list.v[0])) return verr();
    if (f <= 1) {
        value b = lower_eval(L, s, e->list.v[1]);
        if (!lower_want_num(L, b, e->list.v[1])) return verr();
        if (!units_eq(a.dim, b.dim)) {
            ERR(L, e->loc, "%s() of %s and %s", func_names[f], lower_dim_text(L, a.dim), lower_dim_text(L, b.dim));
            return verr();
        }
        int pick_a = f == 0 ? a.num <= b.num : a.num >= b.num;
        value r = pick_a ? a : b;
        r.is_int = a.is_int && b.is_int;
        return r;
    }
    if (f == 4 || f == 5) {
        if (!units_is_none(a.dim) && f == 4) {
            ERR(L, e->loc, "log2() needs a plain number, found %s", lower_dim_text(L, a.dim));
            return verr();
        }
        if (a.num < 0 || (f == 4 && a.num == 0)) {
            ERR(L, e->loc, "%s() of %s is undefined", func_names[f], lower_value_text(L, a));
            return verr();
        }
        if (f == 5) {
            for (int i = 0; i < UNIT_NDIM; i++)
                if (a.dim.e[i] % 2) {
                    ERR(L, e->loc, "sqrt() of %s has no dimension", lower_dim_text(L, a.dim));
                    return verr();
                }
            units_dim h = a.dim;
            for (int i = 0; i < UNIT_NDIM; i++) h.e[i] = (int8_t)(h.e[i] / 2);
            return vnum(sqrt(a.num), h, 0);
        }
        double r = log2(a.num);
        return vnum(r, units_none(), r == floor(r));
    }
    double r = f == 2 ? ceil(a.num) : floor(a.num);
    return vnum(r, a.dim, units_is_none(a.dim));
}

/* Hardware references ------------------------------------------------ */

static hwsel *hw_copy(lower *L, const hwsel *h, int extra) {
    hwsel *n = arena_alloc(&L->tmp, sizeof *n);
    *n = *h;
    n->steps = arena_alloc(&L->tmp, sizeof(hwstep) * (size_t)(h->nsteps + extra + 1));
    if (h->nsteps) memcpy(n->steps, h->steps, sizeof(hwstep) * (size_t)h->nsteps);
    return n;
}

value lower_vhw(hwsel *h) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_HW;
    v.hw = h;
    return v;
}

/* The child record of step k. */
const ir_child *lower_hw_child(const hwsel *h, int k) {
    const ir_level *lv = h->start;
    for (int i = 0; i < k; i++) lv = lv->children[h->steps[i].child].type;
    return &lv->children[h->steps[k].child];
}

int lower_hw_last_open(const hwsel *h) {
    if (!h->nsteps) return 0;
    const ir_child *ch = lower_hw_child(h, h->nsteps - 1);
    return h->steps[h->nsteps - 1].ndone < ch->ndims;
}

static value hw_member(lower *L, value base, const ast *e) {
    hwsel *h = base.hw;
    if (h->elem >= 0 || h->net >= 0) {
        ERR(L, e->b->loc, "'%s' has no members: it is an element, not a level", h->elem >= 0 ? h->end->elems[h->elem].name : h->end->nets[h->net].name);
        return verr();
    }
    if (lower_hw_last_open(h)) {
        const ir_child *ch = lower_hw_child(h, h->nsteps - 1);
        ERR(L, e->a->loc, "'%s' is a %d-dimensional matrix; index it before '.%s' (e.g. %s[*])",
            ch->name, ch->ndims, e->name, ch->name);
        return verr();
    }
    const ir_level *lv = h->end;
    for (int c = 0; c < lv->nchildren; c++)
        if (strcmp(lv->children[c].name, e->name) == 0) {
            hwsel *n = hw_copy(L, h, 1);
            memset(&n->steps[n->nsteps], 0, sizeof(hwstep));
            n->steps[n->nsteps].child = c;
            n->nsteps++;
            n->end = lv->children[c].type;
            return lower_vhw(n);
        }
    for (int i = 0; i < lv->nelems; i++)
        if (strcmp(lv->elems[i].name, e->name) == 0) {
            hwsel *n = hw_copy(L, h, 0);
            n->elem = i;
            return lower_vhw(n);
        }
    for (int i = 0; i < lv->nnets; i++)
        if (strcmp(lv->nets[i].name, e->name) == 0) {
            hwsel *n = hw_copy(L, h, 0);
            n->net = i;
            return lower_vhw(n);
        }
    suggest sg;
    suggest_init(&sg, e->name);
    for (int c = 0; c < lv->nchildren; c++) suggest_add(&sg, lv->children[c].name);
    for (int i = 0; i < lv->nelems; i++) suggest_add(&sg, lv->elems[i].name);
    for (int i = 0; i < lv->nnets; i++) suggest_add(&sg, lv->nets[i].name);
    char buf[160];
    ERR(L, e->b->loc, "level '%s' has no element, child or network '%s'%s", lv->name, e->name,
        suggest_text(&sg, buf, sizeof buf));
    return verr();
}

static value hw_pick(lower *L, scope *s, const hwsel *h, const ast *e) {
    int64_t i, n = hw_count(h);
    if (!lower_eval_int(L, s, e->b, &i)) return verr();
    if (i < 0 || i >= n) {
        ERR(L, e->b->loc, "index %lld is out of range for a selection of %lld instances", (long long)i, (long long)n);
        return verr();
    }
    hwsel *c = hw_copy(L, h, 0);
    for (int k = c->nsteps - 1; k >= 0; k--)
        for (int d = c->steps[k].ndone - 1; d >= 0; d--) {
            int64_t span = c->steps[k].hi[d] - c->steps[k].lo[d];
            c->steps[k].lo[d] += i % span;
            c->steps[k].hi[d] = c->steps[k].lo[d] + 1;
            i /= span;
        }
    return lower_vhw(c);
}

static value hw_index(lower *L, scope *s, value base, const ast *e) {
    hwsel *h = base.hw;
    if (h->nsteps && !lower_hw_last_open(h) && h->net < 0 && e->b->kind != AST_STAR && e->b->kind != AST_RANGE &&
        hw_count(h) > 1)
        return hw_pick(L, s, h, e);
    if (!h->nsteps || !lower_hw_last_open(h) || h->elem >= 0 || h->net >= 0) {
        ERR(L, e->loc, "this hardware reference is not a matrix and cannot be indexed");
        return verr();
    }
    const ir_child *ch = lower_hw_child(h, h->nsteps - 1);
    hwsel *n = hw_copy(L, h, 0);
    hwstep *st = &n->steps[n->nsteps - 1];
    int d = st->ndone;
    int64_t size = ch->dims[d];
    const ast *ix = e->b;
    if (ix->kind == AST_STAR) {
        st->lo[d] = 0;
        st->hi[d] = size;
    } else if (ix->kind == AST_RANGE) {
        int64_t lo, hi;
        if (!lower_eval_int(L, s, ix->a, &lo) || !lower_eval_int(L, s, ix->b, &hi)) return verr();
        if (ix->c) {
            ERR(L, ix->c->loc, "a slice of a space matrix takes no step");
            return verr();
        }
        if (lo < 0 || hi > size || lo >= hi) {
            ERR(L, ix->loc, "slice %lld .. %lld is out of range for '%s' (dimension %d has size %lld)",
                (long long)lo, (long long)hi, ch->name, d + 1, (long long)size);
            return verr();
        }
        st->lo[d] = lo;
        st->hi[d] = hi;
    } else {
        int64_t i;
        if (!lower_eval_int(L, s, ix, &i)) return verr();
        if (i < 0 || i >= size) {
            ERR(L, ix->loc, "index %lld is out of range for '%s' (dimension %d has size %lld: 0 .. %lld)",
                (long long)i, ch->name, d + 1, (long long)size, (long long)size - 1);
            return verr();
        }
        st->lo[d] = i;
        st->hi[d] = i + 1;
    }
    st->ndone++;
    return lower_vhw(n);
}

/* The flat index of the k-th position, in row-major order, of the box a
 * step selects (dimensions not indexed mean all of them). */
int64_t lower_step_flat(const ir_child *ch, const hwstep *st, int64_t k) {
    int64_t idx[IR_MAX_DIMS], f = 0;
    for (int d = ch->ndims - 1; d >= 0; d--) {
        int64_t lo = d < st->ndone ? st->lo[d] : 0, hi = d < st->ndone ? st->hi[d] : ch->dims[d];
        int64_t span = hi - lo;
        idx[d] = lo + k % span;
        k /= span;
    }
    for (int d = 0; d < ch->ndims; d++) f = f * ch->dims[d] + idx[d];
    return f;
}

int64_t lower_step_count(const ir_child *ch, const hwstep *st) {
    int64_t n = 1;
    for (int d = 0; d < ch->ndims; d++) {
        int64_t lo = d < st->ndone ? st->lo[d] : 0, hi = d < st->ndone ? st->hi[d] : ch->dims[d];
        n *= hi - lo;
    }
    return n;
}


void lower_units_push(lower *L, unitlist *ul, ir_unit u) {
    if (ul->n == ul->cap) {
        int64_t cap = ul->cap ? ul->cap * 2 : 16;
        ir_unit *v = arena_alloc(L->mem, (size_t)cap * sizeof *v);
        if (ul->n) memcpy(v, ul->v, (size_t)ul->n * sizeof *v);
        ul->v = v;
        ul->cap = cap;
    }
    ul->v[ul->n++] = u;
}

static void hw_expand_rec(lower *L, const hwsel *h, int k, const ir_level *lv, uint64_t base, unitlist *out) {
    if (L->over_budget) return;
    if (k == h->nsteps) {
        if (!lower_budget(L, (mld_loc){0}, 1)) return;
        lower_units_push(L, out, (ir_unit){base, h->elem});
        return;
    }
    const ir_child *ch = &lv->children[h->steps[k].child];
    int64_t n = lower_step_count(ch, &h->steps[k]);
    for (int64_t j = 0; j < n && !L->over_budget; j++) {
        int64_t flat = lower_step_flat(ch, &h->steps[k], j);
        hw_expand_rec(L, h, k + 1, ch->type, ir_child_inst(lv, h->steps[k].child, flat, base), out);
    }
}

/* Expand a rooted selection to element/level instances. */
unitlist lower_hw_expand(lower *L, const hwsel *h) {
    unitlist ul = {0};
    hw_expand_rec(L, h, 0, h->start, 0, &ul);
    return ul;
}

/* Workload references ------------------------------------------------ */

value lower_vwl(lower *L, wbuild *wb, wskind k, const char *path, int idx) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_WL;
    v.wl = arena_alloc(&L->tmp, sizeof *v.wl);
    v.wl->wb = wb;
    v.wl->kind = k;
    v.wl->path = path;
    v.wl->idx = idx;
    return v;
}

const char *lower_join(lower *L, const char *a, const char *b) {
    if (!a || !*a) return b;
    return arena_printf(&L->tmp, "%s.%s", a, b);
}

static value wl_by_path(lower *L, wbuild *wb, const char *path, const ast *where, const char *shown) {
    nameref *r = strmap_get(&wb->names, path);
    if (r) {
        if (r->kind == 0) return lower_vwl(L, wb, WS_GROUP, path, r->idx);
        if (r->kind == 1) return lower_vwl(L, wb, WS_OP, path, r->idx);
        if (r->kind == 2) return lower_vwl(L, wb, WS_TENSOR, path, r->idx);
        if (r->kind == 3) return lower_vwl(L, wb, WS_GROUPS, path, -1);
        if (r->kind == 4) return verr(); /* already reported */
    }
    suggest sg;
    suggest_init(&sg, path);
    for (int i = 0; i < wb->names.nb; i++)
        for (strmap_entry *e = wb->names.b[i]; e; e = e->next) suggest_add(&sg, e->key);
    char buf[200];
    ERR(L, where->loc, "workload '%s' has no operator, tensor or group '%s'%s", wb->w->name, shown,
        suggest_text(&sg, buf, sizeof buf));
    return verr();
}

/* Collect ops or tensors of a group (recursively), or of the whole workload. */
value lower_wl_collect(lower *L, wbuild *wb, int group, int tensors, int tkind) {
    ir_workload *w = wb->w;
    int n = tensors ? w->ntensors : w->nops;
    int *set = arena_alloc(&L->tmp, sizeof(int) * (size_t)(n + 1));
    int k = 0;
    for (int i = 0; i < n; i++) {
        int g = tensors ? w->tensors[i].group : w->ops[i].group;
        if (tensors && (int)w->tensors[i].kind != tkind) continue;
        int in = group < 0;
        for (int x = g; x >= 0 && !in; x = w->groups[x].parent) in = x == group;
        if (in) set[k++] = i;
    }
    value v = lower_vwl(L, wb, tensors ? WS_TENSORS : WS_OPS, NULL, -1);
    v.wl->set = set;
    v.wl->nset = k;
    return v;
}

static value wl_member(lower *L, value base, const ast *e) {
    wlsel *ws = base.wl;
    ir_workload *w = ws->wb->w;
    const char *m = e->name;
    int group = ws->kind == WS_GROUP ? ws->idx : -1;
    if (ws->kind == WS_WORKLOAD || ws->kind == WS_GROUP) {
        if (strcmp(m, "weights") == 0) return lower_wl_collect(L, ws->wb, group, 1, TENSOR_WEIGHT);
        if (strcmp(m, "inputs") == 0) return lower_wl_collect(L, ws->wb, group, 1, TENSOR_INPUT);
        if (strcmp(m, "caches") == 0) return lower_wl_collect(L, ws->wb, group, 1, TENSOR_CACHE);
        if (ws->kind == WS_WORKLOAD)
            for (int i = 0; i < w->nparams; i++)
                if (strcmp(w->pnames[i], m) == 0)
                    return vnum(w->pvals[i], w->pdims[i], units_is_none(w->pdims[i]) && w->pvals[i] == floor(w->pvals[i]));
        const char *path = ws->kind == WS_GROUP ? lower_join(L, ws->path, m) : m;
        return wl_by_path(L, ws->wb, path, e->b, path);
    }
    ERR(L, e->b->loc, "'.%s' needs a workload or a group on its left, found %s", m,
        ws->kind == WS_OP ? "an operator" : ws->kind == WS_TENSOR ? "a tensor" : ws->kind == WS_GROUPS ? "an unindexed group array" : "a set");
    return verr();
}

/* Tensor types ------------------------------------------------------- */

static value shape_index(lower *L, scope *s, value base, const ast *e) {
    int64_t n;
    if (e->b->kind == AST_STAR || e->b->kind == AST_RANGE) {
        ERR(L, e->b->loc, "a tensor dimension must be a number");
        return verr();
    }
    if (!lower_eval_int(L, s, e->b, &n)) return verr();
    if (n <= 0) {
        ERR(L, e->b->loc, "a tensor dimension must be positive, found %lld", (long long)n);
        return verr();
    }
    value v = base;
    if (v.k == V_DTYPE) {
        v.k = V_SHAPE;
        v.ndims = 0;
    }
    if (v.ndims >= IR_MAX_DIMS) {
        ERR(L, e->loc, "tensors have at most %d dimensions", IR_MAX_DIMS);
        return verr();
    }
    v.dims[v.ndims++] = n;
    return v;
}

static value eval_list(lower *L, scope *s, const ast *e) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_LIST;
    v.nitems = e->list.n;
    v.items = arena_alloc(&L->tmp, sizeof(value) * (size_t)(e->list.n + 1));
    for (int i = 0; i < e->list.n; i++) {
        v.items[i] = lower_eval(L, s, e->list.v[i]);
        if (v.items[i].k == V_ERR) return verr();
    }
    return v;
}

value lower_eval(lower *L, scope *s, const ast *e) {
    if (L->over_budget) return verr();
    switch (e->kind) {
    case AST_NUM:
        if (e->depth > 1000) return verr(); /* the parser reported it */
        if (!isfinite(e->num * e->scale)) {
            ERR(L, e->loc, "number out of range");
            return verr();
        }
        return vnum(e->num * e->scale, e->dim, e->is_int && !e->unit);
    case AST_STR: {
        value v;
        memset(&v, 0, sizeof v);
        v.k = V_STR;
        v.str = e->name;
        return v;
    }
    case AST_IDENT:
        return lookup(L, s, e);
    case AST_BINOP: {
        if (e->op == AND || e->op == OR) {
            value a = lower_eval(L, s, e->a);
            if (!lower_want_num(L, a, e->a)) return verr();
            if ((e->op == AND && a.num == 0) || (e->op == OR && a.num != 0)) return vint(a.num != 0);
            value b = lower_eval(L, s, e->b);
            if (!lower_want_num(L, b, e->b)) return verr();
            return vint(b.num != 0);
        }
        value a = lower_eval(L, s, e->a);
        value b = lower_eval(L, s, e->b);
        value r = binop(L, e->op, a, b, e);
        if (r.k == V_NUM && !isfinite(r.num)) {
            ERR(L, e->loc, "arithmetic overflow: the result is out of range");
            return verr();
        }
        return r;
    }
    case AST_UNOP: {
        value a = lower_eval(L, s, e->a);
        if (!lower_want_num(L, a, e->a)) return verr();
        if (e->op == '-') {
            a.num = -a.num;
            return a;
        }
        return vint(a.num == 0);
    }
    case AST_COND: {
        value c = lower_eval(L, s, e->a);
        if (!lower_want_num(L, c, e->a)) return verr();
        return lower_eval(L, s, c.num != 0 ? e->b : e->c);
    }
    case AST_RANGE: {
        value a = lower_eval(L, s, e->a), b = lower_eval(L, s, e->b);
        if (!lower_want_num(L, a, e->a) || !lower_want_num(L, b, e->b)) return verr();
        if (!units_eq(a.dim, b.dim)) {
            ERR(L, e->loc, "range from %s to %s", lower_dim_text(L, a.dim), lower_dim_text(L, b.dim));
            return verr();
        }
        value st = vnum(1, a.dim, 1);
        if (!units_is_none(a.dim) && !e->c) {
            ERR(L, e->loc, "a range of quantities needs a 'step'");
            return verr();
        }
        if (e->c) {
            st = lower_eval(L, s, e->c);
            if (!lower_want_num(L, st, e->c)) return verr();
            if (!units_eq(st.dim, a.dim)) {
                ERR(L, e->c->loc, "step is %s but the range is %s", lower_dim_text(L, st.dim), lower_dim_text(L, a.dim));
                return verr();
            }
            if (st.num <= 0) {
                ERR(L, e->c->loc, "step must be positive");
                return verr();
            }
        }
        if ((b.num - a.num) / st.num > MAX_LIST) {
            ERR(L, e->loc, "range has more than %d values", MAX_LIST);
            return verr();
        }
        value v = a;
        v.k = V_RANGE;
        v.hi = b.num;
        v.step = st.num;
        v.is_int = a.is_int && b.is_int && st.is_int;
        return v;
    }
    case AST_LIST:
        return eval_list(L, s, e);
    case AST_MEMBER: {
        value base = lower_eval(L, s, e->a);
        if (base.k == V_ERR) return base;
        if (base.k == V_HW) return hw_member(L, base, e);
        if (base.k == V_WL) return wl_member(L, base, e);
        ERR(L, e->b->loc, "'.%s' needs hardware or a workload on its left, found %s", e->name, lower_vkind_name(base.k));
        return verr();
    }
    case AST_DOTSTAR: {
        value base = lower_eval(L, s, e->a);
        if (base.k == V_ERR) return base;
        if (base.k == V_WL && (base.wl->kind == WS_WORKLOAD || base.wl->kind == WS_GROUP))
            return lower_wl_collect(L, base.wl->wb, base.wl->kind == WS_GROUP ? base.wl->idx : -1, 0, 0);
        ERR(L, e->loc, "'.*' selects every operator of a workload or group, not of %s", lower_vkind_name(base.k));
        return verr();
    }
    case AST_INDEX: {
        value base = lower_eval(L, s, e->a);
        if (base.k == V_ERR) return base;
        if (base.k == V_HW) return hw_index(L, s, base, e);
        if (base.k == V_DTYPE || base.k == V_SHAPE) return shape_index(L, s, base, e);
        if (base.k == V_WL && base.wl->kind == WS_GROUPS) {
            int64_t i;
            if (e->b->kind == AST_STAR || !lower_eval_int(L, s, e->b, &i)) {
                if (e->b->kind == AST_STAR) ERR(L, e->b->loc, "'*' selects hardware, not groups; use a 'for' loop");
                return verr();
            }
            const char *path = arena_printf(&L->tmp, "%s[%lld]", base.wl->path, (long long)i);
            return wl_by_path(L, base.wl->wb, path, e, path);
        }
        if (base.k == V_LIST) {
            int64_t i;
            if (!lower_eval_int(L, s, e->b, &i)) return verr();
            if (i < 0 || i >= base.nitems) {
                ERR(L, e->b->loc, "index %lld is out of range for a list of %d", (long long)i, base.nitems);
                return verr();
            }
            return base.items[i];
        }
        ERR(L, e->loc, "%s cannot be indexed", lower_vkind_name(base.k));
        return verr();
    }
    case AST_CALL: {
        value f = lower_eval(L, s, e->a);
        if (f.k == V_ERR) return f;
        if (f.k == V_FUNC) return eval_call_func(L, s, f.code, e);
        if (f.k == V_LEVELT || f.k == V_WLT) {
            /* calling an already-called template adds arguments to it:
             * `let llama = transformer(hidden = 4096)` then `llama(seq = 1)` */
            if (f.call) {
                value *old = arena_alloc(&L->tmp, sizeof *old);
                *old = f;
                f.prior = old;
            }
            f.call = e;
            f.cs = s;
            return f;
        }
        ERR(L, e->a->loc, "%s cannot be called here", lower_vkind_name(f.k));
        return verr();
    }
    case AST_STAR:
        ERR(L, e->loc, "'*' only selects positions of a space matrix");
        return verr();
    default:
        ERR(L, e->loc, "a %s is not an expression", ast_kind_name(e->kind));
        return verr();
    }
}

/* ------------------------------------------------------------------ */
/* Statements common to every body: let, for, if                        */
/* ------------------------------------------------------------------ */



/* Handle let/for/if; returns 1 when st was one of them. */
int lower_control(lower *L, scope *s, const ast *st, stmt_fn fn) {
    if (st->kind == AST_LET) {
        value v = lower_eval(L, s, st->a);
        lower_define(L, s, st->name, v, st->b ? st->b->loc : st->loc, "name");
        return 1;
    }
    if (st->kind == AST_IF) {
        value c = lower_eval(L, s, st->a);
        if (!lower_want_num(L, c, st->a)) return 1;
        if (c.num != 0) lower_body(L, lower_scope_new(L, s), st->c, fn);
        else if (st->b && st->b->kind == AST_IF) lower_control(L, s, st->b, fn);
        else if (st->b) lower_body(L, lower_scope_new(L, s), st->b, fn);
        return 1;
    }
    if (st->kind == AST_FOR) {
        value r = lower_eval(L, s, st->a);
        if (r.k == V_ERR) return 1;
        if (r.k == V_RANGE) {
            for (double x = r.num; x < r.hi - 1e-9 * fabs(r.step) && !L->over_budget; x += r.step) {
                if (!lower_budget(L, st->loc, 1)) break;
                scope *inner = lower_scope_new(L, s);
                lower_define(L, inner, st->name, vnum(x, r.dim, r.is_int), st->loc, "loop variable");
                int before = L->dc->nerrors;
                lower_body(L, inner, st->c, fn);
                if (L->dc->nerrors > before && diag_full(L->dc)) break;
                if (L->dc->nerrors > before + 5) break; /* same error every iteration */
            }
            return 1;
        }
        if (r.k == V_LIST) {
            for (int i = 0; i < r.nitems && !L->over_budget; i++) {
                if (!lower_budget(L, st->loc, 1)) break;
                scope *inner = lower_scope_new(L, s);
                lower_define(L, inner, st->name, r.items[i], st->loc, "loop variable");
                int before = L->dc->nerrors;
                lower_body(L, inner, st->c, fn);
                if (L->dc->nerrors > before + 5) break;
            }
            return 1;
        }
        ERR(L, st->a->loc, "'for' needs a range or a list, found %s", lower_vkind_name(r.k));
        return 1;
    }
    return 0;
}

void lower_body(lower *L, scope *s, const ast *blk, stmt_fn fn) {
    if (!blk) return;
    for (int i = 0; i < blk->list.n && !diag_full(L->dc) && !L->over_budget; i++) {
        const ast *st = blk->list.v[i];
        if (!lower_control(L, s, st, fn)) fn(L, s, st);
    }
}

static const char *stmt_word(const ast *st) {
    switch (st->kind) {
    case AST_PARAM: return "'param'";
    case AST_LEVEL: return "'level'";
    case AST_SYSTEM: return "'system'";
    case AST_WORKLOAD: return "'workload'";
    case AST_MAPPING: return "'mapping'";
    case AST_MAPTMPL: return "a mapping template";
    case AST_CALL: return "a mapping template call";
    case AST_EXPLORE: return "'explore'";
    case AST_ELEMENT: return st->op == KW_COMPUTE ? "'compute'" : "'memory'";
    case AST_NETWORK: return "'network'";
    case AST_LINK: return "'link'";
    case AST_CHILD: return "a space matrix";
    case AST_ATTACH: return "'attach'";
    case AST_ATTR: return "an attribute";
    case AST_TENSOR: return "a tensor declaration";
    case AST_OP: return "'op'";
    case AST_GROUP: return "'group'";
    case AST_PLACE: return "'place'";
    case AST_TRANSFER: return "'transfer'";
    case AST_STORE: return "'store'";
    case AST_SYNC: return "'sync'";
    case AST_VARY: return "'vary'";
    case AST_REQUIRE: return "'require'";
    case AST_OBJECTIVE: return st->op == KW_MINIMIZE ? "'minimize'" : "'maximize'";
    case AST_IMPORT: return "'import'";
    default: return "this statement";
    }
}

static const char *home_of(const ast *st) {
    switch (st->kind) {
    case AST_PARAM: case AST_LEVEL: case AST_SYSTEM: case AST_WORKLOAD:
    case AST_MAPPING: case AST_MAPTMPL: case AST_EXPLORE: case AST_IMPORT: return "at the top level of a file";
    case AST_CALL: return "in a mapping";
    case AST_ELEMENT: case AST_NETWORK: case AST_CHILD: case AST_ATTACH: return "in a level";
    case AST_LINK: return "in a network block";
    case AST_ATTR: return "in a level or an element block";
    case AST_TENSOR: case AST_OP: case AST_GROUP: return "in a workload";
    case AST_PLACE: case AST_TRANSFER: case AST_STORE: case AST_SYNC: return "in a mapping";
    case AST_VARY: case AST_REQUIRE: case AST_OBJECTIVE: return "in an explore block";
    default: return "elsewhere";
    }
}

void lower_misplaced(lower *L, const ast *st, const char *here) {
    ERR(L, st->loc, "%s is not allowed %s; it belongs %s", stmt_word(st), here, home_of(st));
}
