/* ast.c - names of syntax tree kinds and the `mldc dump ast` printer.
 *
 * The dump is an indented S-expression-like form, one node per line, with
 * locations, so golden tests can pin exactly what the parser built.
 */
#include "ast.h"

#include "parser.h"

static const char *const kind_names[AST_KIND_COUNT] = {
    [AST_NUM] = "num",         [AST_STR] = "str",           [AST_IDENT] = "ident",
    [AST_BINOP] = "binop",     [AST_UNOP] = "unop",         [AST_COND] = "cond",
    [AST_CALL] = "call",       [AST_NAMEDARG] = "arg",      [AST_INDEX] = "index",
    [AST_STAR] = "star",       [AST_MEMBER] = "member",     [AST_DOTSTAR] = "all",
    [AST_RANGE] = "range",     [AST_LIST] = "list",         [AST_FILE] = "file",
    [AST_IMPORT] = "import",   [AST_PARAM] = "param",       [AST_LET] = "let",
    [AST_LEVEL] = "level",     [AST_PARAMS] = "params",     [AST_SYSTEM] = "system",
    [AST_WORKLOAD] = "workload", [AST_MAPPING] = "mapping", [AST_EXPLORE] = "explore",
    [AST_ELEMENT] = "element", [AST_NETWORK] = "network",   [AST_LINK] = "link",
    [AST_CHILD] = "child",     [AST_ATTACH] = "attach",     [AST_ATTR] = "attr",
    [AST_TENSOR] = "tensor",   [AST_OP] = "op",             [AST_GROUP] = "group",
    [AST_FOR] = "for",         [AST_IF] = "if",             [AST_BLOCK] = "block",
    [AST_PLACE] = "place",     [AST_TRANSFER] = "transfer", [AST_STORE] = "store",
    [AST_SYNC] = "sync",       [AST_VARY] = "vary",         [AST_REQUIRE] = "require",
    [AST_OBJECTIVE] = "objective", [AST_MAPTMPL] = "mapping template",
};

const char *ast_kind_name(ast_kind k) {
    return k < AST_KIND_COUNT && kind_names[k] ? kind_names[k] : "?";
}

const char *ast_op_text(int op) {
    switch (op) {
    case '+': return "+";
    case '-': return "-";
    case '*': return "*";
    case '/': return "/";
    case '%': return "%";
    case '<': return "<";
    case '>': return ">";
    case '!': return "!";
    case '=': return "=";
    case LE: return "<=";
    case GE: return ">=";
    case EQ: return "==";
    case NE: return "!=";
    case AND: return "&&";
    case OR: return "||";
    case DOTDOT: return "..";
    case KW_COMPUTE: return "compute";
    case KW_MEMORY: return "memory";
    case KW_INPUT: return "input";
    case KW_WEIGHT: return "weight";
    case KW_CACHE: return "cache";
    case KW_MINIMIZE: return "minimize";
    case KW_MAXIMIZE: return "maximize";
    }
    return "";
}

static void dump(FILE *out, const ast *n, int indent, const char *role) {
    fprintf(out, "%*s", indent * 2, "");
    if (role) fprintf(out, "%s: ", role);
    if (!n) {
        fputs("-\n", out);
        return;
    }
    fprintf(out, "%s", ast_kind_name(n->kind));
    if (n->op && ast_op_text(n->op)[0]) fprintf(out, " %s", ast_op_text(n->op));
    if (n->kind == AST_NUM) {
        fprintf(out, " %.15g", n->num);
        if (n->unit) fprintf(out, " %s", n->unit);
    } else if (n->kind == AST_STR) {
        fprintf(out, " \"%s\"", n->name);
    } else if (n->name) {
        fprintf(out, " %s", n->name);
    }
    fprintf(out, " @%d:%d\n", n->loc.line, n->loc.col);
    if (n->kind == AST_NUM || n->kind == AST_STR || n->kind == AST_IDENT) return;
    /* Named declarations keep their name's identifier in b; skip it. */
    int b_is_name = n->b && n->b->kind == AST_IDENT && n->name && n->b->name == n->name;
    if (n->kind == AST_IMPORT) return;
    if (n->a) dump(out, n->a, indent + 1, NULL);
    if (n->b && !b_is_name) dump(out, n->b, indent + 1, NULL);
    for (int i = 0; i < n->list.n; i++) dump(out, n->list.v[i], indent + 1, NULL);
    if (n->c) dump(out, n->c, indent + 1, NULL);
}

void ast_dump(FILE *out, const ast *n) { dump(out, n, 0, NULL); }
