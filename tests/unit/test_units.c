/* test_units.c - Check suite for src/units.c (unit parsing, dimension
 * algebra and value formatting).  Exposes units_suite(); the shared runner
 * provides main(). */
#include <check.h>
#include <string.h>

#include "units.h"

Suite *units_suite(void);

/* Build a dimension from exponents in header order B, s, FLOP, J, m, cycle. */
static units_dim D(int b, int s, int flop, int j, int m, int cyc) {
    units_dim d;
    d.e[UNIT_B] = (int8_t)b;
    d.e[UNIT_S] = (int8_t)s;
    d.e[UNIT_FLOP] = (int8_t)flop;
    d.e[UNIT_J] = (int8_t)j;
    d.e[UNIT_M] = (int8_t)m;
    d.e[UNIT_CYCLE] = (int8_t)cyc;
    return d;
}

/* Parse text, expecting success with the given scale (relative tolerance
 * 1e-12) and dimension. */
static void parse_ok(const char *text, double want_scale, units_dim want_dim) {
    double scale = -1.0;
    units_dim dim = D(9, 9, 9, 9, 9, 9);
    char err[128] = "";
    int rc = units_parse(text, strlen(text), &scale, &dim, err, sizeof err);
    ck_assert_msg(rc == 0, "parse '%s' failed: %s", text, err);
    ck_assert_double_eq_tol(scale, want_scale, want_scale * 1e-12);
    ck_assert_msg(units_eq(dim, want_dim), "parse '%s': wrong dimension",
                  text);
}

/* Parse text, expecting failure with exactly the given message. */
static void parse_err(const char *text, const char *want_err) {
    double scale = 0.0;
    units_dim dim = units_none();
    char err[128] = "";
    int rc = units_parse(text, strlen(text), &scale, &dim, err, sizeof err);
    ck_assert_msg(rc == -1, "parse '%s' unexpectedly succeeded", text);
    ck_assert_str_eq(err, want_err);
}

static void fmt_dim_is(units_dim d, const char *want) {
    char buf[64];
    units_format_dim(d, buf, sizeof buf);
    ck_assert_str_eq(buf, want);
}

static void fmt_val_is(double v, units_dim d, const char *want) {
    char buf[64];
    units_format_value(v, d, buf, sizeof buf);
    ck_assert_str_eq(buf, want);
}

START_TEST(test_parse_examples) {
    parse_ok("GB/s", 1e9, D(1, -1, 0, 0, 0, 0));
    parse_ok("pJ/FLOP", 1e-12, D(0, 0, -1, 1, 0, 0));
    parse_ok("FLOP/cycle", 1.0, D(0, 0, 1, 0, 0, -1));
    parse_ok("FLOP/cycles", 1.0, D(0, 0, 1, 0, 0, -1));
    parse_ok("pJ/bit", 8e-12, D(-1, 0, 0, 1, 0, 0));
    parse_ok("B*s", 1.0, D(1, 1, 0, 0, 0, 0));
    parse_ok("FLOP/s/W", 1.0, D(0, 0, 1, -1, 0, 0)); /* left to right */
    parse_ok("GHz", 1e9, D(0, -1, 0, 0, 0, 1));
    parse_ok("kW", 1e3, D(0, -1, 0, 1, 0, 0));
    parse_ok("bit", 0.125, D(1, 0, 0, 0, 0, 0));
    parse_ok("1/s", 1.0, D(0, -1, 0, 0, 0, 0));
    parse_ok("TFLOP/s", 1e12, D(0, -1, 1, 0, 0, 0));
}
END_TEST

START_TEST(test_parse_lengths_and_exponents) {
    parse_ok("m", 1.0, D(0, 0, 0, 0, 1, 0));
    parse_ok("mm", 1e-3, D(0, 0, 0, 0, 1, 0));
    parse_ok("ms", 1e-3, D(0, 1, 0, 0, 0, 0));
    parse_ok("mJ", 1e-3, D(0, 0, 0, 1, 0, 0));
    parse_ok("m2", 1.0, D(0, 0, 0, 0, 2, 0));
    parse_ok("mm2", 1e-6, D(0, 0, 0, 0, 2, 0));
    parse_ok("um2", 1e-12, D(0, 0, 0, 0, 2, 0));
    parse_ok("cm2", 1e-4, D(0, 0, 0, 0, 2, 0));
    parse_ok("m3", 1.0, D(0, 0, 0, 0, 3, 0));
    parse_ok("m/s2", 1.0, D(0, -2, 0, 0, 1, 0));
}
END_TEST

