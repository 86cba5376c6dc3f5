/* api.c - the public C API (mldc_api.h) over the library's passes.
 *
 * Each API object wraps the internal one it stands for and keeps what its
 * accessors hand out alive with it:
 *
 *   mldc_design  an ir_design, the diag_ctx that its load and runs report
 *                through (so a design's error count covers both), a copy of
 *                its overrides and path (exploration re-reads the file), and
 *                the caller's diagnostic callback;
 *   mldc_result  the plan and the sim_result of one run, plus tables built
 *                once at the end of the run: the per-operator roll-up and
 *                the explore metrics.  Resource names are made on first
 *                request, into the result's arena.
 *
 * Diagnostics are translated, one at a time, from the library's mld_diag
 * (a linked list of notes, a location pointing into a source) into the flat
 * mldc_diagnostic record, on the stack of the callback; `detail` keeps a
 * pointer to the original so that mldc_diagnostic_write can render source
 * excerpts exactly as the command line always has.
 *
 * Exploration goes through explore_run with its per-point callback; the
 * points are translated the same way into mldc_point records.
 */
#define _DEFAULT_SOURCE /* strdup, mkstemp */
#include "mldc_api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "explore.h"
#include "mldc.h"
#include "plan.h"
#include "sim.h"
#include "units.h"
#include "util.h"

#ifndef MLDC_VERSION
#define MLDC_VERSION "0.0.0"
#endif

/* The metric and cause orders of the API are the library's own. */
_Static_assert((int)MLDC_METRIC_COUNT == (int)METRIC_COUNT, "metric order");
_Static_assert((int)MLDC_CAUSE_COUNT == (int)CAUSE_COUNT, "cause order");

enum { API_MAX_NOTES = 64 }; /* notes passed along with one diagnostic */

struct mldc_design {
    ir_design *d;
    diag_ctx dc;
    mldc_diag_fn fn;
    void *ud;
    char *path;          /* the file (or the name of the text) */
    char **sets;         /* copies of the overrides */
    int nsets;
    char *stdlib_dir;
    mldc_options opts;   /* points at sets and stdlib_dir */
};

struct mldc_result {
    mldc_design *owner;
    plan *p;
    sim_result *r;
    mldc_metrics m;
    mldc_op *ops;        /* placed operators, in workload order */
    int nops;
    const char **res_names; /* made on first request */
    arena mem;
};

int mldc_api_version(void) { return MLDC_API_VERSION; }

const char *mldc_version_text(void) { return MLDC_VERSION; }

/* ---- diagnostics ---- */

static void to_record(const mld_diag *in, mldc_diagnostic *out) {
    memset(out, 0, sizeof *out);
    out->severity = in->sev == DIAG_ERROR ? MLDC_SEV_ERROR : in->sev == DIAG_WARNING ? MLDC_SEV_WARNING : MLDC_SEV_NOTE;
    if (in->loc.src) {
        out->file = in->loc.src->path;
        out->line = in->loc.line;
        out->column = in->loc.col;
        out->end_line = in->loc.end_line;
        out->end_column = in->loc.end_col;
    }
    out->message = in->msg;
    out->detail = in;
}

static void on_diag(void *ud, const mld_diag *d) {
    mldc_design *ds = ud;
    if (!ds->fn) return;
    mldc_diagnostic notes[API_MAX_NOTES], rec;
    int n = 0;
    for (const mld_diag *k = d->notes; k && n < API_MAX_NOTES; k = k->next) to_record(k, &notes[n++]);
    to_record(d, &rec);
    rec.notes = notes;
    rec.nnotes = n;
    ds->fn(ds->ud, &rec);
}

void mldc_diagnostic_write(FILE *out, const mldc_diagnostic *d, int how) {
    const mld_diag *in = d->detail;
    if (!in) return;
    if (how & MLDC_WRITE_JSON) diag_render_json(out, in);
    else diag_render_text_color(out, in, (how & MLDC_WRITE_COLOR) != 0);
}

