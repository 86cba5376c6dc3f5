/* hf.h - read a Hugging Face `config.json` into arguments of the stdlib
 * template `transformer` (stdlib/std/llm.mld).
 *
 * A model on the Hugging Face hub describes its architecture in a flat JSON
 * object: "num_hidden_layers": 32, "hidden_size": 4096, "hidden_act":
 * "silu", ...  hf_parse() maps the fields that change the cost of a
 * decoder-only transformer onto the template's parameters (layers, hidden,
 * heads, kv_heads, ffn, vocab, gated, rms, experts, top_k, positions, tied,
 * wdtype, adtype) and reports, through a callback, what it cannot use.
 * seq, past and batch describe a run, not a model: the reader never sets
 * them.  The caller reads the file and caps its size; the library never
 * prints.  See hf.c for the field table and the exact rules.
 */
#ifndef MLDC_HF_H
#define MLDC_HF_H

#include <stddef.h>

enum { HF_MAX_ARGS = 32 };

/* One argument for the template, e.g. hidden = 4096 or wdtype = bf16. */
typedef struct hf_arg {
    char name[32];   /* parameter of the stdlib template `transformer` */
    long long value; /* its value when word[0] == 0 */
    char word[16];   /* or an identifier value, e.g. "bf16" */
    char field[64];  /* the JSON field it came from, for messages */
} hf_arg;

/* What a config.json says about a model: the arguments in the template's
 * parameter order, only those the file determines. */
typedef struct hf_model {
    hf_arg args[HF_MAX_ARGS];
    int nargs;
    char model_type[64]; /* "llama", "gpt2", ... or "" */
} hf_model;

/* is_error: 1 error, 0 warning; line/col are 1-based positions in the JSON text, or 0 when unknown */
typedef void (*hf_report_fn)(void *ud, int is_error, int line, int col, const char *msg);

/* Parse a config.json held in text[0..len); fill *out.  Returns 1 when usable, 0 after reporting at least one error. */
/* report may be NULL (nothing is reported).  text need not end in NUL; a
 * leading UTF-8 byte-order mark is skipped.  After a 0 return *out holds
 * the arguments that were valid, which callers should not use. */
int hf_parse(const char *text, size_t len, hf_model *out, hf_report_fn report, void *ud);

#endif
