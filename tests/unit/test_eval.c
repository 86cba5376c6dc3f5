/* test_eval.c - evaluation through mldc_load_buffer: parameter arithmetic,
 * integer and real division, unit conversions, builtins, --set overrides,
 * and the values that end up in levels, elements and workloads. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "testutil.h"
#include "units.h"

/* Load text expecting no errors. */
static void load_ok(loaded *l, const char *text) {
    load(l, text);
    ck_assert_msg(l->dc.nerrors == 0, "unexpected errors:%s\nin:\n%s", rec_dump(&l->rec), text);
}

/* Expect param `name` to be `want` (relative tolerance 1e-12) in dimension
 * `dim` (formatted as units_format_dim does: "B/s", "1", ...). */
static void param_is(const loaded *l, const char *name, double want, const char *dim) {
    const ir_param *p = find_param(l->ir, name);
    ck_assert_msg(p != NULL, "no param '%s'", name);
    double tol = fabs(want) * 1e-12;
    ck_assert_msg(fabs(p->value - want) <= tol, "param %s = %.17g, want %.17g", name, p->value,
                  want);
    char buf[64];
    units_format_dim(p->dim, buf, sizeof buf);
    ck_assert_msg(strcmp(buf, dim) == 0, "param %s has dimension %s, want %s", name, buf, dim);
}

static void param_int(const loaded *l, const char *name, double want) {
    param_is(l, name, want, "1");
    ck_assert_msg(find_param(l->ir, name)->is_int, "param %s should be an integer", name);
}

static const ir_elem *find_elem(const ir_level *lv, const char *name) {
    for (int i = 0; lv && i < lv->nelems; i++)
        if (strcmp(lv->elems[i].name, name) == 0) return &lv->elems[i];
    return NULL;
}

/* ---- arithmetic ---- */

START_TEST(test_param_arithmetic) {
    loaded l;
    load_ok(&l, "param a = 3\n"
                "param b = a * 4 + 2\n"
                "param c = (a + 1) * (b - 4)\n"
                "param d = -a + 10\n"
                "param e = 2 * 3 + 4 * 5 - 6\n"
                "let k = 5\n"
                "param f = k * a\n");
    param_int(&l, "a", 3);
    param_int(&l, "b", 14);
    param_int(&l, "c", 40);
    param_int(&l, "d", 7);
    param_int(&l, "e", 20);
    param_int(&l, "f", 15);
    ck_assert_ptr_null(find_param(l.ir, "k")); /* a let is not a parameter */
    unload(&l);
}
END_TEST

START_TEST(test_integer_division) {
    loaded l;
    load_ok(&l, "param q = 7 / 2\n"
                "param r = 7 / 2.0\n"
                "param s = 7.0 / 2\n"
                "param m = 7 % 3\n"
                "param n = -7 / 2\n"
                "param o = -7 % 2\n"
                "param p = 12 / 4 * 3\n"
                "param u = 1 / 3 * 3\n");
    param_int(&l, "q", 3);
    param_is(&l, "r", 3.5, "1");
    ck_assert(!find_param(l.ir, "r")->is_int);
    param_is(&l, "s", 3.5, "1");
    param_int(&l, "m", 1);
    param_int(&l, "n", -3); /* rounded toward zero */
    param_int(&l, "o", -1);
    param_int(&l, "p", 9);
    param_int(&l, "u", 0);
    unload(&l);
}
END_TEST

START_TEST(test_division_by_zero) {
    loaded l;
    load(&l, "param z = 0\nparam q = 4 / z\n");
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_int_eq(l.rec.d[0].line, 2);
    unload(&l);
}
END_TEST

START_TEST(test_non_finite) {
    /* Overflow to infinity, and NaN, are errors where they arise, not
     * values that travel on (and then read as "negative" sizes). */
    loaded l;
    load(&l, "param x = 1e400\n");
    ck_assert_msg(l.dc.nerrors == 1, "1e400:%s", rec_dump(&l.rec));
    ck_assert_int_eq(l.rec.d[0].line, 1);
    unload(&l);

    load(&l, "param big = 1e308\nparam y = big * 10\n");
    ck_assert_msg(l.dc.nerrors == 1, "1e308 * 10:%s", rec_dump(&l.rec));
    ck_assert_int_eq(l.rec.d[0].line, 2);
    unload(&l);
}
END_TEST

