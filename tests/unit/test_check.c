/* test_check.c - the checker's verdicts on small designs: each test breaks
 * one thing in an otherwise clean design and counts the diagnostics and
 * their messages.  (Exact texts and locations are pinned by the golden tests
 * in tests/golden/diag; here the point is which rule fires, how often, and
 * that a clean design stays clean.) */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "testutil.h"

/* The reference design of docs/language.md section 1, with the hardware and
 * workload parameterised and the mapping body supplied by each test. */
static const char *const base_fmt =
    "level Core {\n"
    "    compute mac { rate = 512 FLOP/cycle; clock = 1 GHz; energy = 0.5 pJ/FLOP }\n"
    "    memory sram { size = 2 MiB; bandwidth = 256 GB/s; latency = 2 ns; energy = 0.1 pJ/bit }\n"
    "}\n"
    "level Chip {\n"
    "    core: Core[2][2]\n"
    "    memory dram { size = 8 GiB; bandwidth = 100 GB/s; latency = 80 ns; energy = 4 pJ/bit }\n"
    "    network noc = mesh(core) { bandwidth = 64 GB/s; hop = 1 ns; energy = 0.3 pJ/bit }\n"
    "    attach dram to noc at core[0][0]\n"
    "}\n"
    "system top = Chip\n"
    "workload gemm(m = 512, k = 512, n = 512) {\n"
    "    input x : fp16[m][k]\n"
    "    weight a : fp16[k][n]\n"
    "    op y = matmul(x, a)\n"
    "}\n"
    "workload w = gemm(%s)\n"
    "mapping by_rows on top for w {\n"
    "%s"
    "}\n";

static const char *const good_map =
    "    store [w.x, w.a] in top.dram\n"
    "    transfer w.x from top.dram to top.core[*][*].sram split rows\n"
    "    transfer w.a from top.dram to top.core[*][*].sram\n"
    "    place w.y on top.core[*][*] split rows\n";

/* Load the base design with workload arguments and a mapping body. */
static void load_design(loaded *l, const char *args, const char *map) {
    static char text[8192];
    int n = snprintf(text, sizeof text, base_fmt, args, map);
    ck_assert(n > 0 && (size_t)n < sizeof text);
    load(l, text);
}

/* Expect exactly `errors` errors and `warnings` warnings, and a diagnostic
 * containing every one of the given parts (NULL-terminated). */
static void expect(const loaded *l, int errors, int warnings, ...) {
    ck_assert_msg(l->rec.nerrors == errors && l->rec.nwarnings == warnings,
                  "want %d error(s), %d warning(s); got:%s", errors, warnings, rec_dump(&l->rec));
    ck_assert_int_eq(l->dc.nerrors, errors);
    ck_assert_int_eq(l->dc.nwarnings, warnings);
    va_list ap;
    va_start(ap, warnings);
    for (const char *part; (part = va_arg(ap, const char *)) != NULL;)
        ck_assert_msg(rec_find(&l->rec, part) >= 0, "no diagnostic contains \"%s\"; got:%s",
                      part, rec_dump(&l->rec));
    va_end(ap);
}

START_TEST(test_clean) {
    loaded l;
    load_design(&l, "", good_map);
    expect(&l, 0, 0, NULL);
    ck_assert_int_eq(l.ir->nmappings, 1);
    const ir_mapping *m = l.ir->mappings[0];
    /* store of a list is one action per tensor: 2 stores, 2 transfers, 1 place */
    ck_assert_int_eq(m->nactions, 5);
    ck_assert_int_eq(m->actions[4].kind, ACT_PLACE);
    ck_assert_int_eq(m->actions[4].nunits, 4);
    ck_assert_int_eq(m->actions[4].split, SPLIT_ROWS);
    unload(&l);
}
END_TEST

START_TEST(test_op_never_placed) {
    loaded l;
    load_design(&l, "",
                "    store [w.x, w.a] in top.dram\n"
                "    transfer w.x from top.dram to top.core[*][*].sram split rows\n");
    expect(&l, 1, 0, "'y'", "never placed", NULL);
    unload(&l);
}
END_TEST

START_TEST(test_input_nowhere) {
    loaded l;
    load_design(&l, "",
                "    store w.a in top.dram\n"
                "    transfer w.a from top.dram to top.core[*][*].sram\n"
                "    place w.y on top.core[*][*] split rows\n");
    expect(&l, 1, 0, "'x'", "'y'", NULL);
    unload(&l);
}
END_TEST

