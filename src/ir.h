/* ir.h - the typed intermediate representation.
 *
 * Lowering evaluates a parsed design completely: parameters, loops, lets and
 * templates are gone, every quantity is a double in base units (bytes,
 * seconds, FLOP, joules, metres, cycles) whose dimension was checked.
 *
 * Hardware is kept as a DAG of level *types*: each distinct instantiation
 * of a level template (template + argument values) appears once, and a space
 * matrix of 10,000 identical cores is one child entry with a count.  Level
 * instances are numbered in depth-first preorder, which can be computed from
 * the types alone (ir_level.ninst), so an instance is one 64-bit id and an
 * element instance is (id, element index).  Nothing is materialised per
 * instance.
 *
 * The workload is a flat array of operators and tensors with dependencies by
 * tensor id; groups (layer[3]) give them hierarchical names.  Mappings are a
 * list of actions in program order (place, transfer, store, sync) whose unit
 * sets are expanded to element instances, which is what the simulation
 * plan walks.
 */
#ifndef MLDC_IR_H
#define MLDC_IR_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "units.h"

enum { IR_MAX_DIMS = 8 };

typedef enum { ELEM_COMPUTE, ELEM_MEMORY } ir_elem_kind;
typedef enum { OPCLASS_ANY, OPCLASS_MATRIX, OPCLASS_VECTOR } ir_opclass;

typedef struct ir_elem {
    ir_elem_kind kind;
    const char *name;
    mld_loc loc;
    ir_opclass accepts; /* compute: which operator classes it runs */
    double rate;        /* compute: FLOP/s */
    double size;        /* memory: bytes */
    double bandwidth;   /* memory: B/s per port */
    double latency;     /* memory: s */
    int ports;          /* memory: independent ports */
    double energy;      /* compute: J/FLOP; memory: J/B */
    double area;        /* m2 */
    double launch;      /* compute: fixed start-up time of each kernel a placed operator runs (s) */
    double static_power; /* W drawn by each instance whether busy or not (leakage); 0: none */
    /* Sustained behaviour (0 when not given; see kernel.h).  `rate` and
     * `bandwidth` above are already the sustained figures: the peak times
     * `efficiency`. */
    double efficiency;  /* compute: tensor/vector pipe efficiency; memory: read-stream efficiency */
    double write_efficiency; /* memory: write-stream efficiency (fraction of the peak bandwidth) */
    double dispatch;    /* compute: host time of one call of the issuing framework (s), overlapping the kernel */
    double submit;      /* compute: how far into that call its kernels are submitted (s); 0: at its start */
    double warp_memory; /* compute: register bytes one warp may keep a row in (the register file over the resident warps) */
    double row_memory;  /* compute: on-chip bytes a thread block may keep one row of a row-wise operator in */
    double units;       /* compute: identical units working as one (a GPU's SMs): matrix operators run the GEMM kernel picked over them; 0 if not given */
} ir_elem;

typedef enum {
    TOPO_MESH, TOPO_TORUS, TOPO_RING, TOPO_BUS, TOPO_CROSSBAR, TOPO_SWITCH,
    TOPO_FULLY_CONNECTED, TOPO_TREE, TOPO_CUSTOM, TOPO_COUNT
} ir_topo;

/* A node of a network: child matrix `child` at flat index `index`, or an
 * attached element of the level (child = -1, index = element). */
typedef struct ir_node {
    int32_t child;
    int64_t index;
} ir_node;

typedef struct ir_link {
    int64_t a, b;     /* node indices in ir_net.nodes */
    double bandwidth; /* B/s; 0 means the network's */
} ir_link;

typedef struct ir_net {
    const char *name;
    mld_loc loc;
    ir_topo topo;
    int ndims;                 /* mesh/torus: shape of the node matrix */
    int64_t dims[IR_MAX_DIMS];
    ir_node *nodes;            /* children first, then attached elements */
    int64_t nnodes;
    ir_link *links;            /* custom topology: explicit edges */
    int64_t nlinks;
    int fanout;                /* tree */
    double bandwidth;          /* B/s per link (sustained: the peak times `efficiency`) */
    double efficiency;         /* sustained fraction of the links' bandwidth (protocol overhead); 0 if not given */
    double hop;                /* s per hop */
    double energy;             /* J/B per hop */
    double area;               /* m2 */
    double static_power;       /* W drawn by each instance of the network (leakage); 0: none */
} ir_net;

typedef struct ir_level ir_level;

