/* fmt.c - mldc fmt: the canonical formatter for .mld files.
 *
 * The formatter works on the text, not on the syntax tree, so that comments,
 * blank lines and the author's line breaks survive.  A small scanner of its
 * own (the flex scanner drops comments) cuts the text into comments, strings,
 * numbers with their units, words, punctuation and newlines, exactly where
 * grammar/lexer.l cuts it; the printer re-emits every line with canonical
 * indentation and spacing.  It never adds, drops or reorders a token and
 * never joins or splits a line, so every newline still ends exactly the
 * statements it ended (newlines are significant in .mld, as in Go).
 *
 * The style - one canonical form, everything else is normalised to it:
 *
 *  1. Indentation is 4 spaces per open '{'; a line that starts with '}' is
 *     dedented once per leading '}'.  Tabs are never emitted.
 *  2. Line breaks are the author's.  Statements that share a line stay on
 *     it (`{ size = 1 MiB; bandwidth = 512 GB/s }`), a statement broken over
 *     lines stays broken at the same places.  A line inside an open '(' or
 *     '[' is indented one level more than the line that opened the innermost
 *     of them; a line that starts with ')' or ']' lines up with the line that
 *     opened the bracket; a line that continues a statement after a trailing
 *     operator, ',' or keyword (no bracket open) is indented one level.
 *  3. One space around binary operators, '=', '<->', '..', '?' and ':'
 *     (`input x : fp16[n]`, `c ? a : b`, `0 .. 8 step 2`), between words,
 *     after ',' and ';', after '{' and before '}' when they share a line
 *     with something else (an empty block is `{}`).  No space inside '()'
 *     and '[]', before ',', ';', '.' and '.*', after '.', after a unary '-'
 *     or '!', or between a name and the '(' or '[' that follows it
 *     (`mesh(core)`, `core[0][*]`, `Core(macs = 2)[4]`, `w.layer[l].*`).
 *  4. A space-matrix declaration has no space before its ':' (`core: Core[4]`):
 *     that is the ':' right after the name that starts a statement.
 *  5. Numbers and units are printed as written, with one space between them:
 *     `1.6 TB/s` stays, `16GiB` becomes `16 GiB`.
 *  6. Comments keep their text (trailing blanks trimmed, also inside a
 *     block comment).  A comment on a line of its own is indented like code;
 *     a block comment between tokens has one space on each side (none next
 *     to '(' '[' before it or ',' ';' ')' ']' after it).  A trailing '//'
 *     comment keeps the author's column, moved by as much as the indentation
 *     of the line its statement starts on, so hand-aligned comments stay
 *     aligned: adjacent lines whose trailing comments share a column keep
 *     sharing one, moved right together when the code of one of them
 *     reaches it.  A trailing comment is at least one space after the code.
 *  7. At most one blank line in a row; none at the start or end of the file,
 *     after a line that ends by opening a block '{', or before a line that
 *     starts with '}'.
 *  8. No trailing whitespace; lines end with '\n' ("\r\n" becomes "\n"); the
 *     file ends with exactly one newline (a file with nothing but blanks
 *     becomes empty).
 *
 * These rules depend only on the tokens, on where the author's lines break
 * and on the columns of trailing comments, which formatting keeps (or, for
 * a comment, settles), so formatting formatted text changes nothing.
 *
 * Safety: before the text is used, fmt_source checks the result: re-scanned,
 * it must have the same tokens, as written (numbers and units compared
 * apart, so only the blank between them may change), and the same comments
 * in the same order; the library's parser must build the same syntax tree
 * from it (locations aside), so the newlines still end the same statements;
 * and formatting it again must change nothing.  Any difference is reported
 * as an internal error and the file is left as it was, so a formatter bug
 * cannot corrupt a design.  (The parser's tree is compared rather than
 * parse_dump_tokens' stream because that one costs time quadratic in the
 * file's size.)
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "util.h"
#include "lexextra.h"
#include "mldc.h"
#include "parse.h"

/* ---- a growable text buffer ------------------------------------------- */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void buf_add(buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n + 1) c *= 2;
        char *q = realloc(b->p, c);
        if (!q) mem_fail(0);
        b->p = q;
        b->cap = c;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void buf_ch(buf *b, char c) { buf_add(b, &c, 1); }

