/* lower.c - from syntax trees to the typed IR.
 *
 * Lowering is a compile-time interpreter.  It reads the root file and its
 * imports (depth first, each file once, cycles reported with the chain),
 * registers every template and mapping by name, then evaluates the design in
 * source order: parameters and lets, systems (which instantiate level
 * templates), workload instances, mappings and the explore block.
 *
 * Values carry dimensions (units.h); every arithmetic operator checks them,
 * and every attribute checks the dimension it needs, naming both.  An error
 * yields a poison value (V_ERR) that later operators pass on silently, so one
 * mistake gives one diagnostic and evaluation carries on to find the next.
 *
 * Hardware references (top.chip[1][*].core[0][0].sram) evaluate to a
 * selection: a path of (child, index pattern) steps from a system root or
 * from the level being built, expanded to instance ids only where needed.
 * Workload references evaluate to groups, operators, tensors or sets of
 * them.  Limits (instances, template depth, evaluation steps) turn absurd
 * inputs into errors instead of hangs or memory exhaustion.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hf.h"
#include "lower_int.h"
#include "parse.h"
#include "parser.h"
#include "vision.h"

enum {
    MAX_TEMPLATE_DEPTH = 64,
    MAX_STEPS = 50 * 1000 * 1000, /* loop iterations and expansions */
    MAX_LIST = 1 << 20,           /* elements in one list or range */
};

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

typedef enum {
    V_ERR, V_NUM, V_STR, V_RANGE, V_LIST, V_HW, V_WL, V_LEVELT, V_WLT,
    V_MAPNAME, V_DTYPE, V_SHAPE, V_FUNC, V_TOPO, V_OPKIND, V_METRIC, V_MAPT
} vkind;

typedef struct hwstep {
    int child;
    int ndone; /* dims indexed so far */
    int64_t lo[IR_MAX_DIMS], hi[IR_MAX_DIMS];
} hwstep;

/* A selection of hardware: level instances, or one element of each. */
typedef struct hwsel {
    ir_system *sys;        /* rooted at this system's root, or NULL */
    const ir_level *start; /* level the path starts at */
    const ir_level *end;   /* level type where it ends */
    hwstep *steps;
    int nsteps;
    int elem;              /* element index, or -1 */
    int net;               /* network index (relative refs), or -1 */
    int parent;            /* the `parent` gateway pseudo-reference */
} hwsel;

typedef enum { WS_WORKLOAD, WS_GROUPS, WS_GROUP, WS_OP, WS_TENSOR, WS_OPS, WS_TENSORS } wskind;

typedef struct wbuild wbuild;

typedef struct wlsel {
    wbuild *wb;
    wskind kind;
    const char *path; /* group path, or the pending prefix of WS_GROUPS */
    int idx;          /* group/op/tensor index */
    int *set;         /* WS_OPS / WS_TENSORS */
    int nset;
} wlsel;

typedef struct value {
    vkind k;
    int is_int;
    units_dim dim;
    double num, hi, step;  /* V_NUM; V_RANGE is num .. hi step */
    const char *str;       /* V_STR, names of templates/mappings */
    struct value *items;   /* V_LIST */
    int nitems;
    hwsel *hw;
    wlsel *wl;
    const ast *decl;       /* V_LEVELT / V_WLT / V_MAPNAME */
    const ast *call;       /* V_LEVELT / V_WLT with arguments: the call */
    struct scope *cs;      /* ... and the scope its arguments are evaluated in */
    const struct value *prior; /* an earlier call of the same template
                                  (partial application: later arguments win) */
    int code;              /* V_DTYPE, V_FUNC, V_TOPO, V_OPKIND, V_METRIC */
    int ndims;             /* V_SHAPE */
    int64_t dims[IR_MAX_DIMS];
} value;

/* ------------------------------------------------------------------ */
/* Scopes                                                              */
/* ------------------------------------------------------------------ */

typedef struct binding {
    value v;
    mld_loc loc;
    const char *what; /* "parameter", "level", ... for duplicate notes */
} binding;

typedef struct scope scope;
struct scope {
    scope *parent;
    strmap map;
};

/* ------------------------------------------------------------------ */
/* Builders                                                            */
/* ------------------------------------------------------------------ */

/* A level type under construction. */
typedef struct lbuild {
    ir_level *lv;
    int capelems, capchildren, capnets, capattaches;
    scope *sc;
} lbuild;

typedef struct nameref {
    int kind; /* 0 group, 1 op, 2 tensor, 3 group array, 4 a tensor or
               * operator whose declaration failed (references to it are
               * silent errors) */
    int idx;
} nameref;

struct wbuild {
    ir_workload *w;
    int capops, captensors, capgroups;
    strmap names; /* full path -> nameref */
    wbuild *next;
};

typedef struct lower {
    arena *mem;        /* the design's arena: IR lives here */
    arena tmp;         /* sources, syntax trees, scratch */
    diag_ctx *dc;
    ir_design *d;
    const mldc_options *opts;
    scope *globals;
    strmap levels;     /* instantiation key -> ir_level */
    ptrvec files;      /* mld_source* loaded, for cycle detection */
    ptrvec hf_inputs;  /* ir_input* of the HF configs read */
    ptrvec stack;      /* import stack: mld_source* */
    ptrvec items;      /* top-level statements of all files, in order */
    wbuild *wbs;
    int tdepth;        /* template instantiation depth */
    const ast *tstack[MAX_TEMPLATE_DEPTH + 1];
    long steps;
    int over_budget;
    /* context of the statement being lowered */
    lbuild *lb;        /* in a level body */
    wbuild *wb;        /* in a workload body */
    const char *gpath; /* current group path ("" at the workload top) */
    int group;         /* current group index or -1 */
    ir_mapping *map;   /* in a mapping body */
    ir_explore *ex;
    scope *gscope;     /* scope of the current workload or group body */
    ir_net *net;       /* network whose links are being read */
    int caplinks;
    int cap_params, cap_levels, cap_workloads, cap_mappings;
    int nrefs;         /* numbers non-numeric template arguments in level names */
} lower;

static value verr(void) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_ERR;
    return v;
}

static value vnum(double x, units_dim dim, int is_int) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_NUM;
    v.num = x;
    v.dim = dim;
    v.is_int = is_int;
    return v;
}

static value vint(double x) { return vnum(x, units_none(), 1); }

#define ERR(L, loc, ...) diag_error((L)->dc, (loc), __VA_ARGS__)