typedef struct ir_child {
    const char *name;
    mld_loc loc;
    ir_level *type;
    int ndims;
    int64_t dims[IR_MAX_DIMS];
    int64_t count;   /* product of dims */
    uint64_t offset; /* preorder offset of the first instance, relative to the parent */
} ir_child;

/* Where an element meets a network: the element's node in net. */
typedef struct ir_attach {
    int elem;         /* element index, or -1 for the level's gateway */
    int net;          /* network index */
    int64_t *at;      /* node indices it touches */
    int64_t nat;
    mld_loc loc;
} ir_attach;

struct ir_level {
    const char *name;     /* "Core" or "Core(macs=2048)" */
    const char *tmpl;     /* template name */
    mld_loc loc;
    int id;               /* index in ir_design.levels */
    ir_elem *elems;
    int nelems;
    ir_child *children;
    int nchildren;
    ir_net *nets;
    int nnets;
    ir_attach *attaches;
    int nattaches;
    int gateway_net;      /* network the parent reaches this level through, or -1 */
    int64_t gateway_node; /* node in gateway_net */
    double area;          /* m2: own elements and networks plus children */
    uint64_t ninst;       /* level instances in the subtree, this one included */
    int depth;            /* levels below, this one included */
};

typedef struct ir_system {
    const char *name;
    mld_loc loc;
    ir_level *root;
} ir_system;

/* ---- workload ---- */

typedef enum {
    DT_FP32, DT_BF16, DT_FP16, DT_FP8, DT_INT8, DT_INT4, DT_INT32, DT_COUNT
} ir_dtype;

typedef enum { TENSOR_INPUT, TENSOR_WEIGHT, TENSOR_CACHE, TENSOR_ACT } ir_tensor_kind;

typedef struct ir_tensor {
    const char *name; /* full path, e.g. "layer[3].wq" */
    mld_loc loc;
    ir_tensor_kind kind;
    ir_dtype dtype;
    int ndims;
    int64_t dims[IR_MAX_DIMS];
    double bytes;
    int producer;     /* op index, or -1 */
    int group;        /* group index, or -1 for the workload's top */
} ir_tensor;

typedef enum {
    OPK_MATMUL, OPK_BMM, OPK_ELEMENTWISE, OPK_ADD, OPK_MUL, OPK_GELU, OPK_SILU,
    OPK_SOFTMAX, OPK_LAYERNORM, OPK_RMSNORM, OPK_ATTENTION, OPK_EMBEDDING, OPK_SCATTER_ADD, OPK_APPEND,
    OPK_TRANSPOSE, OPK_SPLIT_HEADS, OPK_MERGE_HEADS,
    /* convolutional networks (NHWC activations, weights [KH][KW][C/groups][Co]; src/vision.c) */
    OPK_CONV2D, OPK_CONV2D_DGRAD, OPK_CONV2D_WGRAD, OPK_MAXPOOL, OPK_MAXPOOL_BACKWARD, OPK_AVGPOOL,
    OPK_AVGPOOL_BACKWARD, OPK_BATCHNORM, OPK_BATCHNORM_BACKWARD, OPK_COUNT
} ir_opkind;

/* Views: operators that only relabel their input's elements (no FLOPs, no
 * traffic; the output shares the input's storage). */
#define IR_OPK_IS_VIEW(k) ((k) == OPK_TRANSPOSE || (k) == OPK_SPLIT_HEADS || (k) == OPK_MERGE_HEADS)

/* Operator names as the language spells them, indexed by ir_opkind. */
extern const char *const ir_opkind_names[OPK_COUNT];

typedef struct ir_op {
    const char *name;
    mld_loc loc;
    ir_opkind kind;
    ir_opclass cls;
    int *inputs;      /* tensor indices */
    int ninputs;
    int output;       /* tensor index */
    double flops;
    double bytes_in, bytes_out;
    int group;
    int heads;        /* attention: heads (else 0) */
    double scratch;   /* bytes of intermediates written and read back again
                         (unfused attention: its scores), counted in
                         bytes_in and bytes_out */
    int64_t batch;    /* attention: sequences stacked in q's rows (else 0) */
} ir_op;

typedef struct ir_group {
    const char *name; /* full path */
    int parent;       /* -1 for top */
    mld_loc loc;
} ir_group;

