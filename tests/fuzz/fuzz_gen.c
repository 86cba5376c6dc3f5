/* fuzz_gen.c - libFuzzer harness that builds valid designs from its input.
 *
 * fuzz_sim.c mutates .mld text, and nearly every mutation breaks the
 * design, so the fuzzer rarely gets past the front end.  Here the input
 * bytes are not text but choices: a grammar turns them into a design that
 * is correct by construction, so most inputs reach the plan builder, the
 * simulator and sim_verify (the oracle: no violation allowed), under every
 * check of fuzz_sim.c (this file includes it).  The grammar:
 *
 *   hierarchy  2 to 5 levels: a leaf level Leaf (a matrix and a vector
 *              element, or one element for any operator; a local SRAM and
 *              now and then a faster second memory, the kernels' cache;
 *              launch, dispatch, efficiency, units, row_memory), and above
 *              it levels L1 .. Lk, each a 1-D or 2-D matrix `c` of the level
 *              below with its own memory and network; L1 may hold a
 *              heterogeneous sibling matrix `h` of a different leaf (Lite)
 *              and a vector element of its own; the root's memory is the
 *              DRAM.  At most 64 leaves.
 *   topology   every kind: mesh, torus, ring, bus, crossbar, switch,
 *              fully_connected, tree (with a fanout) and custom (a chain
 *              of links); memories attached at one node, a slice, or as a
 *              port of their own; `attach parent` now and then
 *   workload   either 1..4 groups `layer[l]` of 1..5 operators each in a
 *              chain over [T][D] activations, every operator kind:
 *              matmul (also transpose = 1), bmm between split_heads and
 *              merge_heads views, attention over caches (causal, unfused),
 *              add, mul, elementwise, gelu, silu, softmax, layernorm,
 *              rmsnorm, transpose views, append to a cache, scatter_add,
 *              and an embedding in front; or std/llm's transformer (dense
 *              or mixture of experts, prefill or decode)
 *   mapping    for the chain: stores (in the DRAM, in SRAMs whole or
 *              sharded), each layer either operator by operator (on leaves,
 *              on the heterogeneous siblings, on L1's vector element; every
 *              split: rows, cols, heads, batch, inner, tiles, tiles(TM, TN),
 *              micro(M)) with explicit transfers (broadcast, scatter,
 *              gather, shares), syncs and every collective of std/parallel,
 *              or as a pipeline stage with micro-batches handing each
 *              micro-batch's share to the next stage; for the transformer,
 *              one of std/parallel's schemes (data, tensor with each
 *              all-reduce algorithm, pipeline with micro-batches, expert)
 *   memories   leaf SRAMs a few times the largest tensor, so that writes
 *              now and then wait for room (occupancy)
 *   explore    a block that varies a parameter the hardware uses
 *
 * Each choice takes one byte (modulo the number of options); when the
 * input runs out every further choice is 0, so any input is a design.
 * Rates, sizes, bandwidths and latencies come from the bytes too.  With
 * MLDC_FUZZ_GEN_PRINT=1 the generated text is printed to stdout (to read
 * a crash's design, or to turn inputs into .mld seeds).
 */
#define FUZZ_SIM_NO_ENTRY
#include <stdarg.h>

#include "fuzz_sim.c"

typedef struct gen {
    const uint8_t *p, *end;
    char *out;
    size_t len, cap;
} gen;

/* The next choice in [0, n). */
static unsigned take(gen *g, unsigned n) {
    if (g->p >= g->end || n == 0) return 0;
    return *g->p++ % n;
}

__attribute__((format(printf, 2, 3))) static void emit(gen *g, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(g->out + g->len, g->cap - g->len, fmt, ap);
        va_end(ap);
        if (n < 0) abort();
        if (g->len + (size_t)n < g->cap) {
            g->len += (size_t)n;
            return;
        }
        g->cap = g->cap * 2 + (size_t)n;
        g->out = realloc(g->out, g->cap);
        if (!g->out) abort();
    }
}

enum { MAXLEV = 4, MAXLEAVES = 64 };

/* The hierarchy: level i (1..k) holds a matrix `c` of nd[i] dimensions
 * dim[i][*] of level i - 1 (level 0 is Leaf). */
