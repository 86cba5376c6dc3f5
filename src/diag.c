/* diag.c - building, capping and rendering diagnostics.
 *
 * Text form follows GCC and nftables, which editors already parse:
 *
 *   file:line:col: error: message
 *    12 |     size = 4 ns
 *       |            ^~~~
 *   file:line:col: note: message
 *
 * A diagnostic's notes are emitted with it, so a consumer never sees a note
 * whose error was dropped.  After max_errors errors one final error says the
 * rest were suppressed, and diag_full() tells passes to stop; after as many
 * warnings a note says the rest are not shown (they are still counted).
 * Words of a message longer than 80 characters (an identifier of
 * megabytes) are shortened to their first 40 and their length.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

enum { DIAG_DEFAULT_MAX = 50 };

void diag_ctx_init(diag_ctx *dc, diag_fn fn, void *ud) {
    memset(dc, 0, sizeof *dc);
    dc->fn = fn;
    dc->ud = ud;
    arena_init(&dc->mem);
}

void diag_ctx_free(diag_ctx *dc) { arena_free(&dc->mem); }

/* Words longer than this in a message (a pasted or generated identifier
 * of megabytes) are shortened to their start, "...", and their length. */
enum { DIAG_MAX_WORD = 80 };

static int word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Shorten every over-long word of p in place. */
static void shorten_words(char *p) {
    char *o = p;
    for (const char *i = p; *i;) {
        if (!word_char(*i)) {
            *o++ = *i++;
            continue;
        }
        const char *w = i;
        while (word_char(*i)) i++;
        size_t n = (size_t)(i - w);
        if (n <= DIAG_MAX_WORD) {
            memmove(o, w, n);
            o += n;
        } else {
            char tail[48];
            int t = snprintf(tail, sizeof tail, "... (%zu characters)", n);
            memmove(o, w, 40);
            memcpy(o + 40, tail, (size_t)t); /* 40 + t < n: fits where the word was */
            o += 40 + t;
        }
    }
    *o = 0;
}

__attribute__((format(printf, 2, 0))) static char *vfmt(arena *a, const char *fmt, va_list ap) {
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    shorten_words(p);
    return p;
}

__attribute__((format(printf, 4, 0))) static mld_diag *vnew(diag_ctx *dc, diag_sev sev, mld_loc loc, const char *fmt,
                                                             va_list ap) {
    mld_diag *d = arena_alloc(&dc->mem, sizeof *d);
    d->sev = sev;
    d->loc = loc;
    d->msg = vfmt(&dc->mem, fmt, ap);
    return d;
}

mld_diag *diag_new(diag_ctx *dc, diag_sev sev, mld_loc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mld_diag *d = vnew(dc, sev, loc, fmt, ap);
    va_end(ap);
    return d;
}

void diag_note(diag_ctx *dc, mld_diag *d, mld_loc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mld_diag *n = vnew(dc, DIAG_NOTE, loc, fmt, ap);
    va_end(ap);
    mld_diag **tail = &d->notes;
    while (*tail) tail = &(*tail)->next;
    *tail = n;
}

int diag_full(const diag_ctx *dc) {
    int max = dc->max_errors ? dc->max_errors : DIAG_DEFAULT_MAX;
    return dc->nerrors >= max;
}

/* A hash of a diagnostic's place and text, to drop exact repeats (the same
 * mistake inside a loop body is reported once, not once per iteration). */
static unsigned diag_hash(const mld_diag *d) {
    unsigned h = 2166136261u;
    for (const char *p = d->msg; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ (unsigned)d->loc.line) * 16777619u;
    h = (h ^ (unsigned)d->loc.col) * 16777619u;
    h = (h ^ (unsigned)(uintptr_t)d->loc.src) * 16777619u;
    return h ^ (unsigned)d->sev;
}

void diag_push_context(diag_ctx *dc, mld_loc loc, const char *msg) {
    if (dc->nctx < 8) {
        dc->ctx_loc[dc->nctx] = loc;
        dc->ctx_msg[dc->nctx] = msg;
    }
    dc->nctx++;
}

void diag_pop_context(diag_ctx *dc) {
    if (dc->nctx > 0) dc->nctx--;
}

void diag_emit(diag_ctx *dc, mld_diag *d) {
    if (dc->capped) return;
    if (d->sev != DIAG_NOTE) {
        /* innermost first; a run of identical calls (recursion) is one note */
        int n = dc->nctx < 8 ? dc->nctx : 8;
        for (int i = n - 1; i >= 0;) {
            int j = i;
            while (j > 0 && dc->ctx_loc[j - 1].src == dc->ctx_loc[i].src && dc->ctx_loc[j - 1].line == dc->ctx_loc[i].line &&
                   dc->ctx_loc[j - 1].col == dc->ctx_loc[i].col && strcmp(dc->ctx_msg[j - 1], dc->ctx_msg[i]) == 0)
                j--;
            int times = i - j + 1 + (i == n - 1 ? dc->nctx - n : 0);
            if (times > 1) diag_note(dc, d, dc->ctx_loc[i], "%s (%d calls deep)", dc->ctx_msg[i], times);
            else diag_note(dc, d, dc->ctx_loc[i], "%s", dc->ctx_msg[i]);
            i = j - 1;
        }
    }
    unsigned h = diag_hash(d);
    int n = dc->nrecent < 64 ? dc->nrecent : 64;
    for (int i = 0; i < n; i++)
        if (dc->recent[i] == h) return;
    dc->recent[dc->nrecent++ % 64] = h;
    if (d->sev == DIAG_ERROR) dc->nerrors++;
    if (d->sev == DIAG_WARNING) {
        /* warnings are capped like errors, but do not stop the passes */
        int max = dc->max_errors ? dc->max_errors : DIAG_DEFAULT_MAX;
        if (dc->nwarnings++ >= max) {
            if (dc->nwarnings == max + 1 && dc->fn) {
                mld_loc none = {0};
                dc->fn(dc->ud, diag_new(dc, DIAG_NOTE, none, "too many warnings (%d); the rest are not shown", max));
            }
            return;
        }
    }
    if (dc->fn) dc->fn(dc->ud, d);
    if (d->sev == DIAG_ERROR && diag_full(dc)) {
        /* The last one allowed: say so, and drop everything after it. */
        mld_loc none = {0};
        mld_diag *cap = diag_new(dc, DIAG_NOTE, none, "too many errors (%d); stopping here", dc->nerrors);
        dc->capped = 1;
        if (dc->fn) dc->fn(dc->ud, cap);
    }
}

