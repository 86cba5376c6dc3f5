/* parser.y - the .mld grammar.
 *
 * A pure (reentrant) LALR(1) parser with locations and no conflicts
 * (%expect 0).  The grammar is deliberately uniform: every block - a level
 * body, a workload, a mapping, an explore block, an attribute block - is a
 * list of the same statements, and lowering decides which statements belong
 * where.  That keeps the grammar small, its error messages about syntax only,
 * and lets lowering say "'place' belongs in a mapping" instead of a bare
 * "syntax error".
 *
 * Statements end with ';', which the scanner inserts at line ends.  Error
 * recovery resynchronises on ';', so one run reports an error per broken
 * line.  Syntax trees are built in the parse arena; nothing needs freeing, so
 * no %destructor is declared (discarded values die with the arena).
 */
%define api.pure full
%define api.prefix {mld_yy}
%define parse.error custom
%define parse.lac full
%define parse.trace false
%locations
%expect 0

%param {lex_extra *x} {void *scanner}

%code requires {
#include "lexextra.h"
}

%code provides {
int mld_yylex(MLD_YYSTYPE *lval, MLD_YYLTYPE *lloc, lex_extra *x, void *scanner);
const char *parse_symbol_name(int sym);
}

%code {
#include <string.h>

#define YYMAXDEPTH 20000
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
    do {                                                              \
        if (N) {                                                      \
            (Cur).src = YYRHSLOC(Rhs, 1).src;                         \
            (Cur).line = YYRHSLOC(Rhs, 1).line;                       \
            (Cur).col = YYRHSLOC(Rhs, 1).col;                         \
            (Cur).end_line = YYRHSLOC(Rhs, N).end_line;               \
            (Cur).end_col = YYRHSLOC(Rhs, N).end_col;                 \
        } else {                                                      \
            (Cur) = YYRHSLOC(Rhs, 0);                                 \
            (Cur).line = (Cur).end_line;                              \
            (Cur).col = (Cur).end_col;                                \
        }                                                             \
    } while (0)

enum { EXPR_MAX_DEPTH = 1000 };

static void mld_yyerror(MLD_YYLTYPE *loc, lex_extra *x, void *scanner, const char *msg) {
    (void)scanner;
    if (x->fatal) return;
    if (strcmp(msg, "memory exhausted") == 0) {
        lex_error(x, loc, "input nested too deeply for the parser (more than %d open symbols)", YYMAXDEPTH);
        x->fatal = 1;
        return;
    }
    lex_error(x, loc, "%s", msg);
}

static ast *mk(lex_extra *x, ast_kind k, MLD_YYLTYPE loc) {
    ast *n = arena_alloc(x->mem, sizeof *n);
    n->kind = k;
    n->loc = loc;
    n->depth = 1;
    return n;
}

/* Give n a depth one more than its deepest child; cut absurd nesting. */
static ast *deep(lex_extra *x, ast *n) {
    int d = 0;
    if (n->a && n->a->depth > d) d = n->a->depth;
    if (n->b && n->b->depth > d) d = n->b->depth;
    if (n->c && n->c->depth > d) d = n->c->depth;
    for (int i = 0; i < n->list.n; i++) {
        ast *k = n->list.v[i];
        if (k->depth > d) d = k->depth;
    }
    n->depth = d + 1;
    if (n->depth > EXPR_MAX_DEPTH) {
        if (n->depth == EXPR_MAX_DEPTH + 1)
            lex_error(x, &n->loc, "expression nested deeper than %d levels", EXPR_MAX_DEPTH);
        ast *z = mk(x, AST_NUM, n->loc);
        z->is_int = 1;
        z->depth = EXPR_MAX_DEPTH + 2;  /* stays over the limit, reported once */
        return z;
    }
    return n;
}

static ast *bin(lex_extra *x, int op, ast *a, ast *b, MLD_YYLTYPE loc) {
    ast *n = mk(x, AST_BINOP, loc);
    n->op = op;
    n->a = a;
    n->b = b;
    return deep(x, n);
}

static ast *un(lex_extra *x, ast_kind k, int op, ast *a, MLD_YYLTYPE loc) {
    ast *n = mk(x, k, loc);
    n->op = op;
    n->a = a;
    return deep(x, n);
}

static ast *named(lex_extra *x, ast_kind k, ast *id, MLD_YYLTYPE loc) {
    ast *n = mk(x, k, loc);
    n->name = id->name;
    n->name2 = NULL;
    n->b = id; /* keeps the name's own location for diagnostics */
    return n;
}

static ast *push(lex_extra *x, ast *list, ast *item) {
    ptrvec_push(x->mem, &list->list, item);
    return list;
}
}