START_TEST(test_parse_prefix_rules) {
    parse_ok("KB", 1000.0, D(1, 0, 0, 0, 0, 0)); /* "1 KB = 1000 B" */
    parse_ok("kB", 1000.0, D(1, 0, 0, 0, 0, 0));
    parse_ok("KiB", 1024.0, D(1, 0, 0, 0, 0, 0));
    parse_ok("MiB", 1048576.0, D(1, 0, 0, 0, 0, 0));
    parse_ok("Gibit", 1073741824.0 / 8.0, D(1, 0, 0, 0, 0, 0));
    parse_ok("PB", 1e15, D(1, 0, 0, 0, 0, 0)); /* petabyte ... */
    parse_ok("pJ", 1e-12, D(0, 0, 0, 1, 0, 0)); /* ... vs picojoule */
    parse_ok("EB", 1e18, D(1, 0, 0, 0, 0, 0));
    parse_ok("fJ", 1e-15, D(0, 0, 0, 1, 0, 0));
    parse_ok("us", 1e-6, D(0, 1, 0, 0, 0, 0));
    parse_err("Kis", "binary prefix 'Ki' is only allowed on B and bit, "
                     "not on 's'");
    parse_err("GiFLOP", "binary prefix 'Gi' is only allowed on B and bit, "
                        "not on 'FLOP'");
    parse_err("Ks", "unknown unit 'Ks'; did you mean 'ks'?");
    parse_err("cs", "unknown unit 'cs'; did you mean 's'?");
}
END_TEST

START_TEST(test_parse_errors) {
    parse_err("GBs", "unknown unit 'GBs'; did you mean 'GB'?");
    parse_err("GBs/s", "unknown unit 'GBs'; did you mean 'GB'?");
    parse_err("FLOPs", "unknown unit 'FLOPs'; did you mean 'FLOP'?");
    parse_err("b", "unknown unit 'b'; did you mean 'B'?");
    parse_err("mB", "unknown unit 'mB'; did you mean 'MB'?");
    parse_err("op", "unknown unit 'op'");
    parse_err("FLOP/op", "unknown unit 'op'");
    parse_err("xyzzy", "unknown unit 'xyzzy'");
    parse_err("", "malformed unit");
    parse_err("GB/", "malformed unit");
    parse_err("/s", "malformed unit");
    parse_err("GB//s", "malformed unit");
    parse_err("m3*m3*m3", "unit exponent out of range");

    /* Only len bytes are read; the text need not be NUL-terminated. */
    double scale = 0.0;
    units_dim dim = units_none();
    ck_assert_int_eq(units_parse("GB/sXYZ", 4, &scale, &dim, NULL, 0), 0);
    ck_assert(units_eq(dim, D(1, -1, 0, 0, 0, 0)));

    /* A tiny error buffer is truncated, never overrun. */
    char small[8];
    ck_assert_int_eq(units_parse("GBs", 3, &scale, &dim, small, sizeof small),
                     -1);
    ck_assert_str_eq(small, "unknown");
}
END_TEST

START_TEST(test_algebra) {
    units_dim flop_per_cycle = D(0, 0, 1, 0, 0, -1);
    units_dim hz = D(0, -1, 0, 0, 0, 1);
    /* cycle is a base dimension and Hz = cycle/s, so a clock rate turns
     * FLOP/cycle into FLOP/s ... */
    units_dim clock = units_div(units_base(UNIT_CYCLE), units_base(UNIT_S));
    units_dim flops = units_mul(flop_per_cycle, clock);
    ck_assert(units_eq(flops, D(0, -1, 1, 0, 0, 0)));
    fmt_dim_is(flops, "FLOP/s");
    /* ... written with Hz too. */
    fmt_dim_is(units_mul(flop_per_cycle, hz), "FLOP/s");
    ck_assert(units_eq(units_div(units_base(UNIT_B), units_base(UNIT_S)),
                       D(1, -1, 0, 0, 0, 0)));
    ck_assert(units_is_none(units_div(flops, flops)));
    ck_assert(units_is_none(units_none()));
    ck_assert(!units_is_none(units_base(UNIT_M)));
    ck_assert(units_is_none(units_base(UNIT_NDIM))); /* out of range */
    /* Saturation instead of wrap-around. */
    units_dim big = D(100, 0, 0, 0, 0, 0);
    ck_assert_int_eq(units_mul(big, big).e[UNIT_B], 127);
    ck_assert_int_eq(units_div(units_none(), units_mul(big, big)).e[UNIT_B],
                     -127);
}
END_TEST

START_TEST(test_format_dim) {
    fmt_dim_is(D(1, -1, 0, 0, 0, 0), "B/s");
    fmt_dim_is(D(0, -1, 1, 0, 0, 0), "FLOP/s");
    fmt_dim_is(D(0, 0, -1, 1, 0, 0), "J/FLOP");
    fmt_dim_is(D(0, 0, 0, 0, 2, 0), "m2");
    fmt_dim_is(D(0, 0, 1, 0, 0, -1), "FLOP/cycle");
    fmt_dim_is(D(1, 1, 0, 0, 0, 0), "B*s");
    fmt_dim_is(D(0, -1, 0, 1, 0, 0), "W");
    fmt_dim_is(D(0, -1, 0, 0, 0, 1), "Hz");
    fmt_dim_is(D(0, -1, 0, 0, 0, 0), "1/s");
    fmt_dim_is(D(0, -2, 0, 0, 0, 0), "1/s2");
    fmt_dim_is(D(-1, 0, 0, 0, 0, 0), "1/B");
    fmt_dim_is(units_none(), "1");
    fmt_dim_is(D(0, -2, 0, 0, 1, 0), "m/s2");
    fmt_dim_is(D(0, -1, 0, 1, 0, -1), "J/cycle/s");

    /* Truncation is safe. */
    char tiny[3];
    units_format_dim(D(0, -1, 1, 0, 0, 0), tiny, sizeof tiny);
    ck_assert_str_eq(tiny, "FL");
}
END_TEST