typedef struct ir_workload {
    const char *name;
    const char *tmpl;
    mld_loc loc;
    ir_tensor *tensors;
    int ntensors;
    ir_op *ops;
    int nops;
    ir_group *groups;
    int ngroups;
    const char **pnames;  /* template parameters, for w.layers in mappings */
    double *pvals;
    units_dim *pdims;
    int nparams;
    double flops;         /* total */
    double weight_bytes;
    double params;        /* elements of all weight tensors */
} ir_workload;

/* ---- mapping ---- */

/* An element instance: element `elem` of level instance `inst`. */
typedef struct ir_unit {
    uint64_t inst;
    int32_t elem;
} ir_unit;

/* ACT_LOOP: a regular loop nest of transfers kept compact (ir_loop); the
 * checker and the plan builder expand it message by message
 * (ir_loop_expand), in the order the loop would have run. */
typedef enum { ACT_PLACE, ACT_TRANSFER, ACT_STORE, ACT_SYNC, ACT_LOOP } ir_action_kind;
typedef enum { SPLIT_NONE, SPLIT_ROWS, SPLIT_COLS, SPLIT_HEADS, SPLIT_BATCH, SPLIT_TILES, SPLIT_INNER, SPLIT_SHARE, SPLIT_MICRO } ir_split;

typedef struct ir_action {
    ir_action_kind kind;
    mld_loc loc;
    int op;              /* place */
    int tensor;          /* transfer, store */
    ir_split split;
    int64_t tile[2];     /* place, SPLIT_TILES: output tile rows x cols;
                            place, SPLIT_MICRO: tile[0] micro-batches,
                            tile[1] = I + 1 for micro-batch I only, or 0;
                            transfer, SPLIT_SHARE: share tile[0] of tile[1] */
    ir_unit *units;      /* place: compute elements; sync: participants */
    int64_t nunits;
    ir_unit *src;        /* transfer: source memories */
    int64_t nsrc;
    ir_unit *dst;        /* transfer: destinations; store: memories */
    int64_t ndst;
    int *after;          /* sync: ops waited for */
    int nafter;
    int inferred;        /* transfer added by the checker */
    struct ir_loop *loop; /* ACT_LOOP: the nest; `tensor` is the tensor all its transfers move */
} ir_action;

/* ---- regular loops ----
 *
 * A loop nest over integer ranges whose body holds only transfers, each
 * operand an index expression of the loop variables.  Expressions are
 * nodes (ir_lexpr) referring to earlier nodes; they compute in doubles
 * exactly as the language's operators do (`/` truncates, `%` takes the
 * sign of the dividend, comparisons give 0 or 1). */
typedef enum {
    LX_CONST, LX_VAR, LX_ADD, LX_SUB, LX_MUL, LX_DIV, LX_MOD,
    LX_LT, LX_GT, LX_LE, LX_GE, LX_EQ, LX_NE, LX_NEG, LX_NOT
} ir_lxop;

typedef struct ir_lexpr {
    ir_lxop op;
    int a, b;            /* operand nodes; LX_VAR: a is the variable */
    double c;            /* LX_CONST */
} ir_lexpr;

/* Memories chosen by an index expression: entry e = value of expr - first
 * is units[off[e] .. off[e + 1]).  expr < 0: always entry 0. */
typedef struct ir_lunits {
    int expr;
    int64_t first, n;
    int64_t *off;
    ir_unit *units;
} ir_lunits;

/* One step of the nest, in preorder: a loop (its body is steps
 * [this + 1, end)) or a transfer. */
typedef struct ir_lstep {
    int is_loop;
    int end;             /* loop: one past the last step of its body */
    int var;             /* loop: its variable */
    double lo, step;     /* loop: values lo, lo + step, ... */
    int64_t count;       /* loop: iterations */
    mld_loc loc;         /* transfer: the statement */
    int guard;           /* transfer: runs where this expression is nonzero; -1 always */
    ir_split split;      /* transfer */
    int64_t tile[2];     /* transfer, split other than share: as ir_action */
    int share_i, share_n; /* transfer, SPLIT_SHARE: expressions for share I of P */
    ir_lunits src, dst;  /* transfer */
} ir_lstep;

enum { IR_LOOP_MAX_VARS = 16 }; /* loop variables in one nest */

typedef struct ir_loop {
    ir_lstep *steps;
    int nsteps;
    ir_lexpr *x;
    int nx;
    int nvars;
    int64_t messages;    /* transfers it expands to */
} ir_loop;



typedef struct ir_mapping {
    const char *name;
    mld_loc loc;
    ir_system *sys;
    ir_workload *wl;
    ir_action *actions;
    int64_t nactions, cap;
} ir_mapping;