%union {
    ast *node;
}

%token <node> IDENT "identifier" NUMBER "number" STRING "string"
%token KW_IMPORT "'import'" KW_PARAM "'param'" KW_LET "'let'" KW_LEVEL "'level'"
%token KW_SYSTEM "'system'" KW_COMPUTE "'compute'" KW_MEMORY "'memory'"
%token KW_NETWORK "'network'" KW_LINK "'link'" KW_ATTACH "'attach'" KW_TO "'to'"
%token KW_AT "'at'" KW_WORKLOAD "'workload'" KW_INPUT "'input'" KW_WEIGHT "'weight'"
%token KW_CACHE "'cache'" KW_OP "'op'" KW_GROUP "'group'" KW_MAPPING "'mapping'"
%token KW_ON "'on'" KW_FOR "'for'" KW_IN "'in'" KW_PLACE "'place'" KW_SPLIT "'split'"
%token KW_TRANSFER "'transfer'" KW_FROM "'from'" KW_STORE "'store'" KW_SYNC "'sync'"
%token KW_AFTER "'after'" KW_EXPLORE "'explore'" KW_VARY "'vary'" KW_REQUIRE "'require'"
%token KW_MINIMIZE "'minimize'" KW_MAXIMIZE "'maximize'" KW_IF "'if'" KW_ELSE "'else'"
%token KW_STEP "'step'"
%token DOTDOT "'..'" DOTSTAR "'.*'" ARROW "'<->'" EQ "'=='" NE "'!='" LE "'<='"
%token GE "'>='" AND "'&&'" OR "'||'"
%token START_FILE "start of file" START_EXPR "start of expression"

%type <node> stmts body block block_opt stmt if_stmt params param_list param
%type <node> expr primary args arg arg_list exprs index at_opt split_opt

%right '?' ':'
%left OR
%left AND
%nonassoc EQ NE
%nonassoc '<' '>' LE GE
%nonassoc DOTDOT
%precedence KW_STEP
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY '!'

%%

start
    : START_FILE body           { x->root = $2; }
    | START_EXPR expr seps      { x->root = $2; }
    ;

seps: %empty | seps ';' ;

stmts
    : %empty                    { $$ = mk(x, AST_BLOCK, @$); }
    | stmts ';'                 { $$ = $1; }
    | stmts stmt ';'            { $$ = push(x, $1, $2); }
    | stmts error ';'           { $$ = $1; yyerrok; }
    ;

body
    : stmts                     { $$ = $1; }
    | stmts stmt                { $$ = push(x, $1, $2); }
    ;

block
    : '{' body '}'              { $$ = $2; $$->loc = @$; }
    ;

block_opt
    : %empty                    { $$ = NULL; }
    | block                     { $$ = $1; }
    ;

params
    : %empty                    { $$ = NULL; }
    | '(' ')'                   { $$ = mk(x, AST_PARAMS, @$); }
    | '(' param_list ')'        { $$ = $2; $$->loc = @$; }
    ;

param_list
    : param                     { $$ = push(x, mk(x, AST_PARAMS, @$), $1); }
    | param_list ',' param      { $$ = push(x, $1, $3); }
    ;

param
    : IDENT                     { $$ = named(x, AST_PARAM, $1, @$); }
    | IDENT '=' expr            { $$ = named(x, AST_PARAM, $1, @$); $$->a = $3; }
    ;