START_TEST(test_dim_name) {
    ck_assert_str_eq(units_dim_name(D(1, 0, 0, 0, 0, 0)), "size");
    ck_assert_str_eq(units_dim_name(D(0, 1, 0, 0, 0, 0)), "time");
    ck_assert_str_eq(units_dim_name(D(0, 0, 1, 0, 0, 0)), "work");
    ck_assert_str_eq(units_dim_name(D(0, 0, 0, 1, 0, 0)), "energy");
    ck_assert_str_eq(units_dim_name(D(0, 0, 0, 0, 1, 0)), "length");
    ck_assert_str_eq(units_dim_name(D(0, 0, 0, 0, 2, 0)), "area");
    ck_assert_str_eq(units_dim_name(D(0, 0, 0, 0, 0, 1)), "cycles");
    ck_assert_str_eq(units_dim_name(D(1, -1, 0, 0, 0, 0)), "bandwidth");
    ck_assert_str_eq(units_dim_name(D(0, -1, 1, 0, 0, 0)), "compute rate");
    ck_assert_str_eq(units_dim_name(D(0, 0, 1, 0, 0, -1)), "rate per cycle");
    ck_assert_str_eq(units_dim_name(D(0, -1, 0, 0, 0, 1)), "frequency");
    ck_assert_str_eq(units_dim_name(D(0, -1, 0, 1, 0, 0)), "power");
    ck_assert_str_eq(units_dim_name(D(0, 0, -1, 1, 0, 0)), "energy per FLOP");
    ck_assert_str_eq(units_dim_name(D(-1, 0, 0, 1, 0, 0)), "energy per byte");
    ck_assert_str_eq(units_dim_name(units_none()), "number");
    ck_assert_ptr_null(units_dim_name(D(1, 1, 0, 0, 0, 0)));
}
END_TEST

START_TEST(test_format_value) {
    units_dim B = units_base(UNIT_B);
    fmt_val_is(1.6e12, D(1, -1, 0, 0, 0, 0), "1.6 TB/s");
    fmt_val_is(1048576.0, B, "1 MiB");
    fmt_val_is(16.0 * 1073741824.0, B, "16 GiB");
    fmt_val_is(1024.0, B, "1 KiB");
    fmt_val_is(1572864.0, B, "1.5 MiB");
    fmt_val_is(1.5e9, B, "1.5 GB");
    fmt_val_is(1000.0, B, "1 KB");
    fmt_val_is(1024000.0, B, "1.024 MB"); /* also a multiple of 1000 */
    fmt_val_is(512.0, B, "512 B");
    fmt_val_is(2000.0, units_base(UNIT_J), "2 kJ");
    fmt_val_is(4e-13, D(0, 0, -1, 1, 0, 0), "400 fJ/FLOP");
    fmt_val_is(2e-9, units_base(UNIT_S), "2 ns");
    fmt_val_is(1.5e-3, units_base(UNIT_S), "1.5 ms");
    fmt_val_is(-2e-9, units_base(UNIT_S), "-2 ns");
    fmt_val_is(1.23456789e-7, units_base(UNIT_S), "123.457 ns");
    fmt_val_is(8e-4, D(0, 0, 0, 0, 2, 0), "800 mm2");
    fmt_val_is(1e9, D(0, -1, 0, 0, 0, 1), "1 GHz");
    fmt_val_is(2e3, D(0, -1, 0, 1, 0, 0), "2 kW");
    fmt_val_is(1e9, D(0, -1, 1, 0, 0, 0), "1 GFLOP/s");
    fmt_val_is(0.0, D(1, -1, 0, 0, 0, 0), "0 B/s");
    fmt_val_is(999999.7, B, "1 MB"); /* rounding moves to next prefix */
    fmt_val_is(2.0, D(0, 0, 0, 0, 3, 0), "2 m3");
    fmt_val_is(3.0, units_none(), "3");
    fmt_val_is(1024.0, units_none(), "1024");
    fmt_val_is(0.5, units_none(), "0.5");
}
END_TEST

Suite *units_suite(void) {
    Suite *s = suite_create("units");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_test(tc, test_parse_examples);
    tcase_add_test(tc, test_parse_lengths_and_exponents);
    tcase_add_test(tc, test_parse_prefix_rules);
    tcase_add_test(tc, test_parse_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("algebra");
    tcase_add_test(tc, test_algebra);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_test(tc, test_format_dim);
    tcase_add_test(tc, test_dim_name);
    tcase_add_test(tc, test_format_value);
    suite_add_tcase(s, tc);

    return s;
}