typedef struct hw {
    int k;
    int nd[MAXLEV + 1], dim[MAXLEV + 1][2];
    int nh;        /* instances of L1's heterogeneous sibling h (Lite), 0: none */
    int gpe;       /* L1 has a vector element of its own */
    int leaf_any;  /* Leaf has one element for every operator */
    int lite_mem;  /* Lite has a memory; else it computes out of L1's (shared) */
} hw;

/* A selection of level-1 instances as a path from top; *n is how many. */
static void sel_l1(gen *g, const hw *h, char *buf, size_t cap, int *n) {
    size_t len = (size_t)snprintf(buf, cap, "top");
    *n = 1;
    for (int i = h->k; i >= 2; i--) {
        len += (size_t)snprintf(buf + len, cap - len, ".c");
        for (int d = 0; d < h->nd[i]; d++) {
            int size = h->dim[i][d];
            switch (take(g, 3)) {
            case 0: len += (size_t)snprintf(buf + len, cap - len, "[%d]", (int)take(g, (unsigned)size)); break;
            case 1:
                len += (size_t)snprintf(buf + len, cap - len, "[*]");
                *n *= size;
                break;
            default: {
                int a = (int)take(g, (unsigned)size), b = a + 1 + (int)take(g, (unsigned)(size - a));
                len += (size_t)snprintf(buf + len, cap - len, "[%d .. %d]", a, b);
                *n *= b - a;
            }
            }
        }
    }
}

/* A selection of leaves (kind 0), of L1's siblings h (kind 1) or of L1
 * instances (kind 2); *n is how many. */
static void sel_units(gen *g, const hw *h, int kind, char *buf, size_t cap, int *n) {
    sel_l1(g, h, buf, cap, n);
    size_t len = strlen(buf);
    if (kind == 2) return;
    if (kind == 1) {
        if (take(g, 2)) {
            snprintf(buf + len, cap - len, ".h[*]");
            *n *= h->nh;
        } else
            snprintf(buf + len, cap - len, ".h[%d]", (int)take(g, (unsigned)h->nh));
        return;
    }
    len += (size_t)snprintf(buf + len, cap - len, ".c");
    for (int d = 0; d < h->nd[1]; d++) {
        int size = h->dim[1][d];
        if (take(g, 2)) {
            len += (size_t)snprintf(buf + len, cap - len, "[*]");
            *n *= size;
        } else
            len += (size_t)snprintf(buf + len, cap - len, "[%d]", (int)take(g, (unsigned)size));
    }
}

/* One leaf instance (a pipeline stage). */
static void one_leaf(gen *g, const hw *h, char *buf, size_t cap) {
    size_t len = (size_t)snprintf(buf, cap, "top");
    for (int i = h->k; i >= 1; i--) {
        len += (size_t)snprintf(buf + len, cap - len, ".c");
        for (int d = 0; d < h->nd[i]; d++)
            len += (size_t)snprintf(buf + len, cap - len, "[%d]", (int)take(g, (unsigned)h->dim[i][d]));
    }
}

static const char *const topo_name[] = {"mesh", "torus", "ring", "bus", "crossbar",
                                        "switch", "fully_connected", "tree", "custom"};

/* Level i's network over c (and h at level 1), and its memory attached. */
static void network(gen *g, const hw *h, int i) {
    int t = (int)take(g, 9);
    int two = i == 1 && h->nh > 0;
    if (two && (t <= 1 || t >= 7)) t = 2 + (int)take(g, 5); /* over two matrices */
    if (t == 8 && h->nd[i] > 1) t = 2;
    emit(g, "    network n%d = %s(c%s) { bandwidth = %u GB/s; hop = %u ns", i, topo_name[t], two ? ", h" : "",
         8u << take(g, 6), 1 + take(g, 20));
    if (take(g, 3) == 0) emit(g, "; energy = 0.%u pJ/bit", 1 + take(g, 9));
    if (take(g, 4) == 0) emit(g, "; efficiency = 0.%u", 5 + take(g, 5));
    if (take(g, 6) == 0) emit(g, "; static_power = %u W; area = %u mm2", 1 + take(g, 9), 1 + take(g, 9));
    if (t == 7) emit(g, "; fanout = %u", 2 + take(g, 3));
    if (t == 8) {
        emit(g, "\n");
        for (int j = 0; j + 1 < h->dim[i][0]; j++)
            emit(g, "        link c[%d] <-> c[%d]%s\n", j, j + 1, take(g, 3) == 0 ? " { bandwidth = 4 GB/s }" : "");
        emit(g, "    }\n");
    } else
        emit(g, " }\n");
    /* where the memory (and L1's vector element) enter the network */
    const char *what[2] = {NULL, NULL};
    char name[8];
    snprintf(name, sizeof name, "m%d", i);
    what[0] = name;
    if (i == 1 && h->gpe) what[1] = "gpe";
    for (int w = 0; w < 2 && what[w]; w++) {
        int portable = t >= 3 && t <= 6;
        unsigned how = take(g, 3);
        if (portable && how == 0) {
            emit(g, "    attach %s to n%d\n", what[w], i);
            continue;
        }
        emit(g, "    attach %s to n%d at c", what[w], i);
        for (int d = 0; d < h->nd[i]; d++) {
            if (how == 1 && d == 0) emit(g, "[*]");
            else emit(g, "[%d]", (int)take(g, (unsigned)h->dim[i][d]));
        }
        emit(g, "\n");
    }
    if (take(g, 4) == 0) {
        emit(g, "    attach parent to n%d at c", i);
        for (int d = 0; d < h->nd[i]; d++) emit(g, "[%d]", h->dim[i][d] - 1);
        emit(g, "\n");
    }
}

