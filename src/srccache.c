/* srccache.c - source files read and parsed once (see srccache.h).
 *
 * One arena holds everything: the entries, the sources' paths and texts and
 * the kept trees, so the cache is freed in one call.  Entries are found by
 * path through a string map; a source is recognised as the cache's own by
 * its address (each entry holds its mld_source), which is what the syntax
 * tree's locations point at.
 */
#include "srccache.h"

#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"

typedef struct entry {
    mld_source src;  /* the kept text */
    ast *root;       /* its tree, when parsed without diagnostics */
    int parsed;      /* parsed once (root is NULL when that reported something) */
} entry;

struct srccache {
    arena mem;
    strmap by_path;  /* path -> entry */
};

srccache *srccache_new(void) {
    srccache *c = calloc(1, sizeof *c);
    if (!c) mem_fail(sizeof *c);
    arena_init(&c->mem);
    return c;
}

void srccache_free(srccache *c) {
    if (!c) return;
    arena_free(&c->mem);
    free(c);
}

mld_source *srccache_source(srccache *c, const char *path) {
    entry *e = strmap_get(&c->by_path, path);
    return e ? &e->src : NULL;
}

mld_source *srccache_keep(srccache *c, const mld_source *src) {
    entry *e = strmap_get(&c->by_path, src->path);
    if (e) return &e->src;
    e = arena_alloc(&c->mem, sizeof *e);
    e->src.path = arena_strdup(&c->mem, src->path);
    e->src.text = arena_strndup(&c->mem, src->text, src->len);
    e->src.len = src->len;
    strmap_put(&c->mem, &c->by_path, e->src.path, e);
    return &e->src;
}

int srccache_owns(const srccache *c, const mld_source *src) {
    const entry *e = strmap_get(&c->by_path, src->path);
    return e && &e->src == src;
}

ast *srccache_parse(srccache *c, const mld_source *src, arena *a, diag_ctx *dc) {
    entry *e = strmap_get(&c->by_path, src->path);
    if (e && &e->src != src) e = NULL; /* a source of the same name, not ours */
    if (!e || e->parsed) return e && e->root ? e->root : parse_file(src, a, dc);
    int before = dc->nerrors + dc->nwarnings;
    ast *root = parse_file(src, &c->mem, dc);
    e->parsed = 1;
    if (dc->nerrors + dc->nwarnings == before) e->root = root;
    return root;
}
