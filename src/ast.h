/* ast.h - the syntax tree the parser builds.
 *
 * One node type serves every construct: a kind, a location, a name, a literal
 * value, up to four child slots and one list.  The meaning of each slot per
 * kind is written next to the kind below.  Nodes live in the parse arena and
 * are never freed one by one.  The tree mirrors the source: nothing is
 * evaluated or resolved here; that is lowering's job.
 */
#ifndef MLDC_AST_H
#define MLDC_AST_H

#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "units.h"

typedef enum ast_kind {
    /* expressions */
    AST_NUM,      /* num, is_int, unit (text or NULL), scale, dim */
    AST_STR,      /* name = the string's contents */
    AST_IDENT,    /* name */
    AST_BINOP,    /* op, a, b */
    AST_UNOP,     /* op, a */
    AST_COND,     /* a ? b : c */
    AST_CALL,     /* a = callee, list = arguments (exprs or AST_NAMEDARG) */
    AST_NAMEDARG, /* name = a */
    AST_INDEX,    /* a[b]; b is an expression, AST_STAR or a range */
    AST_STAR,     /* '*' as an index: every position */
    AST_MEMBER,   /* a.name */
    AST_DOTSTAR,  /* a.* */
    AST_RANGE,    /* a .. b [step c] */
    AST_LIST,     /* [list] */
    /* declarations and statements */
    AST_FILE,      /* list = items */
    AST_IMPORT,    /* name = path */
    AST_PARAM,     /* name = a */
    AST_LET,       /* name = a */
    AST_LEVEL,     /* level name(params) { list } ; b = AST_PARAMS or NULL */
    AST_PARAMS,    /* list = AST_PARAM (defaults) */
    AST_SYSTEM,    /* system name = a */
    AST_WORKLOAD,  /* workload name(params) { list }, or name = a (instance) */
    AST_MAPPING,   /* mapping name on a for list[0] { c } */
    AST_EXPLORE,   /* explore [name] { list } */
    AST_ELEMENT,   /* compute|memory (op = keyword token) name { list of AST_ATTR } */
    AST_NETWORK,   /* network name = topology(list) { body = c } ; name2 = topology */
    AST_LINK,      /* link a <-> b [{ body = c }] */
    AST_CHILD,     /* name : a  (a = type with [dims] as AST_INDEX chain) */
    AST_ATTACH,    /* attach a to b [at c] */
    AST_ATTR,      /* name = a */
    AST_TENSOR,    /* input|weight|tensor (op) name : a */
    AST_OP,        /* op name = a [: c (dtype)] */
    AST_GROUP,     /* group a { list } ; a = IDENT or INDEX chain */
    AST_FOR,       /* for name in a { list } */
    AST_IF,        /* if a { list } else b (b = AST_BLOCK or AST_IF or NULL) */
    AST_BLOCK,     /* { list } */
    AST_PLACE,     /* place a on b [split c] */
    AST_TRANSFER,  /* transfer a from b to list[0] [split c] */
    AST_STORE,     /* store a in b [split c] */
    AST_SYNC,      /* sync a [after b] */
    AST_VARY,      /* vary name in a */
    AST_REQUIRE,   /* require a */
    AST_OBJECTIVE, /* minimize|maximize (op) list */
    AST_MAPTMPL,   /* mapping name(params = a) { c }: a mapping template */
    AST_KIND_COUNT
} ast_kind;

typedef struct ast ast;
struct ast {
    ast_kind kind;
    int op;           /* operator or keyword token, per kind */
    mld_loc loc;
    const char *name; /* identifier, string contents, declared name */
    const char *name2;
    double num;       /* AST_NUM: value in the written unit */
    int is_int;       /* AST_NUM: written without '.' or exponent */
    const char *unit; /* AST_NUM: unit text, or NULL */
    double scale;     /* AST_NUM: unit's scale to base units */
    units_dim dim;    /* AST_NUM: unit's dimension */
    ast *a, *b, *c;
    ptrvec list;
    int depth;        /* height of the expression tree, for limits */
};

const char *ast_kind_name(ast_kind k);
/* Print the tree in a stable indented text form (mldc dump ast). */
void ast_dump(FILE *out, const ast *n);
/* The text of an operator token for messages and dumps ("+", "<=", ...). */
const char *ast_op_text(int op);

#endif