static void hardware(gen *g, hw *h, unsigned sram) {
    h->k = 1 + (int)take(g, 4);
    h->leaf_any = take(g, 4) == 0;
    int leaves = 1;
    for (int i = 1; i <= h->k; i++) {
        h->nd[i] = 1 + (take(g, 3) == 0);
        for (int d = 0; d < h->nd[i]; d++) {
            int room = MAXLEAVES / leaves, size = 1 + (int)take(g, 4);
            if (size > room) size = room;
            if (size < 1) size = 1;
            h->dim[i][d] = size;
            leaves *= size;
        }
    }
    h->nh = take(g, 3) == 0 ? 1 + (int)take(g, 3) : 0;
    h->gpe = take(g, 3) == 0;
    h->lite_mem = take(g, 3) != 0;
    emit(g, "param clock = %u GHz\n\nlevel Leaf {\n", 1 + take(g, 3));
    if (h->leaf_any) {
        emit(g, "    compute pe { rate = %u FLOP/cycle; clock = clock; energy = 0.%u pJ/FLOP", 64u << take(g, 6),
             1 + take(g, 9));
    } else {
        emit(g, "    compute mac { rate = %u FLOP/cycle; clock = clock; energy = 0.%u pJ/FLOP; ops = matrix",
             64u << take(g, 6), 1 + take(g, 9));
        switch (take(g, 6)) {
        case 0: emit(g, "; efficiency = 0.%u; launch = %u ns", 5 + take(g, 5), 1 + take(g, 50)); break;
        case 1: emit(g, "; units = %u; launch = %u ns", 2 + take(g, 6), 1 + take(g, 50)); break;
        case 2: emit(g, "; dispatch = %u ns", 1 + take(g, 90)); break;
        case 3: emit(g, "; static_power = %u W; area = %u mm2", 1 + take(g, 9), 1 + take(g, 9)); break;
        default: break;
        }
        emit(g, " }\n    compute vec { rate = %u FLOP/cycle; clock = 1 GHz; ops = vector", 8u << take(g, 5));
        if (take(g, 3) == 0) emit(g, "; row_memory = %u KiB", 1 + take(g, 8));
        if (take(g, 4) == 0) emit(g, "; launch = %u ns; dispatch = %u ns", 1 + take(g, 20), 1 + take(g, 20));
    }
    emit(g, " }\n    memory sram { size = %u KiB; bandwidth = %u GB/s; latency = %u ns; ports = %u", sram,
         32u << take(g, 5), 1 + take(g, 20), 1 + take(g, 2));
    switch (take(g, 4)) {
    case 0: emit(g, "; efficiency = 0.%u; write_efficiency = 0.%u", 5 + take(g, 5), 3 + take(g, 7)); break;
    case 1: emit(g, "; energy = 0.%u pJ/bit", 1 + take(g, 9)); break;
    default: break;
    }
    emit(g, " }\n");
    if (take(g, 4) == 0)
        emit(g, "    memory l2 { size = %u KiB; bandwidth = %u GB/s; efficiency = 0.5 }\n", sram / 2 + 1,
             2048u << take(g, 3));
    emit(g, "}\n\n");
    if (h->nh) {
        emit(g, "level Lite {\n    compute any { rate = %u GFLOP/s }\n", 50u << take(g, 5));
        if (h->lite_mem)
            emit(g, "    memory sram { size = %u KiB; bandwidth = %u GB/s; latency = %u ns }\n", sram, 16u << take(g, 5),
                 1 + take(g, 9));
        emit(g, "}\n\n");
    }
    for (int i = 1; i <= h->k; i++) {
        emit(g, "level L%d {\n    c: %s", i, i == 1 ? "Leaf" : "");
        if (i > 1) emit(g, "L%d", i - 1);
        for (int d = 0; d < h->nd[i]; d++) emit(g, "[%d]", h->dim[i][d]);
        emit(g, "\n");
        if (i == 1 && h->nh) emit(g, "    h: Lite[%d]\n", h->nh);
        if (i == h->k)
            emit(g, "    memory m%d { size = 8 GiB; bandwidth = %u GB/s; latency = %u ns; ports = %u }\n", i,
                 10 * (1 + take(g, 20)), 20 + 10 * take(g, 10), 1 + take(g, 3));
        else
            emit(g, "    memory m%d { size = %u MiB; bandwidth = %u GB/s; latency = %u ns }\n", i,
                 64u << take(g, 4), 64u << take(g, 5), 2 + take(g, 20));
        if (i == 1 && h->gpe) emit(g, "    compute gpe { rate = %u GFLOP/s; ops = vector }\n", 32u << take(g, 5));
        network(g, h, i);
        emit(g, "}\n\n");
    }
    emit(g, "system top = L%d\n\n", h->k);
}

