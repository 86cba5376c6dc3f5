/* lsp.c - the language server: live diagnostics, hover, go to definition,
 * document symbols, completion and formatting for .mld files.
 *
 * Design
 * ------
 * Messages.  lsp_handle parses one JSON-RPC body with Jansson and dispatches
 * on its method; every field is read through typed getters that tolerate a
 * missing or mistyped field, so a malformed message gets a JSON-RPC error
 * (or, for a notification, nothing) and never a crash.  Replies are built as
 * Jansson objects and written through the caller's callback.
 *
 * Documents.  Each open document keeps its text (full or incremental
 * synchronisation; edits are clamped to the text), its file path (from the
 * file:// URI) and the paths of the files its last check imported.  An
 * edit marks the document dirty, and with it every open document that
 * imported it; lsp_flush checks the dirty ones.  A check is the compiler's
 * whole front end (mldc_load_buffer: parse, imports, lower, check) on the
 * editor's text; imported files that are open in the editor are read from
 * their buffers (mldc_options.overlay), so an unsaved change to a library
 * file shows up at once in the files that use it.  The last error-free
 * design of a document is kept for hover, which shows evaluated values.
 *
 * Positions.  The protocol counts lines from 0 and columns in UTF-16 code
 * units; the compiler counts both from 1, columns in bytes.  pos_to_off and
 * off_to_pos convert through the document text.
 *
 * Names.  Hover, definition, symbols and completion work on an index of the
 * declarations of the document and of every file it imports (transitively,
 * the stdlib included): each file is parsed (never lowered) and every
 * declaring node is recorded with its name, kind, file and whether it is at
 * top level.  A name under the cursor resolves to a top-level declaration,
 * else to a nested one of the same file declared before the cursor (a let,
 * a loop variable, a template parameter), else to any nested one; after a
 * '.', nested declarations (elements, children, networks, tensors,
 * operators) come first.  Completion offers the names of that index,
 * keywords, operators, topologies, units (after a number: only units), and
 * the templates of every stdlib module, imported or not.
 *
 * Formatting is fmt_source on the document text: one edit replacing the
 * whole document, or none when it is already formatted or does not parse.
 */
#define _DEFAULT_SOURCE /* strdup, realpath */
#include "lsp.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "fmt.h"
#include "mldc.h"
#include "parse.h"
#include "units.h"
#include "util.h"

#ifndef MLDC_VERSION
#define MLDC_VERSION "0.0.0"
#endif

enum {
    LSP_MAX_DEPS = 256,        /* imported files remembered per document */
    LSP_MAX_ITEMS = 2000,      /* completion items in one reply */
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
};

typedef struct symindex symindex;

typedef struct doc {
    char *uri, *path, *text;
    size_t len;
    json_int_t version;
    int dirty;
    char **deps; /* files the last check read (imports) */
    int ndeps;
    ir_design *good; /* last error-free design, for hover values */
    symindex *ix;    /* declarations of the text and its imports, ... */
    unsigned long ix_gen; /* ... as of this generation of the documents */
} doc;

