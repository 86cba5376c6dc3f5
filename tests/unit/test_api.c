/* test_api.c - Check suite for the public C API (src/mldc_api.h) and the
 * language server's fixed tables.  Exposes api_suite().
 *
 * The API is exercised on examples/chiplet.mld, opened relative to the
 * repository root where the unit tests run: overrides change the result,
 * the metrics equal what the internal passes give, per-operator records
 * cover the placed operators, diagnostics arrive located, and an
 * exploration's callback sees every point of the grid. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsp.h"
#include "mldc_api.h"
#include "units.h"

Suite *api_suite(void);

typedef struct seen {
    int errors, nerr_lines;
    char first[512];
} seen;

static void on_diag(void *ud, const mldc_diagnostic *d) {
    seen *s = ud;
    if (d->severity != MLDC_SEV_ERROR) return;
    if (!s->errors++) snprintf(s->first, sizeof s->first, "%s:%d:%d: %s", d->file ? d->file : "-", d->line, d->column,
                               d->message);
}

static mldc_design *load(const char *const *sets, int nsets, seen *s) {
    mldc_load_options o = {sets, nsets, NULL, 0, on_diag, s};
    return mldc_design_load("examples/chiplet.mld", &o);
}

START_TEST(api_version) {
    ck_assert_int_eq(mldc_api_version(), MLDC_API_VERSION);
    ck_assert_str_eq(mldc_version_text(), MLDC_VERSION);
}
END_TEST

START_TEST(api_lists) {
    seen s = {0};
    mldc_design *d = load(NULL, 0, &s);
    ck_assert_int_eq(mldc_design_errors(d), 0);
    ck_assert_int_eq(mldc_design_count(d, MLDC_SYSTEMS), 1);
    ck_assert_str_eq(mldc_design_name(d, MLDC_SYSTEMS, 0), "top");
    ck_assert_str_eq(mldc_design_name(d, MLDC_MAPPINGS, 0), "layer_per_chiplet");
    ck_assert_str_eq(mldc_design_name(d, MLDC_WORKLOADS, 0), "w");
    ck_assert_ptr_null(mldc_design_name(d, MLDC_MAPPINGS, 5));
    int found = 0;
    for (int i = 0; i < mldc_design_count(d, MLDC_PARAMS); i++) {
        mldc_param p;
        ck_assert_int_eq(mldc_design_param(d, i, &p), 0);
        if (strcmp(p.name, "nop_bw") == 0) {
            found = 1;
            ck_assert_double_eq_tol(p.value, 100e9, 1);
            ck_assert_str_eq(p.unit, "B/s");
            ck_assert_str_eq(p.text, "100 GB/s");
            ck_assert_int_eq(p.overridden, 0);
            ck_assert_int_eq(p.line, 19);
        }
    }
    ck_assert_int_eq(found, 1);
    mldc_design_free(d);
}
END_TEST

START_TEST(api_last_set_wins) {
    seen s = {0};
    const char *twice[] = {"nop_bw=3 ns", "nop_bw=50 GB/s"};
    mldc_design *d = load(twice, 2, &s);
    ck_assert_int_eq(mldc_design_errors(d), 0);
    for (int i = 0; i < mldc_design_count(d, MLDC_PARAMS); i++) {
        mldc_param p;
        mldc_design_param(d, i, &p);
        if (strcmp(p.name, "nop_bw") == 0) ck_assert_str_eq(p.text, "50 GB/s");
    }
    mldc_design_free(d);
}
END_TEST

START_TEST(api_run_overrides) {
    seen s = {0};
    const char *slow[] = {"nop_bw=25 GB/s"};
    mldc_design *a = load(NULL, 0, &s), *b = load(slow, 1, &s);
    mldc_run_options ro = {"layer_per_chiplet", 1};
    mldc_result *ra = mldc_design_run(a, &ro), *rb = mldc_design_run(b, &ro);
    ck_assert_ptr_nonnull(ra);
    ck_assert_ptr_nonnull(rb);
    mldc_metrics ma, mb;
    mldc_result_metrics(ra, &ma);
    mldc_result_metrics(rb, &mb);
    ck_assert_int_eq(ma.violations, 0);
    ck_assert_str_eq(ma.mapping, "layer_per_chiplet");
    ck_assert(ma.makespan > 0);
    ck_assert(mb.makespan > ma.makespan); /* a slower package network */
    ck_assert_double_eq(ma.metric[MLDC_METRIC_LATENCY], ma.makespan);
    ck_assert_double_eq_tol(ma.energy, ma.energy_compute + ma.energy_memory + ma.energy_network, 1e-15);
    ck_assert_double_eq(ma.items, 128); /* seq 128, batch 1 */
    ck_assert_str_eq(ma.items_what, "tokens");
    ck_assert_uint_eq(ma.tasks, ma.compute_tasks + ma.transfer_tasks + ma.sync_tasks);
    /* per operator: every record placed, inside the run, FLOPs summing to the workload's */
    int n = mldc_result_op_count(ra);
    ck_assert_int_gt(n, 40);
    double flops = 0;
    for (int i = 0; i < n; i++) {
        mldc_op op;
        ck_assert_int_eq(mldc_result_op(ra, i, &op), 0);
        ck_assert_int_gt(op.tasks, 0);
        ck_assert(op.start >= 0 && op.end <= ma.makespan && op.start <= op.end);
        flops += op.flops;
    }
    mldc_op first;
    mldc_result_op(ra, 0, &first);
    ck_assert_str_eq(first.name, "tok");
    ck_assert_double_eq_tol(flops, 3.91125e9, 1e4); /* the workload's total, as its hover shows */
    ck_assert_int_eq(mldc_result_op(ra, n, &first), -1);
    ck_assert_int_gt(mldc_result_resource_count(ra), 0);
    mldc_resource res;
    ck_assert_int_eq(mldc_result_resource(ra, 0, &res), 0);
    ck_assert(strncmp(res.name, "top.", 4) == 0);
    ck_assert(res.utilisation >= 0 && res.utilisation <= 1);
    mldc_result_free(ra);
    mldc_result_free(rb);
    mldc_design_free(a);
    mldc_design_free(b);
    ck_assert_int_eq(s.errors, 0);
}
END_TEST

