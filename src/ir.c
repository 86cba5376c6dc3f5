/* ir.c - names, sizes, instance addressing (ids <-> paths) and the `mldc dump ir` printer.
 *
 * The dump lists every part of the IR in declaration order with quantities
 * in readable units ("512 GB/s"), so a user can see exactly what a design
 * evaluated to and a golden test can pin it.  Mapping actions are listed with
 * their unit sets compressed to a count and the first unit.
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

#include "parser.h"

const char *ir_topo_name(ir_topo t) {
    static const char *const n[TOPO_COUNT] = {"mesh", "torus", "ring", "bus", "crossbar",
                                              "switch", "fully_connected", "tree", "custom"};
    return t < TOPO_COUNT ? n[t] : "?";
}

const char *ir_dtype_name(ir_dtype d) {
    static const char *const n[DT_COUNT] = {"fp32", "bf16", "fp16", "fp8", "int8", "int4", "int32"};
    return d < DT_COUNT ? n[d] : "?";
}

double ir_dtype_bytes(ir_dtype d) {
    static const double b[DT_COUNT] = {4, 2, 2, 1, 1, 0.5, 4};
    return d < DT_COUNT ? b[d] : 0;
}

const char *const ir_opkind_names[OPK_COUNT] = {"matmul", "bmm", "elementwise", "add", "mul", "gelu",
                                                 "silu", "softmax", "layernorm", "rmsnorm", "attention",
                                                 "embedding", "scatter_add", "append",
                                                 "transpose", "split_heads", "merge_heads"};

const char *ir_opkind_name(ir_opkind k) { return k < OPK_COUNT ? ir_opkind_names[k] : "?"; }

const char *ir_metric_name(ir_metric m) {
    static const char *const n[METRIC_COUNT] = {"latency", "throughput", "energy", "area", "power", "edp",
                                                "throughput_per_area", "throughput_per_watt"};
    return m < METRIC_COUNT ? n[m] : "?";
}

units_dim ir_metric_dim(ir_metric m) {
    units_dim s = units_base(UNIT_S), j = units_base(UNIT_J), m2 = units_mul(units_base(UNIT_M), units_base(UNIT_M));
    units_dim per_s = units_div(units_none(), s);
    switch (m) {
    case METRIC_LATENCY: return s;
    case METRIC_THROUGHPUT: return per_s;
    case METRIC_ENERGY: return j;
    case METRIC_AREA: return m2;
    case METRIC_POWER: return units_div(j, s);
    case METRIC_EDP: return units_mul(j, s);
    case METRIC_TPA: return units_div(per_s, m2);
    case METRIC_TPW: return units_div(units_none(), j);
    default: return units_none();
    }
}

const char *ir_split_name(ir_split s) {
    static const char *const n[] = {"none", "rows", "cols", "heads", "batch", "tiles", "inner", "share", "micro"};
    return s <= SPLIT_MICRO ? n[s] : "?";
}

void ir_design_free(ir_design *d) {
    if (!d) return;
    arena_free(&d->mem);
    arena_free(&d->tmp);
    free(d);
}

static const char *q(char *buf, size_t n, double v, units_dim d) {
    units_format_value(v, d, buf, n);
    return buf;
}


static void dump_dims(FILE *out, int nd, const int64_t *dims) {
    for (int i = 0; i < nd; i++) fprintf(out, "[%lld]", (long long)dims[i]);
}

static void dump_level(FILE *out, const ir_level *lv) {
    char a[64], b[64], c[64], e[64];
    fprintf(out, "level %s  (instances %llu, depth %d, area %s)\n", lv->name,
            (unsigned long long)lv->ninst, lv->depth, q(a, sizeof a, lv->area, units_make(0, 0, 0, 0, 2, 0)));
    for (int i = 0; i < lv->nelems; i++) {
        const ir_elem *el = &lv->elems[i];
        if (el->static_power > 0) /* optional: printed only when set, on a line of its own */
            fprintf(out, "  static power of %s: %s\n", el->name,
                    q(a, sizeof a, el->static_power, units_make(0, -1, 0, 1, 0, 0)));
        if (el->kind == ELEM_COMPUTE)
            fprintf(out, "  compute %s: rate %s, ops %s, energy %s, area %s", el->name,
                    q(a, sizeof a, el->rate, units_make(0, -1, 1, 0, 0, 0)),
                    el->accepts == OPCLASS_MATRIX ? "matrix" : el->accepts == OPCLASS_VECTOR ? "vector" : "any",
                    q(b, sizeof b, el->energy, units_make(0, 0, -1, 1, 0, 0)), q(c, sizeof c, el->area, units_make(0, 0, 0, 0, 2, 0)));
        else
            fprintf(out, "  memory %s: size %s, bandwidth %s, latency %s, ports %d, energy %s, area %s", el->name,
                    q(a, sizeof a, el->size, units_make(1, 0, 0, 0, 0, 0)), q(b, sizeof b, el->bandwidth, units_make(1, -1, 0, 0, 0, 0)),
                    q(c, sizeof c, el->latency, units_make(0, 1, 0, 0, 0, 0)), el->ports,
                    q(e, sizeof e, el->energy, units_make(-1, 0, 0, 1, 0, 0)), q(e + 32, 32, el->area, units_make(0, 0, 0, 0, 2, 0)));
        /* the sustained-behaviour attributes, only where given */
        if (el->efficiency > 0) fprintf(out, ", efficiency %g", el->efficiency);
        if (el->write_efficiency > 0) fprintf(out, ", write_efficiency %g", el->write_efficiency);
        if (el->dispatch > 0) fprintf(out, ", dispatch %s", q(a, sizeof a, el->dispatch, units_make(0, 1, 0, 0, 0, 0)));
        if (el->row_memory > 0) fprintf(out, ", row_memory %s", q(a, sizeof a, el->row_memory, units_make(1, 0, 0, 0, 0, 0)));
        if (el->units > 0) fprintf(out, ", units %g", el->units);
        fputc('\n', out);
    }
    for (int i = 0; i < lv->nchildren; i++) {
        const ir_child *ch = &lv->children[i];
        fprintf(out, "  child %s: %s", ch->name, ch->type->name);
        dump_dims(out, ch->ndims, ch->dims);
        fprintf(out, "  (%lld)\n", (long long)ch->count);
    }
    for (int i = 0; i < lv->nnets; i++) {
        const ir_net *n = &lv->nets[i];
        fprintf(out, "  network %s: %s", n->name, ir_topo_name(n->topo));
        if (n->topo == TOPO_MESH || n->topo == TOPO_TORUS) dump_dims(out, n->ndims, n->dims);
        fprintf(out, ", %lld nodes, bandwidth %s, hop %s, energy %s", (long long)n->nnodes,
                q(a, sizeof a, n->bandwidth, units_make(1, -1, 0, 0, 0, 0)), q(b, sizeof b, n->hop, units_make(0, 1, 0, 0, 0, 0)),
                q(c, sizeof c, n->energy, units_make(-1, 0, 0, 1, 0, 0)));
        if (n->topo == TOPO_TREE) fprintf(out, ", fanout %d", n->fanout);
        if (n->static_power > 0)
            fprintf(out, ", static power %s", q(b, sizeof b, n->static_power, units_make(0, -1, 0, 1, 0, 0)));
        if (n->efficiency > 0) fprintf(out, ", efficiency %g", n->efficiency);
        if (n->nlinks) fprintf(out, ", %lld links", (long long)n->nlinks);
        fputc('\n', out);
        for (int64_t k = 0; k < n->nlinks && k < 64; k++)
            fprintf(out, "    link %lld <-> %lld%s%s\n", (long long)n->links[k].a, (long long)n->links[k].b,
                    n->links[k].bandwidth > 0 ? " " : "",
                    n->links[k].bandwidth > 0 ? q(a, sizeof a, n->links[k].bandwidth, units_make(1, -1, 0, 0, 0, 0)) : "");
    }
    for (int i = 0; i < lv->nattaches; i++) {
        const ir_attach *at = &lv->attaches[i];
        const ir_net *n = &lv->nets[at->net];
        fprintf(out, "  attach %s to %s at", at->elem < 0 ? "parent" : lv->elems[at->elem].name, n->name);
        for (int64_t k = 0; k < at->nat && k < 16; k++) fprintf(out, " %lld", (long long)at->at[k]);
        if (at->nat > 16) fprintf(out, " ... (%lld nodes)", (long long)at->nat);
        fputc('\n', out);
    }
    if (lv->gateway_net >= 0)
        fprintf(out, "  gateway %s node %lld\n", lv->nets[lv->gateway_net].name, (long long)lv->gateway_node);
}