struct lsp_server {
    lsp_config cfg;
    doc **docs;
    int ndocs, cap;
    int shutdown;
    unsigned long gen; /* bumped by every change to any open document */
    symindex *std;     /* every stdlib module's declarations, built once */
    /* the check in progress: imports read are recorded here */
    char **deps;
    int ndeps;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static char *xstrndup(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) abort();
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

static void send(lsp_server *s, json_t *msg) {
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    char *text = json_dumps(msg, JSON_COMPACT);
    if (text && s->cfg.write) s->cfg.write(s->cfg.ud, text, strlen(text));
    free(text);
    json_decref(msg);
}

static void reply(lsp_server *s, json_t *id, json_t *result) {
    json_t *m = json_object();
    json_object_set(m, "id", id ? id : json_null());
    json_object_set_new(m, "result", result ? result : json_null());
    send(s, m);
}

static void reply_error(lsp_server *s, json_t *id, int code, const char *msg) {
    json_t *m = json_object();
    json_object_set(m, "id", id ? id : json_null());
    json_object_set_new(m, "error", json_pack("{s:i,s:s}", "code", code, "message", msg));
    send(s, m);
}

static const char *get_str(json_t *o, const char *k) {
    json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *get_obj(json_t *o, const char *k) {
    json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
    return json_is_object(v) ? v : NULL;
}

static long long get_int(json_t *o, const char *k, long long dflt) {
    json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static int hexval(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* file:///a/b%20c.mld -> /a/b c.mld; any other URI stands for itself. */
static char *uri_to_path(const char *uri) {
    if (strncmp(uri, "file://", 7) != 0) return xstrdup(uri);
    const char *p = uri + 7;
    char *out = malloc(strlen(p) + 1);
    if (!out) abort();
    size_t n = 0;
    for (; *p; p++) {
        int h, l;
        if (*p == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0 && (h || l)) {
            out[n++] = (char)(h * 16 + l);
            p += 2;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = 0;
    return out;
}

static char *path_to_uri(const char *path) {
    if (path[0] != '/') return xstrdup(path);
    size_t n = strlen(path);
    char *out = malloc(7 + 3 * n + 1);
    if (!out) abort();
    size_t k = (size_t)sprintf(out, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("/-._~", *p)) out[k++] = (char)*p;
        else k += (size_t)sprintf(out + k, "%%%02X", *p);
    }
    out[k] = 0;
    return out;
}

/* Two spellings of one file: equal strings, or equal real paths. */
static int same_file(const char *a, const char *b) {
    if (strcmp(a, b) == 0) return 1;
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/* ------------------------------------------------------------------ */
/* Positions                                                           */
/* ------------------------------------------------------------------ */

/* Byte offset of the start of 0-based line `line` (the end when past it). */
static size_t line_off(const char *t, size_t len, long long line) {
    size_t o = 0;
    for (long long l = 0; l < line && o < len; o++)
        if (t[o] == '\n') l++;
    return o;
}

/* Protocol position -> byte offset, clamped to the text. */
static size_t pos_to_off(const char *t, size_t len, json_t *pos) {
    long long line = get_int(pos, "line", 0), ch = get_int(pos, "character", 0);
    if (line < 0) return 0;
    size_t o = line_off(t, len, line);
    for (long long u = 0; u < ch && o < len && t[o] != '\n';) {
        unsigned char c = (unsigned char)t[o];
        int n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        u += n == 4 ? 2 : 1;
        for (o++, n--; n > 0 && o < len && ((unsigned char)t[o] & 0xC0) == 0x80; n--) o++;
    }
    return o;
}

/* 1-based line and byte column (the compiler's) -> protocol position. */
static json_t *loc_pos(const char *t, size_t len, int line, int col) {
    if (line < 1) line = 1;
    if (col < 1) col = 1;
    size_t o = line_off(t, len, line - 1);
    long long units = 0;
    for (int c = 1; c < col && o < len && t[o] != '\n'; c++, o++) {
        unsigned char b = (unsigned char)t[o];
        if ((b & 0xC0) != 0x80) units += b >= 0xF0 ? 2 : 1;
    }
    return json_pack("{s:i,s:I}", "line", line - 1, "character", (json_int_t)units);
}

static json_t *off_pos(const char *t, size_t len, size_t off) {
    int line = 1;
    size_t ls = 0;
    for (size_t i = 0; i < off && i < len; i++)
        if (t[i] == '\n') line++, ls = i + 1;
    return loc_pos(t, len, line, (int)(off - ls) + 1);
}

static json_t *range_of(const char *t, size_t len, int l0, int c0, int l1, int c1) {
    if (l1 < l0 || (l1 == l0 && c1 <= c0)) l1 = l0, c1 = c0 + 1;
    return json_pack("{s:o,s:o}", "start", loc_pos(t, len, l0, c0), "end", loc_pos(t, len, l1, c1));
}

/* ------------------------------------------------------------------ */
/* Documents                                                           */
/* ------------------------------------------------------------------ */

static doc *find_doc(lsp_server *s, const char *uri) {
    for (int i = 0; uri && i < s->ndocs; i++)
        if (strcmp(s->docs[i]->uri, uri) == 0) return s->docs[i];
    return NULL;
}

static doc *find_doc_path(lsp_server *s, const char *path) {
    for (int i = 0; i < s->ndocs; i++)
        if (strcmp(s->docs[i]->path, path) == 0) return s->docs[i];
    for (int i = 0; i < s->ndocs; i++)
        if (same_file(s->docs[i]->path, path)) return s->docs[i];
    return NULL;
}

static void index_release(symindex *ix);

static void doc_free(doc *d) {
    index_release(d->ix);
    for (int i = 0; i < d->ndeps; i++) free(d->deps[i]);
    free(d->deps);
    ir_design_free(d->good);
    free(d->uri);
    free(d->path);
    free(d->text);
    free(d);
}

/* Mark d and every open document that imports it. */
static void mark_dirty(lsp_server *s, doc *d) {
    d->dirty = 1;
    s->gen++;
    for (int i = 0; i < s->ndocs; i++)
        for (int k = 0; k < s->docs[i]->ndeps; k++)
            if (same_file(s->docs[i]->deps[k], d->path)) s->docs[i]->dirty = 1;
}

/* The overlay hook: open documents stand for their files. */
static const char *overlay(void *ud, const char *path, size_t *len) {
    lsp_server *s = ud;
    if (s->ndeps < LSP_MAX_DEPS) {
        char **n = realloc(s->deps, sizeof *n * (size_t)(s->ndeps + 1));
        if (!n) abort();
        s->deps = n;
        s->deps[s->ndeps++] = xstrdup(path);
    }
    doc *d = find_doc_path(s, path);
    if (!d) return NULL;
    *len = d->len;
    return d->text;
}

static mldc_options check_options(lsp_server *s) {
    mldc_options o;
    memset(&o, 0, sizeof o);
    o.sets = s->cfg.sets;
    o.nsets = s->cfg.nsets;
    o.stdlib_dir = s->cfg.stdlib_dir;
    o.overlay = overlay;
    o.overlay_ud = s;
    return o;
}

/* Diagnostics of one check, as protocol objects for the checked document. */
typedef struct collect {
    doc *d;
    json_t *list;
} collect;

static json_t *diag_json(const doc *d, const mld_diag *g, const char *prefix_file) {
    static const int sev[] = {1, 2, 3};
    json_t *o = json_object();
    int here = g->loc.src && g->loc.line > 0 && !prefix_file;
    json_object_set_new(o, "range", here ? range_of(d->text, d->len, g->loc.line, g->loc.col,
                                                    g->loc.end_line, g->loc.end_col)
                                         : range_of(d->text, d->len, 1, 1, 1, 1));
    json_object_set_new(o, "severity", json_integer(sev[g->sev <= DIAG_NOTE ? g->sev : 0]));
    json_object_set_new(o, "source", json_string("mldc"));
    char *msg = NULL;
    if (prefix_file && g->loc.src && g->loc.line > 0) {
        size_t n = strlen(prefix_file) + strlen(g->msg) + 48;
        msg = malloc(n);
        if (!msg) abort();
        snprintf(msg, n, "%s:%d:%d: %s", prefix_file, g->loc.line, g->loc.col, g->msg);
    }
    json_object_set_new(o, "message", json_string(msg ? msg : g->msg));
    free(msg);
    /* notes: related information where they have a place */
    json_t *rel = json_array();
    for (const mld_diag *k = g->notes; k; k = k->next) {
        if (!k->loc.src || k->loc.line < 1) continue;
        char *u = path_to_uri(k->loc.src->path);
        json_t *r = json_pack("{s:s,s:{s:o,s:o}}", "uri", u, "range", "start",
                              json_pack("{s:i,s:i}", "line", k->loc.line - 1, "character", k->loc.col - 1), "end",
                              json_pack("{s:i,s:i}", "line", k->loc.line - 1, "character", k->loc.col));
        free(u);
        json_array_append_new(rel, json_pack("{s:o,s:s}", "location", r, "message", k->msg));
    }
    if (json_array_size(rel)) json_object_set_new(o, "relatedInformation", rel);
    else json_decref(rel);
    return o;
}

static void on_check_diag(void *ud, const mld_diag *g) {
    collect *c = ud;
    if (json_array_size(c->list) >= 200) return;
    const char *other = g->loc.src && strcmp(g->loc.src->path, c->d->path) != 0 ? g->loc.src->path : NULL;
    json_array_append_new(c->list, diag_json(c->d, g, other));
}

static void check_doc(lsp_server *s, doc *d) {
    d->dirty = 0;
    collect c = {d, json_array()};
    diag_ctx dc;
    diag_ctx_init(&dc, on_check_diag, &c);
    mldc_options o = check_options(s);
    s->deps = NULL;
    s->ndeps = 0;
    ir_design *des = mldc_load_buffer(d->path, d->text, d->len, &o, &dc);
    for (int i = 0; i < d->ndeps; i++) free(d->deps[i]);
    free(d->deps);
    d->deps = s->deps;
    d->ndeps = s->ndeps;
    s->deps = NULL;
    s->ndeps = 0;
    if (dc.nerrors == 0) {
        ir_design_free(d->good);
        d->good = des;
    } else {
        ir_design_free(des);
    }
    diag_ctx_free(&dc);
    json_t *m = json_object();
    json_object_set_new(m, "method", json_string("textDocument/publishDiagnostics"));
    json_object_set_new(m, "params", json_pack("{s:s,s:I,s:o}", "uri", d->uri, "version", d->version,
                                               "diagnostics", c.list));
    send(s, m);
}

int lsp_pending(const lsp_server *s) {
    for (int i = 0; i < s->ndocs; i++)
        if (s->docs[i]->dirty) return 1;
    return 0;
}

void lsp_flush(lsp_server *s) {
    for (int i = 0; i < s->ndocs; i++)
        if (s->docs[i]->dirty) check_doc(s, s->docs[i]);
}

static void did_open(lsp_server *s, json_t *params) {
    json_t *td = get_obj(params, "textDocument");
    const char *uri = get_str(td, "uri"), *text = get_str(td, "text");
    if (!uri || !text) return;
    doc *d = find_doc(s, uri);
    if (!d) {
        if (s->ndocs == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 8;
            s->docs = realloc(s->docs, sizeof *s->docs * (size_t)s->cap);
            if (!s->docs) abort();
        }
        d = calloc(1, sizeof *d);
        if (!d) abort();
        d->uri = xstrdup(uri);
        d->path = uri_to_path(uri);
        s->docs[s->ndocs++] = d;
    }
    free(d->text);
    d->len = json_string_length(json_object_get(td, "text"));
    d->text = xstrndup(text, d->len);
    d->version = (json_int_t)get_int(td, "version", 0);
    mark_dirty(s, d);
}

static void did_change(lsp_server *s, json_t *params) {
    json_t *td = get_obj(params, "textDocument");
    doc *d = find_doc(s, get_str(td, "uri"));
    json_t *changes = json_is_object(params) ? json_object_get(params, "contentChanges") : NULL;
    if (!d || !json_is_array(changes)) return;
    size_t i;
    json_t *ch;
    json_array_foreach(changes, i, ch) {
        json_t *tv = json_is_object(ch) ? json_object_get(ch, "text") : NULL;
        if (!json_is_string(tv)) continue;
        const char *text = json_string_value(tv);
        size_t tlen = json_string_length(tv);
        json_t *range = get_obj(ch, "range");
        size_t a = 0, b = d->len;
        if (range) {
            a = pos_to_off(d->text, d->len, get_obj(range, "start"));
            b = pos_to_off(d->text, d->len, get_obj(range, "end"));
            if (b < a) b = a;
        }
        size_t nlen = d->len - (b - a) + tlen;
        if (nlen > MLDC_MAX_FILE) continue; /* beyond what the compiler reads */
        char *n = malloc(nlen + 1);
        if (!n) abort();
        memcpy(n, d->text, a);
        memcpy(n + a, text, tlen);
        memcpy(n + a + tlen, d->text + b, d->len - b);
        n[nlen] = 0;
        free(d->text);
        d->text = n;
        d->len = nlen;
    }
    d->version = (json_int_t)get_int(td, "version", (long long)d->version);
    mark_dirty(s, d);
}

static void did_close(lsp_server *s, json_t *params) {
    const char *uri = get_str(get_obj(params, "textDocument"), "uri");
    for (int i = 0; uri && i < s->ndocs; i++) {
        if (strcmp(s->docs[i]->uri, uri) != 0) continue;
        doc *d = s->docs[i];
        s->docs[i] = s->docs[--s->ndocs];
        s->gen++;
        /* importers read the file from disk again */
        for (int k = 0; k < s->ndocs; k++)
            for (int j = 0; j < s->docs[k]->ndeps; j++)
                if (same_file(s->docs[k]->deps[j], d->path)) s->docs[k]->dirty = 1;
        json_t *m = json_object();
        json_object_set_new(m, "method", json_string("textDocument/publishDiagnostics"));
        json_object_set_new(m, "params", json_pack("{s:s,s:[]}", "uri", d->uri, "diagnostics"));
        send(s, m);
        doc_free(d);
        return;
    }
}

/* ------------------------------------------------------------------ */
/* The index of declarations                                          */
/* ------------------------------------------------------------------ */

typedef struct sym {
    const char *name;
    const ast *node;
    const mld_source *src;
    int top;               /* a top-level declaration */
    const char *container; /* the enclosing declaration's name, or NULL */
} sym;

typedef struct symindex {
    arena a;
    sym *v;
    int n, cap;
    ptrvec files; /* mld_source* parsed */
} symindex;

static int declares(const ast *n) {
    switch (n->kind) {
    case AST_PARAM: case AST_LET: case AST_LEVEL: case AST_SYSTEM: case AST_WORKLOAD: case AST_MAPPING:
    case AST_MAPTMPL: case AST_ELEMENT: case AST_NETWORK: case AST_CHILD: case AST_TENSOR: case AST_OP:
    case AST_FOR:
        return n->name && n->name[0];
    case AST_EXPLORE:
        return n->name && n->name[0];
    default:
        return 0;
    }
}

static int is_expr(const ast *n) { return n->kind <= AST_LIST; }

static void add_sym(symindex *ix, const ast *n, const mld_source *src, int top, const char *container) {
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? 2 * ix->cap : 64;
        ix->v = realloc(ix->v, sizeof *ix->v * (size_t)ix->cap);
        if (!ix->v) abort();
    }
    ix->v[ix->n++] = (sym){n->name, n, src, top, container};
}

static void walk(symindex *ix, const ast *n, const mld_source *src, int top, const char *container, int depth) {
    if (!n || is_expr(n) || depth > 200) return;
    if (declares(n)) {
        add_sym(ix, n, src, top, container);
        container = n->name;
    }
    walk(ix, n->a, src, 0, container, depth + 1);
    walk(ix, n->b, src, 0, container, depth + 1);
    walk(ix, n->c, src, 0, container, depth + 1);
    for (int i = 0; i < n->list.n; i++) walk(ix, n->list.v[i], src, 0, container, depth + 1);
}

static void index_source(lsp_server *s, symindex *ix, mld_source *src, int follow) {
    for (int i = 0; i < ix->files.n; i++)
        if (strcmp(((mld_source *)ix->files.v[i])->path, src->path) == 0) return;
    if (ix->files.n >= MLDC_MAX_IMPORTS) return;
    ptrvec_push(&ix->a, &ix->files, src);
    diag_ctx dc;
    diag_ctx_init(&dc, NULL, NULL);
    ast *root = parse_file(src, &ix->a, &dc);
    diag_ctx_free(&dc);
    for (int i = 0; i < root->list.n; i++) {
        ast *it = root->list.v[i];
        if (it->kind != AST_IMPORT) {
            walk(ix, it, src, 1, NULL, 0);
            continue;
        }
        if (!follow || !it->name || !it->name[0]) continue;
        mldc_options o = check_options(s);
        const char *path = mldc_resolve_import(&ix->a, &o, src->path, it->name);
        mld_source *imp = arena_alloc(&ix->a, sizeof *imp);
        imp->path = path;
        doc *od = find_doc_path(s, path);
        if (od) {
            imp->text = arena_strndup(&ix->a, od->text, od->len);
            imp->len = od->len;
        } else {
            FILE *f = fopen(path, "rb");
            if (!f) continue;
            size_t len = 0;
            char *text = util_read_all(f, MLDC_MAX_FILE, &len);
            fclose(f);
            if (!text) continue;
            imp->text = arena_strndup(&ix->a, text, len);
            imp->len = len;
            free(text);
        }
        index_source(s, ix, imp, 1);
    }
}

static void index_doc(lsp_server *s, symindex *ix, doc *d) {
    memset(ix, 0, sizeof *ix);
    arena_init(&ix->a);
    mld_source *src = arena_alloc(&ix->a, sizeof *src);
    src->path = arena_strdup(&ix->a, d->path);
    src->text = arena_strndup(&ix->a, d->text, d->len);
    src->len = d->len;
    index_source(s, ix, src, 1);
}

/* Every stdlib module, for completing templates not imported yet. */
static void index_stdlib(lsp_server *s, symindex *ix) {
    mldc_options o = check_options(s);
    const char *dir = mldc_stdlib_dir(&o);
    char path[4096];
    snprintf(path, sizeof path, "%s/std", dir);
    DIR *dp = opendir(path);
    if (!dp) return;
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && n < 256) {
        size_t k = strlen(e->d_name);
        if (k > 4 && strcmp(e->d_name + k - 4, ".mld") == 0) names[n++] = xstrdup(e->d_name);
    }
    closedir(dp);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/std/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        free(names[i]);
        if (!f) continue;
        size_t len = 0;
        char *text = util_read_all(f, MLDC_MAX_FILE, &len);
        fclose(f);
        if (!text) continue;
        mld_source *src = arena_alloc(&ix->a, sizeof *src);
        src->path = arena_strdup(&ix->a, path);
        src->text = arena_strndup(&ix->a, text, len);
        src->len = len;
        free(text);
        index_source(s, ix, src, 0);
    }
}

static void index_free(symindex *ix) {
    free(ix->v);
    arena_free(&ix->a);
}

static void index_release(symindex *ix) {
    if (!ix) return;
    index_free(ix);
    free(ix);
}

/* The document's index, rebuilt only when a document changed since. */
static symindex *doc_index(lsp_server *s, doc *d) {
    if (d->ix && d->ix_gen == s->gen) return d->ix;
    index_release(d->ix);
    d->ix = calloc(1, sizeof *d->ix);
    if (!d->ix) abort();
    index_doc(s, d->ix, d);
    d->ix_gen = s->gen;
    return d->ix;
}

static symindex *std_index(lsp_server *s) {
    if (!s->std) {
        s->std = calloc(1, sizeof *s->std);
        if (!s->std) abort();
        arena_init(&s->std->a);
        index_stdlib(s, s->std);
    }
    return s->std;
}

/* The byte offset of a declaration's name in its source (the node's
 * location is the start of the statement). */
static size_t name_off(const sym *y) {
    const mld_source *src = y->src;
    size_t o = line_off(src->text, src->len, y->node->loc.line - 1);
    o += (size_t)(y->node->loc.col > 0 ? y->node->loc.col - 1 : 0);
    size_t n = strlen(y->name);
    for (size_t k = o; k + n <= src->len && k < o + 400; k++) {
        if (memcmp(src->text + k, y->name, n) != 0) continue;
        int before = k > 0 && (isalnum((unsigned char)src->text[k - 1]) || src->text[k - 1] == '_');
        int after = k + n < src->len && (isalnum((unsigned char)src->text[k + n]) || src->text[k + n] == '_');
        if (!before && !after) return k;
    }
    return o < src->len ? o : src->len;
}

static json_t *sym_location(const sym *y) {
    size_t o = name_off(y);
    char *u = path_to_uri(y->src->path);
    json_t *r = json_pack("{s:s,s:{s:o,s:o}}", "uri", u, "range", "start", off_pos(y->src->text, y->src->len, o), "end",
                          off_pos(y->src->text, y->src->len, o + strlen(y->name)));
    free(u);
    return r;
}

/* The word under (or just before) the cursor: [start, end); *dotted when a
 * '.' precedes it. */
static int word_at(const doc *d, size_t off, size_t *start, size_t *end, int *dotted) {
    size_t a = off, b = off;
#define WORDCH(c) (isalnum((unsigned char)(c)) || (c) == '_')
    while (a > 0 && WORDCH(d->text[a - 1])) a--;
    while (b < d->len && WORDCH(d->text[b])) b++;
#undef WORDCH
    *start = a;
    *end = b;
    *dotted = a > 0 && d->text[a - 1] == '.';
    return b > a;
}

static const sym *resolve(const symindex *ix, const char *name, int dotted, const char *path, int line) {
    const sym *best = NULL;
    /* nested, after a '.': the document's first, then any file's */
    if (dotted) {
        for (int pass = 0; pass < 2 && !best; pass++)
            for (int i = 0; i < ix->n && !best; i++)
                if (!ix->v[i].top && strcmp(ix->v[i].name, name) == 0 &&
                    (pass || strcmp(ix->v[i].src->path, path) == 0))
                    best = &ix->v[i];
        if (best) return best;
    }
    for (int pass = 0; pass < 2 && !best; pass++)
        for (int i = 0; i < ix->n && !best; i++)
            if (ix->v[i].top && strcmp(ix->v[i].name, name) == 0 && (pass || strcmp(ix->v[i].src->path, path) == 0))
                best = &ix->v[i];
    if (best) return best;
    /* a nested one of this file: the last declared before the cursor */
    for (int i = 0; i < ix->n; i++) {
        const sym *y = &ix->v[i];
        if (y->top || strcmp(y->name, name) != 0 || strcmp(y->src->path, path) != 0) continue;
        if (y->node->loc.line <= line || !best) best = y;
    }
    for (int i = 0; i < ix->n && !best; i++)
        if (strcmp(ix->v[i].name, name) == 0) best = &ix->v[i];
    return best;
}

/* ------------------------------------------------------------------ */
/* Hover                                                               */
/* ------------------------------------------------------------------ */

static const char *kind_word(const ast *n) {
    switch (n->kind) {
    case AST_PARAM: return "param";
    case AST_LET: return "let";
    case AST_LEVEL: return "level";
    case AST_SYSTEM: return "system";
    case AST_WORKLOAD: return n->a && !n->list.n ? "workload" : "workload template";
    case AST_MAPPING: return "mapping";
    case AST_MAPTMPL: return "mapping template";
    case AST_ELEMENT: return "element";
    case AST_NETWORK: return "network";
    case AST_CHILD: return "space matrix";
    case AST_TENSOR: return "tensor";
    case AST_OP: return "operator";
    case AST_FOR: return "loop variable";
    case AST_EXPLORE: return "explore";
    default: return "name";
    }
}

/* A growing markdown buffer. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 64) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
}

/* Instances of level types of template `tmpl` under type lv (memoised by
 * level id: memo < 0 means not computed). */
static double count_tmpl(const ir_level *lv, const char *tmpl, double *memo, int depth) {
    if (depth > 64) return 0;
    if (memo[lv->id] >= 0) return memo[lv->id];
    double n = lv->tmpl && strcmp(lv->tmpl, tmpl) == 0 ? 1 : 0;
    for (int c = 0; c < lv->nchildren; c++)
        n += (double)lv->children[c].count * count_tmpl(lv->children[c].type, tmpl, memo, depth + 1);
    memo[lv->id] = n;
    return n;
}

static void hover_level(sbuf *b, const ir_design *d, const char *tmpl) {
    double *memo = malloc(sizeof *memo * (size_t)(d->nlevels + 1));
    if (!memo) abort();
    for (int s = 0; s < d->nsystems; s++) {
        for (int i = 0; i < d->nlevels; i++) memo[i] = -1;
        double n = count_tmpl(d->systems[s]->root, tmpl, memo, 0);
        if (n > 0) sb_printf(b, "\n\n%.0f instance%s in system `%s`", n, n == 1 ? "" : "s", d->systems[s]->name);
    }
    free(memo);
    units_dim flops = units_div(units_base(UNIT_FLOP), units_base(UNIT_S));
    units_dim bw = units_div(units_base(UNIT_B), units_base(UNIT_S));
    for (int i = 0; i < d->nlevels; i++) {
        const ir_level *lv = d->levels[i];
        if (!lv->tmpl || strcmp(lv->tmpl, tmpl) != 0) continue;
        sb_printf(b, "\n\nper instance of `%s`:", lv->name);
        char x[64], y[64];
        for (int e = 0; e < lv->nelems; e++) {
            const ir_elem *el = &lv->elems[e];
            if (el->kind == ELEM_COMPUTE) {
                units_format_value(el->rate, flops, x, sizeof x);
                sb_printf(b, "\n- compute `%s`: %s", el->name, x);
            } else {
                units_format_value(el->size, units_base(UNIT_B), x, sizeof x);
                units_format_value(el->bandwidth, bw, y, sizeof y);
                sb_printf(b, "\n- memory `%s`: %s, %s", el->name, x, y);
            }
        }
        for (int k = 0; k < lv->nnets; k++) {
            units_format_value(lv->nets[k].bandwidth, bw, x, sizeof x);
            sb_printf(b, "\n- network `%s`: %s, %s per link", lv->nets[k].name, ir_topo_name(lv->nets[k].topo), x);
        }
        for (int c = 0; c < lv->nchildren; c++)
            sb_printf(b, "\n- `%s`: %lld x `%s`", lv->children[c].name, (long long)lv->children[c].count,
                      lv->children[c].type->name);
    }
}

static void hover_text(sbuf *b, const sym *y, const ir_design *d) {
    const ast *n = y->node;
    sb_printf(b, "**%s** `%s`", kind_word(n), y->name);
    if (y->container && !y->top) sb_printf(b, " in `%s`", y->container);
    const char *base = strrchr(y->src->path, '/');
    sb_printf(b, " (%s:%d)", base ? base + 1 : y->src->path, n->loc.line);
    char x[64], z[64];
    if (d && n->kind == AST_PARAM && y->top) {
        for (int i = 0; i < d->nparams; i++) {
            const ir_param *p = &d->params[i];
            if (strcmp(p->name, y->name) != 0) continue;
            units_format_value(p->value, p->dim, x, sizeof x);
            const char *what = units_dim_name(p->dim);
            sb_printf(b, "\n\n= %s%s%s%s", x, what ? " (" : "", what ? what : "", what ? ")" : "");
            if (p->overridden) sb_printf(b, ", overridden");
        }
    } else if (d && n->kind == AST_LEVEL) {
        hover_level(b, d, y->name);
    } else if (d && n->kind == AST_SYSTEM) {
        for (int i = 0; i < d->nsystems; i++) {
            const ir_system *sy = d->systems[i];
            if (strcmp(sy->name, y->name) != 0) continue;
            units_format_value(sy->root->area, units_mul(units_base(UNIT_M), units_base(UNIT_M)), x, sizeof x);
            sb_printf(b, "\n\n`%s`: %llu level instances, area %s", sy->root->name, (unsigned long long)sy->root->ninst,
                      x);
        }
    } else if (d && n->kind == AST_WORKLOAD) {
        for (int i = 0; i < d->nworkloads; i++) {
            const ir_workload *w = d->workloads[i];
            if (strcmp(w->name, y->name) != 0) continue;
            units_format_value(w->flops, units_base(UNIT_FLOP), x, sizeof x);
            units_format_value(w->weight_bytes, units_base(UNIT_B), z, sizeof z);
            sb_printf(b, "\n\n%d operators, %d tensors, %s, weights %s", w->nops, w->ntensors, x, z);
        }
    } else if (d && n->kind == AST_MAPPING) {
        for (int i = 0; i < d->nmappings; i++) {
            const ir_mapping *m = d->mappings[i];
            if (strcmp(m->name, y->name) != 0) continue;
            sb_printf(b, "\n\non `%s` for `%s`: %lld actions", m->sys ? m->sys->name : "?", m->wl ? m->wl->name : "?",
                      (long long)ir_mapping_nactions(m));
        }
    }
    /* the declaration's first line */
    size_t o = line_off(y->src->text, y->src->len, n->loc.line - 1), e = o;
    while (e < y->src->len && y->src->text[e] != '\n' && e - o < 200) e++;
    while (o < e && (y->src->text[o] == ' ' || y->src->text[o] == '\t')) o++;
    sb_printf(b, "\n\n```mld\n%.*s\n```", (int)(e - o), y->src->text + o);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

/* The document a request is about, checked if it changed. */
static doc *request_doc(lsp_server *s, json_t *params) {
    doc *d = find_doc(s, get_str(get_obj(params, "textDocument"), "uri"));
    if (d && d->dirty) check_doc(s, d);
    return d;
}

/* The name under the cursor of a hover or definition request, resolved
 * against the document's index.  0 when there is no document or word. */
typedef struct lookup {
    doc *d;
    size_t off, a, e; /* cursor; the word [a, e) */
    char *w;
    symindex *ix;     /* the document's (cached) */
    const sym *y;     /* its declaration, or NULL */
} lookup;

static int lookup_at(lsp_server *s, json_t *params, lookup *k) {
    memset(k, 0, sizeof *k);
    k->d = request_doc(s, params);
    if (!k->d) return 0;
    doc *d = k->d;
    int dotted;
    k->off = pos_to_off(d->text, d->len, get_obj(params, "position"));
    if (!word_at(d, k->off, &k->a, &k->e, &dotted)) return 0;
    k->w = xstrndup(d->text + k->a, k->e - k->a);
    k->ix = doc_index(s, d);
    k->y = resolve(k->ix, k->w, dotted, d->path, (int)get_int(get_obj(params, "position"), "line", 0) + 1);
    return 1;
}

static void lookup_free(lookup *k) {
    free(k->w);
}

static json_t *do_hover(lsp_server *s, json_t *params) {
    lookup k;
    if (!lookup_at(s, params, &k)) return json_null();
    doc *d = k.d;
    const sym *y = k.y;
    const char *w = k.w;
    sbuf b = {0};
    if (y) {
        hover_text(&b, y, d->good);
    } else {
        for (int i = 0; i < OPK_COUNT && !b.p; i++)
            if (strcmp(w, ir_opkind_names[i]) == 0) sb_printf(&b, "**operator kind** `%s`", w);
        for (int i = 0; i < TOPO_COUNT && !b.p; i++)
            if (strcmp(w, ir_topo_name((ir_topo)i)) == 0) sb_printf(&b, "**topology** `%s`", w);
        if (!b.p && parse_is_keyword(w)) sb_printf(&b, "**keyword** `%s`", w);
    }
    json_t *r = b.p ? json_pack("{s:{s:s,s:s},s:{s:o,s:o}}", "contents", "kind", "markdown", "value", b.p, "range",
                                "start", off_pos(d->text, d->len, k.a), "end", off_pos(d->text, d->len, k.e))
                    : json_null();
    lookup_free(&k);
    free(b.p);
    return r;
}

static json_t *do_definition(lsp_server *s, json_t *params) {
    lookup k;
    if (!lookup_at(s, params, &k)) {
        lookup_free(&k);
        return json_null();
    }
    doc *d = k.d;
    const sym *y = k.y;
    size_t off = k.off;
    json_t *r = y ? sym_location(y) : json_null();
    /* an import's path leads to the file */
    if (!y) {
        size_t ls = off;
        while (ls > 0 && d->text[ls - 1] != '\n') ls--;
        if (d->len - ls > 7 && strncmp(d->text + ls, "import ", 7) == 0) {
            const char *q = memchr(d->text + ls, '"', d->len - ls);
            const char *q2 = q ? memchr(q + 1, '"', (size_t)(d->text + d->len - q - 1)) : NULL;
            if (q && q2) {
                char *name = xstrndup(q + 1, (size_t)(q2 - q - 1));
                mldc_options o = check_options(s);
                const char *p = mldc_resolve_import(&k.ix->a, &o, d->path, name);
                char *u = path_to_uri(p);
                json_decref(r);
                r = json_pack("{s:s,s:{s:{s:i,s:i},s:{s:i,s:i}}}", "uri", u, "range", "start", "line", 0, "character", 0,
                              "end", "line", 0, "character", 0);
                free(u);
                free(name);
            }
        }
    }
    lookup_free(&k);
    return r;
}

static int symbol_kind(const ast *n) {
    switch (n->kind) {
    case AST_LEVEL: return 5;       /* Class */
    case AST_SYSTEM: return 19;     /* Object */
    case AST_WORKLOAD: return 23;   /* Struct */
    case AST_MAPPING: case AST_MAPTMPL: return 12; /* Function */
    case AST_PARAM: return 14;      /* Constant */
    case AST_EXPLORE: return 3;     /* Namespace */
    case AST_ELEMENT: return 8;     /* Field */
    case AST_NETWORK: return 11;    /* Interface */
    case AST_CHILD: return 7;       /* Property */
    case AST_OP: return 25;         /* Operator */
    default: return 13;             /* Variable */
    }
}

static json_t *symbol_json(const doc *d, const sym *y) {
    const ast *n = y->node;
    size_t o = name_off(y);
    json_t *sel = json_pack("{s:o,s:o}", "start", off_pos(d->text, d->len, o), "end",
                            off_pos(d->text, d->len, o + strlen(y->name)));
    int l1 = n->loc.end_line >= n->loc.line ? n->loc.end_line : n->loc.line;
    int c1 = n->loc.end_line >= n->loc.line ? n->loc.end_col : n->loc.col + 1;
    json_t *range = range_of(d->text, d->len, n->loc.line, n->loc.col, l1, c1);
    return json_pack("{s:s,s:s,s:i,s:o,s:o,s:[]}", "name", y->name, "detail", kind_word(n), "kind", symbol_kind(n),
                     "range", range, "selectionRange", sel, "children");
}

static json_t *do_symbols(lsp_server *s, json_t *params) {
    doc *d = request_doc(s, params);
    if (!d) return json_null();
    const symindex *ix = doc_index(s, d);
    json_t *out = json_array(), *parent = NULL;
    const char *parent_name = NULL;
    for (int i = 0; i < ix->n; i++) {
        const sym *y = &ix->v[i];
        if (strcmp(y->src->path, d->path) != 0) continue;
        if (y->top) {
            parent = symbol_json(d, y);
            parent_name = y->name;
            json_array_append_new(out, parent);
        } else if (parent && y->container == parent_name &&
                   (y->node->kind == AST_ELEMENT || y->node->kind == AST_NETWORK || y->node->kind == AST_CHILD ||
                    y->node->kind == AST_TENSOR || y->node->kind == AST_OP)) {
            json_array_append_new(json_object_get(parent, "children"), symbol_json(d, y));
        }
    }
    return out;
}

/* Units offered after a number; each parses (tests/unit checks them). */
const char *const lsp_units[] = {
    "B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "bit", "Gbit",
    "s", "ms", "us", "ns", "ps", "cycle", "cycles", "Hz", "MHz", "GHz",
    "FLOP", "GFLOP", "TFLOP", "FLOP/cycle", "FLOP/s", "GFLOP/s", "TFLOP/s",
    "B/s", "GB/s", "TB/s", "B/cycle", "Gbit/s",
    "J", "mJ", "uJ", "nJ", "pJ", "pJ/FLOP", "pJ/bit", "pJ/B", "W", "mW",
    "m", "mm", "um", "mm2", "cm2", NULL,
};

typedef struct items {
    json_t *arr;
    strmap seen;
    arena a;
    const char *prefix;
    size_t plen;
} items;

static void item(items *it, const char *label, int kind, const char *detail) {
    if (json_array_size(it->arr) >= LSP_MAX_ITEMS || strncmp(label, it->prefix, it->plen) != 0) return;
    if (strmap_get(&it->seen, label)) return;
    strmap_put(&it->a, &it->seen, arena_strdup(&it->a, label), (void *)1);
    json_t *o = json_pack("{s:s,s:i}", "label", label, "kind", kind);
    if (detail) json_object_set_new(o, "detail", json_string(detail));
    json_array_append_new(it->arr, o);
}

static int completion_kind(const ast *n) {
    switch (n->kind) {
    case AST_LEVEL: return 7;     /* Class */
    case AST_SYSTEM: return 9;    /* Module */
    case AST_WORKLOAD: return 22; /* Struct */
    case AST_MAPPING: case AST_MAPTMPL: return 3; /* Function */
    case AST_PARAM: return 21;    /* Constant */
    case AST_ELEMENT: case AST_CHILD: case AST_NETWORK: return 5; /* Field */
    default: return 6;            /* Variable */
    }
}

static json_t *do_completion(lsp_server *s, json_t *params) {
    doc *d = request_doc(s, params);
    if (!d) return json_null();
    size_t off = pos_to_off(d->text, d->len, get_obj(params, "position")), a, e;
    int dotted;
    word_at(d, off, &a, &e, &dotted);
    items it;
    memset(&it, 0, sizeof it);
    arena_init(&it.a);
    it.arr = json_array();
    char *prefix = xstrndup(d->text + a, off - a);
    it.prefix = prefix;
    it.plen = strlen(prefix);
    /* after a number: units only */
    size_t k = a;
    while (k > 0 && d->text[k - 1] == ' ') k--;
    int after_number = !dotted && k < a && k > 0 && isdigit((unsigned char)d->text[k - 1]);
    if (!after_number && a > 0 && isdigit((unsigned char)d->text[a - 1])) after_number = 1;
    const symindex *ix = doc_index(s, d);
    if (after_number) {
        for (int i = 0; lsp_units[i]; i++) item(&it, lsp_units[i], 11, "unit");
    } else if (dotted) {
        for (int i = 0; i < ix->n; i++)
            if (!ix->v[i].top) item(&it, ix->v[i].name, completion_kind(ix->v[i].node), kind_word(ix->v[i].node));
    } else {
        for (int i = 0; i < ix->n; i++)
            if (ix->v[i].top || strcmp(ix->v[i].src->path, d->path) == 0)
                item(&it, ix->v[i].name, completion_kind(ix->v[i].node), kind_word(ix->v[i].node));
        for (int i = 0; parse_keywords[i]; i++) item(&it, parse_keywords[i], 14, "keyword");
        for (int i = 0; i < OPK_COUNT; i++) item(&it, ir_opkind_names[i], 3, "operator");
        for (int i = 0; i < TOPO_COUNT; i++) item(&it, ir_topo_name((ir_topo)i), 20, "topology");
        const symindex *std = std_index(s);
        for (int i = 0; i < std->n; i++) {
            const sym *y = &std->v[i];
            if (!y->top || (y->node->kind != AST_LEVEL && y->node->kind != AST_WORKLOAD &&
                            y->node->kind != AST_MAPTMPL && y->node->kind != AST_MAPPING))
                continue;
            const char *base = strstr(y->src->path, "/std/");
            char det[128];
            snprintf(det, sizeof det, "%s from import \"%.*s\"", kind_word(y->node),
                     base ? (int)strlen(base + 1) - 4 : 0, base ? base + 1 : "");
            item(&it, y->name, completion_kind(y->node), det);
        }
    }
    free(prefix);
    arena_free(&it.a);
    return json_pack("{s:b,s:o}", "isIncomplete", 0, "items", it.arr);
}

static json_t *do_formatting(lsp_server *s, json_t *params) {
    doc *d = find_doc(s, get_str(get_obj(params, "textDocument"), "uri"));
    if (!d) return json_null();
    mld_source src = {d->path, d->text, d->len};
    diag_ctx dc;
    diag_ctx_init(&dc, NULL, NULL);
    char *out = NULL;
    size_t outlen = 0;
    int rc = fmt_source(&src, &dc, &out, &outlen);
    diag_ctx_free(&dc);
    json_t *edits = json_array();
    if (rc == 0 && (outlen != d->len || memcmp(out, d->text, outlen) != 0)) {
        json_t *range = json_pack("{s:{s:i,s:i},s:o}", "start", "line", 0, "character", 0, "end",
                                  off_pos(d->text, d->len, d->len));
        json_array_append_new(edits, json_pack("{s:o,s:s%}", "range", range, "newText", out, outlen));
    }
    free(out);
    return edits;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */
/* ------------------------------------------------------------------ */

static json_t *capabilities(void) {
    return json_pack("{s:{s:{s:b,s:i,s:{s:b}},s:b,s:b,s:b,s:{s:[s]},s:b},s:{s:s,s:s}}", "capabilities",
                     "textDocumentSync", "openClose", 1, "change", 2, "save", "includeText", 0, "hoverProvider", 1,
                     "definitionProvider", 1, "documentSymbolProvider", 1, "completionProvider", "triggerCharacters",
                     ".", "documentFormattingProvider", 1, "serverInfo", "name", "mldc", "version", MLDC_VERSION);
}

int lsp_handle(lsp_server *s, const char *msg, size_t len) {
    json_error_t err;
    json_t *m = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &err);
    if (!m) {
        reply_error(s, NULL, RPC_PARSE_ERROR, "the message is not JSON");
        return 0;
    }
    if (!json_is_object(m)) {
        reply_error(s, NULL, RPC_INVALID_REQUEST, "the message is not a JSON object");
        json_decref(m);
        return 0;
    }
    json_t *id = json_object_get(m, "id");
    if (id && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id)) id = NULL;
    const char *method = get_str(m, "method");
    json_t *params = json_object_get(m, "params");
    int quit = 0;
    if (!method) {
        if (id) reply_error(s, id, RPC_INVALID_REQUEST, "no method"); /* else: a reply to us; none expected */
    } else if (strcmp(method, "initialize") == 0) {
        reply(s, id, capabilities());
    } else if (strcmp(method, "shutdown") == 0) {
        s->shutdown = 1;
        reply(s, id, NULL);
    } else if (strcmp(method, "exit") == 0) {
        quit = 1;
    } else if (strcmp(method, "textDocument/didOpen") == 0) {
        did_open(s, params);
    } else if (strcmp(method, "textDocument/didChange") == 0) {
        did_change(s, params);
    } else if (strcmp(method, "textDocument/didSave") == 0) {
        doc *d = find_doc(s, get_str(get_obj(params, "textDocument"), "uri"));
        if (d) mark_dirty(s, d);
    } else if (strcmp(method, "textDocument/didClose") == 0) {
        did_close(s, params);
    } else if (!id) {
        /* other notifications (initialized, $/cancelRequest, ...): nothing to do */
    } else if (!json_is_object(params)) {
        reply_error(s, id, RPC_INVALID_PARAMS, "params must be an object");
    } else if (strcmp(method, "textDocument/hover") == 0) {
        reply(s, id, do_hover(s, params));
    } else if (strcmp(method, "textDocument/definition") == 0) {
        reply(s, id, do_definition(s, params));
    } else if (strcmp(method, "textDocument/documentSymbol") == 0) {
        reply(s, id, do_symbols(s, params));
    } else if (strcmp(method, "textDocument/completion") == 0) {
        reply(s, id, do_completion(s, params));
    } else if (strcmp(method, "textDocument/formatting") == 0) {
        reply(s, id, do_formatting(s, params));
    } else {
        reply_error(s, id, RPC_METHOD_NOT_FOUND, "method not supported");
    }
    json_decref(m);
    return quit;
}

lsp_server *lsp_new(const lsp_config *c) {
    lsp_server *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->cfg = *c;
    return s;
}

void lsp_free(lsp_server *s) {
    if (!s) return;
    for (int i = 0; i < s->ndocs; i++) doc_free(s->docs[i]);
    free(s->docs);
    index_release(s->std);
    free(s);
}

int lsp_exit_status(const lsp_server *s) { return s->shutdown ? 0 : 1; }
