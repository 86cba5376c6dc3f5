/* lower_int.h - internals shared by the lowering files: lower.c (driver,
 * imports, registration, the top level), lower_eval.c (values, scopes,
 * expressions, let/for/if), lower_hw.c (levels and systems), lower_wl.c
 * (workloads) and lower_map.c (mappings and explore).  Not part of the
 * library's API; the finished IR is checked by check.c (checker.h). */
#ifndef MLDC_LOWER_INT_H
#define MLDC_LOWER_INT_H

#include "ast.h"
#include "diag.h"
#include "ir.h"
#include "mldc.h"
#include "util.h"

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

/* Value constructors: the poison value, a number, an integer. */
static inline value verr(void) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_ERR;
    return v;
}

static inline value vnum(double x, units_dim dim, int is_int) {
    value v;
    memset(&v, 0, sizeof v);
    v.k = V_NUM;
    v.num = x;
    v.dim = dim;
    v.is_int = is_int;
    return v;
}

static inline value vint(double x) { return vnum(x, units_none(), 1); }

/* Report an error at loc. */
#define ERR(L, loc, ...) diag_error((L)->dc, (loc), __VA_ARGS__)

/* Grow an arena-allocated array in the design arena (doubling). */
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

/* A list of units, in the design arena. */
typedef struct unitlist {
    ir_unit *v;
    int64_t n, cap;
} unitlist;

/* A statement handler for lower_body: one per kind of body. */
typedef void (*stmt_fn)(lower *L, scope *s, const ast *st);

/* lower_eval.c */
/* The names of the built-in topologies and metrics, by code. */
extern const char *const lower_topo_names[TOPO_COUNT];
extern const char *const lower_metric_names[METRIC_COUNT];
const char *lower_vkind_name(vkind k);
const char *lower_dim_text(lower *L, units_dim d);
const char *lower_value_text(lower *L, value v);
int lower_budget(lower *L, mld_loc loc, long n);
scope *lower_scope_new(lower *L, scope *parent);
binding *lower_scope_find(scope *s, const char *name);
void lower_define(lower *L, scope *s, const char *name, value v, mld_loc loc, const char *what);
int lower_find_name(const char *const *names, int n, const char *s);
int lower_want_num(lower *L, value v, const ast *e);
int lower_eval_int(lower *L, scope *s, const ast *e, int64_t *out);
value lower_vhw(hwsel *h);
const ir_child *lower_hw_child(const hwsel *h, int k);
int lower_hw_last_open(const hwsel *h);
int64_t lower_step_flat(const ir_child *ch, const hwstep *st, int64_t k);
int64_t lower_step_count(const ir_child *ch, const hwstep *st);
void lower_units_push(lower *L, unitlist *ul, ir_unit u);
unitlist lower_hw_expand(lower *L, const hwsel *h);
value lower_vwl(lower *L, wbuild *wb, wskind k, const char *path, int idx);
const char *lower_join(lower *L, const char *a, const char *b);
value lower_wl_collect(lower *L, wbuild *wb, int group, int tensors, int tkind);
value lower_eval(lower *L, scope *s, const ast *e);
int lower_control(lower *L, scope *s, const ast *st, stmt_fn fn);
void lower_body(lower *L, scope *s, const ast *blk, stmt_fn fn);
void lower_misplaced(lower *L, const ast *st, const char *here);

/* lower_hw.c */
int lower_bind_params(lower *L, scope *inner, const ast *decl, value t, const char *kind);
ir_level *lower_instantiate_level(lower *L, value t, mld_loc use);

/* lower_wl.c */
wbuild *lower_instantiate_workload(lower *L, const char *name, value t);

/* lower_map.c */
void lower_map_stmt(lower *L, scope *s, const ast *st);
void lower_ex_stmt(lower *L, scope *s, const ast *st);

#endif