START_TEST(test_inferred_transfer_is_a_warning) {
    loaded l;
    load_design(&l, "",
                "    store [w.x, w.a] in top.dram\n"
                "    transfer w.a from top.dram to top.core[*][*].sram\n"
                "    place w.y on top.core[*][*] split rows\n");
    ck_assert_msg(l.rec.nerrors == 0 && l.rec.nwarnings >= 1, "%s", rec_dump(&l.rec));
    ck_assert_msg(rec_find(&l.rec, "inferred transfer") >= 0, "%s", rec_dump(&l.rec));
    /* And it is in the IR, marked as inferred. */
    int inferred = 0;
    const ir_mapping *m = l.ir->mappings[0];
    for (int64_t i = 0; i < m->nactions; i++) inferred += m->actions[i].inferred;
    ck_assert_int_ge(inferred, 1);
    unload(&l);
}
END_TEST

START_TEST(test_tensor_too_big) {
    /* a: fp16 [2048][2048] = 8 MiB, into 2 MiB SRAMs, unsplit. */
    loaded l;
    load_design(&l, "k = 2048, n = 2048", good_map);
    ck_assert_msg(l.rec.nerrors >= 1, "%s", rec_dump(&l.rec));
    ck_assert_msg(rec_find(&l.rec, "does not fit") >= 0, "%s", rec_dump(&l.rec));
    unload(&l);
}
END_TEST

START_TEST(test_store_overflow) {
    /* Two 1.5 MiB tensors stored in one 2 MiB SRAM. */
    loaded l;
    load_design(&l, "m = 768, k = 1024, n = 768",
                "    store [w.x, w.a] in top.core[0][0].sram\n"
                "    transfer [w.x, w.a] from top.core[0][0].sram to top.core[*][*].sram split rows\n"
                "    place w.y on top.core[*][*] split rows\n");
    ck_assert_msg(l.rec.nerrors >= 1, "%s", rec_dump(&l.rec));
    ck_assert_msg(rec_find(&l.rec, "top.core[0][0].sram") >= 0, "%s", rec_dump(&l.rec));
    unload(&l);
}
END_TEST

START_TEST(test_index_out_of_range) {
    loaded l;
    load_design(&l, "",
                "    store [w.x, w.a] in top.dram\n"
                "    transfer w.x from top.dram to top.core[*][*].sram split rows\n"
                "    transfer w.a from top.dram to top.core[*][*].sram\n"
                "    place w.y on top.core[2][0]\n");
    expect(&l, 1, 0, "out of range", NULL);
    int i = rec_find(&l.rec, "out of range");
    ck_assert_int_eq(l.rec.d[i].line, 22);
    unload(&l);
}
END_TEST

START_TEST(test_unknown_names) {
    loaded l;
    load_design(&l, "",
                "    store [w.x, w.a] in top.dram\n"
                "    transfer w.x from top.dram to top.core[*][*].sarm split rows\n"
                "    transfer w.a from top.dram to top.core[*][*].sram\n"
                "    place w.y on top.core[*][*] split rows\n");
    ck_assert_msg(l.rec.nerrors >= 1, "%s", rec_dump(&l.rec));
    ck_assert_msg(rec_find(&l.rec, "'sarm'") >= 0, "%s", rec_dump(&l.rec));
    ck_assert_msg(rec_find(&l.rec, "did you mean 'sram'?") >= 0, "%s", rec_dump(&l.rec));
    unload(&l);

    load(&l, "param bandwidth = 1 GB/s\nparam x = bandwith * 2\n");
    expect(&l, 1, 0, "'bandwith'", "did you mean 'bandwidth'?", NULL);
    ck_assert_int_eq(l.rec.d[0].line, 2);
    ck_assert_int_eq(l.rec.d[0].col, 11);
    unload(&l);
}
END_TEST

START_TEST(test_duplicates) {
    loaded l;
    load(&l, "param a = 1\nparam b = 2\nparam a = 3\n");
    expect(&l, 1, 0, "'a'", NULL);
    ck_assert_int_eq(l.rec.d[0].line, 3);
    ck_assert_int_eq(l.rec.d[0].nnotes, 1);
    ck_assert_int_eq(l.rec.d[0].note_line, 1);
    unload(&l);

    load(&l, "level L {\n"
             "    memory m { size = 1 MiB; bandwidth = 1 GB/s }\n"
             "    memory m { size = 2 MiB; bandwidth = 1 GB/s }\n"
             "}\n"
             "system top = L\n");
    expect(&l, 1, 0, "'m'", NULL);
    ck_assert_int_eq(l.rec.d[0].line, 3);
    ck_assert_int_eq(l.rec.d[0].nnotes, 1);
    ck_assert_int_eq(l.rec.d[0].note_line, 2);
    unload(&l);
}
END_TEST