/* ---- loading ---- */

static char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (!p) abort();
    return p;
}

static mldc_design *design_new(const char *path, const mldc_load_options *o) {
    mldc_design *ds = calloc(1, sizeof *ds);
    if (!ds) abort();
    ds->path = xstrdup(path ? path : "<text>");
    if (o) {
        ds->fn = o->on_diag;
        ds->ud = o->ud;
        if (o->nsets > 0) {
            ds->sets = calloc((size_t)o->nsets, sizeof *ds->sets);
            if (!ds->sets) abort();
            for (int i = 0; i < o->nsets; i++) ds->sets[i] = xstrdup(o->sets[i]);
            ds->nsets = o->nsets;
        }
        if (o->stdlib_dir) ds->stdlib_dir = xstrdup(o->stdlib_dir);
    }
    ds->opts.sets = (const char *const *)ds->sets;
    ds->opts.nsets = ds->nsets;
    ds->opts.stdlib_dir = ds->stdlib_dir;
    diag_ctx_init(&ds->dc, on_diag, ds);
    ds->dc.max_errors = o ? o->max_errors : 0;
    return ds;
}

mldc_design *mldc_design_load(const char *path, const mldc_load_options *o) {
    mldc_design *ds = design_new(path, o);
    ds->d = mldc_load_file(ds->path, &ds->opts, &ds->dc);
    return ds;
}

mldc_design *mldc_design_load_text(const char *name, const char *text, size_t len, const mldc_load_options *o) {
    mldc_design *ds = design_new(name, o);
    ds->d = mldc_load_buffer(ds->path, text ? text : "", text ? len : 0, &ds->opts, &ds->dc);
    return ds;
}

void mldc_design_free(mldc_design *ds) {
    if (!ds) return;
    ir_design_free(ds->d);
    diag_ctx_free(&ds->dc);
    for (int i = 0; i < ds->nsets; i++) free(ds->sets[i]);
    free(ds->sets);
    free(ds->stdlib_dir);
    free(ds->path);
    free(ds);
}

int mldc_design_errors(const mldc_design *ds) { return ds->dc.nerrors; }

int mldc_design_io_failed(const mldc_design *ds) { return ds->d->failed_io; }

int mldc_design_count(const mldc_design *ds, mldc_kind k) {
    const ir_design *d = ds->d;
    switch (k) {
    case MLDC_SYSTEMS: return d->nsystems;
    case MLDC_WORKLOADS: return d->nworkloads;
    case MLDC_MAPPINGS: return d->nmappings;
    case MLDC_PARAMS: return d->nparams;
    }
    return 0;
}

const char *mldc_design_name(const mldc_design *ds, mldc_kind k, int i) {
    const ir_design *d = ds->d;
    if (i < 0 || i >= mldc_design_count(ds, k)) return NULL;
    switch (k) {
    case MLDC_SYSTEMS: return d->systems[i]->name;
    case MLDC_WORKLOADS: return d->workloads[i]->name;
    case MLDC_MAPPINGS: return d->mappings[i]->name;
    case MLDC_PARAMS: return d->params[i].name;
    }
    return NULL;
}

int mldc_design_param(const mldc_design *ds, int i, mldc_param *out) {
    memset(out, 0, sizeof *out);
    if (i < 0 || i >= ds->d->nparams) return -1;
    const ir_param *p = &ds->d->params[i];
    out->name = p->name;
    out->value = p->value;
    units_format_dim(p->dim, out->unit, sizeof out->unit);
    units_format_value(p->value, p->dim, out->text, sizeof out->text);
    out->is_int = p->is_int;
    out->overridden = p->overridden;
    if (p->loc.src) {
        out->file = p->loc.src->path;
        out->line = p->loc.line;
        out->column = p->loc.col;
    }
    return 0;
}

