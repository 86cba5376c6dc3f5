/* plan.c - compile a checked mapping into a simulation plan.
 *
 * The mapping's actions are replayed in program order (the checker has
 * already inserted inferred transfers), producing tasks:
 *
 *   place     one compute task per unit; it waits for the previous task of
 *             the same unit (units are in-order) and for the tasks that last
 *             delivered each input into the unit's local memory;
 *   transfer  one task per copy (or per share with `split`), routed hop by
 *             hop, waiting for whatever last delivered the tensor into its
 *             source memory;
 *   store     no task: the tensor is in place when the run starts;
 *   sync      one task waiting for the awaited operators and for every
 *             in-order unit inside the participants; those units then wait
 *             for it.
 *
 * Routes climb from the source through each level's gateway (the node where
 * the parent's network enters), cross one network of the lowest common
 * level, and descend to the destination.  Inside a network the route follows
 * the topology: dimension-order on meshes and tori (shortest way round on a
 * torus), the shorter direction on rings, one shared medium for a bus,
 * egress and ingress ports for a crossbar, up- and down-links through the
 * switch, a direct link when fully connected, up and down a tree of the
 * given fan-out, and a breadth-first shortest path over explicit links.
 *
 * How a kernel runs on GPU-like hardware comes from kernel.c: the GEMM
 * kernel of a bare `split tiles` (tile, split-K) and of a matmul on an
 * element with `units`, and the row-wise operators' extra passes; writes
 * are weighted by the memory's write cost, and an element's `dispatch`
 * adds one host task per operator, chained in program order.
 *
 * Resources are created on first use and keyed by identity, so only what a
 * mapping touches exists.  Energy does not depend on the schedule and is
 * summed here.
 */
#include "plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "checker.h"
#include "traffic.h"

/* ------------------------------------------------------------------ */
/* Growable arrays                                                     */
/* ------------------------------------------------------------------ */

#define VEC_PUSH(v, n, cap, x)                                             \
    do {                                                                   \
        if ((n) == (cap)) {                                                \
            (cap) = (cap) ? (cap) * 2 : 64;                                \
            if (mem_would_exceed(sizeof(*(v)) * (size_t)(cap)))            \
                mem_fail(sizeof(*(v)) * (size_t)(cap));                    \
            void *nv_ = realloc((v), sizeof(*(v)) * (size_t)(cap));        \
            if (!nv_) mem_fail(sizeof(*(v)) * (size_t)(cap));             \
            (v) = nv_;                                                     \
        }                                                                  \
        (v)[(n)++] = (x);                                                  \
    } while (0)

/* ------------------------------------------------------------------ */
/* Hash tables keyed by small integer tuples                           */
/* ------------------------------------------------------------------ */

typedef struct hkey {
    uint64_t a, b, c, d;
} hkey;

typedef struct htab {
    hkey *k;
    uint64_t *v;
    uint8_t *used;
    size_t cap, n;
} htab;