START_TEST(test_attribute_dimension) {
    loaded l;
    load(&l, "level L {\n"
             "    memory m { size = 1 MiB; bandwidth = 4 ns }\n"
             "}\n"
             "system top = L\n");
    expect(&l, 1, 0, "bandwidth", "time", NULL);
    ck_assert_int_eq(l.rec.d[0].line, 2);
    unload(&l);

    /* A missing required attribute. */
    load(&l, "level L { memory m { bandwidth = 1 GB/s } }\nsystem top = L\n");
    expect(&l, 1, 0, "size", NULL);
    unload(&l);
}
END_TEST

START_TEST(test_unconnected) {
    loaded l;
    load(&l, "level A { compute c { rate = 1 TFLOP/s }; memory m { size = 1 GiB; bandwidth = 1 TB/s } }\n"
             "level P {\n"
             "    a: A\n"
             "    b: A\n"
             "}\n"
             "system top = P\n"
             "workload g(n = 64) { input x : fp16[n][n]; op y = gelu(x) }\n"
             "workload w = g()\n"
             "mapping m on top for w {\n"
             "    store w.x in top.a.m\n"
             "    transfer w.x from top.a.m to top.b.m\n"
             "    place w.y on top.b\n"
             "}\n");
    ck_assert_msg(l.rec.nerrors >= 1, "%s", rec_dump(&l.rec));
    int i = rec_find(&l.rec, "no network connects");
    ck_assert_msg(i >= 0, "%s", rec_dump(&l.rec));
    ck_assert_int_eq(l.rec.d[i].line, 11);
    unload(&l);
}
END_TEST

START_TEST(test_sync_deadlock) {
    /* The barrier waits for y, which the same units run only after it. */
    loaded l;
    load_design(&l, "",
                "    store [w.x, w.a] in top.dram\n"
                "    transfer w.x from top.dram to top.core[*][*].sram split rows\n"
                "    transfer w.a from top.dram to top.core[*][*].sram\n"
                "    sync top.core[*][*] after w.y\n"
                "    place w.y on top.core[*][*] split rows\n");
    ck_assert_msg(l.rec.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_int_eq(l.rec.d[0].line, 22);
    unload(&l);
}
END_TEST

START_TEST(test_many_errors_all_reported) {
    /* Independent mistakes are all reported, not just the first. */
    loaded l;
    load(&l, "param a = 1 GB + 1 s\n"
             "param b = nosuch\n"
             "param c = 1\n"
             "param c = 2\n"
             "level L { memory m { size = 1 MiB; bandwidth = 1 ns } }\n"
             "system top = L\n");
    ck_assert_msg(l.rec.nerrors == 4, "%s", rec_dump(&l.rec));
    ck_assert_int_eq(l.rec.d[0].line, 1);
    unload(&l);
}
END_TEST

START_TEST(test_error_cap) {
    /* 200 errors: capped with a final message, never more than the cap. */
    enum { N = 200 };
    char *text = malloc(N * 32);
    ck_assert_ptr_nonnull(text);
    size_t len = 0;
    for (int i = 0; i < N; i++) len += (size_t)sprintf(text + len, "param p%d = nosuch%d\n", i, i);
    loaded l;
    load(&l, text);
    free(text);
    ck_assert_int_ge(l.rec.nerrors, 10);
    ck_assert_int_le(l.rec.nerrors, 101);
    ck_assert_msg(rec_find(&l.rec, "too many errors") >= 0, "%s", rec_dump(&l.rec));
    unload(&l);
}
END_TEST

Suite *check_suite(void) {
    Suite *s = suite_create("check");
    TCase *tc = tcase_create("mapping");
    tcase_add_test(tc, test_clean);
    tcase_add_test(tc, test_op_never_placed);
    tcase_add_test(tc, test_input_nowhere);
    tcase_add_test(tc, test_inferred_transfer_is_a_warning);
    tcase_add_test(tc, test_tensor_too_big);
    tcase_add_test(tc, test_store_overflow);
    tcase_add_test(tc, test_index_out_of_range);
    tcase_add_test(tc, test_unconnected);
    tcase_add_test(tc, test_sync_deadlock);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, test_unknown_names);
    tcase_add_test(tc, test_duplicates);
    tcase_add_test(tc, test_attribute_dimension);
    suite_add_tcase(s, tc);

    tc = tcase_create("reporting");
    tcase_add_test(tc, test_many_errors_all_reported);
    tcase_add_test(tc, test_error_cap);
    suite_add_tcase(s, tc);
    return s;
}