/* ---- running ---- */

/* Per-operator roll-up of the compute tasks of placed operators. */
static void build_ops(mldc_result *res) {
    const plan *p = res->p;
    const ir_mapping *m = p->map;
    const ir_workload *w = m->wl;
    int *slot = calloc((size_t)(w->nops > 0 ? w->nops : 1), sizeof *slot);
    if (!slot) abort();
    for (uint32_t t = 0; t < p->ntasks; t++) {
        const plan_task *tk = &p->tasks[t];
        if (tk->kind != TASK_COMPUTE || tk->action < 0 || tk->action >= m->nactions) continue;
        const ir_action *a = &m->actions[tk->action];
        if (a->kind == ACT_PLACE && a->op >= 0 && a->op < w->nops) slot[a->op] = 1;
    }
    for (int i = 0; i < w->nops; i++)
        if (slot[i]) slot[i] = ++res->nops; /* 1-based record number */
    res->ops = arena_alloc(&res->mem, sizeof *res->ops * (size_t)(res->nops > 0 ? res->nops : 1));
    for (int i = 0; i < w->nops; i++) {
        if (!slot[i]) continue;
        mldc_op *o = &res->ops[slot[i] - 1];
        o->name = w->ops[i].name;
        o->kind = ir_opkind_name(w->ops[i].kind);
        o->flops = w->ops[i].flops;
        o->bytes = w->ops[i].bytes_in + w->ops[i].bytes_out;
        o->start = HUGE_VAL;
        o->end = -HUGE_VAL;
    }
    for (uint32_t t = 0; t < p->ntasks; t++) {
        const plan_task *tk = &p->tasks[t];
        if (tk->kind != TASK_COMPUTE || tk->action < 0 || tk->action >= m->nactions) continue;
        const ir_action *a = &m->actions[tk->action];
        if (a->kind != ACT_PLACE || a->op < 0 || a->op >= w->nops) continue;
        mldc_op *o = &res->ops[slot[a->op] - 1];
        double s = res->r->start[t], e = res->r->end[t];
        if (s < o->start) o->start = s;
        if (e > o->end) o->end = e;
        o->busy += e - s;
        o->tasks++;
    }
    free(slot);
}

static void build_metrics(mldc_result *res, int violations) {
    const plan *p = res->p;
    const sim_result *r = res->r;
    mldc_metrics *m = &res->m;
    m->mapping = p->map->name;
    m->system = p->map->sys ? p->map->sys->name : NULL;
    m->workload = p->map->wl ? p->map->wl->name : NULL;
    m->makespan = r->makespan;
    m->runs_per_s = r->makespan > 0 ? 1.0 / r->makespan : 0;
    m->items = p->tokens_what ? p->tokens : 1.0;
    m->items_what = p->tokens_what ? p->tokens_what : "runs";
    m->energy_compute = r->energy_compute;
    m->energy_memory = r->energy_memory;
    m->energy_network = r->energy_network;
    m->energy = r->energy_compute + r->energy_memory + r->energy_network + r->energy_static;
    m->power = r->makespan > 0 ? m->energy / r->makespan : 0;
    m->area = p->map->sys && p->map->sys->root ? p->map->sys->root->area : 0;
    explore_metrics(r, m->metric);
    for (int c = 0; c < CAUSE_COUNT; c++) m->critical[c] = r->crit[c];
    m->tasks = p->ntasks;
    for (uint32_t t = 0; t < p->ntasks; t++) {
        if (p->tasks[t].kind == TASK_COMPUTE) m->compute_tasks++;
        else if (p->tasks[t].kind == TASK_TRANSFER) m->transfer_tasks++;
        else m->sync_tasks++;
    }
    m->events = r->events;
    m->violations = violations;
}

mldc_result *mldc_design_run(mldc_design *ds, const mldc_run_options *o) {
    return mldc_design_run_progress(ds, o, NULL, NULL);
}