stmt
    : KW_IMPORT STRING          { $$ = mk(x, AST_IMPORT, @$); $$->name = $2->name; $$->b = $2; }
    | KW_PARAM IDENT '=' expr   { $$ = named(x, AST_PARAM, $2, @$); $$->a = $4; }
    | KW_LET IDENT '=' expr     { $$ = named(x, AST_LET, $2, @$); $$->a = $4; }
    | KW_LEVEL IDENT params block
                                { $$ = named(x, AST_LEVEL, $2, @$); $$->a = $3; $$->c = $4; }
    | KW_SYSTEM IDENT '=' expr  { $$ = named(x, AST_SYSTEM, $2, @$); $$->a = $4; }
    | KW_WORKLOAD IDENT params block
                                { $$ = named(x, AST_WORKLOAD, $2, @$); $$->a = $3; $$->c = $4; }
    | KW_WORKLOAD IDENT '=' expr
                                { $$ = named(x, AST_WORKLOAD, $2, @$); $$->op = '='; $$->a = $4; }
    | KW_MAPPING IDENT KW_ON expr KW_FOR expr block
                                { $$ = named(x, AST_MAPPING, $2, @$); $$->a = $4; $$->c = $7;
                                  $$->list.n = 0; ptrvec_push(x->mem, &$$->list, $6); }
    | KW_MAPPING IDENT params block
                                { $$ = named(x, AST_MAPTMPL, $2, @$); $$->a = $3; $$->c = $4; }
    | IDENT '(' args ')'        { $$ = un(x, AST_CALL, 0, $1, @$); $$->list = $3->list; $$ = deep(x, $$); }
    | KW_EXPLORE block          { $$ = mk(x, AST_EXPLORE, @$); $$->c = $2; }
    | KW_EXPLORE IDENT block    { $$ = named(x, AST_EXPLORE, $2, @$); $$->c = $3; }
    | KW_COMPUTE IDENT block    { $$ = named(x, AST_ELEMENT, $2, @$); $$->op = KW_COMPUTE; $$->c = $3; }
    | KW_MEMORY IDENT block     { $$ = named(x, AST_ELEMENT, $2, @$); $$->op = KW_MEMORY; $$->c = $3; }
    | KW_NETWORK IDENT '=' expr block_opt
                                { $$ = named(x, AST_NETWORK, $2, @$); $$->a = $4; $$->c = $5; }
    | KW_LINK expr ARROW expr block_opt
                                { $$ = mk(x, AST_LINK, @$); $$->a = $2; $$->b = $4; $$->c = $5; }
    | IDENT ':' expr            { $$ = named(x, AST_CHILD, $1, @$); $$->a = $3; }
    | KW_ATTACH expr KW_TO expr at_opt
                                { $$ = mk(x, AST_ATTACH, @$); $$->a = $2; $$->b = $4; $$->c = $5; }
    | IDENT '=' expr            { $$ = named(x, AST_ATTR, $1, @$); $$->a = $3; }
    | KW_INPUT IDENT ':' expr   { $$ = named(x, AST_TENSOR, $2, @$); $$->op = KW_INPUT; $$->a = $4; }
    | KW_WEIGHT IDENT ':' expr  { $$ = named(x, AST_TENSOR, $2, @$); $$->op = KW_WEIGHT; $$->a = $4; }
    | KW_CACHE IDENT ':' expr   { $$ = named(x, AST_TENSOR, $2, @$); $$->op = KW_CACHE; $$->a = $4; }
    | KW_OP IDENT '=' expr      { $$ = named(x, AST_OP, $2, @$); $$->a = $4; }
    | KW_GROUP expr block       { $$ = mk(x, AST_GROUP, @$); $$->a = $2; $$->c = $3; }
    | KW_FOR IDENT KW_IN expr block
                                { $$ = named(x, AST_FOR, $2, @$); $$->a = $4; $$->c = $5; }
    | if_stmt                   { $$ = $1; }
    | KW_PLACE expr KW_ON expr split_opt
                                { $$ = mk(x, AST_PLACE, @$); $$->a = $2; $$->b = $4; $$->c = $5; }
    | KW_TRANSFER expr KW_FROM expr KW_TO expr split_opt
                                { $$ = mk(x, AST_TRANSFER, @$); $$->a = $2; $$->b = $4;
                                  ptrvec_push(x->mem, &$$->list, $6); $$->c = $7; }
    | KW_STORE expr KW_IN expr split_opt
                                { $$ = mk(x, AST_STORE, @$); $$->a = $2; $$->b = $4; $$->c = $5; }
    | KW_SYNC expr              { $$ = mk(x, AST_SYNC, @$); $$->a = $2; }
    | KW_SYNC expr KW_AFTER expr
                                { $$ = mk(x, AST_SYNC, @$); $$->a = $2; $$->b = $4; }
    | KW_VARY IDENT KW_IN expr  { $$ = named(x, AST_VARY, $2, @$); $$->a = $4; }
    | KW_VARY KW_MAPPING KW_IN expr
                                { $$ = mk(x, AST_VARY, @$); $$->name = "mapping"; $$->b = mk(x, AST_IDENT, @2);
                                  $$->b->name = $$->name; $$->a = $4; }
    | KW_VARY KW_SYSTEM KW_IN expr
                                { $$ = mk(x, AST_VARY, @$); $$->name = "system"; $$->b = mk(x, AST_IDENT, @2);
                                  $$->b->name = $$->name; $$->a = $4; }
    | KW_REQUIRE expr           { $$ = mk(x, AST_REQUIRE, @$); $$->a = $2; }
    | KW_MINIMIZE exprs         { $$ = $2; $$->kind = AST_OBJECTIVE; $$->op = KW_MINIMIZE; $$->loc = @$; }
    | KW_MAXIMIZE exprs         { $$ = $2; $$->kind = AST_OBJECTIVE; $$->op = KW_MAXIMIZE; $$->loc = @$; }
    ;