START_TEST(api_errors_located) {
    seen s = {0};
    const char *bad[] = {"nop_bw=3 ns"};
    mldc_design *d = load(bad, 1, &s);
    ck_assert_int_gt(mldc_design_errors(d), 0);
    ck_assert_msg(strstr(s.first, "-:0:0: --set nop_bw: ") == s.first, "%s", s.first); /* no place in a file */
    ck_assert_ptr_null(mldc_design_run(d, NULL));
    mldc_design_free(d);
    seen t = {0};
    mldc_design *e = load(NULL, 0, &t);
    mldc_run_options ro = {"nope", 0};
    ck_assert_ptr_null(mldc_design_run(e, &ro));
    ck_assert_msg(strstr(t.first, "no mapping 'nope'") != NULL, "%s", t.first);
    mldc_design_free(e);
    const char text[] = "param x = 1 GB/s\nparam y = x + 1 ns\n";
    seen u = {0};
    mldc_load_options o = {NULL, 0, NULL, 0, on_diag, &u};
    mldc_design *f = mldc_design_load_text("inline.mld", text, sizeof text - 1, &o);
    ck_assert_int_eq(mldc_design_errors(f), 1);
    ck_assert_msg(strncmp(u.first, "inline.mld:2:", 13) == 0, "%s", u.first);
    mldc_design_free(f);
}
END_TEST

typedef struct points {
    int n, ok, pareto;
    double lat[64];
} points;

static void on_point(void *ud, const mldc_point *p) {
    points *ps = ud;
    ck_assert_int_eq(p->nvars, 3);
    ck_assert_str_eq(p->names[1], "nop_bw");
    if (ps->n < 64) ps->lat[ps->n] = p->metric[MLDC_METRIC_LATENCY];
    ck_assert_uint_eq(p->index, (uint64_t)ps->n);
    ps->n++;
    ps->ok += p->status == MLDC_POINT_OK;
    ps->pareto += p->pareto;
}

START_TEST(api_explore_matches_run) {
    seen s = {0};
    mldc_design *d = load(NULL, 0, &s);
    points ps = {0};
    mldc_explore_options eo = {NULL, 1, 0, 0, NULL};
    ck_assert_int_eq(mldc_design_explore(d, &eo, on_point, &ps), 0);
    ck_assert_int_eq(ps.n, 12); /* 2 x 3 x 2 grid */
    ck_assert_int_gt(ps.ok, 0);
    ck_assert_int_gt(ps.pareto, 0);
    /* point 0 (pkg_x 2, 50 GB/s, 1 MiB) equals a run with those overrides */
    const char *sets[] = {"pkg_x=2", "nop_bw=50 GB/s", "pe_sram=1 MiB"};
    mldc_design *e = load(sets, 3, &s);
    mldc_result *r = mldc_design_run(e, NULL);
    mldc_metrics m;
    mldc_result_metrics(r, &m);
    ck_assert_double_eq(m.metric[MLDC_METRIC_LATENCY], ps.lat[0]);
    mldc_result_free(r);
    mldc_design_free(e);
    mldc_design_free(d);
}
END_TEST

START_TEST(lsp_units_parse) {
    int n = 0;
    for (int i = 0; lsp_units[i]; i++, n++) {
        double scale;
        units_dim dim;
        char err[128];
        ck_assert_msg(units_parse(lsp_units[i], strlen(lsp_units[i]), &scale, &dim, err, sizeof err) == 0,
                      "completion unit '%s' does not parse: %s", lsp_units[i], err);
    }
    ck_assert_int_gt(n, 30);
}
END_TEST

Suite *api_suite(void) {
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, api_version);
    tcase_add_test(tc, api_lists);
    tcase_add_test(tc, api_last_set_wins);
    tcase_add_test(tc, api_run_overrides);
    tcase_add_test(tc, api_errors_located);
    tcase_add_test(tc, api_explore_matches_run);
    tcase_add_test(tc, lsp_units_parse);
    suite_add_tcase(s, tc);
    return s;
}