static void dump_units(FILE *out, const ir_system *s, const char *what, const ir_unit *u, int64_t n) {
    char buf[512];
    if (n == 0) return;
    ir_unit_path(s, u[0], buf, sizeof buf);
    fprintf(out, "%s%s %s", what[0] ? " " : "", what, buf);
    if (n > 1) {
        ir_unit_path(s, u[n - 1], buf, sizeof buf);
        fprintf(out, " .. %s (%lld)", buf, (long long)n);
    }
}

void ir_dump(FILE *out, const ir_design *d) {
    char a[64], b[64];
    for (int i = 0; i < d->nparams; i++) {
        const ir_param *p = &d->params[i];
        fprintf(out, "param %s = %s%s\n", p->name, q(a, sizeof a, p->value, p->dim), p->overridden ? "  (--set)" : "");
    }
    for (int i = 0; i < d->nlevels; i++) dump_level(out, d->levels[i]);
    for (int i = 0; i < d->nsystems; i++)
        fprintf(out, "system %s = %s\n", d->systems[i]->name, d->systems[i]->root->name);
    for (int i = 0; i < d->nworkloads; i++) {
        const ir_workload *w = d->workloads[i];
        fprintf(out, "workload %s = %s(", w->name, w->tmpl);
        for (int k = 0; k < w->nparams; k++)
            fprintf(out, "%s%s=%s", k ? ", " : "", w->pnames[k], q(a, sizeof a, w->pvals[k], w->pdims[k]));
        fprintf(out, ")  (%d ops, %d tensors, %s, %.0f parameters, weights %s)\n", w->nops, w->ntensors,
                q(a, sizeof a, w->flops, units_make(0, 0, 1, 0, 0, 0)), w->params,
                q(b, sizeof b, w->weight_bytes, units_make(1, 0, 0, 0, 0, 0)));
        for (int k = 0; k < w->ntensors; k++) {
            const ir_tensor *t = &w->tensors[k];
            if (t->kind == TENSOR_ACT) continue;
            static const char *const kn[] = {"input", "weight", "cache", "act"};
            fprintf(out, "  %s %s: %s", kn[t->kind], t->name, ir_dtype_name(t->dtype));
            dump_dims(out, t->ndims, t->dims);
            fprintf(out, "  %s\n", q(a, sizeof a, t->bytes, units_make(1, 0, 0, 0, 0, 0)));
        }
        for (int k = 0; k < w->nops; k++) {
            const ir_op *op = &w->ops[k];
            const ir_tensor *t = &w->tensors[op->output];
            fprintf(out, "  op %s = %s(", op->name, ir_opkind_name(op->kind));
            for (int j = 0; j < op->ninputs; j++) fprintf(out, "%s%s", j ? ", " : "", w->tensors[op->inputs[j]].name);
            fprintf(out, ") -> %s", ir_dtype_name(t->dtype));
            dump_dims(out, t->ndims, t->dims);
            fprintf(out, "  %s\n", q(a, sizeof a, op->flops, units_make(0, 0, 1, 0, 0, 0)));
        }
    }
    for (int i = 0; i < d->nmappings; i++) {
        const ir_mapping *m = d->mappings[i];
        fprintf(out, "mapping %s on %s for %s  (%lld actions)\n", m->name, m->sys->name, m->wl->name, (long long)m->nactions);
        for (int64_t k = 0; k < m->nactions; k++) {
            const ir_action *ac = &m->actions[k];
            switch (ac->kind) {
            case ACT_PLACE:
                fprintf(out, "  place %s", m->wl->ops[ac->op].name);
                dump_units(out, m->sys, "on", ac->units, ac->nunits);
                if (ac->split == SPLIT_TILES && !ac->tile[0])
                    fprintf(out, " split tiles");
                else if (ac->split == SPLIT_TILES)
                    fprintf(out, " split tiles(%lld, %lld)", (long long)ac->tile[0], (long long)ac->tile[1]);
                else if (ac->split == SPLIT_MICRO && ac->tile[1])
                    fprintf(out, " split micro(%lld, %lld)", (long long)ac->tile[1] - 1, (long long)ac->tile[0]);
                else if (ac->split == SPLIT_MICRO)
                    fprintf(out, " split micro(%lld)", (long long)ac->tile[0]);
                else if (ac->split)
                    fprintf(out, " split %s", ir_split_name(ac->split));
                break;
            case ACT_TRANSFER:
                fprintf(out, "  %s %s", ac->inferred ? "transfer (inferred)" : "transfer", m->wl->tensors[ac->tensor].name);
                dump_units(out, m->sys, "from", ac->src, ac->nsrc);
                dump_units(out, m->sys, "to", ac->dst, ac->ndst);
                if (ac->split == SPLIT_SHARE)
                    fprintf(out, " split share(%lld, %lld)", (long long)ac->tile[0], (long long)ac->tile[1]);
                else if (ac->split)
                    fprintf(out, " split %s", ir_split_name(ac->split));
                break;
            case ACT_STORE:
                fprintf(out, "  store %s", m->wl->tensors[ac->tensor].name);
                dump_units(out, m->sys, "in", ac->dst, ac->ndst);
                break;
            case ACT_SYNC:
                fprintf(out, "  sync");
                dump_units(out, m->sys, "", ac->units, ac->nunits);
                if (ac->nafter) fprintf(out, " after %s%s", m->wl->ops[ac->after[0]].name, ac->nafter > 1 ? " ..." : "");
                if (ac->nafter > 1) fprintf(out, " (%d ops)", ac->nafter);
                break;
            }
            fputc('\n', out);
        }
    }
    if (d->explore) {
        const ir_explore *ex = d->explore;
        fprintf(out, "explore\n");
        for (int i = 0; i < ex->nvary; i++) {
            const ir_vary *v = &ex->vary[i];
            fprintf(out, "  vary %s in [", v->name);
            for (int k = 0; k < v->nvals; k++)
                fprintf(out, "%s%s", k ? ", " : "", v->kind == VARY_PARAM ? q(a, sizeof a, v->vals[k], v->dim) : v->names[k]);
            fprintf(out, "]\n");
        }
        for (int i = 0; i < ex->nreq; i++) {
            const ir_require *r = &ex->req[i];
            units_dim md = ir_metric_dim(r->metric);
            const char *op = r->op == '<' ? "<" : r->op == '>' ? ">" : r->op == LE ? "<=" : ">=";
            fprintf(out, "  require %s %s %s\n", ir_metric_name(r->metric), op, q(a, sizeof a, r->bound, md));
        }
        for (int i = 0; i < ex->nobj; i++)
            fprintf(out, "  %s %s\n", ex->obj[i].maximize ? "maximize" : "minimize", ir_metric_name(ex->obj[i].metric));
    }
}

/* ------------------------------------------------------------------ */
/* Instance addressing: ids <-> paths (the layout is described in ir.h) */
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