mldc_result *mldc_design_run_progress(mldc_design *ds, const mldc_run_options *o, mldc_progress_cb progress,
                                      void *ud) {
    static const mldc_run_options defaults;
    if (!o) o = &defaults;
    const ir_design *d = ds->d;
    mld_loc none = {0};
    if (ds->dc.nerrors) return NULL; /* already reported */
    if (d->nmappings == 0) {
        diag_error(&ds->dc, none, "the design has no mapping to run");
        return NULL;
    }
    const ir_mapping *m = NULL;
    if (!o->mapping) m = d->mappings[0];
    for (int i = 0; o->mapping && i < d->nmappings; i++)
        if (strcmp(d->mappings[i]->name, o->mapping) == 0) m = d->mappings[i];
    if (!m) {
        suggest sg;
        suggest_init(&sg, o->mapping);
        for (int i = 0; i < d->nmappings; i++) suggest_add(&sg, d->mappings[i]->name);
        char buf[160];
        diag_error(&ds->dc, none, "the design has no mapping '%s'%s", o->mapping, suggest_text(&sg, buf, sizeof buf));
        return NULL;
    }
    mem_set_phase("plan builder");
    plan *p = plan_build_progress(d, m, &ds->dc, progress, ud);
    if (!p) return NULL;
    mem_set_phase("simulator");
    sim_result *r = sim_run_progress(p, &ds->dc, progress, ud);
    if (!r) {
        plan_free(p);
        return NULL;
    }
    if (o->verify && progress) progress(ud, "verifying", 0, 0);
    int violations = o->verify ? sim_verify(r, &ds->dc) : -1;
    mldc_result *res = calloc(1, sizeof *res);
    if (!res) abort();
    arena_init(&res->mem);
    res->owner = ds;
    res->p = p;
    res->r = r;
    build_ops(res);
    build_metrics(res, violations);
    return res;
}

void mldc_result_free(mldc_result *res) {
    if (!res) return;
    sim_free(res->r);
    plan_free(res->p);
    arena_free(&res->mem);
    free(res);
}

const char *mldc_metric_name(int metric) {
    if (metric < 0 || metric >= METRIC_COUNT) return NULL;
    return ir_metric_name((ir_metric)metric);
}

void mldc_result_metrics(const mldc_result *res, mldc_metrics *out) { *out = res->m; }

int mldc_result_op_count(const mldc_result *res) { return res->nops; }

int mldc_result_op(const mldc_result *res, int i, mldc_op *out) {
    if (i < 0 || i >= res->nops) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    *out = res->ops[i];
    return 0;
}

int mldc_result_resource_count(const mldc_result *res) { return (int)res->p->nres; }

int mldc_result_resource(const mldc_result *res, int i, mldc_resource *out) {
    memset(out, 0, sizeof *out);
    const plan *p = res->p;
    if (i < 0 || (uint32_t)i >= p->nres) return -1;
    if (!res->res_names) {
        mldc_result *w = (mldc_result *)(uintptr_t)res; /* names are a cache */
        w->res_names = arena_alloc(&w->mem, sizeof *w->res_names * p->nres);
        char buf[512];
        for (uint32_t k = 0; k < p->nres; k++) {
            plan_res_name(p, k, buf, sizeof buf);
            w->res_names[k] = arena_strdup(&w->mem, buf);
        }
    }
    static const char *const kinds[] = {"compute", "memory", "link"};
    out->name = res->res_names[i];
    out->kind = p->res[i].kind <= RES_LINK ? kinds[p->res[i].kind] : "?";
    out->busy = res->r->busy[i];
    out->utilisation = res->r->makespan > 0 ? res->r->busy[i] / res->r->makespan : 0;
    return 0;
}