/* Operator kinds of the chain. */
enum {
    K_MATMUL, K_MATMUL_T, K_GELU, K_SILU, K_SOFTMAX, K_LAYERNORM, K_RMSNORM, K_ADD, K_MUL, K_ELEM,
    K_ATTN, K_BMM, K_TRANSPOSE, K_APPEND, K_SCATTER, K_NKINDS
};

typedef struct layer {
    int nops, kind[5];
    int in_dram[5]; /* the weight of op j is stored in the DRAM */
    char name[5][8]; /* the operator each kind leaves last in the chain */
    int pipe;        /* mapped as a pipeline stage */
} layer;

static const char *const dtypes[] = {"fp16", "bf16", "fp32", "fp8", "int8"};

/* The chain workload; returns the number of layers. */
static int chain_workload(gen *g, layer *ly, unsigned T, unsigned D, unsigned H, int embed, int tail) {
    const char *adt = dtypes[take(g, 3)], *wdt = dtypes[take(g, 5)];
    int nl = 1 + (int)take(g, 4);
    emit(g, "workload k(t = %u, d = %u, heads = %u, s = %u) {\n", T, D, H, T * (1 + take(g, 3)));
    if (embed) emit(g, "    input ids : int32[t]\n    weight table : %s[%u][d]\n    op x = embedding(ids, table)\n", adt,
                    64 + take(g, 200));
    else emit(g, "    input x : %s[t][d]\n", adt);
    for (int l = 0; l < nl; l++) {
        layer *L = &ly[l];
        L->pipe = 0;
        L->nops = 1 + (int)take(g, 5);
        emit(g, "    group layer[%d] {\n", l);
        char prev[32];
        snprintf(prev, sizeof prev, l ? "layer[%d].o%d" : "x", l - 1, l ? ly[l - 1].nops - 1 : 0);
        for (int j = 0; j < L->nops; j++) {
            int kd = (int)take(g, K_NKINDS);
            L->kind[j] = kd;
            switch (kd) {
            case K_MATMUL:
                emit(g, "        weight w%d : %s[d][d]\n        op o%d = matmul(%s, w%d)\n", j, wdt, j, prev, j);
                break;
            case K_MATMUL_T:
                emit(g, "        weight w%d : %s[d][d]\n        op o%d = matmul(%s, w%d, transpose = 1)\n", j, wdt, j,
                     prev, j);
                break;
            case K_GELU: emit(g, "        op o%d = gelu(%s)\n", j, prev); break;
            case K_SILU: emit(g, "        op o%d = silu(%s)\n", j, prev); break;
            case K_SOFTMAX: emit(g, "        op o%d = softmax(%s)\n", j, prev); break;
            case K_LAYERNORM: emit(g, "        op o%d = layernorm(%s)\n", j, prev); break;
            case K_RMSNORM: emit(g, "        op o%d = rmsnorm(%s)\n", j, prev); break;
            case K_ADD: emit(g, "        op o%d = add(%s, x)\n", j, prev); break;
            case K_MUL: emit(g, "        op o%d = mul(%s, x)\n", j, prev); break;
            case K_ELEM: emit(g, "        op o%d = elementwise(%s, x, flops = %u)\n", j, prev, 1 + take(g, 9)); break;
            case K_ATTN:
                emit(g, "        cache kc%d : %s[s][d]\n        cache vc%d : %s[s][d]\n", j, adt, j, adt);
                emit(g, "        op o%d = attention(%s, kc%d, vc%d, heads = heads%s%s)\n", j, prev, j, j,
                     take(g, 2) ? ", causal = 1" : "", take(g, 3) == 0 ? ", fused = 0" : "");
                break;
            case K_BMM:
                emit(g, "        weight w%d : %s[heads][d / heads][d / heads]\n", j, wdt);
                emit(g, "        op sh%d = split_heads(%s, heads = heads)\n", j, prev);
                emit(g, "        op bm%d = bmm(sh%d, w%d)\n", j, j, j);
                emit(g, "        op o%d = merge_heads(bm%d, heads = heads)\n", j, j);
                break;
            case K_TRANSPOSE:
                emit(g, "        op tr%d = transpose(%s)\n        op o%d = transpose(tr%d)\n", j, prev, j, j);
                break;
            case K_APPEND:
                emit(g, "        cache kv%d : %s[s][d]\n        op ap%d = append(kv%d, %s)\n", j, adt, j, j, prev);
                emit(g, "        op o%d = gelu(%s)\n", j, prev);
                break;
            default: emit(g, "        op o%d = scatter_add(%s, x)\n", j, prev); break;
            }
            snprintf(prev, sizeof prev, "o%d", j);
        }
        emit(g, "    }\n");
    }
    if (tail) emit(g, "    op da = gelu(x)\n    op db = gelu(da)\n");
    emit(g, "}\nworkload w = k()\n\n");
    return nl;
}

