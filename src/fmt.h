/* fmt.h - mldc fmt: the canonical formatter for .mld files.
 *
 * The style it produces is described at the top of fmt.c.  Formatting never
 * changes meaning: the result is re-scanned and its token stream compared
 * with the input's before anything is written (see fmt_source).
 */
#ifndef MLDC_FMT_H
#define MLDC_FMT_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

/* Format one source text.  The input is first parsed: syntax (and lexical)
 * errors go to dc and the result is 1.  Otherwise the text is formatted and
 * checked (the same tokens and comments as the input, the same syntax tree,
 * and formatting it again changes nothing); a failed check is reported to
 * dc as an internal error and the result is 1.  On success the result is 0 and *out
 * is the formatted text (malloc'd, NUL-terminated, *outlen bytes); the
 * caller frees it. */
int fmt_source(const mld_source *src, diag_ctx *dc, char **out, size_t *outlen);

typedef struct fmt_options {
    int check; /* change nothing; list the files that are not formatted */
    FILE *out; /* where "-" (stdin) is written and --check lists files */
} fmt_options;

/* mldc fmt FILE...: format each file in place (written to a temporary file
 * in the same directory, then renamed over it; untouched when already
 * formatted or when it has errors).  "-" formats stdin to o->out.  With
 * o->check nothing is written: each file that would change is listed on
 * o->out as "FILE: not formatted".  Returns 0 when all is well, 1 when a file
 * had errors or (with check) is not formatted, 2 after an I/O error. */
int fmt_files(const char *const *paths, int npaths, const fmt_options *o, diag_ctx *dc);

#endif
