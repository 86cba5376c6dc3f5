/* fuzz_lsp.c - libFuzzer harness for the language server (src/lsp.c).
 *
 * An input is an editing session: the bytes before the first NUL are the
 * document's first text (so every .mld file is a seed), the bytes after it a
 * script of operations, three bytes each: an opcode and two operands that
 * pick a line and a column (taken modulo small ranges, so they often land in
 * the text and sometimes far past it).  Operations insert a chunk of the
 * input at a position, delete a range (possibly backwards or out of range),
 * replace the whole text, ask for hover, definition, completion, symbols or
 * formatting at a position, flush (check and publish), or hand a piece of
 * the input to the server as a raw message.  With no script, a fixed set of
 * requests runs at positions spread over the text.  Every reply is parsed
 * back as JSON: the server must answer each request with well-formed JSON
 * and never crash, leak or hang on any edit sequence.
 *
 * Built like the other harnesses (mk/tests.mk): with replay.c for `make
 * seeds`, with libFuzzer for `make fuzz FUZZ_TARGET=lsp`.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_OPS = 64 };

static void sink(void *ud, const char *msg, size_t len) {
    int *n = ud;
    json_error_t err;
    json_t *j = json_loadb(msg, len, 0, &err);
    if (!j) abort(); /* the server wrote something that is not JSON */
    json_decref(j);
    (*n)++;
}

static void send(lsp_server *s, json_t *m) {
    json_object_set_new(m, "jsonrpc", json_string("2.0"));
    char *t = json_dumps(m, JSON_COMPACT);
    if (t) lsp_handle(s, t, strlen(t));
    free(t);
    json_decref(m);
}

static const char URI[] = "file:///nonexistent/fuzz.mld";

static void request(lsp_server *s, int id, const char *method, int line, int col) {
    send(s, json_pack("{s:i,s:s,s:{s:{s:s},s:{s:i,s:i}}}", "id", id, "method", method, "params", "textDocument", "uri",
                      URI, "position", "line", line, "character", col));
}

static void edit(lsp_server *s, int version, int l0, int c0, int l1, int c1, const char *text, size_t len) {
    send(s, json_pack("{s:s,s:{s:{s:s,s:i},s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:s%}]}}", "method", "textDocument/didChange",
                      "params", "textDocument", "uri", URI, "version", version, "contentChanges", "range", "start",
                      "line", l0, "character", c0, "end", "line", l1, "character", c1, "text", text, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    const uint8_t *ops = nul ? nul + 1 : NULL;
    size_t nops = nul ? (size - tlen - 1) / 3 : 0;
    if (nops > MAX_OPS) nops = MAX_OPS;
    int replies = 0;
    lsp_config cfg = {sink, &replies, NULL, 0, NULL};
    lsp_server *s = lsp_new(&cfg);
    send(s, json_pack("{s:i,s:s,s:{}}", "id", 0, "method", "initialize", "params"));
    json_t *text = json_stringn((const char *)data, tlen);
    if (!text) text = json_string(""); /* not UTF-8: start empty, edits still run */
    const char *first = json_string_value(text);
    size_t first_len = json_string_length(text);
    send(s, json_pack("{s:s,s:{s:{s:s,s:i,s:O}}}", "method", "textDocument/didOpen", "params", "textDocument", "uri",
                      URI, "version", 1, "text", text));
    lsp_flush(s);
    static const char *const methods[] = {"textDocument/hover", "textDocument/definition", "textDocument/completion",
                                          "textDocument/documentSymbol", "textDocument/formatting"};
    if (!nul) { /* no script: every request at a few spread positions */
        for (int k = 0; k < 5; k++)
            for (int m = 0; m < 5; m++) request(s, 1 + k * 5 + m, methods[m], (int)(tlen / 40) * k / 4, 4 * k);
    }
    const uint8_t *chunk = data; /* where inserted text comes from */
    for (size_t i = 0; i < nops; i++) {
        uint8_t op = ops[3 * i], a = ops[3 * i + 1], b = ops[3 * i + 2];
        int line = a % 40 - 2, col = b % 90 - 2;
        size_t clen = (size_t)(b % 24);
        if (chunk + clen > data + size) chunk = data;
        if (chunk + clen > data + size) clen = 0;
        switch (op % 8) {
        case 0: /* insert a piece of the input */
            if (memchr(chunk, 0, clen) == NULL) edit(s, (int)i + 2, line, col, line, col, (const char *)chunk, clen);
            chunk += clen;
            break;
        case 1: /* delete a range, maybe reversed or past the end */
            edit(s, (int)i + 2, line, col, line + (op >> 3) % 3, col - (op >> 5), "", 0);
            break;
        case 2:
            lsp_flush(s);
            break;
        case 3: case 4: case 5:
            request(s, 100 + (int)i, methods[(op + a) % 5], line, col);
            break;
        case 6: /* a raw message from the input */
            lsp_handle(s, (const char *)chunk, clen);
            chunk += clen;
            break;
        default: /* replace everything with the first text again */
            send(s, json_pack("{s:s,s:{s:{s:s,s:i},s:[{s:s%}]}}", "method", "textDocument/didChange", "params",
                              "textDocument", "uri", URI, "version", (int)i + 2, "contentChanges", "text",
                              first, first_len));
            break;
        }
    }
    lsp_flush(s);
    send(s, json_pack("{s:i,s:s}", "id", 9999, "method", "shutdown"));
    if (!lsp_handle(s, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}", 33) || lsp_exit_status(s) != 0) abort();
    lsp_free(s);
    json_decref(text);
    if (replies < 2) abort(); /* initialize and shutdown at least */
    return 0;
}