START_TEST(test_comparisons_and_conditionals) {
    loaded l;
    load_ok(&l, "param chips = 4\n"
                "param big = chips > 2\n"
                "param small = chips < 2\n"
                "param both = chips >= 4 && chips <= 4\n"
                "param either = chips == 3 || chips != 3\n"
                "param neg = !big\n"
                "param bw = chips > 2 ? 200 GB/s : 100 GB/s\n");
    param_int(&l, "big", 1);
    param_int(&l, "small", 0);
    param_int(&l, "both", 1);
    param_int(&l, "either", 1);
    param_int(&l, "neg", 0);
    param_is(&l, "bw", 200e9, "B/s");
    unload(&l);
}
END_TEST

START_TEST(test_builtins) {
    loaded l;
    load_ok(&l, "param layers = 12\n"
                "param chips = 4\n"
                "param per_chip = ceil(layers / 1.0 / chips)\n"
                "param per_chip5 = ceil(layers / 1.0 / 5)\n"
                "param fl = floor(2.7)\n"
                "param depth = log2(chips)\n"
                "param root = sqrt(16)\n"
                "param hi = max(1 GB, 2 GB)\n"
                "param lo = min(3 ns, 2 ns)\n");
    param_is(&l, "per_chip", 3, "1");
    param_is(&l, "per_chip5", 3, "1");
    param_is(&l, "fl", 2, "1");
    param_is(&l, "depth", 2, "1");
    param_is(&l, "root", 4, "1");
    param_is(&l, "hi", 2e9, "B");
    param_is(&l, "lo", 2e-9, "s");
    unload(&l);
}
END_TEST

/* ---- units ---- */

START_TEST(test_unit_conversions) {
    loaded l;
    load_ok(&l, "param bw = 1.6 TB/s\n"
                "param kib = 1 KiB + 24 B\n"
                "param kb = 1 KB\n"
                "param mib = 16MiB\n"
                "param bits = 64 bit\n"
                "param flops = 2 FLOP/cycle * 1 GHz\n"
                "param macs = 1024\n"
                "param peak = macs * 2 FLOP/cycle * 1 GHz\n"
                "param wide = 64 B/cycle * 1.5 GHz\n"
                "param e = 300 W * 2 ms\n"
                "param epf = 0.4 pJ/FLOP\n"
                "param epb = 0.5 pJ/bit\n"
                "param area = 800 mm2\n"
                "param rate = 2 GB / 1 ms\n"
                "param t = 120 ns + 1 us\n"
                "param ratio = 1 GB / 1 MB\n");
    param_is(&l, "bw", 1.6e12, "B/s");
    param_is(&l, "kib", 1048, "B");
    param_is(&l, "kb", 1000, "B");
    param_is(&l, "mib", 16.0 * 1048576, "B");
    param_is(&l, "bits", 8, "B");
    param_is(&l, "flops", 2e9, "FLOP/s");
    param_is(&l, "peak", 2048e9, "FLOP/s");
    param_is(&l, "wide", 96e9, "B/s");
    param_is(&l, "e", 0.6, "J");
    param_is(&l, "epf", 0.4e-12, "J/FLOP");
    param_is(&l, "epb", 4e-12, "J/B");
    param_is(&l, "area", 8e-4, "m2");
    param_is(&l, "rate", 2e12, "B/s");
    param_is(&l, "t", 1.12e-6, "s");
    param_is(&l, "ratio", 1000, "1");
    unload(&l);
}
END_TEST