static void buf_spaces(buf *b, int n) {
    for (int i = 0; i < n; i++) buf_ch(b, ' ');
}

/* Display column (0-based) of text[pos] on its line: tabs stop every 4
 * columns, UTF-8 continuation bytes take no column. */
static int col_at(const char *text, size_t pos) {
    size_t s = pos;
    while (s > 0 && text[s - 1] != '\n') s--;
    int col = 0;
    for (size_t i = s; i < pos; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\t') col = (col / 4 + 1) * 4;
        else if ((c & 0xC0) != 0x80) col++;
    }
    return col;
}

/* ---- the scanner ------------------------------------------------------- */

enum { T_NL, T_LCOM, T_BCOM, T_STR, T_NUM, T_WORD, T_PUNCT };
enum { P_DOTDOT = 256, P_DOTSTAR, P_ARROW, P_EQ, P_NE, P_LE, P_GE, P_AND, P_OR };

typedef struct ftok {
    int kind;
    int op;     /* T_PUNCT: the character, or a P_ code */
    int kw;     /* T_WORD: a reserved word */
    size_t off; /* start in the text */
    size_t n;   /* length of the text (T_NUM: the number without its unit) */
    size_t uoff, un; /* T_NUM: the unit, un == 0 when none */
} ftok;

typedef struct tokvec {
    ftok *v;
    size_t n, cap;
} tokvec;