/* The operators of op j of layer l in program order (views and side ops
 * first), written into buf as a list. */
static void op_list(const layer *L, int l, int j, char *buf, size_t cap) {
    switch (L->kind[j]) {
    case K_BMM: snprintf(buf, cap, "[w.layer[%d].sh%d, w.layer[%d].bm%d, w.layer[%d].o%d]", l, j, l, j, l, j); break;
    case K_TRANSPOSE: snprintf(buf, cap, "[w.layer[%d].tr%d, w.layer[%d].o%d]", l, j, l, j); break;
    case K_APPEND: snprintf(buf, cap, "[w.layer[%d].ap%d, w.layer[%d].o%d]", l, j, l, j); break;
    default: snprintf(buf, cap, "w.layer[%d].o%d", l, j); break;
    }
}

static int has_weight(int kind) { return kind == K_MATMUL || kind == K_MATMUL_T || kind == K_BMM; }
static int is_matrix(int kind) { return kind == K_MATMUL || kind == K_MATMUL_T || kind == K_ATTN || kind == K_BMM; }

/* Every collective of std/parallel, and which extra arguments it takes:
 * 1 chunks and reduce, 2 chunks, 3 algorithm. */
static const struct {
    const char *name;
    int args;
} collective[] = {{"all_reduce_ring", 1},     {"all_reduce_direct", 0},     {"all_reduce_tree", 0},
                  {"reduce_scatter_ring", 1}, {"reduce_scatter_direct", 0}, {"all_gather_ring", 2},
                  {"all_gather_direct", 0},   {"all_to_all_direct", 0},     {"reduce_tree", 0},
                  {"broadcast_tree", 0},      {"all_reduce", 3}};

