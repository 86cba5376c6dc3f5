/* lex.c - the scanner's helpers and the parser's drivers.
 *
 * Location bookkeeping, literal construction (numbers with units, strings,
 * identifiers), the reserved-word table, nesting limits, and the three entry
 * points of parse.h.  Keeping this code out of the .l and .y files keeps the
 * generated code small and this code warning-clean under our strict flags.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lexextra.h"
#include "parse.h"
#include "parser.h"
#include "units.h"

typedef void *yyscan_t;
int mld_yylex_init_extra(lex_extra *x, yyscan_t *s);
int mld_yylex_destroy(yyscan_t s);
void *mld_yy_scan_bytes(const char *bytes, int len, yyscan_t s);
int mld_yylex_raw(MLD_YYSTYPE *lval, MLD_YYLTYPE *lloc, yyscan_t s);
int mld_yyparse(lex_extra *x, void *scanner);

/* Reserved words and their tokens, in the order editors list them. */
static const struct { const char *word; int tok; } keywords[] = {
    {"import", KW_IMPORT},     {"param", KW_PARAM},     {"let", KW_LET},
    {"level", KW_LEVEL},       {"system", KW_SYSTEM},   {"compute", KW_COMPUTE},
    {"memory", KW_MEMORY},     {"network", KW_NETWORK}, {"link", KW_LINK},
    {"attach", KW_ATTACH},     {"to", KW_TO},           {"at", KW_AT},
    {"workload", KW_WORKLOAD}, {"input", KW_INPUT},     {"weight", KW_WEIGHT},
    {"cache", KW_CACHE},       {"op", KW_OP},           {"group", KW_GROUP},
    {"mapping", KW_MAPPING},   {"on", KW_ON},           {"for", KW_FOR},
    {"in", KW_IN},             {"place", KW_PLACE},     {"split", KW_SPLIT},
    {"transfer", KW_TRANSFER}, {"from", KW_FROM},       {"store", KW_STORE},
    {"sync", KW_SYNC},         {"after", KW_AFTER},     {"explore", KW_EXPLORE},
    {"vary", KW_VARY},         {"require", KW_REQUIRE}, {"minimize", KW_MINIMIZE},
    {"maximize", KW_MAXIMIZE}, {"if", KW_IF},           {"else", KW_ELSE},
    {"step", KW_STEP},
};
enum { NKEYWORDS = sizeof keywords / sizeof keywords[0] };

const char *const parse_keywords[] = {
    "import", "param", "let", "level", "system", "compute", "memory", "network",
    "link", "attach", "to", "at", "workload", "input", "weight", "cache", "op",
    "group", "mapping", "on", "for", "in", "place", "split", "transfer", "from",
    "store", "sync", "after", "explore", "vary", "require", "minimize",
    "maximize", "if", "else", "step", NULL,
};

int lex_keyword(const char *word) {
    for (int i = 0; i < NKEYWORDS; i++)
        if (strcmp(keywords[i].word, word) == 0) return keywords[i].tok;
    return 0;
}

int lex_is_reserved(const char *word, size_t len) {
    for (int i = 0; i < NKEYWORDS; i++)
        if (strlen(keywords[i].word) == len && memcmp(keywords[i].word, word, len) == 0)
            return 1;
    return 0;
}

int parse_is_keyword(const char *word) { return lex_keyword(word) != 0; }

void lex_advance(lex_extra *x, mld_loc *loc, const char *text, size_t len) {
    loc->src = x->src;
    loc->line = x->line;
    loc->col = x->col;
    /* a byte-order mark at the start takes no column (diag.c skips it too) */
    if (x->line == 1 && x->col == 1 && len == 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) len = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            x->line++;
            x->col = 1;
        } else {
            x->col++;
        }
    }
    loc->end_line = x->line;
    loc->end_col = x->col;
    /* A newline token's span is the newline itself. */
    if (len == 1 && text[0] == '\n') {
        loc->end_line = loc->line;
        loc->end_col = loc->col + 1;
    }
}

void lex_retreat(lex_extra *x, mld_loc *loc, const char *text, size_t keep) {
    (void)text;
    x->line = loc->line;
    x->col = loc->col + (int)keep;
    loc->end_line = x->line;
    loc->end_col = x->col;
}

int lex_loc_is_newline(const mld_loc *loc) {
    if (!loc->src || loc->line < 1) return 0;
    const char *p = loc->src->text, *end = p + loc->src->len;
    for (int l = 1; l < loc->line && p < end; p++)
        if (*p == '\n') l++;
    p += loc->col - 1;
    return p >= end || *p == '\n' || *p == '\r';
}

