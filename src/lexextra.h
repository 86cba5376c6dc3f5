/* lexextra.h - state and helpers shared by the scanner and the parser.
 *
 * The scanner's actions stay one-liners; the work (locations, numbers with
 * units, keyword lookup, limits) is done by the lex_* functions in lex.c.
 */
#ifndef MLDC_LEXEXTRA_H
#define MLDC_LEXEXTRA_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"

#define MLD_YYLTYPE mld_loc
#define MLD_YYLTYPE_IS_DECLARED 1
#define MLD_YYLTYPE_IS_TRIVIAL 1

enum { LEX_MAX_NEST = 256 }; /* open brackets + blocks at once */

typedef struct lex_extra {
    const mld_source *src;
    arena *mem;
    diag_ctx *dc;
    int line, col;  /* position of the next character */
    int last;       /* last token returned, for statement-end insertion */
    int depth;      /* open '(' and '[' */
    int blocks;     /* open '{' */
    int start;      /* first token to hand the parser (file or expression) */
    int fatal;      /* a limit was hit: input ends here, later errors muted */
    int nerrors;    /* lexical errors */
    mld_loc cstart; /* where an open block comment began */
    int semi;       /* the last ';' token: SEMI_WRITTEN, or inserted at a line end or the file's end */
    ast *root;      /* the parser's result */
} lex_extra;

enum { SEMI_WRITTEN, SEMI_LINE, SEMI_EOF };

void lex_advance(lex_extra *x, mld_loc *loc, const char *text, size_t len);
/* A non-ASCII character where none may stand: named by code point, with a
 * hint for look-alikes of ASCII (U+2212 minus, curly quotes, spaces). */
void lex_unexpected_char(lex_extra *x, const mld_loc *loc, const char *utf8, size_t len);
void lex_retreat(lex_extra *x, mld_loc *loc, const char *text, size_t keep);
void lex_error(lex_extra *x, const mld_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int lex_open(lex_extra *x, const mld_loc *loc);
int lex_open_block(lex_extra *x, const mld_loc *loc);
ast *lex_number(lex_extra *x, const mld_loc *loc, const char *num, size_t nlen,
                const char *unit, size_t ulen, int uoff);
ast *lex_string(lex_extra *x, const mld_loc *loc, const char *text, size_t len);
ast *lex_ident(lex_extra *x, const mld_loc *loc, const char *text);
int lex_keyword(const char *word);
int lex_is_reserved(const char *word, size_t len);
/* Does loc point at a line end (an inserted ';')? */
int lex_loc_is_newline(const mld_loc *loc);
/* Readable name of a token for messages ("'level'", "identifier", "';'"). */
const char *lex_token_name(int tok);

#endif