START_TEST(test_dimension_errors) {
    loaded l;
    load(&l, "param t = 1 GB + 2 s\n");
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_msg(strstr(l.rec.d[0].msg, "size (B)") && strstr(l.rec.d[0].msg, "time (s)"),
                  "message should name both dimensions: %s", l.rec.d[0].msg);
    unload(&l);

    load(&l, "param c = 1 GB < 2 s\n");
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    unload(&l);

    load(&l, "param m = max(1 GB, 2 s)\n");
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    unload(&l);
}
END_TEST

/* ---- --set ---- */

START_TEST(test_set_overrides) {
    static const char *const sets[] = {"a=8", "bw=3.2 TB/s"};
    loaded l;
    load_sets(&l,
              "param a = 4\n"
              "param b = a * 2\n"
              "param bw = 1.6 TB/s\n"
              "param half = bw / 2\n"
              "param c = 1\n",
              sets, 2);
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    param_int(&l, "a", 8);
    param_int(&l, "b", 16); /* later params see the override */
    param_is(&l, "bw", 3.2e12, "B/s");
    param_is(&l, "half", 1.6e12, "B/s");
    ck_assert(find_param(l.ir, "a")->overridden);
    ck_assert(find_param(l.ir, "bw")->overridden);
    ck_assert(!find_param(l.ir, "b")->overridden);
    ck_assert(!find_param(l.ir, "c")->overridden);
    unload(&l);
}
END_TEST

START_TEST(test_set_expression) {
    static const char *const sets[] = {"a=2 * 3 + 1"};
    loaded l;
    load_sets(&l, "param a = 4\nparam b = a * 2\n", sets, 1);
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    param_int(&l, "a", 7);
    param_int(&l, "b", 14);
    unload(&l);
}
END_TEST

START_TEST(test_set_errors) {
    loaded l;
    static const char *const unknown[] = {"nope=3"};
    load_sets(&l, "param a = 4\nparam nop = 1\n", unknown, 1);
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_msg(strstr(l.rec.d[0].msg, "'nope'") != NULL, "%s", l.rec.d[0].msg);
    unload(&l);

    static const char *const wrongdim[] = {"bw=4 ns"};
    load_sets(&l, "param bw = 1 TB/s\n", wrongdim, 1);
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_msg(strstr(l.rec.d[0].msg, "bandwidth") && strstr(l.rec.d[0].msg, "time"),
                  "should name both dimensions: %s", l.rec.d[0].msg);
    unload(&l);

    static const char *const noeq[] = {"bw"};
    load_sets(&l, "param bw = 1 TB/s\n", noeq, 1);
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    unload(&l);

    static const char *const badexpr[] = {"bw=1 TB/"};
    load_sets(&l, "param bw = 1 TB/s\n", badexpr, 1);
    ck_assert_msg(l.dc.nerrors >= 1, "%s", rec_dump(&l.rec));
    unload(&l);
}
END_TEST

/* ---- values in the hardware and the workload ---- */

static const char *const chip_src =
    "level Core(macs = 1024) {\n"
    "    compute tensor { rate = macs * 2 FLOP/cycle; clock = 1 GHz; energy = 0.4 pJ/FLOP; ops = matrix }\n"
    "    memory sram { size = 1 MiB; bandwidth = 512 GB/s; latency = 2 ns; energy = 0.1 pJ/bit; ports = 2 }\n"
    "    area = 0.5 mm2\n"
    "}\n"
    "param n = 4\n"
    "level Chip {\n"
    "    core: Core(macs = 2048)[n][2]\n"
    "    memory hbm { size = 16 GiB; bandwidth = 1.6 TB/s; latency = 120 ns }\n"
    "    network noc = mesh(core) { bandwidth = 128 GB/s; hop = 1 ns }\n"
    "    attach hbm to noc at core[0][*]\n"
    "}\n"
    "system top = Chip\n";