if_stmt
    : KW_IF expr block          { $$ = mk(x, AST_IF, @$); $$->a = $2; $$->c = $3; }
    | KW_IF expr block KW_ELSE block
                                { $$ = mk(x, AST_IF, @$); $$->a = $2; $$->c = $3; $$->b = $5; }
    | KW_IF expr block KW_ELSE if_stmt
                                { $$ = mk(x, AST_IF, @$); $$->a = $2; $$->c = $3; $$->b = $5; }
    ;

at_opt
    : %empty                    { $$ = NULL; }
    | KW_AT expr                { $$ = $2; }
    ;

split_opt
    : %empty                    { $$ = NULL; }
    | KW_SPLIT expr             { $$ = $2; }
    ;

exprs
    : expr                      { $$ = push(x, mk(x, AST_LIST, @$), $1); }
    | exprs ',' expr            { $$ = push(x, $1, $3); }
    ;

expr
    : primary                   { $$ = $1; }
    | expr '+' expr             { $$ = bin(x, '+', $1, $3, @$); }
    | expr '-' expr             { $$ = bin(x, '-', $1, $3, @$); }
    | expr '*' expr             { $$ = bin(x, '*', $1, $3, @$); }
    | expr '/' expr             { $$ = bin(x, '/', $1, $3, @$); }
    | expr '%' expr             { $$ = bin(x, '%', $1, $3, @$); }
    | expr '<' expr             { $$ = bin(x, '<', $1, $3, @$); }
    | expr '>' expr             { $$ = bin(x, '>', $1, $3, @$); }
    | expr LE expr              { $$ = bin(x, LE, $1, $3, @$); }
    | expr GE expr              { $$ = bin(x, GE, $1, $3, @$); }
    | expr EQ expr              { $$ = bin(x, EQ, $1, $3, @$); }
    | expr NE expr              { $$ = bin(x, NE, $1, $3, @$); }
    | expr AND expr             { $$ = bin(x, AND, $1, $3, @$); }
    | expr OR expr              { $$ = bin(x, OR, $1, $3, @$); }
    | expr DOTDOT expr          { $$ = bin(x, DOTDOT, $1, $3, @$); $$->kind = AST_RANGE; }
    | expr DOTDOT expr KW_STEP expr
                                { $$ = bin(x, DOTDOT, $1, $3, @$); $$->kind = AST_RANGE; $$->c = $5; $$ = deep(x, $$); }
    | expr '?' expr ':' expr    { $$ = mk(x, AST_COND, @$); $$->a = $1; $$->b = $3; $$->c = $5; $$ = deep(x, $$); }
    | '-' expr %prec UNARY      { $$ = un(x, AST_UNOP, '-', $2, @$); }
    | '!' expr                  { $$ = un(x, AST_UNOP, '!', $2, @$); }
    ;

primary
    : NUMBER                    { $$ = $1; }
    | STRING                    { $$ = $1; }
    | IDENT                     { $$ = $1; }
    | '(' expr ')'              { $$ = $2; }
    | '[' ']'                   { $$ = mk(x, AST_LIST, @$); }
    | '[' exprs ']'             { $$ = $2; $$->loc = @$; $$ = deep(x, $$); }
    | '[' exprs ',' ']'         { $$ = $2; $$->loc = @$; $$ = deep(x, $$); }
    | primary '.' IDENT         { $$ = un(x, AST_MEMBER, 0, $1, @$); $$->name = $3->name; $$->b = $3; }
    | primary DOTSTAR           { $$ = un(x, AST_DOTSTAR, 0, $1, @$); }
    | primary '[' index ']'     { $$ = un(x, AST_INDEX, 0, $1, @$); $$->b = $3; $$ = deep(x, $$); }
    | primary '(' args ')'      { $$ = un(x, AST_CALL, 0, $1, @$); $$->list = $3->list; $$ = deep(x, $$); }
    ;