static const char *vkind_name(vkind k) {
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
static const char *dim_text(lower *L, units_dim d) {
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

static const char *value_text(lower *L, value v) {
    if (v.k == V_NUM) {
        char buf[64];
        units_format_value(v.num, v.dim, buf, sizeof buf);
        return arena_strdup(&L->tmp, buf);
    }
    return vkind_name(v.k);
}

static int budget(lower *L, mld_loc loc, long n) {
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

static scope *scope_new(lower *L, scope *parent) {
    scope *s = arena_alloc(&L->tmp, sizeof *s);
    s->parent = parent;
    return s;
}

static binding *scope_find(scope *s, const char *name) {
    for (; s; s = s->parent) {
        binding *b = strmap_get(&s->map, name);
        if (b) return b;
    }
    return NULL;
}

/* Define name in s; a second definition in the same scope is an error with
 * a note at the first. */
static void define(lower *L, scope *s, const char *name, value v, mld_loc loc, const char *what) {
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
static const char *const topo_names[TOPO_COUNT] = {
    "mesh", "torus", "ring", "bus", "crossbar", "switch", "fully_connected", "tree", "custom"};
static const char *const dtype_names[DT_COUNT] = {"fp32", "bf16", "fp16", "fp8", "int8", "int4", "int32"};
static const char *const metric_names[METRIC_COUNT] = {
    "latency", "throughput", "energy", "area", "power", "edp", "throughput_per_area", "throughput_per_watt"};

static int find_name(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n && names[i]; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

static int builtin(const char *name, value *out) {
    int i;
    memset(out, 0, sizeof *out);
    if ((i = find_name(func_names, 8, name)) >= 0) { out->k = V_FUNC; out->code = i; return 1; }
    if ((i = find_name(topo_names, TOPO_COUNT, name)) >= 0) { out->k = V_TOPO; out->code = i; return 1; }
    if ((i = find_name(dtype_names, DT_COUNT, name)) >= 0) { out->k = V_DTYPE; out->code = i; return 1; }
    if ((i = find_name(ir_opkind_names, OPK_COUNT, name)) >= 0) { out->k = V_OPKIND; out->code = i; return 1; }
    if ((i = find_name(metric_names, METRIC_COUNT, name)) >= 0) { out->k = V_METRIC; out->code = i; return 1; }
    return 0;
}

static void suggest_scope(suggest *sg, scope *s) {
    for (; s; s = s->parent)
        for (int i = 0; i < s->map.nb; i++)
            for (strmap_entry *e = s->map.b[i]; e; e = e->next) suggest_add(sg, e->key);
}

static void suggest_builtins(suggest *sg) {
    for (int i = 0; func_names[i]; i++) suggest_add(sg, func_names[i]);
    for (int i = 0; i < TOPO_COUNT; i++) suggest_add(sg, topo_names[i]);
    for (int i = 0; i < DT_COUNT; i++) suggest_add(sg, dtype_names[i]);
    for (int i = 0; i < OPK_COUNT; i++) suggest_add(sg, ir_opkind_names[i]);
    for (int i = 0; i < METRIC_COUNT; i++) suggest_add(sg, metric_names[i]);
}

static value lookup(lower *L, scope *s, const ast *id) {
    binding *b = scope_find(s, id->name);
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
/* Level instance arithmetic                                           */
/* ------------------------------------------------------------------ */

uint64_t ir_child_inst(const ir_level *lv, int c, int64_t i, uint64_t base) {
    return base + 1 + lv->children[c].offset + (uint64_t)i * lv->children[c].type->ninst;
}

int ir_inst_steps(const ir_system *s, uint64_t inst, ir_step *out, int max) {
    const ir_level *lv = s->root;
    uint64_t base = 0;
    int n = 0;
    if (max > 0) out[n++] = (ir_step){0, lv, -1, 0};
    while (base != inst) {
        /* children lie in increasing offset order: binary search */
        int lo = 0, hi = lv->nchildren - 1, c = -1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (base + 1 + lv->children[mid].offset <= inst) {
                c = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (c < 0) abort(); /* an id outside the system: a bug */
        const ir_child *ch = &lv->children[c];
        uint64_t first = base + 1 + ch->offset;
        if (inst >= first + (uint64_t)ch->count * ch->type->ninst) abort();
        int64_t i = (int64_t)((inst - first) / ch->type->ninst);
        base = first + (uint64_t)i * ch->type->ninst;
        lv = ch->type;
        if (n < max) out[n++] = (ir_step){base, lv, c, i};
    }
    return n;
}

static int fmt_index(char *buf, size_t n, const ir_child *ch, int64_t flat) {
    int len = 0;
    int64_t idx[IR_MAX_DIMS];
    for (int d = ch->ndims - 1; d >= 0; d--) {
        idx[d] = flat % ch->dims[d];
        flat /= ch->dims[d];
    }
    for (int d = 0; d < ch->ndims && (size_t)len < n; d++)
        len += snprintf(buf + len, n - (size_t)len, "[%lld]", (long long)idx[d]);
    return len;
}

const ir_level *ir_inst_path(const ir_system *s, uint64_t inst, char *buf, size_t n) {
    ir_step st[256];
    int k = ir_inst_steps(s, inst, st, 256);
    int len = snprintf(buf, n, "%s", s->name);
    for (int i = 1; i < k && (size_t)len < n; i++) {
        const ir_child *ch = &st[i - 1].level->children[st[i].child];
        len += snprintf(buf + len, n - (size_t)len, ".%s", ch->name);
        if ((size_t)len < n) len += fmt_index(buf + len, n - (size_t)len, ch, st[i].index);
    }
    return st[k - 1].level;
}

void ir_unit_path(const ir_system *s, ir_unit u, char *buf, size_t n) {
    const ir_level *lv = ir_inst_path(s, u.inst, buf, n);
    size_t len = strlen(buf);
    if (u.elem >= 0 && len < n) snprintf(buf + len, n - len, ".%s", lv->elems[u.elem].name);
}

/* ------------------------------------------------------------------ */
/* Files and imports                                                   */
/* ------------------------------------------------------------------ */

const char *mldc_stdlib_dir(const mldc_options *o) {
    if (o && o->stdlib_dir) return o->stdlib_dir;
    const char *env = getenv("MLDC_STDLIB");
    if (env && *env) return env;
#ifdef MLDC_STDLIB_DIR
    return MLDC_STDLIB_DIR;
#else
    return "stdlib";
#endif
}

/* Read a whole file with a size limit.  Returns NULL and sets *why. */
static mld_source *read_source(lower *L, const char *path, const char **why) {
    size_t olen = 0;
    const char *over = L->opts && L->opts->overlay ? L->opts->overlay(L->opts->overlay_ud, path, &olen) : NULL;
    if (over) { /* an editor's buffer stands for the file */
        mld_source *src = arena_alloc(&L->tmp, sizeof *src);
        src->path = arena_strdup(&L->tmp, path);
        src->text = arena_strndup(&L->tmp, over, olen);
        src->len = olen;
        return src;
    }
    FILE *f = util_open_input(path);
    if (!f) {
        *why = errno == ETIMEDOUT ? arena_printf(&L->tmp, "cannot read '%s': it is a FIFO and nothing was written to it within %d s", path, UTIL_FIFO_WAIT)
                                  : arena_printf(&L->tmp, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        *why = arena_printf(&L->tmp, "'%s' is a directory", path);
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && st.st_size > MLDC_MAX_FILE) {
        fclose(f);
        *why = arena_printf(&L->tmp, "'%s' is %.1f MiB; the limit is %d MiB", path,
                            (double)st.st_size / 1048576.0, MLDC_MAX_FILE >> 20);
        return NULL;
    }
    size_t len = 0;
    char *text = util_read_all(f, MLDC_MAX_FILE, &len);
    fclose(f);
    if (!text) {
        *why = errno == EFBIG ? arena_printf(&L->tmp, "'%s' is larger than the limit of %d MiB", path, MLDC_MAX_FILE >> 20)
                              : arena_printf(&L->tmp, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (memchr(text, 0, len)) {
        free(text);
        *why = arena_printf(&L->tmp, "'%s' is not a text file (it contains NUL bytes)", path);
        return NULL;
    }
    mld_source *src = arena_alloc(&L->tmp, sizeof *src);
    src->path = arena_strdup(&L->tmp, path);
    char *copy = arena_strndup(&L->tmp, text, len);
    free(text);
    src->text = copy;
    src->len = len;
    return src;
}

static void load_file(lower *L, mld_source *src);

const char *mldc_resolve_import(arena *a, const mldc_options *o, const char *from, const char *name) {
    const char *file = name;
    size_t n = strlen(name);
    if (n < 4 || strcmp(name + n - 4, ".mld") != 0) file = arena_printf(a, "%s.mld", name);
    if (strncmp(name, "std/", 4) == 0) return arena_printf(a, "%s/%s", mldc_stdlib_dir(o), file);
    if (file[0] == '/') return file;
    const char *slash = strrchr(from, '/');
    if (!slash) return file;
    return arena_printf(a, "%.*s%s", (int)(slash - from + 1), from, file);
}

static const char *resolve_import(lower *L, const mld_source *from, const char *name) {
    return mldc_resolve_import(&L->tmp, L->opts, from->path, name);
}

static void do_import(lower *L, const mld_source *from, const ast *imp) {
    if (!imp->name[0]) return; /* an unterminated or empty string: the scanner said so */
    const char *path = resolve_import(L, from, imp->name);
    for (int i = 0; i < L->stack.n; i++) {
        mld_source *s = L->stack.v[i];
        if (strcmp(s->path, path) == 0) {
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, imp->loc, "import cycle: '%s' imports itself", path);
            for (int j = i; j < L->stack.n; j++) {
                mld_source *t = L->stack.v[j];
                mld_loc at = {0, 0, 0, 0, t};
                diag_note(L->dc, dg, at, "'%s' is on the import chain", t->path);
            }
            diag_emit(L->dc, dg);
            return;
        }
    }
    for (int i = 0; i < L->files.n; i++)
        if (strcmp(((mld_source *)L->files.v[i])->path, path) == 0) return; /* once */
    if (L->files.n >= MLDC_MAX_IMPORTS) {
        ERR(L, imp->loc, "more than %d files imported", MLDC_MAX_IMPORTS);
        return;
    }
    const char *why = NULL;
    mld_source *src = read_source(L, path, &why);
    if (!src) {
        ERR(L, imp->loc, "cannot import '%s': %s", imp->name, why);
        return;
    }
    load_file(L, src);
}

static void load_file(lower *L, mld_source *src) {
    ptrvec_push(&L->tmp, &L->files, src);
    ptrvec_push(&L->tmp, &L->stack, src);
    ast *root = parse_file(src, &L->tmp, L->dc);
    for (int i = 0; i < root->list.n; i++) {
        ast *it = root->list.v[i];
        if (it->kind == AST_IMPORT) do_import(L, src, it);
        else ptrvec_push(&L->tmp, &L->items, it);
    }
    L->stack.n--;
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */

static value eval(lower *L, scope *s, const ast *e);

static int want_num(lower *L, value v, const ast *e) {
    if (v.k == V_NUM) return 1;
    if (v.k != V_ERR) ERR(L, e->loc, "expected a number here, found %s", vkind_name(v.k));
    return 0;
}

/* Evaluate to an integer (dimensionless, whole). */
static int eval_int(lower *L, scope *s, const ast *e, int64_t *out) {
    value v = eval(L, s, e);
    if (!want_num(L, v, e)) return 0;
    if (!units_is_none(v.dim)) {
        ERR(L, e->loc, "expected a plain integer, found %s", dim_text(L, v.dim));
        return 0;
    }
    if (v.num != floor(v.num) || fabs(v.num) > 9e15) {
        ERR(L, e->loc, "expected an integer, found %s", value_text(L, v));
        return 0;
    }
    *out = (int64_t)v.num;
    return 1;
}

static value binop(lower *L, int op, value a, value b, const ast *e) {
    if (a.k == V_ERR || b.k == V_ERR) return verr();
    if (a.k != V_NUM || b.k != V_NUM) {
        ERR(L, e->loc, "operator '%s' needs numbers, found %s and %s", ast_op_text(op),
            vkind_name(a.k), vkind_name(b.k));
        return verr();
    }
    int both_int = a.is_int && b.is_int;
    switch (op) {
    case '+':
    case '-':
    case '<': case '>': case LE: case GE: case EQ: case NE:
        if (!units_eq(a.dim, b.dim)) {
            const char *verb = op == '+' ? "add" : op == '-' ? "subtract" : "compare";
            ERR(L, e->loc, "cannot %s %s and %s", verb, dim_text(L, a.dim), dim_text(L, b.dim));
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
    value pv = eval(L, s, e->list.v[0]);
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
    binding *tb = scope_find(L->globals, "transformer");
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
    value a = eval(L, s, e->list.v[0]);
    if (f == 6) { /* count(x): instances a hardware reference selects, items of a list */
        if (a.k == V_ERR) return a;
        if (a.k == V_LIST) return vint(a.nitems);
        if (a.k == V_HW) return vint((double)hw_count(a.hw));
        ERR(L, e->loc, "count() takes a hardware reference or a list, found %s", vkind_name(a.k));
        return verr();
    }
    if (!want_num(L, a, e->list.v[0])) return verr();
    if (f <= 1) {
        value b = eval(L, s, e->list.v[1]);
        if (!want_num(L, b, e->list.v[1])) return verr();
        if (!units_eq(a.dim, b.dim)) {
            ERR(L, e->loc, "%s() of %s and %s", func_names[f], dim_text(L, a.dim), dim_text(L, b.dim));
            return verr();
        }
        int pick_a = f == 0 ? a.num <= b.num : a.num >= b.num;
        value r = pick_a ? a : b;
        r.is_int = a.is_int && b.is_int;
        return r;
    }
    if (f == 4 || f == 5) {
        if (!units_is_none(a.dim) && f == 4) {
            ERR(L, e->loc, "log2() needs a plain number, found %s", dim_text(L, a.dim));
            return verr();
        }
        if (a.num < 0 || (f == 4 && a.num == 0)) {
            ERR(L, e->loc, "%s() of %s is undefined", func_names[f], value_text(L, a));
            return verr();
        }
        if (f == 5) {
            for (int i = 0; i < UNIT_NDIM; i++)
                if (a.dim.e[i] % 2) {
                    ERR(L, e->loc, "sqrt() of %s has no dimension", dim_text(L, a.dim));
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

static value vhw(hwsel *h) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_HW;
    v.hw = h;
    return v;
}

/* The child record of step k. */
static const ir_child *hw_child(const hwsel *h, int k) {
    const ir_level *lv = h->start;
    for (int i = 0; i < k; i++) lv = lv->children[h->steps[i].child].type;
    return &lv->children[h->steps[k].child];
}

static int hw_last_open(const hwsel *h) {
    if (!h->nsteps) return 0;
    const ir_child *ch = hw_child(h, h->nsteps - 1);
    return h->steps[h->nsteps - 1].ndone < ch->ndims;
}

static value hw_member(lower *L, value base, const ast *e) {
    hwsel *h = base.hw;
    if (h->elem >= 0 || h->net >= 0) {
        ERR(L, e->b->loc, "'%s' has no members: it is an element, not a level", h->elem >= 0 ? h->end->elems[h->elem].name : h->end->nets[h->net].name);
        return verr();
    }
    if (hw_last_open(h)) {
        const ir_child *ch = hw_child(h, h->nsteps - 1);
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
            return vhw(n);
        }
    for (int i = 0; i < lv->nelems; i++)
        if (strcmp(lv->elems[i].name, e->name) == 0) {
            hwsel *n = hw_copy(L, h, 0);
            n->elem = i;
            return vhw(n);
        }
    for (int i = 0; i < lv->nnets; i++)
        if (strcmp(lv->nets[i].name, e->name) == 0) {
            hwsel *n = hw_copy(L, h, 0);
            n->net = i;
            return vhw(n);
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
    if (!eval_int(L, s, e->b, &i)) return verr();
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
    return vhw(c);
}

static value hw_index(lower *L, scope *s, value base, const ast *e) {
    hwsel *h = base.hw;
    if (h->nsteps && !hw_last_open(h) && h->net < 0 && e->b->kind != AST_STAR && e->b->kind != AST_RANGE &&
        hw_count(h) > 1)
        return hw_pick(L, s, h, e);
    if (!h->nsteps || !hw_last_open(h) || h->elem >= 0 || h->net >= 0) {
        ERR(L, e->loc, "this hardware reference is not a matrix and cannot be indexed");
        return verr();
    }
    const ir_child *ch = hw_child(h, h->nsteps - 1);
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
        if (!eval_int(L, s, ix->a, &lo) || !eval_int(L, s, ix->b, &hi)) return verr();
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
        if (!eval_int(L, s, ix, &i)) return verr();
        if (i < 0 || i >= size) {
            ERR(L, ix->loc, "index %lld is out of range for '%s' (dimension %d has size %lld: 0 .. %lld)",
                (long long)i, ch->name, d + 1, (long long)size, (long long)size - 1);
            return verr();
        }
        st->lo[d] = i;
        st->hi[d] = i + 1;
    }
    st->ndone++;
    return vhw(n);
}

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

/* The flat index of the k-th position, in row-major order, of the box a
 * step selects (dimensions not indexed mean all of them). */
static int64_t step_flat(const ir_child *ch, const hwstep *st, int64_t k) {
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

static int64_t step_count(const ir_child *ch, const hwstep *st) {
    int64_t n = 1;
    for (int d = 0; d < ch->ndims; d++) {
        int64_t lo = d < st->ndone ? st->lo[d] : 0, hi = d < st->ndone ? st->hi[d] : ch->dims[d];
        n *= hi - lo;
    }
    return n;
}

typedef struct unitlist {
    ir_unit *v;
    int64_t n, cap;
} unitlist;

static void units_push(lower *L, unitlist *ul, ir_unit u) {
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
        if (!budget(L, (mld_loc){0}, 1)) return;
        units_push(L, out, (ir_unit){base, h->elem});
        return;
    }
    const ir_child *ch = &lv->children[h->steps[k].child];
    int64_t n = step_count(ch, &h->steps[k]);
    for (int64_t j = 0; j < n && !L->over_budget; j++) {
        int64_t flat = step_flat(ch, &h->steps[k], j);
        hw_expand_rec(L, h, k + 1, ch->type, ir_child_inst(lv, h->steps[k].child, flat, base), out);
    }
}

/* Expand a rooted selection to element/level instances. */
static unitlist hw_expand(lower *L, const hwsel *h) {
    unitlist ul = {0};
    hw_expand_rec(L, h, 0, h->start, 0, &ul);
    return ul;
}

/* Workload references ------------------------------------------------ */

static value vwl(lower *L, wbuild *wb, wskind k, const char *path, int idx) {
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

static const char *join(lower *L, const char *a, const char *b) {
    if (!a || !*a) return b;
    return arena_printf(&L->tmp, "%s.%s", a, b);
}

static value wl_by_path(lower *L, wbuild *wb, const char *path, const ast *where, const char *shown) {
    nameref *r = strmap_get(&wb->names, path);
    if (r) {
        if (r->kind == 0) return vwl(L, wb, WS_GROUP, path, r->idx);
        if (r->kind == 1) return vwl(L, wb, WS_OP, path, r->idx);
        if (r->kind == 2) return vwl(L, wb, WS_TENSOR, path, r->idx);
        if (r->kind == 3) return vwl(L, wb, WS_GROUPS, path, -1);
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
static value wl_collect(lower *L, wbuild *wb, int group, int tensors, int tkind) {
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
    value v = vwl(L, wb, tensors ? WS_TENSORS : WS_OPS, NULL, -1);
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
        if (strcmp(m, "weights") == 0) return wl_collect(L, ws->wb, group, 1, TENSOR_WEIGHT);
        if (strcmp(m, "inputs") == 0) return wl_collect(L, ws->wb, group, 1, TENSOR_INPUT);
        if (strcmp(m, "caches") == 0) return wl_collect(L, ws->wb, group, 1, TENSOR_CACHE);
        if (ws->kind == WS_WORKLOAD)
            for (int i = 0; i < w->nparams; i++)
                if (strcmp(w->pnames[i], m) == 0)
                    return vnum(w->pvals[i], w->pdims[i], units_is_none(w->pdims[i]) && w->pvals[i] == floor(w->pvals[i]));
        const char *path = ws->kind == WS_GROUP ? join(L, ws->path, m) : m;
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
    if (!eval_int(L, s, e->b, &n)) return verr();
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
        v.items[i] = eval(L, s, e->list.v[i]);
        if (v.items[i].k == V_ERR) return verr();
    }
    return v;
}

static value eval(lower *L, scope *s, const ast *e) {
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
            value a = eval(L, s, e->a);
            if (!want_num(L, a, e->a)) return verr();
            if ((e->op == AND && a.num == 0) || (e->op == OR && a.num != 0)) return vint(a.num != 0);
            value b = eval(L, s, e->b);
            if (!want_num(L, b, e->b)) return verr();
            return vint(b.num != 0);
        }
        value a = eval(L, s, e->a);
        value b = eval(L, s, e->b);
        value r = binop(L, e->op, a, b, e);
        if (r.k == V_NUM && !isfinite(r.num)) {
            ERR(L, e->loc, "arithmetic overflow: the result is out of range");
            return verr();
        }
        return r;
    }
    case AST_UNOP: {
        value a = eval(L, s, e->a);
        if (!want_num(L, a, e->a)) return verr();
        if (e->op == '-') {
            a.num = -a.num;
            return a;
        }
        return vint(a.num == 0);
    }
    case AST_COND: {
        value c = eval(L, s, e->a);
        if (!want_num(L, c, e->a)) return verr();
        return eval(L, s, c.num != 0 ? e->b : e->c);
    }
    case AST_RANGE: {
        value a = eval(L, s, e->a), b = eval(L, s, e->b);
        if (!want_num(L, a, e->a) || !want_num(L, b, e->b)) return verr();
        if (!units_eq(a.dim, b.dim)) {
            ERR(L, e->loc, "range from %s to %s", dim_text(L, a.dim), dim_text(L, b.dim));
            return verr();
        }
        value st = vnum(1, a.dim, 1);
        if (!units_is_none(a.dim) && !e->c) {
            ERR(L, e->loc, "a range of quantities needs a 'step'");
            return verr();
        }
        if (e->c) {
            st = eval(L, s, e->c);
            if (!want_num(L, st, e->c)) return verr();
            if (!units_eq(st.dim, a.dim)) {
                ERR(L, e->c->loc, "step is %s but the range is %s", dim_text(L, st.dim), dim_text(L, a.dim));
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
        value base = eval(L, s, e->a);
        if (base.k == V_ERR) return base;
        if (base.k == V_HW) return hw_member(L, base, e);
        if (base.k == V_WL) return wl_member(L, base, e);
        ERR(L, e->b->loc, "'.%s' needs hardware or a workload on its left, found %s", e->name, vkind_name(base.k));
        return verr();
    }
    case AST_DOTSTAR: {
        value base = eval(L, s, e->a);
        if (base.k == V_ERR) return base;
        if (base.k == V_WL && (base.wl->kind == WS_WORKLOAD || base.wl->kind == WS_GROUP))
            return wl_collect(L, base.wl->wb, base.wl->kind == WS_GROUP ? base.wl->idx : -1, 0, 0);
        ERR(L, e->loc, "'.*' selects every operator of a workload or group, not of %s", vkind_name(base.k));
        return verr();
    }
    case AST_INDEX: {
        value base = eval(L, s, e->a);
        if (base.k == V_ERR) return base;
        if (base.k == V_HW) return hw_index(L, s, base, e);
        if (base.k == V_DTYPE || base.k == V_SHAPE) return shape_index(L, s, base, e);
        if (base.k == V_WL && base.wl->kind == WS_GROUPS) {
            int64_t i;
            if (e->b->kind == AST_STAR || !eval_int(L, s, e->b, &i)) {
                if (e->b->kind == AST_STAR) ERR(L, e->b->loc, "'*' selects hardware, not groups; use a 'for' loop");
                return verr();
            }
            const char *path = arena_printf(&L->tmp, "%s[%lld]", base.wl->path, (long long)i);
            return wl_by_path(L, base.wl->wb, path, e, path);
        }
        if (base.k == V_LIST) {
            int64_t i;
            if (!eval_int(L, s, e->b, &i)) return verr();
            if (i < 0 || i >= base.nitems) {
                ERR(L, e->b->loc, "index %lld is out of range for a list of %d", (long long)i, base.nitems);
                return verr();
            }
            return base.items[i];
        }
        ERR(L, e->loc, "%s cannot be indexed", vkind_name(base.k));
        return verr();
    }
    case AST_CALL: {
        value f = eval(L, s, e->a);
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
        ERR(L, e->a->loc, "%s cannot be called here", vkind_name(f.k));
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

typedef void (*stmt_fn)(lower *L, scope *s, const ast *st);

static void body(lower *L, scope *s, const ast *blk, stmt_fn fn);

/* Handle let/for/if; returns 1 when st was one of them. */
static int control(lower *L, scope *s, const ast *st, stmt_fn fn) {
    if (st->kind == AST_LET) {
        value v = eval(L, s, st->a);
        define(L, s, st->name, v, st->b ? st->b->loc : st->loc, "name");
        return 1;
    }
    if (st->kind == AST_IF) {
        value c = eval(L, s, st->a);
        if (!want_num(L, c, st->a)) return 1;
        if (c.num != 0) body(L, scope_new(L, s), st->c, fn);
        else if (st->b && st->b->kind == AST_IF) control(L, s, st->b, fn);
        else if (st->b) body(L, scope_new(L, s), st->b, fn);
        return 1;
    }
    if (st->kind == AST_FOR) {
        value r = eval(L, s, st->a);
        if (r.k == V_ERR) return 1;
        if (r.k == V_RANGE) {
            for (double x = r.num; x < r.hi - 1e-9 * fabs(r.step) && !L->over_budget; x += r.step) {
                if (!budget(L, st->loc, 1)) break;
                scope *inner = scope_new(L, s);
                define(L, inner, st->name, vnum(x, r.dim, r.is_int), st->loc, "loop variable");
                int before = L->dc->nerrors;
                body(L, inner, st->c, fn);
                if (L->dc->nerrors > before && diag_full(L->dc)) break;
                if (L->dc->nerrors > before + 5) break; /* same error every iteration */
            }
            return 1;
        }
        if (r.k == V_LIST) {
            for (int i = 0; i < r.nitems && !L->over_budget; i++) {
                if (!budget(L, st->loc, 1)) break;
                scope *inner = scope_new(L, s);
                define(L, inner, st->name, r.items[i], st->loc, "loop variable");
                int before = L->dc->nerrors;
                body(L, inner, st->c, fn);
                if (L->dc->nerrors > before + 5) break;
            }
            return 1;
        }
        ERR(L, st->a->loc, "'for' needs a range or a list, found %s", vkind_name(r.k));
        return 1;
    }
    return 0;
}

static void body(lower *L, scope *s, const ast *blk, stmt_fn fn) {
    if (!blk) return;
    for (int i = 0; i < blk->list.n && !diag_full(L->dc) && !L->over_budget; i++) {
        const ast *st = blk->list.v[i];
        if (!control(L, s, st, fn)) fn(L, s, st);
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

static void misplaced(lower *L, const ast *st, const char *here) {
    ERR(L, st->loc, "%s is not allowed %s; it belongs %s", stmt_word(st), here, home_of(st));
}

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
            control(L, s, st, NULL);
            continue;
        }
        if (st->kind != AST_ATTR) {
            if ((st->kind == AST_LINK || st->kind == AST_FOR || st->kind == AST_IF) && strcmp(what, "network") == 0)
                continue; /* read by net_stmt */
            misplaced(L, st, arena_printf(&L->tmp, "in a %s block", what));
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
        value v = eval(L, s, st->a);
        if (v.k == V_ERR) continue;
        if (v.k != V_NUM) {
            ERR(L, st->a->loc, "'%s' must be %s, found %s", st->name, dim_text(L, sp[k].dim), vkind_name(v.k));
            continue;
        }
        if (sp[k].has2 && units_eq(v.dim, sp[k].dim2)) {
            sp[k].used2 = 1;
        } else if (!units_eq(v.dim, sp[k].dim)) {
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, st->a->loc, "'%s' of %s '%s' must be %s, found %s",
                                    st->name, what, name, dim_text(L, sp[k].dim), dim_text(L, v.dim));
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

static ir_level *instantiate_level(lower *L, value t, mld_loc use);

#define GROW(L, arr, n, cap)                                                         \
    do {                                                                             \
        if ((n) == (cap)) {                                                          \
            int nc_ = (cap) ? (cap) * 2 : 4;                                         \
            void *nv_ = arena_alloc((L)->mem, sizeof(*(arr)) * (size_t)nc_);         \
            if (n) memcpy(nv_, (arr), sizeof(*(arr)) * (size_t)(n));                 \
            (arr) = nv_;                                                             \
            (cap) = nc_;                                                             \
        }                                                                            \
    } while (0)

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
    scope *inner = scope_new(L, s);
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
    ref = vhw(h);
    define(L, lb->sc, el->name, ref, el->loc, st->op == KW_COMPUTE ? "compute element" : "memory");
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
        if (!eval_int(L, s, dx, &dims[i])) {
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
    value tv = eval(L, s, t);
    if (tv.k == V_ERR || !ok) return;
    if (tv.k != V_LEVELT) {
        ERR(L, t->loc, "'%s' must be a level, found %s", st->name, vkind_name(tv.k));
        return;
    }
    int before = L->dc->nerrors;
    ir_level *ct = instantiate_level(L, tv, t->loc);
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
    define(L, lb->sc, ch->name, vhw(h), ch->loc, "child");
}

/* Nodes of a relative selection of this level's children (one step). */
static int level_nodes(lower *L, value v, const ast *where, nodelist *out) {
    if (v.k == V_ERR) return 0;
    if (v.k != V_HW || v.hw->sys || v.hw->nsteps != 1 || v.hw->elem >= 0 || v.hw->net >= 0 || v.hw->start != L->lb->lv) {
        ERR(L, where->loc, "expected children of this level (e.g. core[*][*]), found %s",
            v.k == V_HW ? (v.hw->elem >= 0 ? "an element" : "a deeper reference") : vkind_name(v.k));
        return 0;
    }
    const ir_child *ch = &L->lb->lv->children[v.hw->steps[0].child];
    int64_t n = step_count(ch, &v.hw->steps[0]);
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
    if (!budget(L, where->loc, n)) return 0;
    for (int64_t j = 0; j < n; j++) {
        int64_t flat = step_flat(ch, &v.hw->steps[0], j);
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
        misplaced(L, lk, "in a network block");
        return;
    }
    if (net->topo != TOPO_CUSTOM) {
        ERR(L, lk->loc, "'link' statements belong in a custom() network; '%s' is a %s", net->name, topo_names[net->topo]);
        return;
    }
    nodelist a = {0}, b = {0};
    if (!level_nodes(L, eval(L, s, lk->a), lk->a, &a) || !level_nodes(L, eval(L, s, lk->b), lk->b, &b)) return;
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
    attrs(L, scope_new(L, s), lk->c, lsp, 1, "link", net->name, NULL);
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
    int topo = call->a->kind == AST_IDENT ? find_name(topo_names, TOPO_COUNT, call->a->name) : -1;
    if (topo >= 0) {
        memset(&tv, 0, sizeof tv);
        tv.k = V_TOPO;
        tv.code = topo;
    } else {
        tv = eval(L, s, call->a);
    }
    if (tv.k == V_ERR) return;
    if (tv.k != V_TOPO) {
        suggest sg;
        suggest_init(&sg, call->a->kind == AST_IDENT ? call->a->name : "");
        for (int i = 0; i < TOPO_COUNT; i++) suggest_add(&sg, topo_names[i]);
        char buf[120];
        ERR(L, call->a->loc, "expected a topology (mesh, torus, ring, bus, crossbar, switch, fully_connected, tree, custom), found %s%s",
            vkind_name(tv.k), suggest_text(&sg, buf, sizeof buf));
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
        ERR(L, call->loc, "%s() needs the children it connects, e.g. %s(core)", topo_names[net.topo], topo_names[net.topo]);
        return;
    }
    for (int i = 0; i < call->list.n; i++) {
        const ast *arg = call->list.v[i];
        if (arg->kind == AST_NAMEDARG) {
            ERR(L, arg->loc, "topology arguments are children; set '%s' in the network's block", arg->name);
            continue;
        }
        value v = eval(L, s, arg);
        if (!level_nodes(L, v, arg, &nl)) return;
        if (net.topo == TOPO_MESH || net.topo == TOPO_TORUS) {
            if (call->list.n != 1) {
                ERR(L, call->loc, "%s() spans exactly one space matrix", topo_names[net.topo]);
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
    scope *inner = scope_new(L, s);
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
    body(L, scope_new(L, s), st->c, net_stmt);
    L->net = NULL;
    for (int64_t i = 0; i < net.nlinks; i++) net.links[i].bandwidth *= eff; /* links given their own */
    GROW(L, lv->nets, lv->nnets, lb->capnets);
    lv->nets[lv->nnets] = net;
    hwsel *h = arena_alloc(&L->tmp, sizeof *h);
    h->start = h->end = lv;
    h->elem = -1;
    h->net = lv->nnets;
    lv->nnets++;
    define(L, lb->sc, net.name, vhw(h), net.loc, "network");
}

/* Statements inside a network body (other than attributes and links) are
 * evaluated in level_network; `for` over links is allowed there too. */

static void level_attach(lower *L, scope *s, const ast *st) {
    lbuild *lb = L->lb;
    ir_level *lv = lb->lv;
    int elem = -2;
    if (st->a->kind == AST_IDENT && strcmp(st->a->name, "parent") == 0 && !scope_find(s, "parent")) {
        elem = -1;
    } else {
        value v = eval(L, s, st->a);
        if (v.k == V_ERR) return;
        if (v.k != V_HW || v.hw->start != lv || v.hw->nsteps || v.hw->elem < 0) {
            ERR(L, st->a->loc, "'attach' takes an element of this level or 'parent', found %s",
                v.k == V_HW ? "a child or network" : vkind_name(v.k));
            return;
        }
        elem = v.hw->elem;
    }
    value nv = eval(L, s, st->b);
    if (nv.k == V_ERR) return;
    if (nv.k != V_HW || nv.hw->start != lv || nv.hw->net < 0) {
        ERR(L, st->b->loc, "expected a network of this level after 'to', found %s", vkind_name(nv.k));
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
        if (!level_nodes(L, eval(L, s, st->c), st->c, &nl)) return;
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
                topo_names[net->topo], net->name);
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
            value v = eval(L, s, st->a);
            if (v.k == V_NUM && !units_eq(v.dim, D6(0, 0, 0, 0, 2, 0)))
                ERR(L, st->a->loc, "'area' of level '%s' must be an area (m2), found %s", L->lb->lv->tmpl, dim_text(L, v.dim));
            else if (v.k == V_NUM)
                L->lb->lv->area += v.num;
            else if (v.k != V_ERR)
                ERR(L, st->a->loc, "'area' must be an area (m2), found %s", vkind_name(v.k));
        } else {
            suggest sg;
            suggest_init(&sg, st->name);
            suggest_add(&sg, "area");
            char buf[100];
            ERR(L, st->b->loc, "a level has no attribute '%s'%s (elements are declared with 'compute' or 'memory')",
                st->name, suggest_text(&sg, buf, sizeof buf));
        }
        break;
    default: misplaced(L, st, "in a level"); break;
    }
}

/* Bind a template's parameters from a call's arguments. */
/* Bind a template's parameters in `inner`: the arguments of every call in
 * the chain t (oldest first, so later calls override earlier ones), then
 * the defaults, which may use earlier parameters. */
static int bind_params(lower *L, scope *inner, const ast *decl, value t, const char *kind) {
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
            vals[k] = eval(L, outer, arg->kind == AST_NAMEDARG ? arg->a : arg);
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
            vals[j] = eval(L, inner, p->a); /* defaults may use earlier parameters */
            if (vals[j].k == V_ERR) ok = 0;
        } else if (p->a && vals[j].k == V_NUM) {
            value def = eval(L, inner, p->a);
            if (def.k == V_NUM && !units_eq(def.dim, vals[j].dim)) {
                mld_diag *dg = diag_new(L->dc, DIAG_ERROR, where[j]->loc, "parameter '%s' of %s '%s' is %s, found %s",
                                        p->name, kind, decl->name, dim_text(L, def.dim), dim_text(L, vals[j].dim));
                diag_note(L->dc, dg, p->loc, "'%s' is declared here", p->name);
                diag_emit(L->dc, dg);
                ok = 0;
            }
        }
        define(L, inner, p->name, vals[j], p->b ? p->b->loc : p->loc, "parameter");
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

static ir_level *instantiate_level(lower *L, value t, mld_loc use) {
    const ast *decl = t.decl;
    if (L->tdepth >= MAX_TEMPLATE_DEPTH) {
        mld_diag *dg = diag_new(L->dc, DIAG_ERROR, use,
                                "level templates nest deeper than %d; does '%s' instantiate itself without a base case?",
                                MAX_TEMPLATE_DEPTH, decl->name);
        diag_note(L->dc, dg, decl->b->loc, "'%s' is defined here", decl->name);
        diag_emit(L->dc, dg);
        return NULL;
    }
    scope *inner = scope_new(L, L->globals);
    if (!bind_params(L, inner, decl, t, "level")) return NULL;
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
    body(L, inner, decl->c, level_stmt);
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
    value v = eval(L, s, st->a);
    if (v.k == V_ERR) return;
    if (v.k == V_DTYPE) {
        v.k = V_SHAPE;
        v.ndims = 0;
    }
    if (v.k != V_SHAPE) {
        ERR(L, st->a->loc, "expected a tensor type such as fp16[64][1024], found %s", vkind_name(v.k));
        return;
    }
    const char *path = join(L, L->gpath, st->name);
    ir_tensor_kind k = st->op == KW_INPUT ? TENSOR_INPUT : st->op == KW_WEIGHT ? TENSOR_WEIGHT : TENSOR_CACHE;
    int ti = new_tensor(L, wb, path, st->b->loc, k, tensor_dtype(&v), v.ndims, v.dims);
    if (!name_add(L, wb, path, 2, ti, st->b->loc)) return;
    (void)s;
    define(L, L->gscope, st->name, vwl(L, wb, WS_TENSOR, path, ti), st->b->loc, "tensor");
}

static ir_opclass opclass_of(ir_opkind k) {
    return k == OPK_MATMUL || k == OPK_BMM || k == OPK_ATTENTION || k == OPK_CONV2D || k == OPK_CONV2D_DGRAD ||
                   k == OPK_CONV2D_WGRAD
               ? OPCLASS_MATRIX
               : OPCLASS_VECTOR;
}

static int tensor_arg(lower *L, scope *s, const ast *arg, int *out) {
    value v = eval(L, s, arg);
    if (v.k == V_ERR) return 0;
    if (v.k == V_WL && (v.wl->kind == WS_TENSOR || v.wl->kind == WS_OP) && v.wl->wb == L->wb) {
        *out = v.wl->kind == WS_TENSOR ? v.wl->idx : L->wb->w->ops[v.wl->idx].output;
        return 1;
    }
    ERR(L, arg->loc, "expected a tensor or an operator of this workload, found %s", vkind_name(v.k));
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
    const char *path = join(L, L->gpath, st->name);
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
        define(L, L->gscope, st->name, verr(), st->b ? st->b->loc : st->loc, "name");
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
    int opk = call->a->kind == AST_IDENT ? find_name(ir_opkind_names, OPK_COUNT, call->a->name) : -1;
    if (opk >= 0) {
        memset(&fv, 0, sizeof fv);
        fv.k = V_OPKIND;
        fv.code = opk;
    } else {
        fv = eval(L, s, call->a);
    }
    if (fv.k == V_ERR) return;
    if (fv.k != V_OPKIND) {
        ERR(L, call->a->loc, "expected an operator (matmul, bmm, add, mul, gelu, silu, elementwise, softmax, layernorm, rmsnorm, attention, embedding, scatter_add, append, transpose, split_heads, merge_heads, conv2d, conv2d_dgrad, conv2d_wgrad, maxpool, maxpool_backward, avgpool, avgpool_backward, batchnorm, batchnorm_backward), found %s",
            vkind_name(fv.k));
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
    vision_args va = {0, 0, 0, 0, 0, 0, 0}; /* convolution and pooling arguments */
    ir_dtype dt = DT_FP16;
    int ok = 1;
    for (int i = 0; i < call->list.n; i++) {
        const ast *arg = call->list.v[i];
        if (arg->kind == AST_NAMEDARG) {
            if (strcmp(arg->name, "dtype") == 0) {
                value d = eval(L, s, arg->a);
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
                if (!eval_int(L, s, arg->a, &n)) { ok = 0; continue; }
                if (n != 0 && n != 1) { ERR(L, arg->a->loc, "'%s' is 0 or 1", arg->name); ok = 0; continue; }
                if (arg->name[0] == 't') transpose = (int)n;
                else if (arg->name[0] == 'f') fused = (int)n;
                else causal = (int)n;
            } else if (strcmp(arg->name, "window") == 0 && kind == OPK_ATTENTION) {
                /* sliding-window attention; 0 is no window */
                int64_t n;
                if (!eval_int(L, s, arg->a, &n)) { ok = 0; continue; }
                if (n < 0) { ERR(L, arg->a->loc, "'window' must be 0 (none) or a number of keys"); ok = 0; continue; }
                window = n;
            } else if ((strcmp(arg->name, "heads") == 0 &&
                        (kind == OPK_ATTENTION || kind == OPK_SPLIT_HEADS || kind == OPK_MERGE_HEADS)) ||
                       (strcmp(arg->name, "kv_heads") == 0 && kind == OPK_ATTENTION) ||
                       (strcmp(arg->name, "batch") == 0 &&
                        (kind == OPK_ATTENTION || kind == OPK_SPLIT_HEADS || kind == OPK_MERGE_HEADS)) ||
                       (strcmp(arg->name, "flops") == 0 && kind == OPK_ELEMENTWISE)) {
                int64_t n;
                if (!eval_int(L, s, arg->a, &n)) { ok = 0; continue; }
                if (n < 1) { ERR(L, arg->a->loc, "'%s' must be at least 1", arg->name); ok = 0; continue; }
                if (arg->name[0] == 'h') heads = (int)(n > 1 << 20 ? 1 << 20 : n);
                else if (arg->name[0] == 'k') kv_heads = (int)(n > 1 << 20 ? 1 << 20 : n);
                else if (arg->name[0] == 'b') batch = n;
                else flops_per = (double)n;
            } else if (vision_arg(&va, kind, arg->name)) {
                /* convolution and pooling geometry (vision.c) */
                int64_t n;
                if (!eval_int(L, s, arg->a, &n)) { ok = 0; continue; }
                if (n < vision_arg_min(arg->name)) {
                    ERR(L, arg->a->loc, "'%s' must be at least %lld", arg->name, (long long)vision_arg_min(arg->name));
                    ok = 0;
                    continue;
                }
                *vision_arg(&va, kind, arg->name) = n;
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
    static const int arity[OPK_COUNT] = {2, 2, -1, 2, 2, 1, 1, 1, 1, 1, 3, 2, -1, 2, 1, 1, 1,
                                         2, 2, 2, 1, 2, 1, 1, 1, 2};
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
        if (vision_is(kind)) {
            /* convolution, pooling, batch norm: vision.c's shape rules */
            const ir_tensor *vin[2] = {a, b};
            char msg[512];
            if (!vision_shape(kind, vin, nin, &va, &ond, od, &flops, msg, sizeof msg)) {
                ERR(L, call->loc, "%s", msg);
                return;
            }
        }
        break;
    }
    const char *path = join(L, L->gpath, st->name);
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
    define(L, L->gscope, st->name, vwl(L, wb, WS_OP, path, oi), st->b->loc, "operator");
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
        if (!eval_int(L, s, g->b, &i)) return;
        base = g->a->name;
        name = arena_printf(&L->tmp, "%s[%lld]", base, (long long)i);
    } else {
        ERR(L, g->loc, "a group is named by an identifier, optionally indexed: group layer[l]");
        return;
    }
    const char *path = join(L, L->gpath, name);
    if (g->kind == AST_INDEX) {
        const char *bpath = join(L, L->gpath, base);
        nameref *r = strmap_get(&wb->names, bpath);
        if (!r) {
            name_add(L, wb, bpath, 3, -1, g->loc);
            define(L, L->gscope, base, vwl(L, wb, WS_GROUPS, bpath, -1), g->loc, "group array");
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
    if (g->kind == AST_IDENT) define(L, L->gscope, base, vwl(L, wb, WS_GROUP, path, gi), g->loc, "group");
    const char *saved_path = L->gpath;
    int saved_group = L->group;
    scope *saved_scope = L->gscope;
    L->gpath = path;
    L->group = gi;
    L->gscope = scope_new(L, s);
    body(L, L->gscope, st->c, wl_stmt);
    L->gpath = saved_path;
    L->group = saved_group;
    L->gscope = saved_scope;
}

static void wl_stmt(lower *L, scope *s, const ast *st) {
    switch (st->kind) {
    case AST_TENSOR: wl_declare(L, s, st, wl_tensor); break;
    case AST_OP: wl_declare(L, s, st, wl_op); break;
    case AST_GROUP: wl_group(L, s, st); break;
    default: misplaced(L, st, "in a workload"); break;
    }
}

static wbuild *instantiate_workload(lower *L, const char *name, value t) {
    const ast *decl = t.decl;
    scope *inner = scope_new(L, L->globals);
    if (!bind_params(L, inner, decl, t, "workload")) return NULL;
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
    body(L, inner, decl->c, wl_stmt);
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
    value v = eval(L, s, e);
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
                    value all = wl_collect(L, ws->wb, ws->kind == WS_GROUP ? ws->idx : -1, 0, 0);
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
        const char *found = it->k != V_WL ? vkind_name(it->k)
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
    value v = eval(L, s, e);
    if (v.k == V_ERR) return 0;
    ptrvec items = {0};
    flatten(L, v, &items);
    for (int i = 0; i < items.n; i++) {
        value *it = items.v[i];
        if (it->k == V_ERR) return 0;
        if (it->k != V_HW || it->hw->sys != L->map->sys) {
            ERR(L, e->loc, "expected %s of system '%s', found %s", want, L->map->sys->name,
                it->k == V_HW ? "hardware of another system or level" : vkind_name(it->k));
            return 0;
        }
        if (hw_last_open(it->hw)) {
            const ir_child *ch = hw_child(it->hw, it->hw->nsteps - 1);
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
        if (n == 2 && !eval_int(L, s, e->list.v[0], &idx)) return 0;
        if (!eval_int(L, s, e->list.v[n - 1], &tile[0])) return 0;
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
            if (!eval_int(L, s, arg, &tile[i])) return 0;
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
    int k = e->kind == AST_IDENT ? find_name(names, what == 'p' ? 7 : 5, e->name) : -1;
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
            unitlist part = hw_expand(L, h);
            if (L->over_budget) return;
            for (int64_t j = 0; j < part.n; j++) units_push(L, &ul, (ir_unit){part.v[j].inst, elem});
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
        unitlist part = hw_expand(L, h);
        if (L->over_budget) return 0;
        for (int64_t j = 0; j < part.n; j++) units_push(L, out, part.v[j]);
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
        unitlist part = hw_expand(L, hws.v[k]);
        if (L->over_budget) return;
        for (int64_t j = 0; j < part.n; j++) units_push(L, &ul, part.v[j]);
    }
    ir_action *a = new_action(L, ACT_SYNC, st->loc);
    a->units = ul.v;
    a->nunits = ul.n;
    a->after = arena_alloc(L->mem, sizeof(int) * (size_t)(ops.n + 1));
    if (ops.n) memcpy(a->after, ops.v, sizeof(int) * (size_t)ops.n);
    a->nafter = ops.n;
}

static void map_stmt(lower *L, scope *s, const ast *st);

/* A call of a mapping template inside a mapping: bind its parameters (the
 * arguments may be hardware, workload references, numbers or lists) and
 * run its body as if written here. */
static void map_call(lower *L, scope *s, const ast *st) {
    value t = eval(L, s, st->a);
    if (t.k == V_ERR) return;
    if (t.k != V_MAPT) {
        ERR(L, st->a->loc, "only mapping templates are called as statements; '%s' is %s", st->a->kind == AST_IDENT ? st->a->name : "this",
            vkind_name(t.k));
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
    scope *inner = scope_new(L, L->globals);
    if (!bind_params(L, inner, decl, t, "mapping template")) return;
    L->tdepth++;
    diag_push_context(L->dc, st->loc, arena_printf(&L->tmp, "in the call of mapping template '%s' here", decl->name));
    body(L, inner, decl->c, map_stmt);
    diag_pop_context(L->dc);
    L->tdepth--;
}

static void map_stmt(lower *L, scope *s, const ast *st) {
    switch (st->kind) {
    case AST_CALL: map_call(L, s, st); break;
    case AST_PLACE: map_place(L, s, st); break;
    case AST_TRANSFER: map_transfer(L, s, st); break;
    case AST_STORE: map_store(L, s, st); break;
    case AST_SYNC: map_sync(L, s, st); break;
    default: misplaced(L, st, "in a mapping"); break;
    }
}

/* ------------------------------------------------------------------ */
/* Explore                                                             */
/* ------------------------------------------------------------------ */


static int metric_of(lower *L, const ast *e) {
    if (e->kind == AST_IDENT) {
        int k = find_name(metric_names, METRIC_COUNT, e->name);
        if (k >= 0) return k;
        suggest sg;
        suggest_init(&sg, e->name);
        for (int i = 0; i < METRIC_COUNT; i++) suggest_add(&sg, metric_names[i]);
        char buf[120];
        ERR(L, e->loc, "unknown metric '%s'%s (metrics: latency, throughput, energy, area, power, edp, throughput_per_area, throughput_per_watt)", e->name,
            suggest_text(&sg, buf, sizeof buf));
        return -1;
    }
    ERR(L, e->loc, "expected a metric (latency, throughput, energy, area, power, edp, throughput_per_area, throughput_per_watt)");
    return -1;
}

static void ex_stmt(lower *L, scope *s, const ast *st) {
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
        value v = eval(L, s, st->a);
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
                    ERR(L, ie->loc, "expected a mapping name, found %s", vkind_name(it.k));
                    return;
                }
                if (!is_map && !(it.k == V_HW && it.hw->sys && it.hw->nsteps == 0 && it.hw->elem < 0)) {
                    ERR(L, ie->loc, "expected a system name, found %s", vkind_name(it.k));
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
                                                st->name, dim_text(L, vy.dim),
                                                v.items[i].k == V_NUM ? dim_text(L, v.items[i].dim) : vkind_name(v.items[i].k));
                        diag_note(L->dc, dg, d->params[pi].loc, "'%s' is declared here", st->name);
                        diag_emit(L->dc, dg);
                        return;
                    }
                    vals[n++] = v.items[i].num;
                }
            } else {
                ERR(L, st->a->loc, "'vary' takes a list or a range, found %s", vkind_name(v.k));
                return;
            }
            if (v.k == V_RANGE && !units_eq(v.dim, vy.dim)) {
                mld_diag *dg = diag_new(L->dc, DIAG_ERROR, st->a->loc, "parameter '%s' is %s, but the range is %s",
                                        st->name, dim_text(L, vy.dim), dim_text(L, v.dim));
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
        value b = eval(L, s, c->b);
        if (!want_num(L, b, c->b)) return;
        if (!units_eq(b.dim, ir_metric_dim((ir_metric)m))) {
            ERR(L, c->b->loc, "%s is %s, but the bound is %s", metric_names[m], dim_text(L, ir_metric_dim((ir_metric)m)),
                dim_text(L, b.dim));
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
                    ERR(L, e->loc, "objective '%s' is given twice", metric_names[m]);
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
    misplaced(L, st, "in an explore block");
}

/* ------------------------------------------------------------------ */
/* The top level                                                       */
/* ------------------------------------------------------------------ */

/* Parse --set values and apply them to params (by name) before evaluation.
 * When a name is set more than once the last setting wins (an explore
 * point's value after the command line's). */
static int set_value(lower *L, const char *name, value *out) {
    for (int i = L->opts->nsets - 1; i >= 0; i--) {
        const char *s = L->opts->sets[i];
        const char *eq = strchr(s, '=');
        if (!eq || (size_t)(eq - s) != strlen(name) || strncmp(s, name, (size_t)(eq - s)) != 0) continue;
        mld_source *src = arena_alloc(&L->tmp, sizeof *src);
        src->path = arena_printf(&L->tmp, "--set %s", name);
        src->text = arena_strdup(&L->tmp, eq + 1);
        src->len = strlen(eq + 1);
        ast *e = parse_expr(src, &L->tmp, L->dc);
        if (!e) return -1;
        *out = eval(L, L->globals, e);
        return out->k == V_ERR ? -1 : 1;
    }
    return 0;
}

static void top_param(lower *L, const ast *st) {
    value v = eval(L, L->globals, st->a);
    value sv;
    int r = set_value(L, st->name, &sv);
    ir_design *d = L->d;
    int overridden = 0;
    if (r > 0 && v.k == V_NUM) {
        if (sv.k != V_NUM || !units_eq(sv.dim, v.dim)) {
            mld_loc none = {0};
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, none, "--set %s: the parameter is %s, but the value is %s",
                                    st->name, dim_text(L, v.dim), sv.k == V_NUM ? dim_text(L, sv.dim) : vkind_name(sv.k));
            diag_note(L->dc, dg, st->b->loc, "'%s' is declared here", st->name);
            diag_emit(L->dc, dg);
        } else {
            v = sv;
            overridden = 1;
        }
    }
    if (v.k != V_NUM && v.k != V_ERR) {
        ERR(L, st->a->loc, "a parameter must be a number or a quantity, found %s", vkind_name(v.k));
        v = verr();
    }
    define(L, L->globals, st->name, v, st->b->loc, "parameter");
    if (v.k != V_NUM) return;
    GROW(L, d->params, d->nparams, L->cap_params);
    ir_param *p = &d->params[d->nparams++];
    p->name = arena_strdup(L->mem, st->name);
    p->loc = st->b->loc;
    p->value = v.num;
    p->dim = v.dim;
    p->is_int = v.is_int;
    p->overridden = overridden;
}

static void top_system(lower *L, const ast *st) {
    value t = eval(L, L->globals, st->a);
    if (t.k == V_ERR) return;
    if (t.k != V_LEVELT) {
        ERR(L, st->a->loc, "a system is a level, found %s", vkind_name(t.k));
        return;
    }
    ir_level *root = instantiate_level(L, t, st->a->loc);
    if (!root) return;
    ir_design *d = L->d;
    /* systems are referenced by pointer from hardware values: allocate each */
    ir_system *sys = arena_alloc(L->mem, sizeof *sys);
    sys->name = arena_strdup(L->mem, st->name);
    sys->loc = st->b->loc;
    sys->root = root;
    ir_system **ns = arena_alloc(L->mem, sizeof(ir_system *) * (size_t)(d->nsystems + 1));
    if (d->nsystems) memcpy(ns, d->systems, sizeof(ir_system *) * (size_t)d->nsystems);
    ns[d->nsystems++] = sys;
    d->systems = ns;
    hwsel *h = arena_alloc(&L->tmp, sizeof *h);
    h->sys = sys;
    h->start = h->end = root;
    h->elem = -1;
    h->net = -1;
    define(L, L->globals, st->name, vhw(h), st->b->loc, "system");
}

static void top_mapping(lower *L, const ast *st) {
    value sv = eval(L, L->globals, st->a);
    value wv = eval(L, L->globals, st->list.v[0]);
    if (sv.k == V_ERR || wv.k == V_ERR) return;
    if (sv.k != V_HW || !sv.hw->sys || sv.hw->nsteps || sv.hw->elem >= 0) {
        ERR(L, st->a->loc, "'on' takes a system, found %s", vkind_name(sv.k));
        return;
    }
    wbuild *wb = NULL;
    if (wv.k == V_WLT) {
        const char *nm = wv.decl->name;
        for (wbuild *x = L->wbs; x; x = x->next)
            if (strcmp(x->w->name, nm) == 0 && !wv.call) wb = x;
        if (!wb) wb = instantiate_workload(L, nm, wv);
        if (!wb) return;
    } else if (wv.k == V_WL && wv.wl->kind == WS_WORKLOAD) {
        wb = wv.wl->wb;
    } else {
        ERR(L, ((const ast *)st->list.v[0])->loc, "'for' takes a workload, found %s", vkind_name(wv.k));
        return;
    }
    ir_mapping *m = arena_alloc(L->mem, sizeof *m);
    m->name = arena_strdup(L->mem, st->name);
    m->loc = st->b->loc;
    m->sys = sv.hw->sys;
    m->wl = wb->w;
    ir_mapping *saved = L->map;
    L->map = m;
    scope *ms = scope_new(L, L->globals);
    /* `for gpt2` with a template: the name means the instance here */
    const ast *wn = st->list.v[0];
    if (wv.k == V_WLT && wn->kind == AST_IDENT) define(L, ms, wn->name, vwl(L, wb, WS_WORKLOAD, "", -1), wn->loc, "workload");
    body(L, ms, st->c, map_stmt);
    L->map = saved;
    GROW(L, L->d->mappings, L->d->nmappings, L->cap_mappings);
    L->d->mappings[L->d->nmappings++] = m;
}

static void register_names(lower *L) {
    for (int i = 0; i < L->items.n; i++) {
        const ast *st = L->items.v[i];
        value v;
        memset(&v, 0, sizeof v);
        v.decl = st;
        switch (st->kind) {
        case AST_LEVEL:
            v.k = V_LEVELT;
            define(L, L->globals, st->name, v, st->b->loc, "level");
            break;
        case AST_WORKLOAD:
            if (st->op != '=') {
                v.k = V_WLT;
                define(L, L->globals, st->name, v, st->b->loc, "workload");
            }
            break;
        case AST_MAPPING:
            v.k = V_MAPNAME;
            v.str = st->name;
            define(L, L->globals, st->name, v, st->b->loc, "mapping");
            break;
        case AST_MAPTMPL:
            v.k = V_MAPT;
            define(L, L->globals, st->name, v, st->b->loc, "mapping template");
            break;
        default:
            break;
        }
    }
}

static void lower_all(lower *L) {
    register_names(L);
    /* params, lets, systems and workload instances, in order */
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        switch (st->kind) {
        case AST_PARAM: top_param(L, st); break;
        case AST_LET: control(L, L->globals, st, NULL); break;
        case AST_SYSTEM: top_system(L, st); break;
        case AST_WORKLOAD:
            if (st->op == '=') {
                value t = eval(L, L->globals, st->a);
                if (t.k == V_ERR) break;
                if (t.k != V_WLT) {
                    ERR(L, st->a->loc, "expected a workload template, found %s", vkind_name(t.k));
                    break;
                }
                wbuild *wb = instantiate_workload(L, st->name, t);
                if (wb) define(L, L->globals, st->name, vwl(L, wb, WS_WORKLOAD, "", -1), st->b->loc, "workload");
            }
            break;
        case AST_LEVEL: case AST_MAPPING: case AST_MAPTMPL: case AST_EXPLORE:
            break;
        case AST_FOR: case AST_IF:
            ERR(L, st->loc, "'%s' belongs inside a level, workload or mapping", st->kind == AST_FOR ? "for" : "if");
            break;
        default:
            misplaced(L, st, "at the top level");
            break;
        }
    }
    /* level templates of the root file that nothing instantiated are still
     * checked, with their defaults */
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        if (st->kind != AST_LEVEL || st->loc.src != L->files.v[0]) continue;
        int used = 0, defaults = 1;
        for (int k = 0; k < L->d->nlevels && !used; k++) used = strcmp(L->d->levels[k]->tmpl, st->name) == 0;
        for (int k = 0; st->a && k < st->a->list.n; k++) defaults &= ((const ast *)st->a->list.v[k])->a != NULL;
        if (used || !defaults) continue;
        value t;
        memset(&t, 0, sizeof t);
        t.k = V_LEVELT;
        t.decl = st;
        instantiate_level(L, t, st->loc);
    }
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        if (st->kind == AST_MAPPING) top_mapping(L, st);
    }
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        if (st->kind != AST_EXPLORE) continue;
        if (L->d->explore) {
            ERR(L, st->loc, "a design has one explore block");
            continue;
        }
        L->ex = arena_alloc(L->mem, sizeof *L->ex);
        L->ex->loc = st->loc;
        L->d->explore = L->ex;
        body(L, scope_new(L, L->globals), st->c, ex_stmt);
    }
    /* --set names that match no parameter */
    for (int i = 0; i < L->opts->nsets; i++) {
        const char *s = L->opts->sets[i];
        const char *eq = strchr(s, '=');
        mld_loc none = {0};
        if (!eq) {
            ERR(L, none, "--set '%s': expected name=value", s);
            continue;
        }
        char *name = arena_strndup(&L->tmp, s, (size_t)(eq - s));
        int found = 0;
        for (int j = 0; j < L->d->nparams; j++) found |= strcmp(L->d->params[j].name, name) == 0;
        binding *b = strmap_get(&L->globals->map, name);
        if (!found && !(b && b->v.k == V_ERR)) {
            suggest sg;
            suggest_init(&sg, name);
            for (int j = 0; j < L->d->nparams; j++) suggest_add(&sg, L->d->params[j].name);
            char buf[120];
            ERR(L, none, "--set: the design has no parameter '%s'%s", name, suggest_text(&sg, buf, sizeof buf));
        }
    }
}

/* "12,345,678" */
static void thousands(long long v, char *buf, size_t n) {
    char d[32];
    int len = snprintf(d, sizeof d, "%lld", v), o = 0;
    for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
        if (i && d[i] != '-' && (len - i) % 3 == 0 && d[i - 1] != '-') buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = 0;
}

/* The memory guard's describer: what the front end is building when an
 * allocation fails or passes the limit. */
static void lower_driver(void *ud, char *buf, size_t n) {
    const lower *L = ud;
    char a[32], b[32];
    if (L->map) {
        thousands(L->map->nactions, a, sizeof a);
        snprintf(buf, n, "mapping '%s' has %s statements so far", L->map->name, a);
    } else if (L->wb) {
        thousands(L->wb->w->nops, a, sizeof a);
        thousands(L->wb->w->ntensors, b, sizeof b);
        snprintf(buf, n, "workload '%s' has %s operators and %s tensors so far", L->wb->w->name, a, b);
    } else if (L->lb) {
        snprintf(buf, n, "building level '%s'", L->lb->lv->name);
    } else {
        snprintf(buf, n, "%s", "");
    }
}

static ir_design *load(mld_source *src, const mldc_options *o, diag_ctx *dc, int own_src) {
    static const mldc_options none;
    lower L;
    memset(&L, 0, sizeof L);
    ir_design *d = calloc(1, sizeof *d);
    if (!d) mem_fail(0);
    arena_init(&d->mem);
    arena_init(&L.tmp);
    L.mem = &d->mem;
    L.dc = dc;
    L.d = d;
    L.opts = o ? o : &none;
    L.globals = scope_new(&L, NULL);
    L.group = -1;
    if (own_src) {
        mld_source *copy = arena_alloc(&L.tmp, sizeof *copy);
        copy->path = arena_strdup(&L.tmp, src->path);
        copy->text = arena_strndup(&L.tmp, src->text, src->len);
        copy->len = src->len;
        src = copy;
    }
    int before = dc->nerrors;
    if (dc->capped) dc->capped = 0; /* a new file starts a new count of its own */
    const char *phase = mem_phase();
    mem_set_phase("front end");
    mem_set_driver(lower_driver, &L);
    load_file(&L, src);
    if (dc->nerrors == before) {
        lower_all(&L);
        mem_set_driver(NULL, NULL);
        if (dc->nerrors == before) check_design(d, dc);
    }
    mem_set_driver(NULL, NULL);
    mem_set_phase(phase);
    /* what the design was built from, for explore --resume */
    d->inputs = arena_alloc(&d->mem, sizeof *d->inputs * (size_t)(L.files.n + L.hf_inputs.n + 1));
    for (int i = 0; i < L.files.n; i++) {
        const mld_source *fs = L.files.v[i];
        d->inputs[d->ninputs++] = (ir_input){arena_strdup(&d->mem, fs->path), util_hash64(fs->text, fs->len, UTIL_HASH_START)};
    }
    for (int i = 0; i < L.hf_inputs.n; i++) {
        const ir_input *in = L.hf_inputs.v[i];
        d->inputs[d->ninputs++] = (ir_input){arena_strdup(&d->mem, in->path), in->hash};
    }
    /* Diagnostics point into sources held by L.tmp: hand the arena to the
     * design so they stay valid while the caller renders them. */
    d->tmp = L.tmp;
    return d;
}

/* The design on standard input: the caller's copy when it read it already
 * (o->stdin_text), else read here.  NULL and *why on failure. */
static mld_source *read_stdin(lower *L, const mldc_options *o, const char **why) {
    mld_source *src = arena_alloc(&L->tmp, sizeof *src);
    src->path = "<stdin>";
    if (o && o->stdin_text) {
        src->text = arena_strndup(&L->tmp, o->stdin_text, o->stdin_len);
        src->len = o->stdin_len;
        return src;
    }
    size_t len = 0;
    char *text = util_read_all(stdin, MLDC_MAX_FILE, &len);
    if (!text) {
        *why = errno == EFBIG ? arena_printf(&L->tmp, "'<stdin>' is larger than the limit of %d MiB", MLDC_MAX_FILE >> 20)
                              : arena_printf(&L->tmp, "cannot read '<stdin>': %s", strerror(errno));
        return NULL;
    }
    src->text = arena_strndup(&L->tmp, text, len);
    src->len = len;
    free(text);
    if (memchr(src->text, 0, len)) {
        *why = "'<stdin>' is not a text file (it contains NUL bytes)";
        return NULL;
    }
    return src;
}

ir_design *mldc_load_file(const char *path, const mldc_options *o, diag_ctx *dc) {
    lower L0;
    memset(&L0, 0, sizeof L0);
    arena_init(&L0.tmp);
    L0.dc = dc;
    const char *why = NULL;
    mld_source *src = strcmp(path, "-") == 0 ? read_stdin(&L0, o, &why) : read_source(&L0, path, &why);
    if (!src) {
        mld_loc none = {0};
        diag_error(dc, none, "%s", why);
        ir_design *d = calloc(1, sizeof *d);
        if (!d) mem_fail(0);
        arena_init(&d->mem);
        d->tmp = L0.tmp;
        d->failed_io = 1;
        return d;
    }
    ir_design *d = load(src, o, dc, 1);
    arena_free(&L0.tmp);
    return d;
}

ir_design *mldc_load_buffer(const char *name, const char *text, size_t len, const mldc_options *o, diag_ctx *dc) {
    mld_source src = {name, text, len};
    return load(&src, o, dc, 1);
}
