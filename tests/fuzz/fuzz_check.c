/* fuzz_check.c - libFuzzer harness for the whole front end.
 *
 * Each input is a .mld source: it is loaded from a buffer (scan, parse,
 * imports, lowering, checking) with diagnostics collected and dropped.  Any
 * crash, sanitizer report, leak or hang is a bug: the front end must reject
 * every input with diagnostics, never misbehave.
 *
 * Built two ways (mk/tests.mk): with clang -fsanitize=fuzzer for `make fuzz`,
 * and with any C compiler plus replay.c (a main that feeds files to
 * LLVMFuzzerTestOneInput) for `make seeds`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mldc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of each message and note, so a diagnostic built from
 * freed or uninitialised memory shows up under the sanitizers. */
static size_t touch(const mld_diag *d) {
    size_t s = strlen(d->msg) + (size_t)d->loc.line + (size_t)d->loc.col;
    if (d->loc.src) s += strlen(d->loc.src->path);
    return s;
}

static void sink(void *ud, const mld_diag *d) {
    size_t *sum = ud;
    *sum += touch(d);
    for (const mld_diag *n = d->notes; n; n = n->next) *sum += touch(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (size_t)MLDC_MAX_FILE) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    text[size] = 0;

    size_t sum = 0;
    diag_ctx dc;
    diag_ctx_init(&dc, sink, &sum);
    /* Imports are resolved relative to the current directory; the fuzzer
     * may name any file, which is fine: errors are the expected outcome. */
    mldc_options o;
    memset(&o, 0, sizeof o);
    ir_design *d = mldc_load_buffer("fuzz.mld", text, size, &o, &dc);
    ir_design_free(d);
    diag_ctx_free(&dc);
    free(text);
    return 0;
}