static ftok *tok_push(tokvec *tv) {
    if (tv->n == tv->cap) {
        size_t c = tv->cap ? tv->cap * 2 : 1024;
        ftok *q = realloc(tv->v, c * sizeof *q);
        if (!q) mem_fail(0);
        tv->v = q;
        tv->cap = c;
    }
    ftok *t = &tv->v[tv->n++];
    memset(t, 0, sizeof *t);
    return t;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_wstart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static int is_wchar(char c) { return is_wstart(c) || is_digit(c); }

static size_t digits_end(const char *s, size_t i, size_t len) {
    while (i < len && is_digit(s[i])) i++;
    return i;
}

static size_t word_end(const char *s, size_t i, size_t len) {
    while (i < len && is_wchar(s[i])) i++;
    return i;
}

/* End of `[ \t]*{UNIT}` (lexer.l) after a number that ends at i; i if none. */
static size_t unit_end(const char *s, size_t i, size_t len) {
    size_t w = i;
    while (w < len && (s[w] == ' ' || s[w] == '\t')) w++;
    if (w >= len || !is_wstart(s[w])) return i;
    size_t e = word_end(s, w, len);
    while (e + 1 < len && (s[e] == '/' || s[e] == '*') && is_wstart(s[e + 1])) e = word_end(s, e + 1, len);
    return e;
}

/* A number at s[i] (a digit), cut as lexer.l cuts it: the longest match of
 * `{NUM}[ \t]*{UNIT}`, `{DIGITS}(\.{DIGITS}){2,}` and `{NUM}` (the first of
 * these on a tie), then the first rule's action split into number and unit
 * (no unit when the word is reserved, as in `0 .. 4 step 2`).  Returns the
 * end of the token. */
static size_t scan_number(const char *s, size_t i, size_t len, ftok *t) {
    size_t cand[4], bases[2];
    int nc = 0, nb = 0;
    size_t d1 = digits_end(s, i, len);
    bases[nb++] = d1;
    if (d1 + 1 < len && s[d1] == '.' && is_digit(s[d1 + 1])) bases[nb++] = digits_end(s, d1 + 1, len);
    for (int k = 0; k < nb; k++) {
        size_t b = bases[k], j = b;
        cand[nc++] = b;
        if (j < len && (s[j] == 'e' || s[j] == 'E')) {
            j++;
            if (j < len && (s[j] == '+' || s[j] == '-')) j++;
            if (j < len && is_digit(s[j])) cand[nc++] = digits_end(s, j, len);
        }
    }
    size_t l1 = 0, l2 = 0, l3 = 0;
    for (int k = 0; k < nc; k++) {
        size_t e = unit_end(s, cand[k], len);
        if (e > cand[k] && e - i > l1) l1 = e - i;
        if (cand[k] - i > l2) l2 = cand[k] - i;
    }
    size_t p = d1;
    int dots = 0;
    while (p + 1 < len && s[p] == '.' && is_digit(s[p + 1])) {
        p = digits_end(s, p + 1, len);
        dots++;
    }
    if (dots >= 2) l3 = p - i;
    t->kind = T_NUM;
    t->off = i;
    if (l1 > 0 && l1 >= l2 && l1 >= l3) {
        const char *x = s + i;
        size_t L = l1, n = 0;
        while (n < L && x[n] && strchr("0123456789.eE+-", x[n])) {
            if ((x[n] == 'e' || x[n] == 'E') &&
                !(n + 1 < L && (x[n + 1] == '+' || x[n + 1] == '-' || is_digit(x[n + 1]))))
                break;
            n++;
        }
        size_t w = n;
        while (w < L && (x[w] == ' ' || x[w] == '\t')) w++;
        size_t wend = w;
        while (wend < L && x[wend] != '/' && x[wend] != '*') wend++;
        t->n = n;
        if (n == L || lex_is_reserved(x + w, wend - w)) return i + n;
        t->uoff = i + w;
        t->un = L - w;
        return i + L;
    }
    t->n = l3 > l2 ? l3 : l2;
    return i + t->n;
}

static void scan(const char *s, size_t len, tokvec *tv) {
    static const struct {
        const char *text;
        int op;
    } multi[] = {{"<->", P_ARROW}, {"..", P_DOTDOT}, {".*", P_DOTSTAR}, {"==", P_EQ}, {"!=", P_NE},
                 {"<=", P_LE},     {">=", P_GE},     {"&&", P_AND},     {"||", P_OR}};
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
            continue;
        }
        ftok *t = tok_push(tv);
        t->off = i;
        if (c == '\n') {
            t->kind = T_NL;
            i++;
        } else if (c == '/' && i + 1 < len && s[i + 1] == '/') {
            t->kind = T_LCOM;
            size_t e = i;
            while (e < len && s[e] != '\n') e++;
            i = e;
        } else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
            t->kind = T_BCOM;
            size_t e = i + 2;
            while (e < len && !(s[e] == '*' && e + 1 < len && s[e + 1] == '/')) e++;
            i = e < len ? e + 2 : len;
        } else if (c == '"') {
            t->kind = T_STR;
            size_t e = i + 1;
            while (e < len && s[e] != '"' && s[e] != '\n') {
                if (s[e] == '\\') {
                    if (e + 1 >= len || s[e + 1] == '\n') break;
                    e++;
                }
                e++;
            }
            i = e < len && s[e] == '"' ? e + 1 : e;
        } else if (is_digit(c)) {
            i = scan_number(s, i, len, t);
        } else if (is_wstart(c)) {
            t->kind = T_WORD;
            i = word_end(s, i, len);
            t->kw = lex_is_reserved(s + t->off, i - t->off);
        } else {
            t->kind = T_PUNCT;
            t->op = (unsigned char)c;
            i++;
            for (size_t k = 0; k < sizeof multi / sizeof multi[0]; k++) {
                size_t m = strlen(multi[k].text);
                if (t->off + m <= len && memcmp(s + t->off, multi[k].text, m) == 0) {
                    t->op = multi[k].op;
                    i = t->off + m;
                    break;
                }
            }
        }
        if (t->kind != T_NUM) t->n = i - t->off;
    }
}

/* ---- the printer ------------------------------------------------------- */

