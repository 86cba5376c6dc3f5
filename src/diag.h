/* diag.h - diagnostics: what the library reports, and how the CLI shows it.
 *
 * The library never prints.  Every error, warning and note goes through a
 * diag_ctx, which hands finished diagnostics to a callback that the caller
 * (the CLI, a test, the fuzzer) installs.  Rendering to GNU text form
 * ("file:line:col: error: msg", the source line, a ^~~~ underline, notes) or
 * to one JSON object per line lives here too, as pure functions over a FILE*
 * that only the CLI calls.
 */
#ifndef MLDC_DIAG_H
#define MLDC_DIAG_H

#include <stdio.h>

#include "arena.h"

/* One source text: a file read from disk, a --set value, a generated buffer. */
typedef struct mld_source {
    const char *path; /* as given by the user; "<set>" for --set values */
    const char *text; /* NUL-terminated contents */
    size_t len;
} mld_source;

/* A span in a source.  Lines and columns count from 1; end_col is one past
 * the last character when the span lies on one line. */
typedef struct mld_loc {
    int line, col, end_line, end_col; /* first: bison initialises these */
    const mld_source *src;
} mld_loc;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_sev;

typedef struct mld_diag mld_diag;
struct mld_diag {
    diag_sev sev;
    mld_loc loc; /* src may be NULL: a diagnostic about no place in a file */
    const char *msg;
    mld_diag *notes; /* notes attached to this diagnostic, in order */
    mld_diag *next;  /* next note */
};

typedef void (*diag_fn)(void *ud, const mld_diag *d);

typedef struct diag_ctx {
    diag_fn fn;
    void *ud;
    arena mem;      /* diagnostics live here until diag_ctx_free */
    int nerrors;    /* errors emitted */
    int nwarnings;  /* warnings emitted */
    int max_errors; /* cap; 0 means the default */
    int capped;     /* set once the cap was hit and a final note emitted */
    unsigned recent[64]; /* hashes of recent diagnostics: exact repeats are dropped */
    int nrecent;
    /* where the code being checked was reached from (template calls): each
     * diagnostic emitted meanwhile gets a note per entry, innermost first */
    mld_loc ctx_loc[8];
    const char *ctx_msg[8];
    int nctx;
} diag_ctx;

void diag_ctx_init(diag_ctx *dc, diag_fn fn, void *ud);
void diag_ctx_free(diag_ctx *dc);

/* Build a diagnostic; attach notes; then emit it. */
mld_diag *diag_new(diag_ctx *dc, diag_sev sev, mld_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_note(diag_ctx *dc, mld_diag *d, mld_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_emit(diag_ctx *dc, mld_diag *d);
/* Enter and leave a context ("in the call of 'x' here"); msg must outlive
 * the context.  Beyond 8 levels only the outermost 8 are noted. */
void diag_push_context(diag_ctx *dc, mld_loc loc, const char *msg);
void diag_pop_context(diag_ctx *dc);

/* Shorthands for a diagnostic without notes. */
void diag_error(diag_ctx *dc, mld_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warning(diag_ctx *dc, mld_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Nonzero once the error cap is reached: passes should stop early. */
int diag_full(const diag_ctx *dc);

/* Render one diagnostic (with its notes) in GNU form with source excerpts. */
void diag_render_text(FILE *out, const mld_diag *d);
/* The same with ANSI colours when `color` is nonzero (for a terminal). */
void diag_render_text_color(FILE *out, const mld_diag *d, int color);
/* Render one diagnostic as a single-line JSON object (notes nested). */
void diag_render_json(FILE *out, const mld_diag *d);

#endif