/* One operator of the chain, placed operator by operator. */
static void place_op(gen *g, const hw *h, const layer *L, int l, int j, const char *dram, int embed) {
    char units[400], ops[160], t[48];
    int n, kind = L->kind[j];
    /* where: leaves mostly, the siblings h, L1's vector element, or a list
     * of leaves and siblings of different rates (a proportional split) */
    unsigned where = take(g, 9);
    int uk = (where == 6 || where == 8) && h->nh ? where == 8 ? 3 : 1
             : where == 7 && h->gpe && !is_matrix(kind) && kind != K_APPEND ? 2 : 0;
    if (uk == 3) {
        char a[160], b[160];
        int na, nb;
        sel_units(g, h, 0, a, sizeof a, &na);
        sel_units(g, h, 1, b, sizeof b, &nb);
        snprintf(units, sizeof units, "[%s, %s]", a, b);
        n = na + nb;
    } else
        sel_units(g, h, uk, units, sizeof units, &n);
    op_list(L, l, j, ops, sizeof ops);
    snprintf(t, sizeof t, "w.layer[%d].o%d", l, j);
    /* the units' local memory, where the mapping names it */
    const char *mem = uk == 2 ? "m1" : uk == 3 || (uk == 1 && !h->lite_mem) ? NULL : "sram";
    if (mem && has_weight(kind) && L->in_dram[j] && take(g, 3) == 0) {
        static const char *const how[] = {"", " split rows", " split cols", " split share(0, 1)"};
        emit(g, "    transfer w.layer[%d].w%d from %s to %s.%s%s\n", l, j, dram, units, mem, how[take(g, 4)]);
    }
    if (mem && !embed && take(g, 6) == 0 && l + j > 0) /* the input moved in beforehand, broadcast or scattered */
        emit(g, "    transfer w.x from %s to %s.%s%s\n", dram, units, mem, take(g, 2) ? " split rows" : "");
    const char *split = "";
    char sb[48];
    if (n > 1 || take(g, 4) == 0) {
        switch (take(g, 10)) {
        case 0: split = " split rows"; break;
        case 1: split = " split cols"; break;
        case 2: split = kind == K_ATTN ? " split heads" : " split rows"; break;
        case 3: split = " split batch"; break;
        case 4: split = has_weight(kind) && kind != K_BMM ? " split inner" : " split cols"; break;
        case 5: split = kind == K_MATMUL ? " split tiles" : " split rows"; break;
        case 6:
            snprintf(sb, sizeof sb, " split tiles(%u, %u)", 8u << take(g, 3), 8u << take(g, 3));
            split = kind == K_MATMUL ? sb : "";
            break;
        case 7:
            snprintf(sb, sizeof sb, " split micro(%u)", 1u << take(g, 3));
            split = sb;
            break;
        default: break;
        }
    }
    emit(g, "    place %s on %s%s\n", ops, units, split);
    if (uk == 0 && n > 1 && take(g, 3) == 0) {
        unsigned c = take(g, sizeof collective / sizeof collective[0]);
        emit(g, "    %s(%s, %s.sram", collective[c].name, t, units);
        if (collective[c].args == 1) emit(g, ", chunks = %u, reduce = %u", 1 + take(g, 3), take(g, 2));
        if (collective[c].args == 2) emit(g, ", chunks = %u", 1 + take(g, 3));
        if (collective[c].args == 3) emit(g, ", algorithm = %u", take(g, 3));
        emit(g, ")\n");
    }
    switch (mem ? take(g, 8) : take(g, 8) % 4 ? 3 : 0) {
    case 0: emit(g, "    sync %s after %s\n", units, t); break;
    case 1: emit(g, "    transfer %s from %s.%s to %s split rows\n", t, units, mem, dram); break;
    case 2: {
        char l1[128];
        int m;
        sel_l1(g, h, l1, sizeof l1, &m);
        emit(g, "    transfer %s from %s.%s to %s.m1%s\n", t, units, mem, l1, take(g, 2) ? " split cols" : "");
        break;
    }
    default: break;
    }
}

/* A layer as a pipeline stage: every operator in micro-batches, each
 * micro-batch's output share handed to the next stage's SRAM. */
static void place_stage(gen *g, const hw *h, const layer *L, int l, int last, unsigned M) {
    char here[128], next[128];
    one_leaf(g, h, here, sizeof here);
    one_leaf(g, h, next, sizeof next);
    for (unsigned i = 0; i < M; i++) {
        for (int j = 0; j < L->nops; j++) {
            char ops[160];
            op_list(L, l, j, ops, sizeof ops);
            emit(g, "    place %s on %s split micro(%u, %u)\n", ops, here, i, M);
        }
        if (!last) emit(g, "    transfer w.layer[%d].o%d from %s.sram to %s.sram split share(%u, %u)\n", l, L->nops - 1,
                        here, next, i, M);
    }
}