static int is_op(const ftok *t, int op) { return t && t->kind == T_PUNCT && t->op == op; }
static int is_code(const ftok *t) { return t->kind != T_NL && t->kind != T_LCOM && t->kind != T_BCOM; }

/* Can this token end an operand (so a '-' after it is binary, and a '(' or
 * '[' after it is a call or an index)? */
static int ends_operand(const ftok *t) {
    if (!t) return 0;
    if (t->kind == T_WORD) return !t->kw;
    if (t->kind == T_NUM || t->kind == T_STR) return 1;
    return is_op(t, ')') || is_op(t, ']') || is_op(t, P_DOTSTAR);
}

/* lexer.l's ends_stmt: a newline after this token ends a statement when no
 * '(' or '[' is open. */
static int ends_stmt(const ftok *t) { return ends_operand(t) || is_op(t, '}'); }

/* Spaces between two code tokens on one line. */
static int spacing(const ftok *a, int a_unary, int a_starts, const ftok *b) {
    if (b->kind == T_PUNCT &&
        (b->op == ',' || b->op == ';' || b->op == ')' || b->op == ']' || b->op == '.' || b->op == P_DOTSTAR))
        return 0;
    if (is_op(a, '(') || is_op(a, '[') || is_op(a, '.')) return 0;
    if (a_unary) return 0;
    if ((is_op(b, '(') || is_op(b, '[')) && ends_operand(a)) return 0;
    if (is_op(a, '{') && is_op(b, '}')) return 0;
    if (is_op(b, ':') && a_starts && a->kind == T_WORD && !a->kw) return 0;
    return 1;
}