void lex_unexpected_char(lex_extra *x, const mld_loc *loc, const char *utf8, size_t len) {
    const unsigned char *u = (const unsigned char *)utf8;
    unsigned cp = len == 2 ? (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu)
                : len == 3 ? (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu)
                           : (u[0] & 0x07u) << 18 | (u[1] & 0x3Fu) << 12 | (u[2] & 0x3Fu) << 6 | (u[3] & 0x3Fu);
    static const struct {
        unsigned cp;
        const char *hint;
    } alike[] = {
        {0x2212, "a minus sign: write '-'"},        {0x2013, "an en dash: write '-'"},
        {0x2014, "an em dash: write '-'"},          {0x00D7, "a multiplication sign: write '*'"},
        {0x201C, "a curly quote: write '\"'"},     {0x201D, "a curly quote: write '\"'"},
        {0x2018, "a curly quote"},                  {0x2019, "a curly quote"},
        {0x00A0, "a no-break space: write a space"}, {0x200B, "a zero-width space: delete it"},
        {0x2009, "a thin space: write a space"},    {0xFEFF, "a zero-width no-break space: delete it"},
        {0x00B5, "a micro sign: write 'u' (us, uW)"}, {0x03BC, "a Greek mu: write 'u' (us, uW)"},
    };
    const char *hint = NULL;
    for (size_t i = 0; i < sizeof alike / sizeof alike[0]; i++)
        if (alike[i].cp == cp) hint = alike[i].hint;
    /* invisible characters are shown by code point only */
    int visible = cp != 0x200B && cp != 0xFEFF && cp != 0x00A0 && cp != 0x2009;
    lex_error(x, loc, "unexpected character U+%04X%s%.*s%s%s%s", cp, visible ? " '" : "", visible ? (int)len : 0, utf8,
              visible ? "'" : "", hint ? ", " : "", hint ? hint : "");
}

void lex_error(lex_extra *x, const mld_loc *loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[600];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    x->nerrors++;
    diag_error(x->dc, *loc, "%s", buf);
}

int lex_open(lex_extra *x, const mld_loc *loc) {
    if (++x->depth + x->blocks > LEX_MAX_NEST) {
        lex_error(x, loc, "brackets and blocks nested deeper than %d levels", LEX_MAX_NEST);
        x->fatal = 1;
        return 1;
    }
    return 0;
}

int lex_open_block(lex_extra *x, const mld_loc *loc) {
    if (++x->blocks > LEX_MAX_NEST) {
        lex_error(x, loc, "brackets and blocks nested deeper than %d levels", LEX_MAX_NEST);
        x->fatal = 1;
        return 1;
    }
    return 0;
}

ast *lex_number(lex_extra *x, const mld_loc *loc, const char *num, size_t nlen,
                const char *unit, size_t ulen, int uoff) {
    ast *n = arena_alloc(x->mem, sizeof *n);
    n->kind = AST_NUM;
    n->loc = *loc;
    n->depth = 1;
    char buf[64];
    if (nlen >= sizeof buf) nlen = sizeof buf - 1;
    memcpy(buf, num, nlen);
    buf[nlen] = 0;
    n->num = strtod(buf, NULL);
    n->is_int = strpbrk(buf, ".eE") == NULL && n->num < 9.007199254740992e15;
    n->scale = 1;
    n->dim = units_none();
    if (unit) {
        n->unit = arena_strndup(x->mem, unit, ulen);
        char err[200];
        if (units_parse(unit, ulen, &n->scale, &n->dim, err, sizeof err) != 0) {
            mld_loc ul = *loc;
            ul.col = loc->col + uoff;
            ul.end_col = ul.col + (int)ulen;
            ul.end_line = ul.line;
            lex_error(x, &ul, "%s", err);
        }
    }
    return n;
}

ast *lex_string(lex_extra *x, const mld_loc *loc, const char *text, size_t len) {
    ast *n = arena_alloc(x->mem, sizeof *n);
    n->kind = AST_STR;
    n->loc = *loc;
    n->depth = 1;
    char *s = arena_alloc(x->mem, len + 1), *o = s;
    for (size_t i = 1; i + 1 < len; i++) {
        char c = text[i];
        if (c == '\\' && i + 2 < len) {
            c = text[++i];
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
        }
        *o++ = c;
    }
    *o = 0;
    n->name = s;
    return n;
}

ast *lex_ident(lex_extra *x, const mld_loc *loc, const char *text) {
    ast *n = arena_alloc(x->mem, sizeof *n);
    n->kind = AST_IDENT;
    n->loc = *loc;
    n->depth = 1;
    n->name = arena_strdup(x->mem, text);
    return n;
}