START_TEST(test_level_values) {
    loaded l;
    load_ok(&l, chip_src);
    ck_assert_int_eq(l.ir->nsystems, 1);
    const ir_level *root = l.ir->systems[0]->root;
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(root->tmpl, "Chip");
    ck_assert_int_eq(root->nchildren, 1);
    const ir_child *c = &root->children[0];
    ck_assert_str_eq(c->name, "core");
    ck_assert_int_eq(c->ndims, 2);
    ck_assert_int_eq(c->dims[0], 4);
    ck_assert_int_eq(c->dims[1], 2);
    ck_assert_int_eq(c->count, 8);
    ck_assert_uint_eq(root->ninst, 9); /* the chip and 8 cores */

    const ir_level *core = c->type;
    ck_assert_str_eq(core->tmpl, "Core");
    const ir_elem *t = find_elem(core, "tensor");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->kind, ELEM_COMPUTE);
    ck_assert_int_eq(t->accepts, OPCLASS_MATRIX);
    ck_assert_double_eq_tol(t->rate, 4096e9, 1e-3);   /* 2048 * 2 FLOP/cycle * 1 GHz */
    ck_assert_double_eq_tol(t->energy, 0.4e-12, 1e-24);
    const ir_elem *m = find_elem(core, "sram");
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->kind, ELEM_MEMORY);
    ck_assert_double_eq(m->size, 1048576.0);
    ck_assert_double_eq_tol(m->bandwidth, 512e9, 1e-3);
    ck_assert_double_eq_tol(m->latency, 2e-9, 1e-21);
    ck_assert_double_eq_tol(m->energy, 0.1e-12 * 8, 1e-24);
    ck_assert_int_eq(m->ports, 2);

    const ir_elem *h = find_elem(root, "hbm");
    ck_assert_ptr_nonnull(h);
    ck_assert_double_eq(h->size, 16.0 * 1073741824.0);
    ck_assert_int_eq(h->ports, 1); /* the default */
    ck_assert_int_eq(root->nnets, 1);
    ck_assert_int_eq(root->nets[0].topo, TOPO_MESH);
    ck_assert_double_eq_tol(root->nets[0].bandwidth, 128e9, 1e-3);
    ck_assert_double_eq_tol(root->nets[0].hop, 1e-9, 1e-21);
    /* Area sums up the tree: 8 cores of 0.5 mm2. */
    ck_assert_double_eq_tol(root->area, 8 * 0.5e-6, 1e-12);
    unload(&l);
}
END_TEST

START_TEST(test_level_set_changes_hardware) {
    static const char *const sets[] = {"n=8"};
    loaded l;
    load_sets(&l, chip_src, sets, 1);
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    const ir_level *root = l.ir->systems[0]->root;
    ck_assert_int_eq(root->children[0].count, 16);
    ck_assert_uint_eq(root->ninst, 17);
    unload(&l);
}
END_TEST

START_TEST(test_identical_instances_shared) {
    /* Two children of the same template with the same arguments are one
     * level type; different arguments make two. */
    loaded l;
    load_ok(&l, "level C(k = 1) { compute c { rate = k * 1 TFLOP/s } }\n"
                "level P {\n"
                "    a: C[4]\n"
                "    b: C(k = 1)[2]\n"
                "    c: C(k = 2)[2]\n"
                "    network n = bus(a, b, c) { bandwidth = 1 GB/s; hop = 1 ns }\n"
                "}\n"
                "system top = P\n");
    const ir_level *root = l.ir->systems[0]->root;
    ck_assert_int_eq(root->nchildren, 3);
    ck_assert_ptr_eq(root->children[0].type, root->children[1].type);
    ck_assert_ptr_ne(root->children[0].type, root->children[2].type);
    ck_assert_int_eq(l.ir->nlevels, 3);
    ck_assert_uint_eq(root->ninst, 9);
    unload(&l);
}
END_TEST

