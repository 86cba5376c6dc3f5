/* parse.h - the front door of the front end: text in, syntax tree out.
 *
 * The scanner (grammar/lexer.l) is reentrant and the parser
 * (grammar/parser.y) is pure, so several files can be parsed in one process
 * and in any order.  Syntax errors go to the diag_ctx; the parser recovers at
 * statement boundaries and keeps going, so one run reports many of them.
 */
#ifndef MLDC_PARSE_H
#define MLDC_PARSE_H

#include <stdio.h>

#include "ast.h"
#include "diag.h"

enum { PARSE_MAX_DEPTH = 2000 }; /* nesting of brackets and blocks */

/* Parse a whole file.  Returns the AST_FILE node (possibly with fewer
 * statements than the source when errors were found); never NULL. */
ast *parse_file(const mld_source *src, arena *a, diag_ctx *dc);
/* Parse a single expression, e.g. the value of --set name=VALUE. Returns
 * NULL on error. */
ast *parse_expr(const mld_source *src, arena *a, diag_ctx *dc);
/* Print the token stream (mldc dump tokens), one token per line. Returns
 * the number of lexical errors. */
int parse_dump_tokens(FILE *out, const mld_source *src, diag_ctx *dc);

/* Is `word` a reserved word of the language?  (For tests and editors.) */
int parse_is_keyword(const char *word);
/* The reserved words, NULL-terminated, in a fixed order. */
extern const char *const parse_keywords[];

#endif
