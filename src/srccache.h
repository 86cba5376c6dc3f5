/* srccache.h - source files read and parsed once, for loading one design
 * many times.
 *
 * mldc explore loads its design once per design point, each time with
 * other --set overrides.  The files - the design and its imports - do not
 * change during a run (the results file's record of the inputs says what
 * they were), and parsing does not depend on the overrides, so a cache
 * keeps each file's text and syntax tree, in an arena of its own, for as
 * long as the run lasts: a load given the cache (mldc_options.cache) reads
 * and parses no file it has seen before, and re-enters at lowering.
 * Lowering only reads the tree.  A file whose parse reported anything
 * (an error or a warning) keeps its text but not its tree: it is parsed
 * again on each load, so that each load reports the same diagnostics.
 * Explore's workers, forked from the process that filled the cache,
 * inherit it.  Editor buffers (mldc_options.overlay) are never cached.
 */
#ifndef MLDC_SRCCACHE_H
#define MLDC_SRCCACHE_H

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef struct srccache srccache;

srccache *srccache_new(void);
void srccache_free(srccache *c);

/* The kept source named path (as the loader names it: the path given, or
 * an import's resolved path), or NULL. */
mld_source *srccache_source(srccache *c, const char *path);
/* Keep a copy of src under its path; returns the kept source.  A source
 * kept already under that path is returned as it is. */
mld_source *srccache_keep(srccache *c, const mld_source *src);
/* The tree of src: the kept one when src is a kept source parsed before
 * without diagnostics; else parsed now, into the cache when src is kept
 * (the tree is kept when the parse reports nothing), into a otherwise. */
ast *srccache_parse(srccache *c, const mld_source *src, arena *a, diag_ctx *dc);
/* Is src one of the cache's sources? */
int srccache_owns(const srccache *c, const mld_source *src);

#endif