void mldc_result_write(FILE *out, const mldc_result *res, mldc_format f) {
    switch (f) {
    case MLDC_JSON: sim_report_json(out, res->r); break;
    case MLDC_TRACE: sim_trace(out, res->r); break;
    case MLDC_OPS_TEXT: sim_ops_text(out, res->r); break;
    case MLDC_OPS_CSV: sim_ops_csv(out, res->r); break;
    case MLDC_JSON_OPS: sim_report_json_ops(out, res->r); break;
    default: sim_report_text(out, res->r); break;
    }
}

/* ---- exploring ---- */

typedef struct explore_cb {
    mldc_point_fn fn;
    void *ud;
} explore_cb;

static void on_point(void *ud, const ex_space *sp, const ex_point *pt) {
    explore_cb *cb = ud;
    int n = sp->nvars;
    const char **names = calloc((size_t)n + 1, sizeof *names);
    char **values = calloc((size_t)n + 1, sizeof *values);
    double *numbers = calloc((size_t)n + 1, sizeof *numbers);
    if (!names || !values || !numbers) abort();
    for (int v = 0; v < n; v++) {
        const ir_vary *vy = &sp->vars[v];
        char buf[128];
        names[v] = vy->name;
        if (vy->kind == VARY_PARAM) {
            numbers[v] = vy->vals[pt->choice[v]];
            units_format_value(numbers[v], vy->dim, buf, sizeof buf);
        } else {
            numbers[v] = nan("");
            snprintf(buf, sizeof buf, "%s", vy->names[pt->choice[v]]);
        }
        values[v] = xstrdup(buf);
    }
    mldc_point p;
    memset(&p, 0, sizeof p);
    p.index = pt->index;
    p.status = pt->status == EX_OK ? MLDC_POINT_OK : pt->status == EX_INFEASIBLE ? MLDC_POINT_INFEASIBLE : MLDC_POINT_ERROR;
    p.nvars = n;
    p.names = names;
    p.values = (const char *const *)values;
    p.numbers = numbers;
    memcpy(p.metric, pt->metric, sizeof p.metric);
    p.pareto = pt->pareto;
    p.why = pt->why;
    cb->fn(cb->ud, &p);
    for (int v = 0; v < n; v++) free(values[v]);
    free(values);
    free(names);
    free(numbers);
}

int mldc_design_explore(mldc_design *ds, const mldc_explore_options *o, mldc_point_fn fn, void *ud) {
    static const mldc_explore_options defaults;
    if (!o) o = &defaults;
    mld_loc none = {0};
    ex_options eo;
    memset(&eo, 0, sizeof eo);
    eo.path = ds->path;
    eo.base = &ds->opts;
    if (!o->strategy || strcmp(o->strategy, "grid") == 0) eo.strategy = EX_GRID;
    else if (strcmp(o->strategy, "random") == 0) eo.strategy = EX_RANDOM;
    else if (strcmp(o->strategy, "guided") == 0) eo.strategy = EX_GUIDED;
    else {
        diag_error(&ds->dc, none, "the strategy is grid, random or guided, not '%s'", o->strategy);
        return 1;
    }
    eo.jobs = o->jobs > 0 ? o->jobs : 1;
    eo.max_points = o->max_points;
    eo.seed = o->seed;
    eo.quiet = 1;
    char tmp[4096];
    const char *tdir = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/mldc-explore-XXXXXX", tdir && *tdir ? tdir : "/tmp");
    if (o->csv) {
        eo.csv = o->csv;
    } else {
        int fd = mkstemp(tmp);
        if (fd < 0) {
            diag_error(&ds->dc, none, "cannot make a temporary file for the results");
            return 2;
        }
        close(fd);
        eo.csv = tmp;
    }
    explore_cb cb = {fn, ud};
    if (fn) {
        eo.on_point = on_point;
        eo.on_point_ud = &cb;
    }
    ex_summary sum;
    int rc = explore_run(&eo, &ds->dc, &sum);
    if (!o->csv) remove(tmp);
    return rc;
}