const char *lex_token_name(int tok) {
    if (tok == 0) return "end of file";
    static const char *const chars[128] = {
        [';'] = "';'", ['{'] = "'{'", ['}'] = "'}'", ['('] = "'('", [')'] = "')'",
        ['['] = "'['", [']'] = "']'", ['.'] = "'.'", [','] = "','", [':'] = "':'",
        ['='] = "'='", ['<'] = "'<'", ['>'] = "'>'", ['+'] = "'+'", ['-'] = "'-'",
        ['*'] = "'*'", ['/'] = "'/'", ['%'] = "'%'", ['!'] = "'!'", ['?'] = "'?'",
    };
    if (tok > 0 && tok < 128) return chars[tok] ? chars[tok] : "character";
    switch (tok) {
    case IDENT: return "identifier";
    case NUMBER: return "number";
    case STRING: return "string";
    case DOTDOT: return "'..'";
    case DOTSTAR: return "'.*'";
    case ARROW: return "'<->'";
    case EQ: return "'=='";
    case NE: return "'!='";
    case LE: return "'<='";
    case GE: return "'>='";
    case AND: return "'&&'";
    case OR: return "'||'";
    }
    for (int i = 0; i < NKEYWORDS; i++)
        if (keywords[i].tok == tok) return keywords[i].word;
    return "token";
}

/* The parser's yylex: hand out the start token first, then scan. */
int mld_yylex(MLD_YYSTYPE *lval, MLD_YYLTYPE *lloc, lex_extra *x, void *scanner) {
    if (x->start) {
        int t = x->start;
        x->start = 0;
        memset(lloc, 0, sizeof *lloc);
        lloc->src = x->src;
        lloc->line = lloc->end_line = 1;
        lloc->col = lloc->end_col = 1;
        return t;
    }
    return mld_yylex_raw(lval, lloc, scanner);
}

static void setup(lex_extra *x, const mld_source *src, arena *a, diag_ctx *dc, int start) {
    memset(x, 0, sizeof *x);
    x->src = src;
    x->mem = a;
    x->dc = dc;
    x->line = 1;
    x->col = 1;
    x->start = start;
    x->last = ';';
}

static ast *run(const mld_source *src, arena *a, diag_ctx *dc, int start) {
    lex_extra x;
    setup(&x, src, a, dc, start);
    yyscan_t s;
    if (mld_yylex_init_extra(&x, &s) != 0) abort();
    mld_yy_scan_bytes(src->text, (int)src->len, s);
    int rc = mld_yyparse(&x, s);
    mld_yylex_destroy(s);
    if (rc != 0 || x.nerrors) return start == START_FILE ? (x.root ? x.root : NULL) : NULL;
    return x.root;
}

ast *parse_file(const mld_source *src, arena *a, diag_ctx *dc) {
    ast *root = run(src, a, dc, START_FILE);
    if (!root) {
        mld_loc loc = {1, 1, 1, 1, src};
        root = arena_alloc(a, sizeof *root);
        root->kind = AST_BLOCK;
        root->loc = loc;
    }
    root->kind = AST_FILE;
    return root;
}

ast *parse_expr(const mld_source *src, arena *a, diag_ctx *dc) {
    return run(src, a, dc, START_EXPR);
}

int parse_dump_tokens(FILE *out, const mld_source *src, diag_ctx *dc) {
    arena a;
    arena_init(&a);
    lex_extra x;
    setup(&x, src, &a, dc, 0);
    yyscan_t s;
    if (mld_yylex_init_extra(&x, &s) != 0) abort();
    mld_yy_scan_bytes(src->text, (int)src->len, s);
    MLD_YYSTYPE val;
    MLD_YYLTYPE loc;
    for (;;) {
        memset(&val, 0, sizeof val);
        int t = mld_yylex_raw(&val, &loc, s);
        if (t == 0) break;
        fprintf(out, "%d:%d-%d:%d %s", loc.line, loc.col, loc.end_line, loc.end_col,
                t == ';' && lex_loc_is_newline(&loc) ? "';' (end of line)" : lex_token_name(t));
        if (t == IDENT) fprintf(out, " %s", val.node->name);
        else if (t == STRING) fprintf(out, " \"%s\"", val.node->name);
        else if (t == NUMBER) {
            fprintf(out, " %.15g", val.node->num);
            if (val.node->unit) fprintf(out, " %s", val.node->unit);
        }
        fputc('\n', out);
    }
    mld_yylex_destroy(s);
    arena_free(&a);
    return x.nerrors;
}