index
    : expr                      { $$ = $1; }
    | '*'                       { $$ = mk(x, AST_STAR, @$); }
    ;

args
    : %empty                    { $$ = mk(x, AST_LIST, @$); }
    | arg_list                  { $$ = $1; }
    | arg_list ','              { $$ = $1; }
    ;

arg_list
    : arg                       { $$ = push(x, mk(x, AST_LIST, @$), $1); }
    | arg_list ',' arg          { $$ = push(x, $1, $3); }
    ;

arg
    : expr                      { $$ = $1; }
    | IDENT '=' expr            { $$ = named(x, AST_NAMEDARG, $1, @$); $$->a = $3; }
    ;

%%

const char *parse_symbol_name(int sym) {
    return yysymbol_name((yysymbol_kind_t)sym);
}

/* Syntax errors name what was found and what would have fitted, e.g.
 * "unexpected end of line, expected an expression"; a few common slips get
 * a hint of their own. */
static int yyreport_syntax_error(const yypcontext_t *ctx, lex_extra *x, void *scanner) {
    (void)scanner;
    if (x->fatal) return 0;
    yysymbol_kind_t found = yypcontext_token(ctx);
    const MLD_YYLTYPE *loc = yypcontext_location(ctx);
    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
    char what[64];
    if (found == YYSYMBOL_YYEOF)
        snprintf(what, sizeof what, "end of file");
    else if (found == YYSYMBOL_YYUNDEF)
        snprintf(what, sizeof what, "invalid token");
    /* ';' by name: bison numbers character tokens by their order in the
     * grammar, not by their code */
    else if (strcmp(yysymbol_name(found), "';'") == 0 && x->semi == SEMI_EOF)
        snprintf(what, sizeof what, "end of file");
    else if (strcmp(yysymbol_name(found), "';'") == 0 && x->semi == SEMI_LINE)
        snprintf(what, sizeof what, "end of line");
    else
        snprintf(what, sizeof what, "%s", yysymbol_name(found));
    /* Summarise the expected set: statement starts, expression starts and
     * operators collapse into one phrase each; other tokens are named. */
    static const char *const op_names[] = {"'+'", "'-'", "'*'", "'/'", "'%'", "'<'", "'>'", "'<='", "'>='",
                                           "'=='", "'!='", "'&&'", "'||'", "'?'", "'..'", "'.'", "'['",
                                           "'('", "'.*'", "'step'", NULL};
    static const char *const expr_names[] = {"identifier", "number", "string", "'('", "'['", "'-'", "'!'", NULL};
    int stmt = 0, expr = 0, ops = 0;
    for (int i = 0; i < n; i++) {
        if (exp[i] == YYSYMBOL_KW_LEVEL || exp[i] == YYSYMBOL_KW_PLACE) stmt = 1;
        if (exp[i] == YYSYMBOL_NUMBER) expr = 1;
        for (int k = 0; op_names[k]; k++) ops += strcmp(yysymbol_name(exp[i]), op_names[k]) == 0;
    }
    ops = ops > 3;
    const char *items[8];
    int ni = 0;
    if (stmt) items[ni++] = "a statement";
    else if (expr) items[ni++] = "an expression";
    if (ops) items[ni++] = "an operator";
    for (int i = 0; i < n && ni < 6; i++) {
        yysymbol_kind_t t = exp[i];
        const char *name = yysymbol_name(t);
        int skip = t == YYSYMBOL_YYEOF || t == YYSYMBOL_YYerror;
        for (int k = 0; ops && op_names[k]; k++) skip |= strcmp(name, op_names[k]) == 0;
        for (int k = 0; expr && !stmt && expr_names[k]; k++) skip |= strcmp(name, expr_names[k]) == 0;
        if (stmt && (t == YYSYMBOL_IDENT || (t >= YYSYMBOL_KW_IMPORT && t <= YYSYMBOL_KW_ELSE))) skip = 1;
        if (skip) continue;
        items[ni++] = name;
    }
    char buf[512];
    int len = snprintf(buf, sizeof buf, "syntax error: unexpected %s", what);
    for (int i = 0; i < ni && len < (int)sizeof buf - 64; i++)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%s", i == 0 ? ", expected " : i == ni - 1 ? " or " : ", ",
                        items[i]);
    lex_error(x, loc, "%s", buf);
    return 0;
}
