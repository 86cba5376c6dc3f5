/* cli_lsp.c - `mldc lsp`: the Language Server Protocol over stdio.
 *
 * This is the command-line driver's side of the language server (like
 * cli.c, it is linked into the mldc program, not the library): it frames
 * messages ("Content-Length: N" headers, a blank line, N bytes of JSON),
 * hands each body to src/lsp.c, and writes what the server answers with the
 * same framing on stdout.  Nothing else is ever written to stdout; stderr
 * stays silent.
 *
 * Debouncing: an edit only marks documents as changed.  The loop checks
 * them (lsp_flush) once no message has arrived for LSP_QUIET_MS, so a burst
 * of keystrokes costs one check, and diagnostics appear a moment after the
 * user stops typing.  A request about a changed document checks it at once.
 *
 * Malformed framing (no Content-Length, an absurd length) is answered with
 * a JSON-RPC parse error and the bad header block is dropped; end of input
 * ends the server as `exit` would.
 */
#include "cli_lsp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lsp.h"
#include "mldc.h"

enum {
    LSP_QUIET_MS = 150,                    /* debounce: check after this much quiet */
    LSP_MAX_HEADER = 8192,                 /* bytes of header block */
    LSP_MAX_BODY = 2 * MLDC_MAX_FILE + 4096 /* a whole file, JSON-escaped */
};

static void write_msg(void *ud, const char *msg, size_t len) {
    (void)ud;
    printf("Content-Length: %zu\r\n\r\n", len);
    fwrite(msg, 1, len, stdout);
    fflush(stdout);
}

typedef struct inbuf {
    char *p;
    size_t n, cap;
    int eof;
} inbuf;

/* Read what is available (blocking until something is).  0 at end of input. */
static int fill(inbuf *b) {
    if (b->cap - b->n < 65536) {
        b->cap = b->cap * 2 + 65536;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    for (;;) {
        ssize_t k = read(0, b->p + b->n, b->cap - b->n);
        if (k > 0) {
            b->n += (size_t)k;
            return 1;
        }
        if (k < 0 && errno == EINTR) continue;
        b->eof = 1;
        return 0;
    }
}

static void drop(inbuf *b, size_t k) {
    memmove(b->p, b->p + k, b->n - k);
    b->n -= k;
}

/* Next complete message in b: 1 and its body at [*off, *off + *len) with the
 * whole frame *frame bytes long; 0 when more input is needed; -1 after
 * dropping a malformed header block (*frame bytes). */
static int next_message(inbuf *b, size_t *off, size_t *len, size_t *frame) {
    char *end = NULL;
    for (size_t i = 0; i + 3 < b->n; i++)
        if (memcmp(b->p + i, "\r\n\r\n", 4) == 0) {
            end = b->p + i;
            break;
        }
    if (!end) {
        if (b->n > LSP_MAX_HEADER) {
            *frame = b->n;
            return -1;
        }
        return 0;
    }
    size_t hlen = (size_t)(end - b->p) + 4;
    long long clen = -1;
    for (char *line = b->p; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *le = nl ? nl : end;
        if ((size_t)(le - line) > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
            char num[32];
            size_t k = (size_t)(le - line) - 15;
            if (k >= sizeof num) k = sizeof num - 1;
            memcpy(num, line + 15, k);
            num[k] = 0;
            char *e;
            clen = strtoll(num, &e, 10);
            while (*e == ' ' || *e == '\r') e++;
            if (*e) clen = -1;
        }
        line = nl ? nl + 1 : end;
    }
    if (clen < 0 || clen > LSP_MAX_BODY) {
        *frame = hlen;
        return -1;
    }
    if (b->n < hlen + (size_t)clen) return 0;
    *off = hlen;
    *len = (size_t)clen;
    *frame = hlen + (size_t)clen;
    return 1;
}

int cli_lsp(const char *const *sets, int nsets, const char *stdlib_dir) {
    lsp_config cfg = {write_msg, NULL, sets, nsets, stdlib_dir};
    lsp_server *s = lsp_new(&cfg);
    inbuf b = {0};
    int quit = 0;
    while (!quit) {
        size_t off, len, frame;
        int r = next_message(&b, &off, &len, &frame);
        if (r == 1) {
            quit = lsp_handle(s, b.p + off, len);
            drop(&b, frame);
            continue;
        }
        if (r < 0) {
            static const char bad[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                                      "\"message\":\"malformed message header\"}}";
            write_msg(NULL, bad, sizeof bad - 1);
            drop(&b, frame);
            continue;
        }
        if (b.eof) break;
        if (lsp_pending(s)) {
            struct pollfd pf = {0, POLLIN, 0};
            int k = poll(&pf, 1, LSP_QUIET_MS);
            if (k == 0) {
                lsp_flush(s);
                continue;
            }
        }
        fill(&b);
    }
    int rc = quit ? lsp_exit_status(s) : 1;
    lsp_free(s);
    free(b.p);
    return rc;
}
