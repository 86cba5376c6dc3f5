/* mldc.h - the library's entry points, as the CLI, tests, fuzzers and the
 * benchmark use them.
 *
 * Loading a design runs every front-end pass: read (with size limits),
 * parse, resolve imports, lower to IR, check.  Diagnostics go to the
 * diag_ctx's callback; nothing is printed.  The design is returned even when
 * errors were found (as far as lowering got); callers test dc->nerrors and
 * should only dump or simulate an error-free design.
 */
#ifndef MLDC_MLDC_H
#define MLDC_MLDC_H

#include <stddef.h>

#include "diag.h"
#include "ir.h"

enum {
    MLDC_MAX_FILE = 32 << 20,   /* bytes in one source file */
    MLDC_MAX_IMPORTS = 1000,    /* files in one design */
    MLDC_MAX_INSTANCES_LOG2 = 30 /* level instances in one system: 2^30 */
};

typedef struct mldc_options {
    const char *const *sets; /* "name=value" overrides of params */
    int nsets;
    const char *stdlib_dir;  /* where import "std/..." looks; NULL: built-in default */
    /* Optional: an imported file's text as an editor holds it (the
     * language server's unsaved buffers).  Called with each resolved import
     * path before the disk is read; returns NULL to read the disk. */
    const char *(*overlay)(void *ud, const char *path, size_t *len);
    void *overlay_ud;
    /* the design named "-" (standard input), read once by the caller so
     * that it can be loaded again (explore loads it once per point); NULL:
     * mldc_load_file("-") reads stdin itself */
    const char *stdin_text;
    size_t stdin_len;
    /* Optional: files read and parsed once, kept for later loads with the
     * same cache (srccache.h; explore loads once per point); NULL: every
     * load reads and parses its files. */
    struct srccache *cache;
} mldc_options;

/* Load, lower and check the design in `path` ("-": standard input, named
 * "<stdin>" in diagnostics). Never NULL. */
ir_design *mldc_load_file(const char *path, const mldc_options *o, diag_ctx *dc);
/* Same, from a buffer; `name` is used in diagnostics and for relative
 * imports (relative to the current directory). Never NULL. */
ir_design *mldc_load_buffer(const char *name, const char *text, size_t len,
                            const mldc_options *o, diag_ctx *dc);
/* The stdlib directory in force: o->stdlib_dir, else $MLDC_STDLIB, else the
 * installed default. */
const char *mldc_stdlib_dir(const mldc_options *o);
/* The file `import "name"` in the file `from` reads: "std/..." in the
 * stdlib directory, else relative to from's directory; ".mld" added when
 * missing.  Allocated in a. */
const char *mldc_resolve_import(arena *a, const mldc_options *o, const char *from, const char *name);

#endif