START_TEST(test_workload_values) {
    loaded l;
    load_ok(&l, "workload stack(layers = 4, d = 256, t = 64) {\n"
                "    input x : fp16[t][d]\n"
                "    for l in 0 .. layers {\n"
                "        group layer[l] {\n"
                "            weight w : fp16[d][d]\n"
                "            let inp = l == 0 ? x : layer[l - 1].out\n"
                "            op mm = matmul(inp, w)\n"
                "            op out = gelu(mm)\n"
                "        }\n"
                "    }\n"
                "}\n"
                "param n = 3\n"
                "workload s = stack(layers = n)\n");
    ck_assert_int_eq(l.ir->nworkloads, 1);
    const ir_workload *w = l.ir->workloads[0];
    ck_assert_str_eq(w->name, "s");
    ck_assert_int_eq(w->nops, 6);
    ck_assert_int_eq(w->ngroups, 3);
    /* Each matmul: 2 * 64 * 256 * 256 FLOPs. */
    int mm = -1;
    for (int i = 0; i < w->nops; i++)
        if (w->ops[i].kind == OPK_MATMUL) {
            mm = i;
            ck_assert_double_eq(w->ops[i].flops, 2.0 * 64 * 256 * 256);
            ck_assert_int_eq(w->ops[i].cls, OPCLASS_MATRIX);
        }
    ck_assert_int_ge(mm, 0);
    ck_assert_double_eq(w->weight_bytes, 3.0 * 256 * 256 * 2);
    /* The input: fp16 [64][256]. */
    int x = -1;
    for (int i = 0; i < w->ntensors; i++)
        if (strcmp(w->tensors[i].name, "x") == 0) x = i;
    ck_assert_int_ge(x, 0);
    ck_assert_int_eq(w->tensors[x].kind, TENSOR_INPUT);
    ck_assert_int_eq(w->tensors[x].dtype, DT_FP16);
    ck_assert_int_eq(w->tensors[x].ndims, 2);
    ck_assert_double_eq(w->tensors[x].bytes, 64.0 * 256 * 2);
    ck_assert_int_eq(w->tensors[x].producer, -1);
    unload(&l);
}
END_TEST

START_TEST(test_range_step) {
    /* for over a stepped range: 0, 3, 6, 9 -> four groups. */
    loaded l;
    load_ok(&l, "workload r(d = 16) {\n"
                "    input x : fp16[d][d]\n"
                "    for i in 0 .. 10 step 3 {\n"
                "        group g[i] { op a = gelu(x) }\n"
                "    }\n"
                "}\n"
                "workload w = r()\n");
    const ir_workload *w = l.ir->workloads[0];
    ck_assert_int_eq(w->nops, 4);
    ck_assert_int_eq(w->ngroups, 4);
    int found9 = 0;
    for (int i = 0; i < w->ngroups; i++) found9 |= strcmp(w->groups[i].name, "g[9]") == 0;
    ck_assert_msg(found9, "no group g[9]");
    unload(&l);
}
END_TEST


/* ---- regular loops (lower_loop.c) ---- */

static const char *const loop_design =
    "import \"std/parallel\"\n"
    "param p = 8\n"
    "level Core { compute mac { rate = 1 TFLOP/s; ops = matrix }\n"
    "             memory sram { size = 1 GiB; bandwidth = 1 TB/s; latency = 1 ns } }\n"
    "level Chip { core: Core[p]\n"
    "             network noc = switch(core) { bandwidth = 100 GB/s; hop = 5 ns } }\n"
    "system top = Chip\n"
    "workload W { input a : fp16[64][64]\n input b : fp16[64][64]\n op c = matmul(a, b) }\n"
    "workload w = W\n"
    "mapping ring on top for w {\n"
    "    store [w.a, w.b] in top.core[*].sram\n"
    "    place w.c on top.core[*]\n"
    "    all_reduce_ring(w.c, top.core[*].sram)\n"
    "    all_reduce_direct(w.c, top.core[*].sram)\n"
    "}\n"
    "mapping irregular on top for w {\n"
    "    store [w.a, w.b] in top.core[*].sram\n"
    "    place w.c on top.core[*]\n"
    "    for i in 0 .. p { transfer [w.a, w.b] from top.core[i].sram to top.core[(i + 1) % p].sram }\n"
    "}\n";

