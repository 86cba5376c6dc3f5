/* lsp.h - the language server behind `mldc lsp`, as a library module.
 *
 * The server is a state machine over Language Server Protocol messages: the
 * caller hands it one JSON-RPC message at a time (the body, without the
 * Content-Length header) and it answers through a write callback, also one
 * message body at a time.  It does no I/O of its own and keeps no global
 * state, so the stdio loop (src/cli_lsp.c), the fuzz target and tests drive
 * the same code.
 *
 * Checking is deferred: an edit only marks the document (and every open
 * document that imports it) as changed; lsp_flush checks what changed and
 * publishes diagnostics.  The caller decides when: cli_lsp.c flushes once
 * the editor has been quiet for a moment (debouncing), and a request about
 * a changed document flushes that document first.
 */
#ifndef MLDC_LSP_H
#define MLDC_LSP_H

#include <stddef.h>

typedef void (*lsp_write_fn)(void *ud, const char *msg, size_t len);

typedef struct lsp_config {
    lsp_write_fn write;      /* receives each outgoing message body (JSON) */
    void *ud;
    const char *const *sets; /* --set overrides applied to every check */
    int nsets;
    const char *stdlib_dir;  /* NULL: the default */
} lsp_config;

typedef struct lsp_server lsp_server;

lsp_server *lsp_new(const lsp_config *c);
void lsp_free(lsp_server *s);
/* Handle one message body.  Returns 1 once the client sent `exit`, else 0.
 * Malformed messages are answered with JSON-RPC errors, never a crash. */
int lsp_handle(lsp_server *s, const char *msg, size_t len);
/* Are documents waiting to be checked? */
int lsp_pending(const lsp_server *s);
/* Check every changed document and publish its diagnostics. */
void lsp_flush(lsp_server *s);
/* The exit status the protocol asks for: 0 after shutdown, else 1. */
int lsp_exit_status(const lsp_server *s);

/* The units completion offers after a number, NULL-terminated. */
extern const char *const lsp_units[];

#endif