static size_t hhash(hkey k) {
    uint64_t h = k.a * 0x9E3779B97F4A7C15ull;
    h ^= (k.b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= (k.c + 0x85EBCA77C2B2AE63ull) * 0x165667B19E3779F9ull;
    h ^= (k.d + 0x27D4EB2F165667C5ull) * 0x94D049BB133111EBull;
    return (size_t)(h ^ (h >> 31));
}

static int hkey_eq(hkey x, hkey y) { return x.a == y.a && x.b == y.b && x.c == y.c && x.d == y.d; }

static uint64_t *htab_slot(htab *t, hkey k, int create, int *fresh);

static void htab_grow(htab *t) {
    htab n = {0};
    n.cap = t->cap ? t->cap * 2 : 256;
    n.k = malloc(n.cap * sizeof *n.k);
    n.v = malloc(n.cap * sizeof *n.v);
    n.used = calloc(n.cap, 1);
    if (!n.k || !n.v || !n.used) mem_fail(0);
    for (size_t i = 0; i < t->cap; i++)
        if (t->used[i]) {
            int f;
            *htab_slot(&n, t->k[i], 1, &f) = t->v[i];
        }
    free(t->k);
    free(t->v);
    free(t->used);
    *t = n;
}

/* The value slot of key k; NULL when absent and !create. */
static uint64_t *htab_slot(htab *t, hkey k, int create, int *fresh) {
    *fresh = 0;
    if (create && (t->n + 1) * 2 > t->cap) htab_grow(t);
    if (!t->cap) return NULL;
    for (size_t i = hhash(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->used[i]) {
            if (!create) return NULL;
            t->used[i] = 1;
            t->k[i] = k;
            t->v[i] = 0;
            t->n++;
            *fresh = 1;
            return &t->v[i];
        }
        if (hkey_eq(t->k[i], k)) return &t->v[i];
    }
}

static void htab_free(htab *t) {
    free(t->k);
    free(t->v);
    free(t->used);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ */
/* Builder state                                                       */
/* ------------------------------------------------------------------ */

/* Tasks that last put a tensor into a memory. */
typedef struct holder {
    int64_t action; /* the action that wrote it; a new whole write starts a new list */
    int partial;    /* the list holds shares (split writes) that add up */
    uint32_t *t;
    uint32_t n, cap;
    uint32_t whole_n; /* t[0 .. whole_n) came from whole writes (not shares) */
} holder;

typedef struct builder {
    plan *p;
    const ir_design *d;
    const ir_mapping *m;
    const ir_system *s;
    diag_ctx *dc;
    htab resmap;   /* (kind|elem, inst, a/b) -> resource id */
    htab chain;    /* compute unit -> last task id + 1 */
    htab where;    /* (tensor, memory) -> holder index + 1 */
    holder *holders;
    uint32_t nholders, capholders;
    uint32_t capres, captasks;
    uint64_t capuses, capdeps;
    uint32_t *op_first, *op_count; /* per op: the tasks of its placement (ids known in advance) */
    uint32_t *op_more;             /* per op: index + 1 into ranges of further placements (micro-batches) */
    uint32_t *ranges;              /* (first, count, next index + 1) triples */
    uint32_t nranges, capranges;
    uint32_t *scratch;             /* deps of the task being built */
    uint32_t *seen;                /* per task: which task last took it as a dep (+1) */
    uint32_t nscratch, capscratch;
    uint32_t *route;               /* resources of the route being built */
    uint32_t nroute, caproute;
    int failed;
    int dry;          /* routing only to sum latencies: create no resources */
    double dry_lat;   /* the sum */
    htab lastsync;    /* participant (inst, -1 or -2) -> its latest sync task + 1 */
    htab routes;      /* (from, to) -> offset << 16 | length in rstore, + 1 */
    uint32_t *rstore; /* routes already built, back to back */
    uint64_t nrstore, caprstore;
    uint32_t host;    /* the last host dispatch task + 1 (elements with a `dispatch`) */
    htab lifemap;     /* (tensor, memory) -> its current life + 1 */
    uint32_t caplives;
    uint64_t caplev;
    uint8_t *consumed; /* per tensor: some operator reads it */
} builder;

/* ------------------------------------------------------------------ */
/* Resources                                                           */
/* ------------------------------------------------------------------ */

static const ir_level *level_of(const builder *b, uint64_t inst) {
    ir_step st[256];
    int n = ir_inst_steps(b->s, inst, st, 256);
    return st[n - 1].level;
}

/* Resource for element `elem` of instance `inst`. */
static uint32_t res_elem(builder *b, uint64_t inst, int elem) {
    hkey k = {(uint64_t)elem << 2 | 1, inst, 0, 0};
    int fresh;
    if (b->dry) {
        const ir_elem *el = &level_of(b, inst)->elems[elem];
        b->dry_lat += el->kind == ELEM_MEMORY ? el->latency : 0;
        return UINT32_MAX;
    }
    uint64_t *slot = htab_slot(&b->resmap, k, 1, &fresh);
    if (!fresh) return (uint32_t)*slot;
    const ir_level *lv = level_of(b, inst);
    const ir_elem *el = &lv->elems[elem];
    plan_res r;
    memset(&r, 0, sizeof r);
    r.kind = el->kind == ELEM_COMPUTE ? RES_COMPUTE : RES_MEMORY;
    r.level = lv->id;
    r.inst = inst;
    r.elem = elem;
    r.a = r.b = -1;
    if (el->kind == ELEM_COMPUTE) {
        r.rate = el->rate;
        r.energy = el->energy;
    } else {
        r.rate = el->bandwidth * el->ports; /* P ports: one server, P times as fast */
        r.latency = el->latency;
        r.energy = el->energy;
    }
    plan *p = b->p;
    VEC_PUSH(p->res, p->nres, b->capres, r);
    *slot = p->nres - 1;
    return p->nres - 1;
}

/* A directed link (or port, bus, switch stage) of network `net` in level
 * instance `inst`, between topology-specific endpoints a and b. */
static uint32_t res_link(builder *b, uint64_t inst, const ir_level *lv, int net, int64_t a, int64_t bb, double bw,
                         double lat) {
    hkey k = {(uint64_t)net << 2 | 2, inst, (uint64_t)a, (uint64_t)bb};
    int fresh;
    if (b->dry) {
        b->dry_lat += lat;
        return UINT32_MAX;
    }
    uint64_t *slot = htab_slot(&b->resmap, k, 1, &fresh);
    if (!fresh) return (uint32_t)*slot;
    const ir_net *n = &lv->nets[net];
    plan_res r;
    memset(&r, 0, sizeof r);
    r.kind = RES_LINK;
    r.level = lv->id;
    r.inst = inst;
    r.elem = net;
    r.a = a;
    r.b = bb;
    r.rate = bw > 0 ? bw : n->bandwidth;
    r.latency = lat;
    r.energy = n->energy;
    plan *p = b->p;
    VEC_PUSH(p->res, p->nres, b->capres, r);
    *slot = p->nres - 1;
    return p->nres - 1;
}

static void route_push(builder *b, uint32_t r) {
    if (r != UINT32_MAX) VEC_PUSH(b->route, b->nroute, b->caproute, r);
}

/* ------------------------------------------------------------------ */
/* Routing inside one network                                          */
/* ------------------------------------------------------------------ */

enum { PORT_BUS = -1, PORT_XBAR = -2, PORT_SWITCH = -3 };

static void coords(const ir_net *n, int64_t node, int64_t *c) {
    for (int d = n->ndims - 1; d >= 0; d--) {
        c[d] = node % n->dims[d];
        node /= n->dims[d];
    }
}

static int64_t flat(const ir_net *n, const int64_t *c) {
    int64_t f = 0;
    for (int d = 0; d < n->ndims; d++) f = f * n->dims[d] + c[d];
    return f;
}

/* Hop count between two nodes, for choosing among attach points. */
static int64_t net_distance(const ir_net *n, int64_t a, int64_t bb) {
    if (a == bb) return 0;
    switch (n->topo) {
    case TOPO_MESH:
    case TOPO_TORUS: {
        int64_t ca[IR_MAX_DIMS], cb[IR_MAX_DIMS], d = 0;
        if (a >= n->nnodes || bb >= n->nnodes) return 1;
        coords(n, a, ca);
        coords(n, bb, cb);
        for (int i = 0; i < n->ndims; i++) {
            int64_t x = ca[i] > cb[i] ? ca[i] - cb[i] : cb[i] - ca[i];
            if (n->topo == TOPO_TORUS && n->dims[i] - x < x) x = n->dims[i] - x;
            d += x;
        }
        return d;
    }
    case TOPO_RING: {
        int64_t x = a > bb ? a - bb : bb - a;
        return n->nnodes - x < x ? n->nnodes - x : x;
    }
    case TOPO_TREE: {
        int64_t d = 0;
        while (a != bb) {
            a /= n->fanout;
            bb /= n->fanout;
            d += 2;
        }
        return d;
    }
    case TOPO_SWITCH: return 2;
    default: return 1;
    }
}

/* Breadth-first shortest path over explicit links; appends link resources. */
static int route_custom(builder *b, uint64_t inst, const ir_level *lv, int net, int64_t from, int64_t to) {
    const ir_net *n = &lv->nets[net];
    int64_t nn = n->nnodes;
    int64_t *prev = malloc(sizeof(int64_t) * (size_t)nn), *via = malloc(sizeof(int64_t) * (size_t)nn);
    int64_t *queue = malloc(sizeof(int64_t) * (size_t)nn);
    if (!prev || !via || !queue) mem_fail(0);
    for (int64_t i = 0; i < nn; i++) prev[i] = -1;
    int64_t qh = 0, qt = 0;
    queue[qt++] = from;
    prev[from] = from;
    while (qh < qt && prev[to] < 0) {
        int64_t u = queue[qh++];
        for (int64_t l = 0; l < n->nlinks; l++) {
            int64_t v = n->links[l].a == u ? n->links[l].b : n->links[l].b == u ? n->links[l].a : -1;
            if (v < 0 || prev[v] >= 0) continue;
            prev[v] = u;
            via[v] = l;
            queue[qt++] = v;
        }
    }
    int ok = prev[to] >= 0;
    if (ok) {
        /* walk back, then append in forward order */
        int64_t len = 0;
        for (int64_t v = to; v != from; v = prev[v]) queue[len++] = v;
        for (int64_t i = len - 1; i >= 0; i--) {
            int64_t v = queue[i], u = prev[v];
            route_push(b, res_link(b, inst, lv, net, u, v, n->links[via[v]].bandwidth, n->hop));
        }
    }
    free(prev);
    free(via);
    free(queue);
    return ok;
}

/* Append the links from node `from` to node `to` of network `net` in level
 * instance `inst`.  Returns 0 when no path exists (custom networks). */
static int route_net(builder *b, uint64_t inst, const ir_level *lv, int net, int64_t from, int64_t to) {
    const ir_net *n = &lv->nets[net];
    if (from == to) return 1;
    switch (n->topo) {
    case TOPO_MESH:
    case TOPO_TORUS: {
        int64_t c[IR_MAX_DIMS], t[IR_MAX_DIMS];
        coords(n, from, c);
        coords(n, to, t);
        for (int d = 0; d < n->ndims; d++) {
            int64_t size = n->dims[d];
            int step = t[d] > c[d] ? 1 : -1;
            if (n->topo == TOPO_TORUS) {
                int64_t fwd = (t[d] - c[d] + size) % size;
                step = fwd <= size - fwd ? 1 : -1; /* ties go the positive way */
            }
            while (c[d] != t[d]) {
                int64_t here = flat(n, c);
                c[d] = (c[d] + step + size) % size;
                route_push(b, res_link(b, inst, lv, net, here, flat(n, c), 0, n->hop));
            }
        }
        return 1;
    }
    case TOPO_RING: {
        int64_t size = n->nnodes, fwd = (to - from + size) % size;
        int step = fwd <= size - fwd ? 1 : -1;
        for (int64_t x = from; x != to;) {
            int64_t next = (x + step + size) % size;
            route_push(b, res_link(b, inst, lv, net, x, next, 0, n->hop));
            x = next;
        }
        return 1;
    }
    case TOPO_BUS:
        route_push(b, res_link(b, inst, lv, net, PORT_BUS, PORT_BUS, 0, n->hop));
        return 1;
    case TOPO_CROSSBAR:
        route_push(b, res_link(b, inst, lv, net, from, PORT_XBAR, 0, n->hop));
        route_push(b, res_link(b, inst, lv, net, PORT_XBAR, to, 0, 0));
        return 1;
    case TOPO_SWITCH:
        route_push(b, res_link(b, inst, lv, net, from, PORT_SWITCH, 0, n->hop));
        route_push(b, res_link(b, inst, lv, net, PORT_SWITCH, to, 0, n->hop));
        return 1;
    case TOPO_FULLY_CONNECTED:
        route_push(b, res_link(b, inst, lv, net, from, to, 0, n->hop));
        return 1;
    case TOPO_TREE: {
        /* tree vertices are (level << 40 | index); leaves are level 0 */
        int64_t up[64], down[64];
        int nu = 0, nd = 0, lvl = 0;
        int64_t x = from, y = to;
        while (x != y && lvl < 60) {
            up[nu++] = (int64_t)lvl << 40 | x;
            down[nd++] = (int64_t)lvl << 40 | y;
            x /= n->fanout;
            y /= n->fanout;
            lvl++;
        }
        int64_t top = (int64_t)lvl << 40 | x;
        for (int i = 0; i < nu; i++)
            route_push(b, res_link(b, inst, lv, net, up[i], i + 1 < nu ? up[i + 1] : top, 0, n->hop));
        for (int i = nd - 1; i >= 0; i--)
            route_push(b, res_link(b, inst, lv, net, i + 1 < nd ? down[i + 1] : top, down[i], 0, n->hop));
        return 1;
    }
    case TOPO_CUSTOM:
        return route_custom(b, inst, lv, net, from, to);
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Routing across levels                                               */
/* ------------------------------------------------------------------ */

static int64_t child_node(const ir_net *n, int child, int64_t index) {
    for (int64_t i = 0; i < n->nnodes; i++)
        if (n->nodes[i].child == child && n->nodes[i].index == index) return i;
    return -1;
}

/* The attach node of element `elem` on network `net` nearest to `target`. */
static int64_t elem_node(const ir_level *lv, int net, int elem, int64_t target) {
    const ir_net *n = &lv->nets[net];
    int64_t best = -1, bestd = 0;
    for (int i = 0; i < lv->nattaches; i++) {
        const ir_attach *at = &lv->attaches[i];
        if (at->net != net || at->elem != elem) continue;
        for (int64_t k = 0; k < at->nat; k++) {
            int64_t d = target >= 0 ? net_distance(n, at->at[k], target) : 0;
            if (best < 0 || d < bestd) {
                best = at->at[k];
                bestd = d;
            }
        }
    }
    return best;
}

/* One endpoint inside level instance st[j]: the element (at the last step),
 * the level itself (elem < 0 at the last step) or the child on the path. */
typedef struct endpoint {
    int is_child; /* child (c, i) of this level */
    int child;
    int64_t index;
    int elem;     /* element of this level, or -1 for the level itself */
} endpoint;

static endpoint endpoint_at(const ir_step *st, int n, int j, int elem) {
    endpoint e = {0, -1, 0, -1};
    if (j == n - 1) {
        e.elem = elem;
    } else {
        e.is_child = 1;
        e.child = st[j + 1].child;
        e.index = st[j + 1].index;
    }
    return e;
}

/* Node of an endpoint on network `net`, nearest to `target` for elements
 * attached at several nodes; -1 when it is not on that network.  The level
 * itself is on the network at its gateway. */
static int64_t endpoint_node(const ir_level *lv, int net, endpoint e, int64_t target) {
    if (e.is_child) return child_node(&lv->nets[net], e.child, e.index);
    if (e.elem < 0) return lv->gateway_net == net ? lv->gateway_node : -1;
    return elem_node(lv, net, e.elem, target);
}

/* Within level instance st[j], from endpoint e to the level's gateway
 * (up = 1) or back (up = 0). */
static int route_gateway(builder *b, const ir_step *st, int n, int j, int elem, int up) {
    const ir_level *lv = st[j].level;
    if (lv->nnets == 0) return 1; /* a leaf: its elements are its port */
    endpoint e = endpoint_at(st, n, j, elem);
    if (!e.is_child && e.elem < 0) return 1;
    int net = lv->gateway_net;
    int64_t gw = lv->gateway_node;
    int64_t node = endpoint_node(lv, net, e, gw);
    if (node < 0) return 0;
    return up ? route_net(b, st[j].inst, lv, net, node, gw) : route_net(b, st[j].inst, lv, net, gw, node);
}

static int route_build(builder *b, ir_unit from, ir_unit to);

/* Build the route between two element instances into b->route, from a
 * cache when the pair was routed before (collectives repeat pairs). */
static int route(builder *b, ir_unit from, ir_unit to) {
    if (b->dry) return route_build(b, from, to);
    hkey k = {from.inst, to.inst, (uint64_t)(uint32_t)from.elem << 32 | (uint32_t)to.elem, 11};
    int fresh;
    uint64_t *slot = htab_slot(&b->routes, k, 1, &fresh);
    if (!fresh && *slot) {
        uint64_t off = (*slot - 1) >> 16, len = (*slot - 1) & 0xffff;
        b->nroute = 0;
        for (uint64_t i = 0; i < len; i++) route_push(b, b->rstore[off + i]);
        return 1;
    }
    if (!route_build(b, from, to)) {
        *slot = 0; /* not cached: failures are reported once and stop the plan */
        return 0;
    }
    if (b->nroute < 0xffff) {
        uint64_t off = b->nrstore;
        for (uint32_t i = 0; i < b->nroute; i++) VEC_PUSH(b->rstore, b->nrstore, b->caprstore, b->route[i]);
        *slot = (off << 16 | b->nroute) + 1;
    }
    return 1;
}

/* Build the route between two element instances into b->route (memory
 * ports included at the ends).  Returns 0 when there is none. */
static int route_build(builder *b, ir_unit from, ir_unit to) {
    b->nroute = 0;
    ir_step sa[256], sb[256];
    int na = ir_inst_steps(b->s, from.inst, sa, 256), nb = ir_inst_steps(b->s, to.inst, sb, 256);
    int k = 0;
    while (k < na && k < nb && sa[k].inst == sb[k].inst) k++;
    const ir_level *lvf = sa[na - 1].level, *lvt = sb[nb - 1].level;
    if (from.elem >= 0 && lvf->elems[from.elem].kind == ELEM_MEMORY) route_push(b, res_elem(b, from.inst, from.elem));
    for (int j = na - 1; j >= k; j--)
        if (!route_gateway(b, sa, na, j, from.elem, 1)) return 0;
    /* across the lowest common level */
    const ir_level *lv = sa[k - 1].level;
    uint64_t inst = sa[k - 1].inst;
    endpoint ea = endpoint_at(sa, na, k - 1, from.elem), eb = endpoint_at(sb, nb, k - 1, to.elem);
    int local = !ea.is_child && !eb.is_child;
    if (local && lv->nnets) {
        /* two elements of one level: through a network both are on, else
         * directly (the level's own interconnect, e.g. HBM to L2) */
        for (int net = 0; net < lv->nnets; net++) {
            int64_t nbn = endpoint_node(lv, net, eb, -1);
            int64_t nan = endpoint_node(lv, net, ea, nbn);
            if (nan < 0 || nbn < 0) continue;
            nbn = endpoint_node(lv, net, eb, nan);
            if (!route_net(b, inst, lv, net, nan, nbn)) return 0;
            break;
        }
    } else if (!local) {
        int done = 0;
        for (int net = 0; net < lv->nnets && !done; net++) {
            int64_t nbn = endpoint_node(lv, net, eb, -1);
            int64_t nan = endpoint_node(lv, net, ea, nbn);
            if (nan < 0 || nbn < 0) continue;
            if (!eb.is_child && eb.elem >= 0) nbn = endpoint_node(lv, net, eb, nan);
            if (!route_net(b, inst, lv, net, nan, nbn)) return 0;
            done = 1;
        }
        if (!done) return 0;
    }
    for (int j = k; j < nb; j++)
        if (!route_gateway(b, sb, nb, j, to.elem, 0)) return 0;
    if (to.elem >= 0 && lvt->elems[to.elem].kind == ELEM_MEMORY) route_push(b, res_elem(b, to.inst, to.elem));
    return 1;
}

/* ------------------------------------------------------------------ */
/* Tasks                                                               */
/* ------------------------------------------------------------------ */

static void dep(builder *b, uint32_t t) {
    /* seen[t] holds the id of the task being built when t was last added */
    if (b->seen[t] == b->p->ntasks + 1) return;
    b->seen[t] = b->p->ntasks + 1;
    VEC_PUSH(b->scratch, b->nscratch, b->capscratch, t);
}

static int cmp_u32(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, c = *(const uint32_t *)y;
    return a < c ? -1 : a > c;
}

/* Emit a task with b->scratch as its deps and `uses` as its resources. */
static uint32_t emit(builder *b, plan_task t, const uint32_t *uses, uint32_t nuse) {
    plan *p = b->p;
    if (p->ntasks >= PLAN_MAX_TASKS || p->nuses + nuse >= UINT32_MAX || p->ndeps + b->nscratch >= UINT32_MAX) {
        if (!b->failed) {
            mld_loc none = {0};
            diag_error(b->dc, none, "the plan has more than %d tasks; map coarser or simulate a smaller model", PLAN_MAX_TASKS);
        }
        b->failed = 1;
        b->nscratch = 0;
        return 0;
    }
    if (b->nscratch) qsort(b->scratch, b->nscratch, sizeof *b->scratch, cmp_u32); /* a canonical order */
    t.dep0 = (uint32_t)p->ndeps;
    t.ndep = b->nscratch;
    t.use0 = (uint32_t)p->nuses;
    t.nuse = nuse;
    for (uint32_t i = 0; i < b->nscratch; i++) VEC_PUSH(p->deps, p->ndeps, b->capdeps, b->scratch[i]);
    for (uint32_t i = 0; i < nuse; i++) VEC_PUSH(p->uses, p->nuses, b->capuses, uses[i]);
    b->nscratch = 0;
    VEC_PUSH(p->tasks, p->ntasks, b->captasks, t);
    return p->ntasks - 1;
}

static hkey unit_key(ir_unit u) { return (hkey){u.inst, (uint64_t)(int64_t)u.elem, 7, 0}; }

static void chain_dep(builder *b, ir_unit u) {
    int f;
    uint64_t *s = htab_slot(&b->chain, unit_key(u), 0, &f);
    if (s && *s) dep(b, (uint32_t)(*s - 1));
}

static void chain_set(builder *b, ir_unit u, uint32_t t) {
    int f;
    *htab_slot(&b->chain, unit_key(u), 1, &f) = (uint64_t)t + 1;
}

/* The holder of `tensor` in `mem`: the whole tensor (share < 0), or share
 * `share` of it (split share(I, P), micro-batches). */
static holder *holder_at(builder *b, int tensor, ir_unit mem, int64_t share, int create) {
    hkey k = {mem.inst, (uint64_t)tensor << 16 | (uint64_t)(mem.elem & 0xffff), share < 0 ? 3 : 4,
              share < 0 ? 0 : (uint64_t)share};
    int f;
    uint64_t *s = htab_slot(&b->where, k, create, &f);
    if (!s) return NULL;
    if (f) {
        holder h = {-1, 0, NULL, 0, 0, 0};
        VEC_PUSH(b->holders, b->nholders, b->capholders, h);
        *s = b->nholders;
    }
    return &b->holders[*s - 1];
}

static holder *holder_of(builder *b, int tensor, ir_unit mem, int create) { return holder_at(b, tensor, mem, -1, create); }

static holder *share_holder(builder *b, int tensor, ir_unit mem, int64_t idx, int create) {
    return holder_at(b, tensor, mem, idx, create);
}

/* Tasks that wrote `tensor` into `mem` become deps of the next task.  A
 * split send (one unit passing on its share, as in an all-gather) waits
 * only for the share produced there, not for shares that other units sent
 * in: those it does not forward.  A reader of share I (a `split share(I,
 * P)` send, micro-batch I of a `split micro` place) waits for the whole
 * writes there (what the unit produced whole) and for the last write of
 * share I, so the steps of a ring collective and the micro-batches of a
 * pipeline chain exactly. */
static void data_deps(builder *b, int tensor, ir_unit mem, int share_send, int64_t share_idx) {
    holder *h = holder_of(b, tensor, mem, 0);
    holder *sh = share_idx >= 0 ? share_holder(b, tensor, mem, share_idx, 0) : NULL;
    if (sh && sh->n) {
        for (uint32_t i = 0; i < sh->n; i++) dep(b, sh->t[i]);
        for (uint32_t i = 0; h && i < h->whole_n && i < h->n; i++) dep(b, h->t[i]);
        return;
    }
    if (!h) return;
    int own = 0;
    if (share_send && h->partial)
        for (uint32_t i = 0; i < h->n; i++)
            if (b->p->tasks[h->t[i]].kind != TASK_TRANSFER) {
                dep(b, h->t[i]);
                own = 1;
            }
    if (own) return;
    for (uint32_t i = 0; i < h->n; i++) dep(b, h->t[i]);
}

/* Record that `task` of `action` wrote `tensor` into `mem`.  A whole write
 * replaces what was there; shares (split writes) from several actions add
 * up, so a reader waits for all of them. */
static void wrote(builder *b, int tensor, ir_unit mem, int64_t action, uint32_t task, int is_task, int share) {
    holder *h = holder_of(b, tensor, mem, 1);
    /* share 2: one share(I, P) of a tensor the memory may already hold in
     * whole (a collective's step), added to what is there */
    if (h->action != action && !(share && (h->partial || share == 2))) h->n = h->whole_n = 0;
    h->action = action;
    h->partial = share != 0;
    if (is_task) VEC_PUSH(h->t, h->n, h->cap, task);
    if (!share) h->whole_n = h->n;
}

/* Record `task` as the last writer of share `idx` of `tensor` in `mem`. */
static void wrote_share(builder *b, int tensor, ir_unit mem, int64_t action, uint32_t task, int64_t idx) {
    holder *sh = share_holder(b, tensor, mem, idx, 1);
    if (sh->action != action) sh->n = 0;
    sh->action = action;
    VEC_PUSH(sh->t, sh->n, sh->cap, task);
}

static void route_error(builder *b, const ir_action *a, ir_unit from, ir_unit to) {
    char pf[512], pt[512];
    ir_unit_path(b->s, from, pf, sizeof pf);
    ir_unit_path(b->s, to, pt, sizeof pt);
    diag_error(b->dc, a->loc, "no route from '%s' to '%s'", pf, pt);
    b->failed = 1;
}

/* ------------------------------------------------------------------ */
/* Lifetimes: what each memory holds over time                         */
/* ------------------------------------------------------------------ */

/* share: the share index of a micro-batch or a `split share` transfer
 * (each such share lives on its own), or -1 */
static hkey life_key(int tensor, ir_unit mem, int64_t share) {
    return (hkey){mem.inst, (uint64_t)tensor << 16 | (uint64_t)(mem.elem & 0xffff), 13, (uint64_t)(share + 1)};
}

static void life_ev(builder *b, uint32_t life, uint32_t task, double bytes) {
    plan_life_ev e = {life, task, bytes};
    VEC_PUSH(b->p->lev, b->p->nlev, b->caplev, e);
}

/* The current life of `tensor` in `mem`; a new one when there is none or
 * (fresh) a whole write by another action follows a read. */
static uint32_t life_of(builder *b, int tensor, ir_unit mem, int64_t share, int32_t action, int fresh) {
    int f;
    uint64_t *slot = htab_slot(&b->lifemap, life_key(tensor, mem, share), 1, &f);
    if (!f) {
        const plan_life *l = &b->p->lives[*slot - 1];
        if (!(fresh && l->used && l->last_action != action)) return (uint32_t)(*slot - 1);
    }
    plan_life l;
    memset(&l, 0, sizeof l);
    l.mem = mem;
    l.tensor = tensor;
    l.action = l.last_action = action;
    l.heir = -1;
    /* an output nothing reads is the run's result: it stays */
    l.keep = b->m->wl->tensors[tensor].producer >= 0 && !b->consumed[tensor];
    VEC_PUSH(b->p->lives, b->p->nlives, b->caplives, l);
    *slot = b->p->nlives;
    return b->p->nlives - 1;
}

/* `task` (UINT32_MAX: the run's start) writes `bytes` of `tensor` into
 * `mem`; whole: the whole tensor (a new copy), not a share. */
static uint32_t life_write(builder *b, int tensor, ir_unit mem, int64_t share, uint32_t task, double bytes, int32_t action,
                           int whole) {
    uint32_t li = life_of(b, tensor, mem, share, action, whole);
    plan_life *l = &b->p->lives[li];
    double room = b->m->wl->tensors[tensor].bytes - l->bytes;
    double a = bytes < room ? bytes : room;
    if (a < 0) a = 0;
    l->bytes += a;
    l->last_action = action;
    life_ev(b, li, task, a);
    return li;
}

/* `task` reads `tensor` in `mem`: share `share` where it lives on its own,
 * else the whole. */
static void life_read(builder *b, int tensor, ir_unit mem, int64_t share, uint32_t task, int32_t action) {
    int f;
    if (share >= 0 && !htab_slot(&b->lifemap, life_key(tensor, mem, share), 0, &f)) share = -1;
    uint32_t li = life_of(b, tensor, mem, share, action, 0);
    b->p->lives[li].used = 1;
    life_ev(b, li, task, 0);
}

/* The element a unit names. */
static const ir_elem *unit_elem(const ir_system *s, ir_unit u) {
    ir_step st[256];
    int n = ir_inst_steps(s, u.inst, st, 256);
    return n > 0 && u.elem >= 0 && u.elem < st[n - 1].level->nelems ? &st[n - 1].level->elems[u.elem] : NULL;
}

/* Output tile grid of a `split tiles(TM, TN)` place: the output seen as
 * [M][N] (N its last dimension, M the product of the others). */
static void tile_grid(const ir_workload *w, const ir_action *a, int64_t tm, int64_t tn, int64_t *M, int64_t *N,
                      int64_t *tr, int64_t *tc) {
    const ir_tensor *o = &w->tensors[w->ops[a->op].output];
    *N = o->dims[o->ndims - 1];
    *M = 1;
    for (int d = 0; d + 1 < o->ndims; d++) *M *= o->dims[d];
    *tr = (*M + tm - 1) / tm;
    *tc = (*N + tn - 1) / tn;
}

/* The level of instance `inst`. */
static const ir_level *inst_level(const ir_system *s, uint64_t inst) {
    ir_step st[256];
    int n = ir_inst_steps(s, inst, st, 256);
    return n > 0 ? st[n - 1].level : NULL;
}

/* The hardware as a kernel of place action `a` sees it (kernel.h): its
 * units, their sustained rate, their local memory's sustained bandwidth
 * and write cost, and the cache in front of that memory: the fastest other
 * memory of the same level, when faster (the L2 beside a GPU's HBM). */
static kernel_hw kernel_hw_of(const ir_system *s, const ir_action *a) {
    kernel_hw hw = {a->nunits, 0, 0, 1, 0, 0};
    const ir_elem *el = a->nunits ? unit_elem(s, a->units[0]) : NULL;
    if (el) {
        hw.unit_rate = el->rate;
        hw.row_memory = el->row_memory;
    }
    ir_unit mem;
    if (!a->nunits || !check_local_memory(s, a->units[0], &mem)) return hw;
    const ir_level *lv = inst_level(s, mem.inst);
    if (!lv) return hw;
    const ir_elem *me = &lv->elems[mem.elem];
    hw.mem_bw = me->bandwidth * me->ports;
    if (me->write_efficiency > 0) hw.write_ratio = (me->efficiency > 0 ? me->efficiency : 1) / me->write_efficiency;
    for (int i = 0; i < lv->nelems; i++) {
        const ir_elem *c = &lv->elems[i];
        if (i != mem.elem && c->kind == ELEM_MEMORY && c->bandwidth * c->ports > hw.mem_bw &&
            c->bandwidth * c->ports > hw.cache_bw)
            hw.cache_bw = c->bandwidth * c->ports;
    }
    return hw;
}

/* How a place action runs on GPU-like units: a `split tiles` without a
 * tile gets the GEMM kernel kernel.c picks (M, N from the output, K from
 * the FLOPs); otherwise the tile given, unsplit. */
typedef struct place_kernel {
    int chosen;          /* the kernel was picked */
    kernel_gemm g;
    kernel_hw hw;
    int64_t M, N, K, tr, tc;
    double eb;           /* bytes of an output element */
} place_kernel;

static place_kernel place_kernel_of(const ir_system *s, const ir_workload *w, const ir_action *a) {
    place_kernel pk;
    memset(&pk, 0, sizeof pk);
    pk.g = (kernel_gemm){a->tile[0], a->tile[1], 1, 0};
    pk.chosen = a->split == SPLIT_TILES && a->tile[0] == 0;
    if (!pk.chosen) return pk;
    const ir_op *op = &w->ops[a->op];
    pk.hw = kernel_hw_of(s, a);
    pk.eb = ir_dtype_bytes(w->tensors[op->output].dtype);
    int64_t M, N, tr, tc;
    tile_grid(w, a, 1, 1, &M, &N, &tr, &tc);
    double k = M > 0 && N > 0 ? op->flops / (2.0 * (double)M * (double)N) : 1;
    pk.K = k < 1 ? 1 : (int64_t)llround(k);
    pk.g = kernel_gemm_choose(&pk.hw, M, N, pk.K, pk.eb);
    return pk;
}

/* Work items of a place action: one per unit, or one per tile (and
 * split-K slice). */
static uint64_t place_items(const ir_system *s, const ir_workload *w, const ir_action *a) {
    if (a->split == SPLIT_MICRO) return (uint64_t)a->nunits * (a->tile[1] ? 1 : (uint64_t)a->tile[0]);
    if (a->split != SPLIT_TILES) return (uint64_t)a->nunits;
    place_kernel pk = place_kernel_of(s, w, a);
    int64_t M, N, tr, tc;
    tile_grid(w, a, pk.g.tm, pk.g.tn, &M, &N, &tr, &tc);
    return (uint64_t)tr * (uint64_t)tc * (uint64_t)pk.g.splitk;
}

/* Tasks a place action makes: its items, a launch task on each unit that
 * gets work and whose element has a `launch` time, and a host dispatch
 * task when the first unit's element has a `dispatch` time. */
static uint64_t place_ntasks(const ir_system *s, const ir_workload *w, const ir_action *a) {
    uint64_t items = place_items(s, w, a), n = items;
    for (int64_t i = 0; i < a->nunits && (uint64_t)i < items && !IR_OPK_IS_VIEW(w->ops[a->op].kind); i++) {
        const ir_elem *el = unit_elem(s, a->units[i]);
        n += el && el->launch > 0;
    }
    const ir_elem *el0 = a->nunits ? unit_elem(s, a->units[0]) : NULL;
    return n + (el0 && el0->dispatch > 0);
}

/* A matmul placed (whole, or one piece per unit) on an element
 * that is `units` units working as one (a GPU's SMs): the compute side
 * (whole waves of padded tiles, their cache traffic) of the GEMM kernel
 * picked for its piece over those units (kernel.c), which brings wave
 * quantisation and the cache to a GPU-level roofline; 0 for other
 * operators and elements.  n pieces: split cols cuts N, split inner
 * cuts K, the other splits cut M. */
static double element_gemm(const ir_system *s, const ir_workload *w, const ir_action *a, const kernel_hw *hw,
                           double n) {
    const ir_op *op = &w->ops[a->op];
    const ir_elem *el = a->nunits ? unit_elem(s, a->units[0]) : NULL;
    if (!el || el->units <= 1 || op->kind != OPK_MATMUL || op->flops <= 0) return 0;
    int64_t M, N, tr, tc;
    tile_grid(w, a, 1, 1, &M, &N, &tr, &tc);
    double K = op->flops / (2.0 * (double)M * (double)N);
    double m = (double)M, nn = (double)N;
    if (a->split == SPLIT_COLS) nn /= n;
    else if (a->split == SPLIT_INNER) K /= n;
    else m /= n;
    kernel_hw g = *hw;
    g.units = (int64_t)el->units;
    g.unit_rate = el->rate / el->units;
    double eb = ir_dtype_bytes(w->tensors[op->output].dtype);
    int64_t mi = (int64_t)ceil(m), ni = (int64_t)ceil(nn), ki = (int64_t)ceil(K);
    mi = mi > 0 ? mi : 1;
    ni = ni > 0 ? ni : 1;
    ki = ki > 0 ? ki : 1;
    kernel_gemm kg = kernel_gemm_choose(&g, mi, ni, ki, eb);
    return kernel_gemm_compute(&g, mi, ni, ki, eb, &kg);
}

/* A task of action `ai` that takes a fixed time: a launch, a host call. */
static plan_task fixed_task(plan_task_kind kind, int64_t ai, double fixed) {
    plan_task t;
    memset(&t, 0, sizeof t);
    t.kind = (uint8_t)kind;
    t.action = (int32_t)ai;
    t.fixed = fixed;
    t.mem = UINT32_MAX;
    return t;
}

/* The row length of a row-wise operator: its first input's last dimension. */
static int64_t row_length(const ir_workload *w, const ir_op *op) {
    if (op->ninputs < 1) return 1;
    const ir_tensor *t = &w->tensors[op->inputs[0]];
    return t->ndims ? t->dims[t->ndims - 1] : 1;
}

/* Place an operator.  Each unit runs 1/N of its FLOPs (split) reading its
 * share of each operand (traffic.c: 1/N of a partitioned one, all of a
 * replicated one, such as the weights of a row or micro-batch split), the
 * whole of it, or
 * (split tiles) the tiles k, k + U, k + 2U, ... of the output in that
 * order, which is how wave quantisation arises: a tile is a task of
 * 2 M_t N_t K FLOPs whose memory traffic is its share of the operator's
 * compulsory traffic (operands are reused across tiles, as blocking in
 * shared memory and the cache makes them).  An element with a `launch`
 * time first runs a launch task of that length on each unit that gets
 * work: the start-up of the kernel. */
static void do_place(builder *b, const ir_action *a, int64_t ai) {
    const ir_workload *w = b->m->wl;
    const ir_op *op = &w->ops[a->op];
    int tiles = a->split == SPLIT_TILES;
    int64_t M = 1, N = 1, tr = 1, tc = 1;
    place_kernel pk = place_kernel_of(b->s, w, a);
    int64_t S = pk.g.splitk; /* split-K slices per tile */
    if (tiles) {
        tile_grid(w, a, pk.g.tm, pk.g.tn, &M, &N, &tr, &tc);
        b->p->kernels[ai] = (plan_kernel){pk.g.tm, pk.g.tn, S};
    }
    uint64_t nitems = place_items(b->s, w, a);
    int64_t micro = a->split == SPLIT_MICRO ? a->tile[0] : 1;
    int64_t piece = a->split == SPLIT_MICRO ? a->tile[1] - 1 : -1; /* micro(I, M): I */
    int64_t per_unit = piece >= 0 ? 1 : micro;                       /* items per unit */
    int64_t npieces = a->split && !tiles ? a->nunits * micro : 1;
    double n = (double)npieces;
    /* a piece's traffic: its share of partitioned operands, all of
     * replicated ones (traffic.c) */
    double rd, wr;
    traffic_piece(w, op, tiles ? SPLIT_NONE : a->split, npieces, &rd, &wr);
    /* the kernel's traffic (kernel.c): writes weighted by the memory's
     * write cost, row-wise operators' further passes over the row; they
     * scale a piece's reads (rfac) and writes (write_ratio) */
    kernel_hw hw = pk.chosen ? pk.hw : kernel_hw_of(b->s, a);
    kernel_traffic kt = kernel_rowwise(&hw, op->kind, row_length(w, op), op->bytes_in, op->bytes_out);
    double rfac = op->bytes_in > 0 ? (kt.mem - op->bytes_out * hw.write_ratio) / op->bytes_in : 1;
    double whole = tiles ? 0 : element_gemm(b->s, w, a, &hw, n);
    double flops = op->flops / n, bytes = rd * rfac + wr * hw.write_ratio;
    /* energy counts bytes moved, not their weighted time */
    double raw = bytes > 0 ? (rd * rfac + wr) / bytes : 1;
    /* the units share the cache: a task's cache bytes take this long each */
    double cache_s = hw.cache_bw > 0 ? (double)(a->nunits ? a->nunits : 1) / hw.cache_bw : 0;
    double cache_bytes = kt.cache / n;
    /* the host's call of the framework: one per operator, in program
     * order, overlapping the kernel; the units' launches follow the call
     * before it */
    const ir_elem *el0 = a->nunits ? unit_elem(b->s, a->units[0]) : NULL;
    uint32_t host_prev = b->host;
    if (el0 && el0->dispatch > 0) {
        if (host_prev) dep(b, host_prev - 1);
        b->host = emit(b, fixed_task(TASK_SYNC, ai, el0->dispatch), NULL, 0) + 1;
    }
    /* Over units of different rates a split is proportional: unit i gets
     * rate_i / sum of rates of the work (each of its M micro-batches: that
     * over M).  Equal rates keep the plain 1/n. */
    double *ushare = NULL;
    if (a->split && !tiles && a->nunits > 1) {
        double sum = 0, r0 = -1;
        int differ = 0;
        for (int64_t i = 0; i < a->nunits; i++) {
            const ir_elem *ue = unit_elem(b->s, a->units[i]);
            double r = ue ? ue->rate : 0;
            if (r0 >= 0 && r != r0) differ = 1;
            r0 = r;
            sum += r;
        }
        if (differ && sum > 0) {
            ushare = malloc(sizeof *ushare * (size_t)a->nunits);
            if (!ushare) mem_fail(0);
            for (int64_t i = 0; i < a->nunits; i++) {
                const ir_elem *ue = unit_elem(b->s, a->units[i]);
                ushare[i] = (ue ? ue->rate : 0) / sum / (double)micro;
            }
        }
    }
    /* several items per unit (tiles, micro-batches): look up each unit's
     * local memory once */
    ir_unit *umem = NULL;
    int8_t *uhas = NULL;
    if (nitems > (uint64_t)a->nunits) {
        umem = malloc(sizeof *umem * (size_t)a->nunits);
        uhas = malloc(sizeof *uhas * (size_t)a->nunits);
        if (!umem || !uhas) mem_fail(0);
    }
    for (uint64_t k = 0; k < nitems && !b->failed; k++) {
        /* micro-batches: unit k / M runs micro-batch k mod M (its share
         * index k); otherwise item k goes to unit k mod N */
        int64_t i = micro > 1 ? (int64_t)(k / (uint64_t)per_unit) : (int64_t)(k % (uint64_t)a->nunits);
        int first_on_unit = micro > 1 ? k % (uint64_t)per_unit == 0 : (uint64_t)i == k;
        /* the share a micro-batch reads and writes: unit i's micro-batch */
        int64_t share = micro > 1 ? i * micro + (piece >= 0 ? piece : (int64_t)(k % (uint64_t)micro)) : -1;
        ir_unit u = a->units[i], mem = {0, 0};
        /* tkern: a floor on the compute side (a chosen kernel's padded,
         * cache-bound tile; a whole-GPU matmul's waves of them); tseq: time
         * after the memory traffic (a row-wise kernel's later passes, which
         * re-read rows from the cache once the first pass has streamed them
         * in) */
        double f = flops, by = bytes, pw = wr, tkern = whole, tseq = cache_bytes * cache_s;
        if (ushare) {
            double prd, pwr;
            traffic_piece_frac(w, op, a->split, npieces, ushare[i], &prd, &pwr);
            f = op->flops * ushare[i];
            by = prd * rfac + pwr * hw.write_ratio;
            pw = pwr;
        }
        if (tiles) {
            /* task k: slice k mod S of tile k / S */
            int64_t kt_ = (int64_t)(k / (uint64_t)S), z = (int64_t)(k % (uint64_t)S);
            int64_t r = kt_ / tc, c = kt_ % tc;
            int64_t rows = M - r * pk.g.tm < pk.g.tm ? M - r * pk.g.tm : pk.g.tm;
            int64_t cols = N - c * pk.g.tn < pk.g.tn ? N - c * pk.g.tn : pk.g.tn;
            double frac = (double)rows * (double)cols / ((double)M * (double)N);
            f = flops * frac;
            by = bytes * frac;
            pw = wr * frac;
            if (pk.chosen) {
                int64_t kz = (pk.K + S - 1) / S, k0 = z * kz;
                double kf = (double)(pk.K - k0 < kz ? pk.K - k0 : kz) / (double)pk.K;
                f *= kf;
                by = kernel_slice_bytes(&pk.hw, &pk.g, (double)rows * (double)cols, op->bytes_in * frac * kf,
                                        op->bytes_out * frac);
                tkern = kernel_tile_time(&pk.hw, &pk.g, kz, pk.eb, 0);
            }
        }
        int has_mem;
        if (umem && !first_on_unit) {
            has_mem = uhas[i];
            mem = umem[i];
        } else {
            has_mem = check_local_memory(b->s, u, &mem);
            if (umem) {
                uhas[i] = (int8_t)has_mem;
                umem[i] = mem;
            }
        }
        uint32_t r[2] = {res_elem(b, u.inst, u.elem), 0};
        /* a view launches no kernel */
        const ir_elem *el = first_on_unit && !IR_OPK_IS_VIEW(op->kind) ? unit_elem(b->s, u) : NULL;
        if (el && el->launch > 0) {
            if (host_prev) dep(b, host_prev - 1);
            plan_task lt = fixed_task(TASK_COMPUTE, ai, el->launch);
            lt.launch = 1;
            lt.piece = (uint32_t)k;
            chain_dep(b, u);
            chain_set(b, u, emit(b, lt, r, 1));
        }
        chain_dep(b, u);
        /* later tasks on a unit follow its first, which waited for the data;
         * a micro-batch waits for its own share of each input */
        if (micro > 1)
            for (int j = 0; j < op->ninputs && has_mem; j++) data_deps(b, op->inputs[j], mem, 0, share);
        else
            for (int j = 0; j < op->ninputs && has_mem && first_on_unit; j++) data_deps(b, op->inputs[j], mem, 0, -1);
        const plan_res *cr = &b->p->res[r[0]];
        double tcomp = cr->rate > 0 ? f / cr->rate : 0, tm = 0;
        if (tkern > tcomp) tcomp = tkern;
        double emem = 0;
        if (has_mem) {
            r[1] = res_elem(b, mem.inst, mem.elem);
            cr = &b->p->res[r[0]]; /* res_elem may have moved the array */
            const plan_res *mr = &b->p->res[r[1]];
            tm = mr->rate > 0 ? by / mr->rate : 0;
            tm += tseq;
            emem = mr->energy;
        }
        plan_task t;
        memset(&t, 0, sizeof t);
        t.kind = TASK_COMPUTE;
        t.action = (int32_t)ai;
        t.work = f;
        t.bytes = by;
        t.wr = pw;
        t.piece = (uint32_t)k;
        t.mem = has_mem ? r[1] : UINT32_MAX;
        t.fixed = tcomp > tm ? tcomp : tm;
        t.mem_bound = tm > tcomp;
        b->p->energy_compute += f * cr->energy;
        b->p->energy_memory += by * raw * emem;
        b->p->res[r[0]].joules += f * cr->energy;
        if (has_mem) b->p->res[r[1]].joules += by * raw * emem;
        /* A memory shared with other units (it belongs to an enclosing
         * level) is contended by the compute traffic too; a unit's private
         * memory is taken to serve its unit and its DMA at once. */
        int shared = has_mem && mem.inst != u.inst;
        uint32_t id = emit(b, t, r, shared ? 2 : 1);
        chain_set(b, u, id);
        /* the output (or this share of it) lands in the unit's local memory */
        if (has_mem && !b->failed) {
            for (int j = 0; j < op->ninputs; j++) life_read(b, op->inputs[j], mem, share, id, (int32_t)ai);
            uint32_t li = life_write(b, op->output, mem, share, id, pw, (int32_t)ai,
                                     a->split == SPLIT_NONE || a->split == SPLIT_INNER);
            /* append grows its cache in place, and a view relabels its input:
             * the input's storage is the output's */
            if (op->kind == OPK_APPEND || IR_OPK_IS_VIEW(op->kind)) {
                int f2;
                int64_t cs = share >= 0 && htab_slot(&b->lifemap, life_key(op->inputs[0], mem, share), 0, &f2) ? share : -1;
                uint32_t ci = life_of(b, op->inputs[0], mem, cs, (int32_t)ai, 0);
                b->p->lives[ci].heir = (int32_t)li;
            }
            wrote(b, op->output, mem, ai, id, 1, a->split != SPLIT_NONE && a->split != SPLIT_INNER);
            if (micro > 1) wrote_share(b, op->output, mem, ai, id, share);
        }
    }
    free(umem);
    free(uhas);
    free(ushare);
}

static void do_transfer(builder *b, const ir_action *a, int64_t ai) {
    const ir_tensor *t = &b->m->wl->tensors[a->tensor];
    /* split DIM cuts max(S, D) shares; share(I, P) moves 1/P from each
     * source to the destination paired with it */
    int64_t npairs = a->split && a->split != SPLIT_SHARE && a->nsrc > a->ndst ? a->nsrc : a->ndst;
    double bytes = a->split == SPLIT_SHARE ? t->bytes / (double)a->tile[1] : a->split ? t->bytes / (double)npairs : t->bytes;
    uint32_t first = b->p->ntasks;
    for (int64_t k = 0; k < npairs && !b->failed; k++) {
        ir_unit src = a->src[k % a->nsrc], dst = a->dst[k % a->ndst];
        if (!route(b, src, dst)) {
            route_error(b, a, src, dst);
            return;
        }
        data_deps(b, a->tensor, src, a->split != SPLIT_NONE, a->split == SPLIT_SHARE ? a->tile[0] : -1);
        /* a transfer out of a unit's memory waits for the latest sync that
         * unit (or an enclosing level) took part in: "sync, then send" */
        uint64_t last = 0;
        ir_step st[256];
        int ns = ir_inst_steps(b->s, src.inst, st, 256);
        for (int j = 0; j <= ns; j++) {
            int f;
            hkey key = j < ns ? (hkey){st[j].inst, (uint64_t)-1, 9, 0} : (hkey){src.inst, (uint64_t)-2, 9, 0};
            uint64_t *slot = htab_slot(&b->lastsync, key, 0, &f);
            if (slot && *slot > last) last = *slot;
        }
        if (last) dep(b, (uint32_t)(last - 1));
        plan_task tk;
        memset(&tk, 0, sizeof tk);
        tk.kind = TASK_TRANSFER;
        tk.action = (int32_t)ai;
        tk.work = bytes;
        double lat = 0;
        for (uint32_t i = 0; i < b->nroute; i++) {
            const plan_res *r = &b->p->res[b->route[i]];
            lat += r->latency;
            if (r->kind == RES_LINK) b->p->energy_network += bytes * r->energy;
            else b->p->energy_memory += bytes * r->energy;
            b->p->res[b->route[i]].joules += bytes * r->energy;
        }
        tk.fixed = lat;
        uint32_t id = emit(b, tk, b->route, b->nroute);
        if (!b->failed) {
            int64_t sh = a->split == SPLIT_SHARE ? a->tile[0] : -1;
            life_read(b, a->tensor, src, sh, id, (int32_t)ai);
            /* a copy onto itself (a broadcast that includes its source) takes no space */
            if (src.inst != dst.inst || src.elem != dst.elem)
                life_write(b, a->tensor, dst, sh, id, bytes, (int32_t)ai, a->split == SPLIT_NONE);
        }
    }
    for (int64_t k = 0; k < npairs && !b->failed; k++) {
        wrote(b, a->tensor, a->dst[k % a->ndst], ai, first + (uint32_t)k, 1,
              a->split == SPLIT_SHARE ? 2 : a->split != SPLIT_NONE);
        if (a->split == SPLIT_SHARE) wrote_share(b, a->tensor, a->dst[k % a->ndst], ai, first + (uint32_t)k, a->tile[0]);
    }
}

/* Is `inst` (or an ancestor) one of the sync's participants?  elem < 0
 * matches any element of a participating instance. */
static int inside(const builder *b, const ir_action *a, uint64_t inst, int elem) {
    ir_step st[256];
    int n = ir_inst_steps(b->s, inst, st, 256);
    for (int64_t i = 0; i < a->nunits; i++) {
        const ir_unit *p = &a->units[i];
        if (p->elem >= 0) {
            if (p->inst == inst && (elem < 0 || p->elem == elem)) return 1;
            continue;
        }
        for (int k = 0; k < n; k++)
            if (st[k].inst == p->inst) return 1;
    }
    return 0;
}

static void do_sync(builder *b, const ir_action *a, int64_t ai) {
    /* awaited operators: every task of their placement, even one later in
     * the program (the sync then waits for it; a cycle is a deadlock) */
    for (int j = 0; j < a->nafter; j++)
        for (uint32_t i = 0; i < b->op_count[a->after[j]]; i++) dep(b, b->op_first[a->after[j]] + i);
    /* ... and of its other pieces (an operator placed micro-batch by micro-batch) */
    for (int j = 0; j < a->nafter; j++)
        for (uint32_t r = b->op_more[a->after[j]]; r; r = b->ranges[3 * (r - 1) + 2])
            for (uint32_t i = 0; i < b->ranges[3 * (r - 1) + 1]; i++) dep(b, b->ranges[3 * (r - 1)] + i);
    /* every in-order unit inside the participants reaches the sync */
    ir_unit *members = NULL;
    uint32_t nm = 0, capm = 0;
    for (size_t i = 0; i < b->chain.cap; i++) {
        if (!b->chain.used[i]) continue;
        ir_unit u = {b->chain.k[i].a, (int32_t)(int64_t)b->chain.k[i].b};
        if (inside(b, a, u.inst, u.elem)) VEC_PUSH(members, nm, capm, u);
    }
    for (uint32_t i = 0; i < nm; i++) chain_dep(b, members[i]);
    /* latency: a round trip between the first participant and the farthest */
    double worst = 0;
    b->dry = 1; /* sync messages use no bandwidth: route for latency only */
    for (int64_t i = 1; i < a->nunits; i++) {
        b->dry_lat = 0;
        if (!route(b, a->units[0], a->units[i])) {
            b->dry = 0;
            route_error(b, a, a->units[0], a->units[i]);
            free(members);
            return;
        }
        if (b->dry_lat > worst) worst = b->dry_lat;
    }
    b->dry = 0;
    plan_task t;
    memset(&t, 0, sizeof t);
    t.kind = TASK_SYNC;
    t.action = (int32_t)ai;
    t.fixed = 2 * worst;
    uint32_t id = emit(b, t, NULL, 0);
    for (uint32_t i = 0; i < nm; i++) chain_set(b, members[i], id);
    free(members);
    for (int64_t i = 0; i < a->nunits; i++) {
        int f;
        const ir_unit *u = &a->units[i];
        /* a participating element marks its whole instance (key -2) */
        hkey key = {u->inst, (uint64_t)(u->elem >= 0 ? -2 : -1), 9, 0};
        *htab_slot(&b->lastsync, key, 1, &f) = (uint64_t)id + 1;
    }
}

static double wl_param(const ir_workload *w, const char *name) {
    for (int i = 0; i < w->nparams; i++)
        if (strcmp(w->pnames[i], name) == 0 && units_is_none(w->pdims[i])) return w->pvals[i];
    return 0;
}

static void count_levels(const ir_level *lv, double mult, double *count) {
    count[lv->id] += mult;
    for (int i = 0; i < lv->nchildren; i++)
        count_levels(lv->children[i].type, mult * (double)lv->children[i].count, count);
}

void plan_level_instances(const plan *p, double *count) {
    int nl = p->design ? p->design->nlevels : 0;
    for (int l = 0; l < nl; l++) count[l] = 0;
    if (nl && p->map && p->map->sys && p->map->sys->root) count_levels(p->map->sys->root, 1, count);
}

double plan_static_power(const plan *p) {
    int nl = p->design ? p->design->nlevels : 0;
    double *count = calloc((size_t)nl + 1, sizeof *count), w = 0;
    if (!count) abort();
    plan_level_instances(p, count);
    for (int l = 0; l < nl; l++) {
        const ir_level *lv = p->design->levels[l];
        for (int e = 0; e < lv->nelems; e++) w += count[l] * lv->elems[e].static_power;
        for (int n = 0; n < lv->nnets; n++) w += count[l] * lv->nets[n].static_power;
    }
    free(count);
    return w;
}

const char *plan_count_word(const ir_workload *wl, double *count) {
    double batch = wl ? wl_param(wl, "batch") : 0, seq = wl ? wl_param(wl, "seq") : 0;
    double n = batch > 0 && seq > 0 ? batch * seq : batch > 0 ? batch : 1;
    if (count) *count = n;
    return batch > 0 && seq > 0 ? "tokens" : batch > 0 ? "samples" : "runs";
}

plan *plan_build(const ir_design *d, const ir_mapping *m, diag_ctx *dc) {
    return plan_build_progress(d, m, dc, NULL, NULL);
}

plan *plan_build_progress(const ir_design *d, const ir_mapping *m, diag_ctx *dc, mldc_progress_fn fn, void *ud) {
    plan *p = calloc(1, sizeof *p);
    if (!p) mem_fail(0);
    arena_init(&p->mem);
    p->design = d;
    p->map = m;
    builder b;
    memset(&b, 0, sizeof b);
    b.p = p;
    b.d = d;
    b.m = m;
    b.s = m->sys;
    b.dc = dc;
    b.op_first = calloc((size_t)m->wl->nops + 1, sizeof *b.op_first);
    b.op_count = calloc((size_t)m->wl->nops + 1, sizeof *b.op_count);
    b.op_more = calloc((size_t)m->wl->nops + 1, sizeof *b.op_more);
    if (!b.op_first || !b.op_count || !b.op_more) mem_fail(0);
    /* Task ids follow from the actions alone, so a sync can name the tasks
     * of an operator placed after it: count them first. */
    uint64_t next = 0;
    for (int64_t i = 0; i < m->nactions; i++) {
        const ir_action *a = &m->actions[i];
        if (a->kind == ACT_PLACE) {
            uint64_t nt = place_ntasks(m->sys, m->wl, a);
            if (b.op_count[a->op] && a->split == SPLIT_MICRO && a->tile[1]) {
                /* a further micro-batch of an operator placed before */
                if (b.nranges + 1 > b.capranges) {
                    b.capranges = b.capranges ? 2 * b.capranges : 16;
                    b.ranges = realloc(b.ranges, sizeof *b.ranges * 3 * b.capranges);
                    if (!b.ranges) mem_fail(0);
                }
                b.ranges[3 * b.nranges] = (uint32_t)next;
                b.ranges[3 * b.nranges + 1] = (uint32_t)nt;
                b.ranges[3 * b.nranges + 2] = b.op_more[a->op];
                b.op_more[a->op] = ++b.nranges;
            } else {
                b.op_first[a->op] = (uint32_t)next;
                b.op_count[a->op] = (uint32_t)nt;
            }
            next += nt;
            /* every in-order unit is known from the start, so a sync also
             * holds back units that have not run anything yet */
            for (int64_t k = 0; k < a->nunits; k++) {
                int f;
                htab_slot(&b.chain, unit_key(a->units[k]), 1, &f);
            }
        } else if (a->kind == ACT_TRANSFER) {
            next += (uint64_t)(a->split && a->split != SPLIT_SHARE && a->nsrc > a->ndst ? a->nsrc : a->ndst);
        } else if (a->kind == ACT_SYNC) {
            next++;
        }
    }
    p->kernels = arena_alloc(&p->mem, sizeof *p->kernels * (size_t)(m->nactions + 1));
    b.seen = calloc(next + 1, sizeof *b.seen);
    b.consumed = calloc((size_t)m->wl->ntensors + 1, 1);
    if (!b.seen || !b.consumed) mem_fail(0);
    for (int o = 0; o < m->wl->nops; o++)
        for (int j = 0; j < m->wl->ops[o].ninputs; j++) b.consumed[m->wl->ops[o].inputs[j]] = 1;
    if (next >= PLAN_MAX_TASKS) {
        mld_loc none = {0};
        diag_error(dc, none, "the plan would have %llu tasks, more than %d; map coarser or simulate a smaller model",
                   (unsigned long long)next, PLAN_MAX_TASKS);
        b.failed = 1;
    }
    for (int64_t i = 0; i < m->nactions && !b.failed; i++) {
        if (fn && (i & 15) == 0) fn(ud, "planning", (double)i, (double)m->nactions);
        const ir_action *a = &m->actions[i];
        switch (a->kind) {
        case ACT_PLACE: do_place(&b, a, i); break;
        case ACT_TRANSFER: do_transfer(&b, a, i); break;
        case ACT_STORE: {
            double share = m->wl->tensors[a->tensor].bytes / (a->split ? (double)a->ndst : 1.0);
            for (int64_t k = 0; k < a->ndst; k++) {
                wrote(&b, a->tensor, a->dst[k], i, 0, 0, 0);
                /* at rest: resident for the whole run */
                uint32_t li = life_write(&b, a->tensor, a->dst[k], -1, UINT32_MAX, share, (int32_t)i, 1);
                p->lives[li].keep = 1; /* life_write may move the array: index after the call */
            }
            break;
        }
        case ACT_SYNC: do_sync(&b, a, i); break;
        }
    }
    p->tokens_what = plan_count_word(m->wl, &p->tokens);
    for (uint32_t i = 0; i < b.nholders; i++) free(b.holders[i].t);
    free(b.holders);
    htab_free(&b.resmap);
    htab_free(&b.chain);
    htab_free(&b.where);
    free(b.op_first);
    free(b.op_count);
    free(b.op_more);
    free(b.ranges);
    free(b.scratch);
    free(b.seen);
    free(b.route);
    htab_free(&b.lastsync);
    htab_free(&b.routes);
    free(b.rstore);
    htab_free(&b.lifemap);
    free(b.consumed);
    if (b.failed) {
        plan_free(p);
        return NULL;
    }
    return p;
}

void plan_free(plan *p) {
    if (!p) return;
    free(p->res);
    free(p->tasks);
    free(p->uses);
    free(p->deps);
    free(p->lives);
    free(p->lev);
    arena_free(&p->mem);
    free(p);
}

/* ------------------------------------------------------------------ */
/* Names and the dump                                                  */
/* ------------------------------------------------------------------ */

static void node_name(const ir_level *lv, const ir_net *n, int64_t node, char *buf, size_t len) {
    if (node == PORT_BUS) snprintf(buf, len, "bus");
    else if (node == PORT_XBAR) snprintf(buf, len, "xbar");
    else if (node == PORT_SWITCH) snprintf(buf, len, "switch");
    else if (n->topo == TOPO_TREE && (node >> 40) > 0) snprintf(buf, len, "t%lld.%lld", (long long)(node >> 40), (long long)(node & ((INT64_C(1) << 40) - 1)));
    else if (node >= 0 && node < n->nnodes && n->nodes[node].child >= 0) {
        const ir_child *ch = &lv->children[n->nodes[node].child];
        int64_t f = n->nodes[node].index, idx[IR_MAX_DIMS];
        int l = snprintf(buf, len, "%s", ch->name);
        for (int dd = ch->ndims - 1; dd >= 0; dd--) {
            idx[dd] = f % ch->dims[dd];
            f /= ch->dims[dd];
        }
        for (int dd = 0; dd < ch->ndims && (size_t)l < len; dd++) l += snprintf(buf + l, len - (size_t)l, "[%lld]", (long long)idx[dd]);
    } else if (node >= 0 && node < n->nnodes) {
        snprintf(buf, len, "%s", lv->elems[n->nodes[node].index].name);
    } else {
        snprintf(buf, len, "%lld", (long long)node);
    }
}

void plan_res_name(const plan *p, uint32_t r, char *buf, size_t n) {
    const plan_res *res = &p->res[r];
    const ir_system *s = p->map->sys;
    if (res->kind != RES_LINK) {
        ir_unit_path(s, (ir_unit){res->inst, res->elem}, buf, n);
        return;
    }
    const ir_level *lv = ir_inst_path(s, res->inst, buf, n);
    const ir_net *net = &lv->nets[res->elem];
    char a[96], b[96];
    node_name(lv, net, res->a, a, sizeof a);
    node_name(lv, net, res->b, b, sizeof b);
    size_t len = strlen(buf);
    if (len < n) snprintf(buf + len, n - len, ".%s (%s -> %s)", net->name, a, b);
}

void plan_task_name(const plan *p, uint32_t t, char *buf, size_t n) {
    const plan_task *tk = &p->tasks[t];
    const ir_action *a = &p->map->actions[tk->action];
    const ir_workload *w = p->map->wl;
    switch (tk->kind) {
    case TASK_COMPUTE:
        snprintf(buf, n, "%s%s", tk->launch ? "launch " : "", w->ops[a->op].name);
        break;
    case TASK_TRANSFER:
        snprintf(buf, n, "%s %s", a->inferred ? "move (inferred)" : "move", w->tensors[a->tensor].name);
        break;
    default:
        if (a->kind == ACT_PLACE) snprintf(buf, n, "dispatch %s", w->ops[a->op].name);
        else if (a->nafter) snprintf(buf, n, "sync after %s", w->ops[a->after[0]].name);
        else snprintf(buf, n, "sync");
        break;
    }
}

void plan_dump(FILE *out, const plan *p) {
    static const char *const kinds[] = {"compute", "memory", "link"};
    static const char *const tkinds[] = {"compute", "transfer", "sync"};
    char name[768], q1[64], q2[64];
    fprintf(out, "plan for mapping %s on %s for %s: %u resources, %u tasks, %llu uses, %llu deps\n", p->map->name,
            p->map->sys->name, p->map->wl->name, p->nres, p->ntasks, (unsigned long long)p->nuses,
            (unsigned long long)p->ndeps);
    units_dim bps = units_div(units_base(UNIT_B), units_base(UNIT_S));
    units_dim fps = units_div(units_base(UNIT_FLOP), units_base(UNIT_S));
    for (uint32_t r = 0; r < p->nres; r++) {
        const plan_res *res = &p->res[r];
        plan_res_name(p, r, name, sizeof name);
        units_format_value(res->rate, res->kind == RES_COMPUTE ? fps : bps, q1, sizeof q1);
        units_format_value(res->latency, units_base(UNIT_S), q2, sizeof q2);
        fprintf(out, "r%u %s %s  %s, latency %s\n", r, kinds[res->kind], name, q1, q2);
    }
    for (uint32_t t = 0; t < p->ntasks; t++) {
        const plan_task *tk = &p->tasks[t];
        plan_task_name(p, t, name, sizeof name);
        fprintf(out, "t%u %s %s", t, tkinds[tk->kind], name);
        if (tk->kind == TASK_COMPUTE) {
            units_format_value(tk->work, units_base(UNIT_FLOP), q1, sizeof q1);
            fprintf(out, "  %s", q1);
        } else if (tk->kind == TASK_TRANSFER) {
            units_format_value(tk->work, units_base(UNIT_B), q1, sizeof q1);
            fprintf(out, "  %s", q1);
        }
        units_format_value(tk->fixed, units_base(UNIT_S), q2, sizeof q2);
        fprintf(out, "  %s %s", tk->kind == TASK_TRANSFER ? "latency" : "time", q2);
        if (tk->nuse) {
            fprintf(out, "  on");
            for (uint32_t i = 0; i < tk->nuse; i++) fprintf(out, " r%u", p->uses[tk->use0 + i]);
        }
        if (tk->ndep) {
            fprintf(out, "  after");
            for (uint32_t i = 0; i < tk->ndep && i < 16; i++) fprintf(out, " t%u", p->deps[tk->dep0 + i]);
            if (tk->ndep > 16) fprintf(out, " ... (%u)", tk->ndep);
        }
        fputc('\n', out);
    }
}