void diag_error(diag_ctx *dc, mld_loc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mld_diag *d = vnew(dc, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
    diag_emit(dc, d);
}

void diag_warning(diag_ctx *dc, mld_loc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mld_diag *d = vnew(dc, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
    diag_emit(dc, d);
}

static const char *sev_name(diag_sev s) {
    switch (s) {
    case DIAG_ERROR: return "error";
    case DIAG_WARNING: return "warning";
    case DIAG_NOTE: return "note";
    }
    return "error";
}

/* Find the start of 1-based line `line` in src, or NULL. */
static const char *line_start(const mld_source *src, int line, size_t *len) {
    const char *p = src->text, *end = src->text + src->len;
    for (int l = 1; l < line && p < end; p++)
        if (*p == '\n') l++;
    if (p > end) return NULL;
    const char *q = p;
    while (q < end && *q != '\n') q++;
    *len = (size_t)(q - p);
    return p;
}

/* ANSI colours as GCC and Clang use them: bold location, the severity in
 * red, magenta or cyan, the underline in green. */
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"
static const char *sev_color(diag_sev s) {
    switch (s) {
    case DIAG_ERROR: return "\033[1;31m";
    case DIAG_WARNING: return "\033[1;35m";
    case DIAG_NOTE: return "\033[1;36m";
    }
    return "";
}

static void render_one(FILE *out, const mld_diag *d, int color) {
    const mld_loc *l = &d->loc;
    const char *b = color ? C_BOLD : "", *off = color ? C_OFF : "", *sc = color ? sev_color(d->sev) : "";
    if (l->src && l->line > 0)
        fprintf(out, "%s%s:%d:%d:%s %s%s:%s %s%s%s\n", b, l->src->path, l->line, l->col, off, sc, sev_name(d->sev), off,
                b, d->msg, off);
    else if (l->src)
        fprintf(out, "%s%s:%s %s%s:%s %s%s%s\n", b, l->src->path, off, sc, sev_name(d->sev), off, b, d->msg, off);
    else
        fprintf(out, "%smldc:%s %s%s:%s %s%s%s\n", b, off, sc, sev_name(d->sev), off, b, d->msg, off);
    if (!l->src || l->line <= 0) return;
    size_t len;
    const char *s = line_start(l->src, l->line, &len);
    if (!s) return;
    if (l->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { /* a byte-order mark takes no column */
        s += 3;
        len -= 3;
    }
    if (len > 200) len = 200; /* do not echo megabyte-long lines */
    fprintf(out, "%5d | %.*s\n", l->line, (int)len, s);
    fprintf(out, "      | ");
    int col = l->col < 1 ? 1 : l->col;
    for (int i = 1; i < col && (size_t)(i - 1) < len; i++)
        fputc(s[i - 1] == '\t' ? '\t' : ' ', out);
    int width = 1;
    if (l->end_line == l->line && l->end_col > col) width = l->end_col - col;
    else if (l->end_line > l->line && (size_t)col <= len) width = (int)len - col + 1;
    if (width > 200) width = 200;
    if (color) fputs("\033[1;32m", out);
    fputc('^', out);
    for (int i = 1; i < width; i++) fputc('~', out);
    fputs(off, out);
    fputc('\n', out);
}

void diag_render_text(FILE *out, const mld_diag *d) { diag_render_text_color(out, d, 0); }

void diag_render_text_color(FILE *out, const mld_diag *d, int color) {
    render_one(out, d, color);
    for (const mld_diag *n = d->notes; n; n = n->next) render_one(out, n, color);
}

static void json_str(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (*p < 0x20) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void json_one(FILE *out, const mld_diag *d) {
    fputs("{\"severity\":", out);
    json_str(out, sev_name(d->sev));
    if (d->loc.src) {
        fputs(",\"file\":", out);
        json_str(out, d->loc.src->path);
        if (d->loc.line > 0)
            fprintf(out, ",\"line\":%d,\"column\":%d,\"end_line\":%d,\"end_column\":%d",
                    d->loc.line, d->loc.col, d->loc.end_line, d->loc.end_col);
    }
    fputs(",\"message\":", out);
    json_str(out, d->msg);
    if (d->notes) {
        fputs(",\"notes\":[", out);
        for (const mld_diag *n = d->notes; n; n = n->next) {
            json_one(out, n);
            if (n->next) fputc(',', out);
        }
        fputc(']', out);
    }
    fputc('}', out);
}

void diag_render_json(FILE *out, const mld_diag *d) {
    json_one(out, d);
    fputc('\n', out);
}