/* ---- explore ---- */

typedef enum { VARY_PARAM, VARY_MAPPING, VARY_SYSTEM } ir_vary_kind;

typedef struct ir_vary {
    const char *name;
    mld_loc loc;
    ir_vary_kind kind;
    double *vals;        /* numbers in base units */
    const char **names;  /* alternatives, for mapping/system */
    int nvals;
    units_dim dim;
} ir_vary;

typedef enum { METRIC_LATENCY, METRIC_THROUGHPUT, METRIC_ENERGY, METRIC_AREA,
               METRIC_POWER, METRIC_EDP, METRIC_TPA, METRIC_TPW, METRIC_COUNT } ir_metric;

typedef struct ir_require {
    ir_metric metric;
    int op;              /* '<', '>', LE or GE token */
    double bound;
    mld_loc loc;
} ir_require;

typedef struct ir_objective {
    ir_metric metric;
    int maximize;
    mld_loc loc;
} ir_objective;

typedef struct ir_explore {
    mld_loc loc;
    ir_vary *vary;
    int nvary;
    ir_require *req;
    int nreq;
    ir_objective *obj;
    int nobj;
} ir_explore;

/* ---- the whole design ---- */

typedef struct ir_param {
    const char *name;
    mld_loc loc;
    double value;
    units_dim dim;
    int is_int;
    int overridden;      /* set by --set */
} ir_param;

/* A file the design was built from, and a hash of its bytes. */
typedef struct ir_input {
    const char *path;
    unsigned long long hash;
} ir_input;

typedef struct ir_design {
    arena mem;
    ir_input *inputs;   int ninputs; /* the root file, its imports, HF configs */
    ir_param *params;   int nparams;
    ir_level **levels;  int nlevels;
    ir_system **systems; int nsystems;
    ir_workload **workloads; int nworkloads;
    ir_mapping **mappings; int nmappings;
    ir_explore *explore; /* NULL when the design has none */
    arena tmp;           /* sources and syntax trees, kept for diagnostics */
    int failed_io;       /* the root file could not be read */
} ir_design;

/* Names for dumps and messages. */
const char *ir_topo_name(ir_topo t);
const char *ir_dtype_name(ir_dtype d);
double ir_dtype_bytes(ir_dtype d);
const char *ir_opkind_name(ir_opkind k);
const char *ir_metric_name(ir_metric m);
/* The dimension of a metric: latency s, throughput 1/s, energy J, area m2,
 * power W, edp J*s, throughput per area 1/(s*m2), throughput per watt 1/J. */
units_dim ir_metric_dim(ir_metric m);
const char *ir_split_name(ir_split s);

/* Level instance ids: the preorder id of child c's i-th instance within a
 * level instance whose id is base. */
uint64_t ir_child_inst(const ir_level *lv, int c, int64_t i, uint64_t base);
/* Write the path of instance `inst` of system s ("top.chip[1][0].core[3]")
 * into buf; returns the level type of that instance. */
const ir_level *ir_inst_path(const ir_system *s, uint64_t inst, char *buf, size_t n);
/* Write the path of an element instance ("top.chip[0].core[2].sram"). */
void ir_unit_path(const ir_system *s, ir_unit u, char *buf, size_t n);
/* Level type of an instance, and its parent chain.  path_out receives up to
 * max (instance, level, child, index) steps from the root down; returns how
 * many. */
typedef struct ir_step {
    uint64_t inst;
    const ir_level *level;
    int child;     /* child taken from the previous step, -1 for the root */
    int64_t index; /* flat index in that child matrix */
} ir_step;
int ir_inst_steps(const ir_system *s, uint64_t inst, ir_step *path_out, int max);

/* Call fn with each transfer of loop action `a`, in program order (a
 * temporary ACT_TRANSFER action, valid during the call).  Stops early when
 * fn returns nonzero; returns the number of transfers visited. */
typedef int (*ir_loop_fn)(void *ud, const ir_action *t);
int64_t ir_loop_expand(const ir_action *a, ir_loop_fn fn, void *ud);
/* Actions of a mapping with every loop expanded (the count it would have
 * without compact loops). */
int64_t ir_mapping_nactions(const ir_mapping *m);
/* Evaluate expression node k of a loop for the variables in vars. */
double ir_lexpr_eval(const ir_loop *lp, int k, const double *vars);

void ir_design_free(ir_design *d);
/* Print the IR in a stable text form (mldc dump ir). */
void ir_dump(FILE *out, const ir_design *d);

#endif