static void chain_mapping(gen *g, const hw *h, layer *ly, int nl, int embed, int tail) {
    char dram[16], units[160];
    int n;
    snprintf(dram, sizeof dram, "top.m%d", h->k);
    emit(g, "mapping m on top for w {\n    store w.inputs in %s\n", dram);
    int in_sram = 0; /* tensors stored in SRAMs: at most 2, so that the stores fit */
    for (int l = 0; l < nl; l++) {
        const layer *L = &ly[l];
        for (int j = 0; j < L->nops; j++) {
            if (L->kind[j] == K_ATTN || L->kind[j] == K_APPEND) {
                const char *c = L->kind[j] == K_ATTN ? "kc" : "kv";
                if (in_sram < 2 && take(g, 3) == 0) {
                    in_sram++;
                    sel_units(g, h, 0, units, sizeof units, &n);
                    emit(g, "    store w.layer[%d].%s%d in %s.sram split rows\n", l, c, j, units);
                } else
                    emit(g, "    store w.layer[%d].%s%d in %s\n", l, c, j, dram);
                if (L->kind[j] == K_ATTN) emit(g, "    store w.layer[%d].vc%d in %s\n", l, j, dram);
            }
            if (!has_weight(L->kind[j])) continue;
            ly[l].in_dram[j] = in_sram >= 2 || take(g, 4) != 0;
            in_sram += !ly[l].in_dram[j];
            if (!ly[l].in_dram[j]) {
                sel_units(g, h, 0, units, sizeof units, &n);
                emit(g, "    store w.layer[%d].w%d in %s.sram split %s\n", l, j, units, take(g, 2) ? "cols" : "rows");
            } else
                emit(g, "    store w.layer[%d].w%d in %s\n", l, j, dram);
        }
    }
    if (embed) { /* the embedding first, on some leaves */
        sel_units(g, h, 0, units, sizeof units, &n);
        emit(g, "    store w.table in %s\n    place w.x on %s%s\n", dram, units, n > 1 && take(g, 2) ? " split rows" : "");
    }
    int pipe = take(g, 3) == 0;
    unsigned M = 1u << take(g, 3);
    for (int l = 0; l < nl; l++) {
        const layer *L = &ly[l];
        int attn = 0;
        for (int j = 0; j < L->nops; j++) attn |= L->kind[j] == K_ATTN || L->kind[j] == K_BMM;
        if (pipe && !attn) place_stage(g, h, L, l, l + 1 == nl, M);
        else
            for (int j = 0; j < L->nops; j++) place_op(g, h, L, l, j, dram, embed);
    }
    if (take(g, 4) == 0) {
        sel_units(g, h, 0, units, sizeof units, &n);
        emit(g, "    sync %s\n", units);
    }
    if (tail) { /* a cycle the checker cannot see: the simulator reports the deadlock */
        char a[128], b[128];
        one_leaf(g, h, a, sizeof a);
        one_leaf(g, h, b, sizeof b);
        if (strcmp(a, b)) emit(g, "    sync %s after w.db\n", a);
        emit(g, "    place w.da on %s\n    place w.db on %s\n", a, b);
    }
    emit(g, "}\n\n");
}

static const char *const llm_scheme[] = {"data", "tensor", "pipeline", "expert"};

/* std/llm's transformer under one of std/parallel's schemes, over a 1-D
 * selection of leaves. */