/* A regular-looking loop whose index leaves the matrix at i = 1. */
static const char *const loop_error =
    "mapping bad on top for w {\n"
    "    store [w.a, w.b] in top.core[*].sram\n"
    "    place w.c on top.core[0]\n"
    "    for i in 0 .. 2 { transfer w.c from top.core[i].sram to top.core[i * 10].sram }\n"
    "}\n";

static const ir_mapping *find_mapping(const ir_design *d, const char *name) {
    for (int i = 0; i < d->nmappings; i++)
        if (strcmp(d->mappings[i]->name, name) == 0) return d->mappings[i];
    return NULL;
}

static int64_t count_kind(const ir_mapping *m, ir_action_kind k) {
    int64_t n = 0;
    for (int64_t i = 0; i < m->nactions; i++) n += m->actions[i].kind == k;
    return n;
}

START_TEST(test_regular_loops_compact) {
    loaded l;
    load_ok(&l, loop_design);
    const ir_mapping *m = find_mapping(l.ir, "ring");
    ck_assert_ptr_nonnull(m);
    if (!m) return;
    /* the ring's two loop nests and the direct all-reduce's two: one action each */
    ck_assert_int_eq(count_kind(m, ACT_LOOP), 4);
    ck_assert_int_eq(count_kind(m, ACT_TRANSFER), 0);
    /* 2 (p - 1) p ring messages and 2 p (p - 1) direct ones, plus two stores and a place */
    ck_assert_int_eq(ir_mapping_nactions(m), 3 + 2 * 7 * 8 + 2 * 8 * 7);
    int64_t msgs = 0;
    for (int64_t i = 0; i < m->nactions; i++)
        if (m->actions[i].kind == ACT_LOOP) msgs += ir_loop_expand(&m->actions[i], NULL, NULL);
    ck_assert_int_eq(msgs, 2 * 7 * 8 + 2 * 8 * 7);
    /* two tensors in one transfer: iterated, one action per tensor and index */
    m = find_mapping(l.ir, "irregular");
    ck_assert_ptr_nonnull(m);
    if (!m) return;
    ck_assert_int_eq(count_kind(m, ACT_LOOP), 0);
    ck_assert_int_eq(count_kind(m, ACT_TRANSFER), 2 * 8);
    unload(&l);
}
END_TEST

START_TEST(test_irregular_loops_iterate) {
    /* an index out of range: the trial is abandoned and the loop evaluated
     * iteration by iteration, reporting the error as before (once) */
    loaded l;
    char text[4096];
    snprintf(text, sizeof text, "%s%s", loop_design, loop_error);
    load(&l, text);
    ck_assert_int_eq(l.dc.nerrors, 1);
    ck_assert_msg(rec_find(&l.rec, "index 10 is out of range") >= 0, "%s", rec_dump(&l.rec));
    unload(&l);
}
END_TEST

Suite *eval_suite(void) {
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("arithmetic");
    tcase_add_test(tc, test_param_arithmetic);
    tcase_add_test(tc, test_integer_division);
    tcase_add_test(tc, test_division_by_zero);
    tcase_add_test(tc, test_non_finite);
    tcase_add_test(tc, test_comparisons_and_conditionals);
    tcase_add_test(tc, test_builtins);
    suite_add_tcase(s, tc);

    tc = tcase_create("units");
    tcase_add_test(tc, test_unit_conversions);
    tcase_add_test(tc, test_dimension_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("set");
    tcase_add_test(tc, test_set_overrides);
    tcase_add_test(tc, test_set_expression);
    tcase_add_test(tc, test_set_errors);
    tcase_add_test(tc, test_level_set_changes_hardware);
    suite_add_tcase(s, tc);

    tc = tcase_create("design");
    tcase_add_test(tc, test_level_values);
    tcase_add_test(tc, test_identical_instances_shared);
    tcase_add_test(tc, test_workload_values);
    tcase_add_test(tc, test_range_step);
    suite_add_tcase(s, tc);

    tc = tcase_create("loops");
    tcase_add_test(tc, test_regular_loops_compact);
    tcase_add_test(tc, test_irregular_loops_iterate);
    suite_add_tcase(s, tc);
    return s;
}
