/* test_lexer.c - the scanner and parser, through parse_dump_tokens and
 * parse_file: numbers with units, reserved words inside quantities,
 * statement ends inserted at newlines, lexical errors and nesting limits;
 * and the source cache that keeps files read and parsed across loads. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldc.h"
#include "parse.h"
#include "srccache.h"
#include "suites.h"
#include "testutil.h"

/* The token dump of text (malloc'd); diagnostics go to r, the count of
 * lexical errors to *nlex. */
static char *toks(const char *text, recorder *r, int *nlex) {
    mld_source src = {"t.mld", text, strlen(text)};
    diag_ctx dc;
    memset(r, 0, sizeof *r);
    diag_ctx_init(&dc, rec_fn, r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    int n = parse_dump_tokens(f, &src, &dc);
    fclose(f);
    diag_ctx_free(&dc);
    if (nlex) *nlex = n;
    return buf;
}

/* Expect the exact token dump and no diagnostics. */
static void toks_are(const char *text, const char *want) {
    recorder r;
    int nlex = -1;
    char *got = toks(text, &r, &nlex);
    ck_assert_msg(strcmp(got, want) == 0, "tokens of:\n%s\ngot:\n%s\nwant:\n%s", text, got, want);
    ck_assert_msg(nlex == 0 && r.n == 0, "unexpected diagnostics for '%s':%s", text, rec_dump(&r));
    free(got);
}

/* Parse text as a file; return the number of top-level statements. */
static int parse_count(const char *text, recorder *r) {
    mld_source src = {"t.mld", text, strlen(text)};
    diag_ctx dc;
    arena a;
    memset(r, 0, sizeof *r);
    diag_ctx_init(&dc, rec_fn, r);
    arena_init(&a);
    ast *root = parse_file(&src, &a, &dc);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(root->kind, AST_FILE);
    int n = root->list.n;
    arena_free(&a);
    diag_ctx_free(&dc);
    return n;
}

/* Expect exactly one error with this message at line:col-end_col. */
static void one_error(const recorder *r, const char *msg, int line, int col, int end_col) {
    ck_assert_msg(r->n == 1 && r->nerrors == 1, "want one error '%s', got:%s", msg, rec_dump(r));
    ck_assert_str_eq(r->d[0].msg, msg);
    ck_assert_int_eq(r->d[0].line, line);
    ck_assert_int_eq(r->d[0].col, col);
    if (end_col) ck_assert_int_eq(r->d[0].end_col, end_col);
}

/* ---- quantities ---- */

START_TEST(test_number_with_unit) {
    toks_are("param bw = 16 GiB\n",
             "1:1-1:6 param\n"
             "1:7-1:9 identifier bw\n"
             "1:10-1:11 '='\n"
             "1:12-1:18 number 16 GiB\n"
             "1:18-1:19 ';' (end of line)\n");
    /* No space between number and unit; compound units. */
    toks_are("x = 16GiB\n",
             "1:1-1:2 identifier x\n"
             "1:3-1:4 '='\n"
             "1:5-1:10 number 16 GiB\n"
             "1:10-1:11 ';' (end of line)\n");
    toks_are("2 FLOP/cycle 0.5 pJ/bit 1.5e3 ns 3 TB/s\n",
             "1:1-1:13 number 2 FLOP/cycle\n"
             "1:14-1:24 number 0.5 pJ/bit\n"
             "1:25-1:33 number 1500 ns\n"
             "1:34-1:40 number 3 TB/s\n"
             "1:40-1:41 ';' (end of line)\n");
}
END_TEST

START_TEST(test_plain_numbers) {
    toks_are("1024 2.5 1e3 7E-1\n",
             "1:1-1:5 number 1024\n"
             "1:6-1:9 number 2.5\n"
             "1:10-1:13 number 1000\n"
             "1:14-1:18 number 0.7\n"
             "1:18-1:19 ';' (end of line)\n");
}
END_TEST

START_TEST(test_step_stays_keyword) {
    /* "4 step" must not be read as the quantity 4 with unit "step". */
    toks_are("0 .. 4 step 2\n",
             "1:1-1:2 number 0\n"
             "1:3-1:5 '..'\n"
             "1:6-1:7 number 4\n"
             "1:8-1:12 step\n"
             "1:13-1:14 number 2\n"
             "1:14-1:15 ';' (end of line)\n");
    /* Nor "4 in", "2 to", "1 on", "3 after", "8 split". */
    toks_are("for i in 0 .. 8 step 4 {}\n",
             "1:1-1:4 for\n"
             "1:5-1:6 identifier i\n"
             "1:7-1:9 in\n"
             "1:10-1:11 number 0\n"
             "1:12-1:14 '..'\n"
             "1:15-1:16 number 8\n"
             "1:17-1:21 step\n"
             "1:22-1:23 number 4\n"
             "1:24-1:25 '{'\n"
             "1:25-1:26 '}'\n"
             "1:26-1:27 ';' (end of line)\n");
    recorder r;
    char *got = toks("vary x in 1 .. 4 step 1\n", &r, NULL);
    ck_assert_msg(strstr(got, "1:18-1:22 step\n") != NULL, "got:\n%s", got);
    ck_assert_int_eq(r.n, 0);
    free(got);
}
END_TEST

START_TEST(test_unknown_unit) {
    recorder r;
    int nlex;
    char *got = toks("x = 4 GBs\n", &r, &nlex);
    free(got);
    ck_assert_int_eq(nlex, 1);
    /* At the unit, not at the number. */
    one_error(&r, "unknown unit 'GBs'; did you mean 'GB'?", 1, 7, 10);

    got = toks("y = 1.5 Ks\n", &r, &nlex);
    free(got);
    one_error(&r, "unknown unit 'Ks'; did you mean 'ks'?", 1, 9, 11);

    got = toks("z = 2 FLOP/op\n", &r, &nlex);
    free(got);
    one_error(&r, "unknown unit 'op'", 1, 7, 14);
}
END_TEST

/* ---- statement ends ---- */

START_TEST(test_newline_ends_statement) {
    toks_are("a = 1\n\n\nb = x\n",
             "1:1-1:2 identifier a\n"
             "1:3-1:4 '='\n"
             "1:5-1:6 number 1\n"
             "1:6-1:7 ';' (end of line)\n"
             "4:1-4:2 identifier b\n"
             "4:3-4:4 '='\n"
             "4:5-4:6 identifier x\n"
             "4:6-4:7 ';' (end of line)\n");
}
END_TEST

START_TEST(test_end_of_file_ends_statement) {
    /* The end of input ends the last statement as a newline would. */
    recorder r;
    char *got = toks("a = b", &r, NULL);
    size_t len = strlen(got);
    ck_assert_msg(len > 4 && strcmp(got + len - 4, "';'\n") == 0, "got:\n%s", got);
    ck_assert_int_eq(r.n, 0);
    free(got);
    /* But not after a token that cannot end one. */
    got = toks("a =", &r, NULL);
    ck_assert_msg(strstr(got, "';'") == NULL, "got:\n%s", got);
    free(got);
}
END_TEST

START_TEST(test_newline_continues) {
    /* After an operator, and inside ( ) or [ ], a newline is just space. */
    toks_are("a = 1 +\n 2\n",
             "1:1-1:2 identifier a\n"
             "1:3-1:4 '='\n"
             "1:5-1:6 number 1\n"
             "1:7-1:8 '+'\n"
             "2:2-2:3 number 2\n"
             "2:3-2:4 ';' (end of line)\n");
    toks_are("f(1,\n2\n)\n",
             "1:1-1:2 identifier f\n"
             "1:2-1:3 '('\n"
             "1:3-1:4 number 1\n"
             "1:4-1:5 ','\n"
             "2:1-2:2 number 2\n"
             "3:1-3:2 ')'\n"
             "3:2-3:3 ';' (end of line)\n");
    toks_are("[1\n]\n",
             "1:1-1:2 '['\n"
             "1:2-1:3 number 1\n"
             "2:1-2:2 ']'\n"
             "2:2-2:3 ';' (end of line)\n");
}
END_TEST

START_TEST(test_newline_in_block) {
    /* Inside { } newlines end statements again, even within ( ). */
    toks_are("level L {\nx = 1\n}\n",
             "1:1-1:6 level\n"
             "1:7-1:8 identifier L\n"
             "1:9-1:10 '{'\n"
             "2:1-2:2 identifier x\n"
             "2:3-2:4 '='\n"
             "2:5-2:6 number 1\n"
             "2:6-2:7 ';' (end of line)\n"
             "3:1-3:2 '}'\n"
             "3:2-3:3 ';' (end of line)\n");
}
END_TEST

START_TEST(test_comments) {
    toks_are("a // one\n/* two\nlines */ b /* c */\n",
             "1:1-1:2 identifier a\n"
             "1:9-1:10 ';' (end of line)\n"
             "3:10-3:11 identifier b\n"
             "3:19-3:20 ';' (end of line)\n");
}
END_TEST

START_TEST(test_operators) {
    toks_are("a.* <-> == != <= >= && || .. x[*]\n",
             "1:1-1:2 identifier a\n"
             "1:2-1:4 '.*'\n"
             "1:5-1:8 '<->'\n"
             "1:9-1:11 '=='\n"
             "1:12-1:14 '!='\n"
             "1:15-1:17 '<='\n"
             "1:18-1:20 '>='\n"
             "1:21-1:23 '&&'\n"
             "1:24-1:26 '||'\n"
             "1:27-1:29 '..'\n"
             "1:30-1:31 identifier x\n"
             "1:31-1:32 '['\n"
             "1:32-1:33 '*'\n"
             "1:33-1:34 ']'\n"
             "1:34-1:35 ';' (end of line)\n");
}
END_TEST

/* ---- lexical errors ---- */

START_TEST(test_bad_characters) {
    recorder r;
    int nlex;
    char *got = toks("a = 1 @ 2\n", &r, &nlex);
    free(got);
    ck_assert_int_eq(nlex, 1);
    one_error(&r, "unexpected character '@'", 1, 7, 8);

    got = toks("a = \x80\n", &r, &nlex);
    free(got);
    one_error(&r, "unexpected byte 0x80 (the file is not UTF-8 text)", 1, 5, 6);

    /* a UTF-8 character is one error naming its code point, not three
     * about its bytes; a byte-order mark at the start is skipped and takes
     * no column */
    got = toks("a = 3 \xE2\x88\x92 1\n", &r, &nlex);
    free(got);
    ck_assert_str_eq(r.d[0].msg, "unexpected character U+2212 '\xE2\x88\x92', a minus sign: write '-'");
    got = toks("\xEF\xBB\xBF" "a = 1\n", &r, &nlex);
    free(got);
    ck_assert_int_eq(r.n, 0);
    got = toks("a = 0x10\n", &r, &nlex);
    free(got);
    one_error(&r, "hexadecimal numbers are not supported: write '0x10' as 16", 1, 5, 9);
}
END_TEST

START_TEST(test_unterminated) {
    recorder r;
    int nlex;
    char *got = toks("import \"std/llm\nparam x = 1\n", &r, &nlex);
    free(got);
    one_error(&r, "unterminated string", 1, 8, 0);

    /* Reported where the comment began. */
    got = toks("a = 1\n  /* never\nclosed\n", &r, &nlex);
    free(got);
    one_error(&r, "unterminated comment", 2, 3, 0);
}
END_TEST

START_TEST(test_keywords) {
    int n = 0;
    for (const char *const *k = parse_keywords; *k; k++, n++) {
        ck_assert_msg(parse_is_keyword(*k), "'%s' listed but not a keyword", *k);
        for (const char *const *j = parse_keywords; j < k; j++)
            ck_assert_msg(strcmp(*j, *k) != 0, "'%s' listed twice", *k);
    }
    ck_assert_int_ge(n, 30);
    ck_assert(parse_is_keyword("level"));
    ck_assert(parse_is_keyword("step"));
    ck_assert(!parse_is_keyword("steps"));
    ck_assert(!parse_is_keyword("Level"));
    ck_assert(!parse_is_keyword("mesh")); /* topologies are plain names */
    ck_assert(!parse_is_keyword(""));
}
END_TEST

/* ---- limits and parser recovery ---- */

START_TEST(test_nesting_limit) {
    /* 300 open parentheses: one error at the first one past the limit, and
     * nothing after it (the input is cut there). */
    char text[400] = "param p = ";
    memset(text + 10, '(', 300);
    strcpy(text + 310, "1\n");
    recorder r;
    parse_count(text, &r);
    ck_assert_msg(r.nerrors == 1, "%s", rec_dump(&r));
    ck_assert_str_eq(r.d[0].msg, "brackets and blocks nested deeper than 256 levels");
    ck_assert_int_eq(r.d[0].line, 1);
    ck_assert_int_eq(r.d[0].col, 10 + 257);

    /* Blocks count too. */
    char blocks[2000] = "";
    for (int i = 0; i < 300; i++) strcat(blocks, "if 1 {");
    parse_count(blocks, &r);
    ck_assert_msg(r.nerrors == 1, "%s", rec_dump(&r));
    ck_assert_str_eq(r.d[0].msg, "brackets and blocks nested deeper than 256 levels");

    /* 200 deep is fine. */
    char stmt[420] = "param p = ";
    size_t len = strlen(stmt);
    memset(stmt + len, '(', 200);
    stmt[len + 200] = '1';
    memset(stmt + len + 201, ')', 200);
    strcpy(stmt + len + 401, "\n");
    ck_assert_int_eq(parse_count(stmt, &r), 1);
    ck_assert_msg(r.n == 0, "%s", rec_dump(&r));
}
END_TEST

START_TEST(test_expression_depth_limit) {
    /* A flat chain of 1500 additions is a left-leaning tree 1500 deep. */
    enum { N = 1500 };
    char *text = malloc(20 + 2 * N + 2);
    ck_assert_ptr_nonnull(text);
    strcpy(text, "param p = 1");
    size_t len = strlen(text);
    for (int i = 0; i < N; i++) {
        text[len++] = '+';
        text[len++] = '1';
    }
    text[len++] = '\n';
    text[len] = 0;
    recorder r;
    parse_count(text, &r);
    free(text);
    ck_assert_msg(r.nerrors == 1, "%s", rec_dump(&r));
    ck_assert_str_eq(r.d[0].msg, "expression nested deeper than 1000 levels");
}
END_TEST

START_TEST(test_parse_statements) {
    recorder r;
    ck_assert_int_eq(parse_count("param a = 1\nparam b = a * 2\n\nlet c = 3", &r), 3);
    ck_assert_int_eq(r.n, 0);
    ck_assert_int_eq(parse_count("", &r), 0);
    ck_assert_int_eq(r.n, 0);
    ck_assert_int_eq(parse_count("\n\n// only a comment\n", &r), 0);
    ck_assert_int_eq(r.n, 0);
    ck_assert_int_eq(parse_count("param a = 1; param b = 2;", &r), 2);
    ck_assert_int_eq(r.n, 0);
}
END_TEST

START_TEST(test_syntax_recovery) {
    /* Three broken lines among good ones: three errors, good lines kept. */
    recorder r;
    int n = parse_count("param a = 1\n"
                        "param = 2\n"
                        "param b = 3\n"
                        "param c 4\n"
                        "param d = (1 + \n"
                        "param e = 5\n",
                        &r);
    ck_assert_msg(r.nerrors >= 2, "%s", rec_dump(&r));
    ck_assert_int_eq(r.d[0].line, 2);
    ck_assert_int_eq(r.d[1].line, 4);
    ck_assert_msg(strncmp(r.d[0].msg, "syntax error: unexpected '='", 28) == 0, "%s", r.d[0].msg);
    ck_assert_msg(strncmp(r.d[1].msg, "syntax error: unexpected number", 31) == 0, "%s", r.d[1].msg);
    ck_assert_int_ge(n, 2); /* a and b at least */
}
END_TEST

/* The source cache: a file kept and parsed once gives the same tree to
 * each later parse, without reading the caller's copy again; a file whose
 * parse reports an error is parsed (and reported) on every load. */
START_TEST(test_srccache_parses_once) {
    srccache *c = srccache_new();
    char text[] = "param a = 1\nparam b = a + 2\n";
    mld_source given = {"d.mld", text, strlen(text)};
    mld_source *kept = srccache_keep(c, &given);
    ck_assert_ptr_ne(kept, &given);
    ck_assert_ptr_eq(srccache_keep(c, &given), kept);
    ck_assert_ptr_eq(srccache_source(c, "d.mld"), kept);
    ck_assert_ptr_null(srccache_source(c, "other.mld"));
    ck_assert(srccache_owns(c, kept) && !srccache_owns(c, &given));
    text[6] = 'z'; /* the caller's copy changes: the kept text does not */
    ck_assert_str_eq(kept->text, "param a = 1\nparam b = a + 2\n");
    recorder r;
    memset(&r, 0, sizeof r);
    diag_ctx dc;
    diag_ctx_init(&dc, rec_fn, &r);
    arena a;
    arena_init(&a);
    ast *t1 = srccache_parse(c, kept, &a, &dc), *t2 = srccache_parse(c, kept, &a, &dc);
    ck_assert_ptr_eq(t1, t2);
    ck_assert_int_eq(t1->list.n, 2);
    ck_assert_ptr_eq(((const ast *)t1->list.v[0])->loc.src, kept);
    ck_assert_uint_eq(a.total, 0); /* nothing parsed into the caller's arena */
    ck_assert_int_eq(r.n, 0);
    /* a source that is not the cache's own is parsed into the caller's arena */
    ast *t3 = srccache_parse(c, &given, &a, &dc);
    ck_assert_ptr_ne(t3, t1);
    ck_assert_uint_gt(a.total, 0);
    /* a syntax error: reported by each parse */
    const char *bad = "param = 3\n";
    mld_source bsrc = {"bad.mld", bad, strlen(bad)};
    mld_source *bk = srccache_keep(c, &bsrc);
    srccache_parse(c, bk, &a, &dc);
    int once = r.nerrors;
    ck_assert_int_ge(once, 1);
    diag_ctx_free(&dc); /* the next load's diagnostics: a context of its own */
    diag_ctx_init(&dc, rec_fn, &r);
    srccache_parse(c, bk, &a, &dc);
    ck_assert_int_eq(r.nerrors, 2 * once);
    diag_ctx_free(&dc);
    arena_free(&a);
    srccache_free(c);
}
END_TEST

/* Loads through a cache: a file read once is not read again (a change on
 * disk after the first load is not seen), --set still applies to each
 * load, and a load without the cache reads the disk. */
static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static double param_of(const ir_design *d, const char *name) {
    for (int i = 0; i < d->nparams; i++)
        if (strcmp(d->params[i].name, name) == 0) return d->params[i].value;
    ck_abort_msg("no parameter %s", name);
    return 0;
}

START_TEST(test_srccache_loads) {
    char dir[] = "/tmp/mldc-srccache.XXXXXX", root[64], lib[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(root, sizeof root, "%s/a.mld", dir);
    snprintf(lib, sizeof lib, "%s/b.mld", dir);
    write_text(root, "import \"b\"\nparam x = 1\nparam y = x + base\n");
    write_text(lib, "param base = 10\n");
    srccache *c = srccache_new();
    const char *one[] = {"x=2"}, *two[] = {"x=5"};
    mldc_options o;
    memset(&o, 0, sizeof o);
    o.cache = c;
    o.sets = one;
    o.nsets = 1;
    recorder r;
    memset(&r, 0, sizeof r);
    diag_ctx dc;
    diag_ctx_init(&dc, rec_fn, &r);
    ir_design *d1 = mldc_load_file(root, &o, &dc);
    ck_assert_int_eq(dc.nerrors, 0);
    ck_assert(param_of(d1, "y") == 12);
    ck_assert_ptr_nonnull(srccache_source(c, lib));
    write_text(lib, "param base = \n"); /* now a syntax error on disk */
    o.sets = two;
    ir_design *d2 = mldc_load_file(root, &o, &dc);
    ck_assert_int_eq(dc.nerrors, 0); /* the kept text and tree */
    ck_assert(param_of(d2, "y") == 15);
    ck_assert_int_eq(d2->ninputs, d1->ninputs);
    for (int i = 0; i < d1->ninputs; i++) ck_assert(d1->inputs[i].hash == d2->inputs[i].hash);
    o.cache = NULL;
    ir_design *d3 = mldc_load_file(root, &o, &dc);
    ck_assert_int_ge(dc.nerrors, 1); /* without the cache: read again */
    ir_design_free(d1);
    ir_design_free(d2);
    ir_design_free(d3);
    diag_ctx_free(&dc);
    srccache_free(c);
    unlink(lib);
    unlink(root);
    rmdir(dir);
}
END_TEST

Suite *lexer_suite(void) {
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("quantities");
    tcase_add_test(tc, test_number_with_unit);
    tcase_add_test(tc, test_plain_numbers);
    tcase_add_test(tc, test_step_stays_keyword);
    tcase_add_test(tc, test_unknown_unit);
    suite_add_tcase(s, tc);

    tc = tcase_create("statement_ends");
    tcase_add_test(tc, test_newline_ends_statement);
    tcase_add_test(tc, test_end_of_file_ends_statement);
    tcase_add_test(tc, test_newline_continues);
    tcase_add_test(tc, test_newline_in_block);
    tcase_add_test(tc, test_comments);
    tcase_add_test(tc, test_operators);
    suite_add_tcase(s, tc);

    tc = tcase_create("srccache");
    tcase_add_test(tc, test_srccache_parses_once);
    tcase_add_test(tc, test_srccache_loads);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_bad_characters);
    tcase_add_test(tc, test_unterminated);
    tcase_add_test(tc, test_keywords);
    suite_add_tcase(s, tc);

    tc = tcase_create("parser");
    tcase_add_test(tc, test_nesting_limit);
    tcase_add_test(tc, test_expression_depth_limit);
    tcase_add_test(tc, test_parse_statements);
    tcase_add_test(tc, test_syntax_recovery);
    suite_add_tcase(s, tc);
    return s;
}