static void transformer_design(gen *g, const hw *h) {
    unsigned scheme = take(g, 4), p = 1u << take(g, 3);
    unsigned hidden = 64u << take(g, 2), layers = 1 + take(g, 3), batch = 1u << take(g, 3);
    int decode = take(g, 2);
    unsigned seq = decode ? 1 : 4u << take(g, 3);
    unsigned positions = take(g, 2) ? 0 : 64u << take(g, 2);
    emit(g, "workload w = transformer(layers = %u, hidden = %u, heads = 8, kv_heads = %u, vocab = %u, seq = %u, "
            "past = %u, batch = %u, gated = %u, rms = %u, positions = %u",
         layers, hidden, 8u >> take(g, 4), 256 + 64 * take(g, 8), seq, decode ? 8u << take(g, 4) : 0, batch,
         take(g, 2), take(g, 2), positions);
    if (scheme == 3) emit(g, ", experts = %u, top_k = %u", 2 + take(g, 4), 1 + take(g, 2));
    emit(g, ")\n\n");
    /* the units: leaves along the root's first dimension when it has p of
     * them, else the first p leaves of L1's first dimension */
    char units[160];
    int n;
    sel_units(g, h, 0, units, sizeof units, &n);
    { /* indexable by the schemes (mems[i]): the last index becomes [*] */
        char *last = strrchr(units, '[');
        if (strcmp(last, "[*]")) n *= h->dim[1][h->nd[1] - 1];
        snprintf(last, sizeof units - (size_t)(last - units), "[*]");
    }
    /* a selection of one instance is no matrix: a list of one is indexable */
    char U[200], M[220];
    int one = n == 1;
    snprintf(U, sizeof U, one ? "[%s]" : "%s", units);
    snprintf(M, sizeof M, one ? "[%s.sram]" : "%s.sram", units);
    (void)p;
    emit(g, "mapping m on top for w {\n");
    switch (scheme) {
    case 0: emit(g, "    data_parallel(w, %s, %s)\n", U, M); break;
    case 1:
        emit(g, "    store [w.ids, w.wte] in %s\n    place w.tok on %s\n", M, U);
        if (positions) emit(g, "    store [w.wpe, w.pos] in %s\n    place [w.posemb, w.embed] on %s\n", M, U);
        emit(g, "    for l in 0 .. w.layers {\n        tensor_parallel_store(w, l, %s)\n"
                "        tensor_parallel(w, l, %s, %s, algorithm = %u, chunks = %u, reduce = %u)\n    }\n",
             M, U, M, take(g, 3), 1 + take(g, 3), take(g, 2));
        emit(g, "    store w.lm_head in %s split cols\n    place w.lnf on %s\n"
                "    place w.logits on %s split cols\n",
             M, U, U);
        break;
    case 2: emit(g, "    pipeline_parallel(w, %s, %s, micro = %u)\n", U, M, 1u << take(g, 3)); break;
    default:
        emit(g, "    store [w.ids, w.wte] in %s\n    place w.tok on %s split rows\n", M, U);
        if (positions)
            emit(g, "    store [w.wpe, w.pos] in %s\n    place [w.posemb, w.embed] on %s split rows\n", M, U);
        emit(g, "    for l in 0 .. w.layers {\n        expert_parallel(w, l, %s, %s)\n    }\n", U, M);
        emit(g, "    store w.lm_head in %s split cols\n    place w.lnf on %s split rows\n", M, U);
        emit(g, "    all_gather_ring(w.lnf, %s)\n    place w.logits on %s split cols\n", M, U);
        break;
    }
    emit(g, "}\n\n");
    (void)llm_scheme;
}

static char *generate(const uint8_t *data, size_t size, size_t *len) {
    gen g = {data, data + size, NULL, 0, 8192};
    g.out = malloc(g.cap);
    if (!g.out) abort();
    g.out[0] = 0;
    int llm = take(&g, 4) == 0;
    unsigned T = 16u << take(&g, 3), D = 32u << take(&g, 3), H = 1u << take(&g, 3);
    /* the largest tensor of the chain: [s][d] with s up to 4 t, or [d][d] */
    unsigned big = (T * 4 > D ? T * 4 : D) * D * 4;
    unsigned sram = llm ? 4096u << take(&g, 4) : (big / 1024 + 1) * (2 + take(&g, 16));
    emit(&g, "import \"std/parallel\"\n%s\n", llm ? "import \"std/llm\"\n" : "");
    hw h;
    memset(&h, 0, sizeof h);
    hardware(&g, &h, sram);
    if (llm) transformer_design(&g, &h);
    else {
        layer ly[4];
        int embed = take(&g, 4) == 0, tail = take(&g, 12) == 11;
        int nl = chain_workload(&g, ly, T, D, H, embed, tail);
        chain_mapping(&g, &h, ly, nl, embed, tail);
    }
    if (take(&g, 3) == 0)
        emit(&g, "explore {\n    vary clock in [1 GHz, %u GHz]\n    require latency < %u ms\n    minimize latency%s\n}\n",
             2 + take(&g, 3), 1 + take(&g, 100), take(&g, 2) ? ", energy" : "");
    *len = g.len;
    return g.out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t len;
    char *text = generate(data, size, &len);
    const char *print = getenv("MLDC_FUZZ_GEN_PRINT");
    if (print && *print && strcmp(print, "0") != 0) {
        fputs(text, stdout);
        fflush(stdout); /* before a failed check aborts */
    }
    int simulated = sim_text(text, len);
    free(text);
    return simulated ? 0 : -1;
}
