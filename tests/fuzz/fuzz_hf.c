/* fuzz_hf.c - libFuzzer harness for the Hugging Face config reader.
 *
 * Each input is a config.json text handed to hf_parse.  Any crash, leak or
 * sanitizer report is a bug; so is a result that breaks what hf.h
 * promises: a success with an error reported, a failure without one, an
 * argument outside the field limits, or a name or word not NUL-terminated
 * within its buffer.  Seeds: tests/fuzz/seeds_hf (and tests/hf).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    int errors;
    size_t sum;
} seen;

static void report(void *ud, int is_error, int line, int col, const char *msg) {
    seen *s = ud;
    s->errors += is_error;
    s->sum += strlen(msg) + (size_t)(line >= 0) + (size_t)(col >= 0); /* touch every byte */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 20)) return 0;
    hf_model m;
    seen s = {0, 0};
    int ok = hf_parse((const char *)data, size, &m, report, &s);
    if (ok && s.errors) abort();
    if (!ok && !s.errors) abort();
    if (ok) {
        if (m.nargs < 0 || m.nargs > HF_MAX_ARGS) abort();
        for (int i = 0; i < m.nargs; i++) {
            const hf_arg *a = &m.args[i];
            if (!memchr(a->name, 0, sizeof a->name) || !memchr(a->word, 0, sizeof a->word) ||
                !memchr(a->field, 0, sizeof a->field))
                abort();
            if (!a->word[0] && (a->value < 0 || a->value > 1000000000LL)) abort();
        }
    }
    return 0;
}