static void emit_token(buf *o, const char *s, const ftok *t) {
    const char *p = s + t->off;
    size_t n = t->n;
    if (t->kind == T_LCOM) {
        while (n > 2 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r')) n--;
        buf_add(o, p, n);
    } else if (t->kind == T_BCOM) {
        /* verbatim, less the blanks that end its inner lines */
        size_t i = 0;
        while (i < n) {
            size_t e = i;
            while (e < n && p[e] != '\n') e++;
            size_t k = e;
            if (e < n)
                while (k > i && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r')) k--;
            buf_add(o, p + i, k - i);
            if (e < n) buf_ch(o, '\n');
            i = e + 1;
        }
    } else {
        buf_add(o, p, n);
        if (t->kind == T_NUM && t->un) {
            buf_ch(o, ' ');
            buf_add(o, s + t->uoff, t->un);
        }
    }
}

/* One line of output: its code (with indentation) and a trailing '//'
 * comment, placed once the whole file is laid out. */
typedef struct oline {
    size_t start, end; /* the code in the line buffer; start == end: blank */
    const ftok *com;   /* trailing comment, or NULL */
    int want;          /* its column: as in the source, moved with the statement */
    int codeend;       /* the column after the code */
} oline;

/* Format s[0..len) (no checks); returns a malloc'd, NUL-terminated text. */
static char *format_text(const char *s, size_t len, size_t *outlen) {
    tokvec tv = {0};
    scan(s, len, &tv);
    buf o = {0}; /* the lines, each ending with '\n', without trailing comments */
    buf_add(&o, "", 0);
    oline *lines = NULL;
    size_t nlines = 0, caplines = 0;

    int *open = NULL;          /* open '(' '[': the continuation level of its line */
    size_t nopen = 0, capopen = 0;
    int stmt_delta = 0;        /* indentation change of the line the statement began on */
    int depth = 0;             /* open '{' */
    const ftok *last = NULL;   /* the lexer's last token; NULL: start, or a ';' it inserted */
    int lexstart = 1;          /* last is NULL because nothing was read yet, or a ';' */
    int emitted = 0, pending_blank = 0, prev_opened = 0;

    size_t b = 0;
    while (b <= tv.n) {
        size_t e = b;
        while (e < tv.n && tv.v[e].kind != T_NL) e++;
        if (e == b) { /* a blank line (or the end) */
            if (e < tv.n) pending_blank = 1;
        } else {
            /* Is this line inside a statement (the newline before it
             * ended none)? */
            int cont = !(lexstart || is_op(last, ';') || is_op(last, '{'));
            int lead_brace = 0, lead_close = 0;
            for (size_t k = b; k < e && is_op(&tv.v[k], '}'); k++) lead_brace++;
            for (size_t k = b; k < e && (is_op(&tv.v[k], ')') || is_op(&tv.v[k], ']')); k++) lead_close++;
            int block = depth - lead_brace < 0 ? 0 : depth - lead_brace, extra;
            if (lead_brace) extra = 0;
            else if (lead_close && nopen) extra = open[(size_t)lead_close <= nopen ? nopen - (size_t)lead_close : 0];
            else if (nopen) extra = open[nopen - 1] + 1;
            else extra = cont;
            int indent = 4 * (block + extra);
            if (!cont) stmt_delta = indent - col_at(s, tv.v[b].off);
            if (nlines + 2 > caplines) {
                caplines = caplines ? caplines * 2 : 256;
                lines = realloc(lines, caplines * sizeof *lines);
                if (!lines) mem_fail(0);
            }
            if (pending_blank && emitted && !prev_opened && !lead_brace) {
                oline blank = {o.n, o.n, NULL, 0, 0};
                lines[nlines++] = blank;
            }
            pending_blank = 0;
            oline *ol = &lines[nlines++];
            memset(ol, 0, sizeof *ol);
            ol->start = o.n;
            buf_spaces(&o, indent);

            const ftok *prev = NULL; /* previous token on this line */
            int prev_unary = 0, prev_starts = 0;
            int at_start = !cont;
            const ftok *last_code = NULL;
            for (size_t k = b; k < e; k++) {
                const ftok *t = &tv.v[k];
                int unary = 0, starts = 0;
                if (is_code(t)) {
                    unary = is_op(t, '!') || (is_op(t, '-') && !ends_operand(last));
                    starts = at_start;
                    at_start = 0;
                }
                if (prev && t->kind == T_LCOM) { /* trailing: placed below */
                    ol->com = t;
                    ol->want = col_at(s, t->off) + stmt_delta;
                    ol->codeend = col_at(o.p, o.n);
                    continue;
                }
                if (prev) {
                    if (t->kind == T_BCOM) {
                        buf_spaces(&o, !is_op(prev, '(') && !is_op(prev, '['));
                    } else if (prev->kind == T_BCOM) {
                        buf_spaces(&o, !is_op(t, ',') && !is_op(t, ';') && !is_op(t, ')') && !is_op(t, ']'));
                    } else {
                        buf_spaces(&o, spacing(prev, prev_unary, prev_starts, t));
                    }
                }
                emit_token(&o, s, t);
                prev = t;
                prev_unary = unary;
                prev_starts = starts;
                if (!is_code(t)) continue;
                /* follow the lexer: brackets, blocks, statement starts */
                if (is_op(t, '(') || is_op(t, '[')) {
                    if (nopen == capopen) {
                        capopen = capopen ? capopen * 2 : 64;
                        open = realloc(open, capopen * sizeof *open);
                        if (!open) mem_fail(0);
                    }
                    open[nopen++] = extra;
                } else if (is_op(t, ')') || is_op(t, ']')) {
                    if (nopen) nopen--;
                } else if (is_op(t, '{')) {
                    depth++;
                    nopen = 0;
                    at_start = 1;
                } else if (is_op(t, '}')) {
                    if (depth) depth--;
                    nopen = 0;
                } else if (is_op(t, ';')) {
                    at_start = 1;
                }
                last = t;
                lexstart = 0;
                last_code = t;
            }
            ol->end = o.n;
            buf_ch(&o, '\n');
            emitted = 1;
            prev_opened = is_op(last_code, '{');
        }
        if (e >= tv.n) break;
        /* the newline: the lexer inserts ';' here when a statement can end */
        if (nopen == 0 && ends_stmt(last)) {
            last = NULL;
            lexstart = 1;
        }
        b = e + 1;
    }
    free(open);

    /* Trailing comments: a run of adjacent lines whose comments want the
     * same column gets that column, moved right as one when the code of any
     * of them reaches it; a lone comment likewise. */
    buf r = {0};
    buf_add(&r, "", 0);
    for (size_t i = 0; i < nlines;) {
        size_t j = i + 1;
        int col = lines[i].want;
        if (lines[i].com) {
            while (j < nlines && lines[j].com && lines[j].want == lines[i].want) j++;
            for (size_t k = i; k < j; k++)
                if (lines[k].codeend + 1 > col) col = lines[k].codeend + 1;
        }
        for (size_t k = i; k < j; k++) {
            buf_add(&r, o.p + lines[k].start, lines[k].end - lines[k].start);
            if (lines[k].com) {
                buf_spaces(&r, col - col_at(r.p, r.n));
                emit_token(&r, s, lines[k].com);
            }
            buf_ch(&r, '\n');
        }
        i = j;
    }
    free(lines);
    free(o.p);
    free(tv.v);
    *outlen = r.n;
    return r.p;
}

/* ---- the checks -------------------------------------------------------- */

/* The syntax tree as `mldc dump ast` prints it, without locations.  NULL
 * when a stream cannot be opened. */
static char *tree_text(const ast *root) {
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f) return NULL;
    ast_dump(f, root);
    if (fclose(f) != 0) {
        free(p);
        return NULL;
    }
    /* each line ends with " @LINE:COL" */
    char *w = p;
    for (char *l = p; *l;) {
        char *nl = strchr(l, '\n');
        size_t ln = nl ? (size_t)(nl - l) : strlen(l);
        char *at = ln ? l + ln - 1 : l;
        while (at > l && *at != '@') at--;
        size_t keep = *at == '@' && at > l && at[-1] == ' ' ? (size_t)(at - 1 - l) : ln;
        memmove(w, l, keep);
        w += keep;
        *w++ = '\n';
        l = nl ? nl + 1 : l + ln;
    }
    *w = 0;
    return p;
}

/* This scanner's view: code tokens (a number as "NUMBER UNIT") and, apart,
 * the comments with their trailing blanks trimmed (as emit_token prints
 * them), one per line of each result. */
static void own_tokens(const char *s, size_t len, buf *code, buf *comments) {
    tokvec tv = {0};
    scan(s, len, &tv);
    buf_add(code, "", 0);
    buf_add(comments, "", 0);
    for (size_t i = 0; i < tv.n; i++) {
        const ftok *t = &tv.v[i];
        if (t->kind == T_NL) continue;
        buf *into = is_code(t) ? code : comments;
        emit_token(into, s, t);
        buf_ch(into, '\n');
    }
    free(tv.v);
}

static int same(const buf *a, const buf *b) { return a->n == b->n && memcmp(a->p, b->p, a->n) == 0; }

/* Why `out` is not a faithful formatting of `in`, whose syntax tree (as
 * tree_text prints it) is `tree`; NULL when it is. */
static const char *verify(const char *path, const char *tree, const char *in, size_t inlen, const char *out,
                          size_t outlen) {
    const char *why = NULL;
    buf ca = {0}, ma = {0}, cb = {0}, mb = {0};
    own_tokens(in, inlen, &ca, &ma);
    own_tokens(out, outlen, &cb, &mb);
    if (!same(&ca, &cb)) why = "the tokens would change";
    else if (!same(&ma, &mb)) why = "the comments would change";
    free(ca.p);
    free(ma.p);
    free(cb.p);
    free(mb.p);
    if (why) return why;

    mld_source src = {path, out, outlen};
    diag_ctx quiet;
    diag_ctx_init(&quiet, NULL, NULL);
    arena a;
    arena_init(&a);
    ast *root = parse_file(&src, &a, &quiet);
    char *t = quiet.nerrors ? NULL : tree_text(root);
    if (quiet.nerrors) why = "the result would not parse";
    else if (!tree || !t) why = "the syntax trees could not be compared";
    else if (strcmp(tree, t) != 0) why = "the syntax tree would change";
    free(t);
    arena_free(&a);
    diag_ctx_free(&quiet);
    if (why) return why;

    size_t n2;
    char *again = format_text(out, outlen, &n2);
    if (n2 != outlen || memcmp(again, out, outlen) != 0) why = "formatting the result again would change it";
    free(again);
    return why;
}

int fmt_source(const mld_source *src, diag_ctx *dc, char **out, size_t *outlen) {
    *out = NULL;
    *outlen = 0;
    int before = dc->nerrors;
    arena a;
    arena_init(&a);
    ast *root = parse_file(src, &a, dc);
    if (dc->nerrors > before || dc->capped) {
        arena_free(&a);
        return 1;
    }
    char *tree = tree_text(root);
    arena_free(&a);
    size_t n;
    char *text = format_text(src->text, src->len, &n);
    const char *why = verify(src->path, tree, src->text, src->len, text, n);
    free(tree);
    if (why) {
        mld_loc at = {0};
        at.src = src;
        diag_error(dc, at, "internal error in mldc fmt: %s; the file is left as it is (please report this)", why);
        free(text);
        return 1;
    }
    *out = text;
    *outlen = n;
    return 0;
}

/* ---- files ------------------------------------------------------------- */

/* Report an I/O problem with `path`. */
/* Worded as the loader words its own ("cannot open 'x.mld': No such file
 * or directory"), so every command reports a missing file alike. */
static void io_error(diag_ctx *dc, const char *path, const char *what) {
    mld_loc none = {0};
    if (errno) diag_error(dc, none, "%s '%s': %s", what, path, strerror(errno));
    else diag_error(dc, none, "%s '%s'", what, path);
}


/* Replace the file at path with text, whole or not at all (util_out: a
 * temporary file renamed over it, through symbolic links, with the same
 * permissions). */
static int write_in_place(const char *path, const char *text, size_t len, diag_ctx *dc) {
    util_out out;
    if (util_out_open(&out, path) != 0) {
        io_error(dc, path, "cannot write");
        return 2;
    }
    if (len) fwrite(text, 1, len, out.f);
    if (util_out_close(&out) != 0) {
        io_error(dc, path, "cannot write");
        return 2;
    }
    return 0;
}

int fmt_files(const char *const *paths, int npaths, const fmt_options *o, diag_ctx *dc) {
    int rc = 0;
    for (int i = 0; i < npaths && !dc->capped; i++) {
        const char *path = paths[i];
        int is_stdin = strcmp(path, "-") == 0;
        const char *name = is_stdin ? "<stdin>" : path;
        FILE *f = is_stdin ? stdin : fopen(path, "rb");
        if (!f) {
            io_error(dc, name, "cannot open");
            rc = 2;
            continue;
        }
        size_t len = 0;
        errno = 0;
        char *text = util_read_all(f, MLDC_MAX_FILE, &len);
        if (!is_stdin) fclose(f);
        if (!text) {
            io_error(dc, name, "cannot read");
            rc = 2;
            continue;
        }
        mld_source src = {name, text, len};
        char *out;
        size_t outlen;
        if (fmt_source(&src, dc, &out, &outlen) != 0) {
            if (rc < 1) rc = 1;
            free(text);
            continue;
        }
        int changed = outlen != len || memcmp(out, text, len) != 0;
        if (o->check) {
            if (changed) {
                fprintf(o->out, "%s: not formatted\n", name);
                if (rc < 1) rc = 1;
            }
        } else if (is_stdin) {
            if (fwrite(out, 1, outlen, o->out) != outlen || fflush(o->out) != 0) {
                io_error(dc, "<stdout>", "cannot write");
                rc = 2;
            }
        } else if (changed && write_in_place(path, out, outlen, dc) != 0) {
            rc = 2;
        }
        free(out);
        free(text);
    }
    return rc;
}
