/* hf.c - read a Hugging Face `config.json` into arguments of the stdlib
 * template `transformer`.
 *
 * Design
 * ------
 * Jansson parses the text (json_loadb with JSON_REJECT_DUPLICATES, so a
 * field given twice is an error rather than a silent last-one-wins, and
 * JSON_DECODE_ANY, so a top level that is not an object gets our own
 * message).  Jansson's syntax errors carry a line and column; its values do
 * not, so hf_scan_keys walks the top-level object of the (by then valid)
 * text once more and records where each key starts.  Every message about a
 * field points at its key; messages about no particular place (a missing
 * field) have line = col = 0.  Columns count characters (UTF-8 code
 * points), as Jansson's do; a syntax error is placed where Jansson puts it,
 * on the last character of the offending token.
 *
 * The mapping is by field name.  Each parameter of the template has a
 * group of alias fields, tried in order (LLaMA-style names first, then
 * GPT-2, then GPT-Neo/OPT):
 *
 *     layers    num_hidden_layers | n_layer | num_layers        (required)
 *     hidden    hidden_size | n_embd                             (required)
 *     heads     num_attention_heads | n_head | num_heads         (required)
 *     kv_heads  num_key_value_heads, else multi_query: true -> 1
 *     ffn       intermediate_size | n_inner | ffn_dim
 *     vocab     vocab_size                                       (required)
 *     experts   num_local_experts | num_experts    top_k  num_experts_per_tok
 *     gated     hidden_activation, else hidden_act | activation_function
 *               (silu, swiglu, geglu: 1; gelu variants, relu: 0)
 *     rms       rms_norm_eps -> 1, layer_norm_epsilon | layer_norm_eps -> 0
 *     positions n_positions | max_position_embeddings, learned-position models only
 *     tied      tie_word_embeddings
 *     wdtype, adtype   torch_dtype | dtype; quantization_config overrides wdtype
 *     head_dim  head_dim, passed on where it differs from hidden / heads
 *     window    sliding_window where the family always applies it or
 *               use_sliding_window is true; window_from  max_window_layers
 *     qkv_bias, out_bias  attention_bias (both), else the family
 *     mlp_bias  mlp_bias, else the family;  parallel  use_parallel_residual
 *     ffn, shared_ffn  moe_intermediate_size, shared_expert_intermediate_size
 *               (Qwen-MoE; with experts only)
 *
 * null counts as absent (HF writes "n_inner": null for "4 * hidden"),
 * except in a required field, where it is a type error.  When two aliases
 * of a group are both given they must be equal.  Integers must be whole
 * JSON numbers in [1, HF_LIMIT]; heads must divide hidden (unless head_dim
 * gives the head width), kv_heads must divide heads, and top_k may not
 * exceed experts.
 *
 * model_type fills in what HF's config classes default when a field is
 * absent (hf_families): the norm, whether the LM head is tied (true for
 * gpt2, gpt_neo, opt, gemma; false otherwise and for unknown types), and
 * for learned-position models (gpt2, gpt_neo, opt) the position table.  It
 * also fixes `gated` for the families whose MLP shape does not follow from
 * the activation name: LlamaMLP is always gate/up/down, Gemma's is gated
 * with a GELU.  For other model types the activation decides.
 *
 * Every top-level field is either used, or in hf_known as a field that
 * changes nothing in cost (token ids, dropouts, RoPE settings, ...) and
 * accepted silently, or warned about once ("field 'foo' is not understood;
 * ignored"), in document order.  Fields in hf_unmodelled change the work
 * in ways the template does not model (per-layer attention kinds, latent
 * attention, ...): warned about the same way unless their value is inert.  Jansson keeps object items in insertion
 * order (since 2.8), so the i-th item of the object is the i-th key the
 * scanner saw.
 *
 * Arguments are emitted in the template's parameter order, and only those
 * the file determines (gated and rms as 0 or 1 when known, tied only when
 * 1, OPT's position table with its 2 offset rows); seq, past and batch are
 * left to the user.  quantization_config gives wdtype int4/int8 from "bits"
 * (GPTQ, AWQ) or load_in_4bit/load_in_8bit (bitsandbytes), fp8 from
 * quant_method "fp8"; other keys in it are ignored.  Nothing
 * is allocated beyond Jansson's tree and the key-position array, both freed
 * before hf_parse returns.
 */
#include "hf.h"

#include "arena.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest accepted count or width: anything above is a typo or a unit
 * mix-up, and keeps products such as hidden * ffn far from overflow. */
#define HF_LIMIT 1000000000LL

/* Where a top-level key starts in the text (its opening quote). */
typedef struct hf_key {
    const char *raw; /* the key's bytes between the quotes, escapes undecoded */
    size_t len;
    int line, col;
} hf_key;

/* The model families whose HF config class defaults matter (see top). */
typedef struct hf_family {
    const char *type;
    signed char gated, rms, tied; /* -1: decided by the file only */
    long long pos_default;        /* learned position table (0: rotary/ALiBi) */
    int pos_extra;                /* table rows beyond max_position_embeddings */
    /* the modelling code's fixed choices: biases on q/k/v, on the attention
     * output and on the MLP (attention_bias / mlp_bias override the first
     * two and the third); a parallel residual (use_parallel_residual
     * overrides); whether sliding_window applies without use_sliding_window */
    signed char qkv_bias, out_bias, mlp_bias, parallel, window;
} hf_family;

static const hf_family hf_families[] = {
    {"gpt2", 0, 0, 1, 1024, 0, 1, 1, 1, 0, 0},
    {"gpt_neo", 0, 0, 1, 2048, 0, 0, 1, 1, 0, 0},
    {"opt", 0, 0, 1, 2048, 2, 1, 1, 1, 0, 0}, /* OPTLearnedPositionalEmbedding keeps 2 extra rows */
    {"gptj", 0, 0, 0, 0, 0, 0, 0, 1, 1, 0},
    {"gpt_neox", 0, 0, 0, 0, 0, 1, 1, 1, 1, 0},
    {"llama", 1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
    {"mistral", 1, 1, 0, 0, 0, 0, 0, 0, 0, 1},
    {"mixtral", 1, 1, 0, 0, 0, 0, 0, 0, 0, 1},
    {"qwen2", 1, 1, 0, 0, 0, 1, 0, 0, 0, 0},     /* Qwen2Attention: biased q, k, v; SWA only with use_sliding_window */
    {"qwen2_moe", 1, 1, 0, 0, 0, 1, 0, 0, 0, 0},
    {"phi3", 1, 1, 0, 0, 0, 0, 0, 0, 0, 1},
    {"gemma", 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, /* GeGLU: gated although hidden_act is a GELU */
    {"gemma2", 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
};

/* Alias groups, first name preferred; NULL-terminated. */
static const char *const hf_layers[] = {"num_hidden_layers", "n_layer", "num_layers", NULL};
static const char *const hf_hidden[] = {"hidden_size", "n_embd", NULL};
static const char *const hf_heads[] = {"num_attention_heads", "n_head", "num_heads", NULL};
static const char *const hf_kv[] = {"num_key_value_heads", NULL};
static const char *const hf_ffn[] = {"intermediate_size", "n_inner", "ffn_dim", NULL};
static const char *const hf_vocab[] = {"vocab_size", NULL};
static const char *const hf_experts[] = {"num_local_experts", "num_experts", NULL};
static const char *const hf_topk[] = {"num_experts_per_tok", NULL};
/* Gemma writes both "hidden_act" (the original, "gelu") and
 * "hidden_activation" (what its code uses): the latter wins, read alone. */
static const char *const hf_act[] = {"hidden_act", "activation_function", NULL};
static const char *const hf_act_gemma[] = {"hidden_activation", NULL};
static const char *const hf_pos[] = {"n_positions", "max_position_embeddings", NULL};
static const char *const hf_dtype[] = {"torch_dtype", "dtype", NULL};

/* Every top-level field the reader knows: those it reads, then those that
 * change nothing in cost and are accepted silently.  (Fields starting with
 * "summary_", GPT-2's sequence-summary head, are accepted too.) */
static const char *const hf_known[] = {
    /* read */
    "num_hidden_layers", "n_layer", "num_layers", "hidden_size", "n_embd",
    "num_attention_heads", "n_head", "num_heads", "num_key_value_heads",
    "multi_query", "intermediate_size", "n_inner", "ffn_dim", "vocab_size",
    "num_local_experts", "num_experts_per_tok", "hidden_act",
    "activation_function", "rms_norm_eps", "layer_norm_epsilon",
    "layer_norm_eps", "n_positions", "max_position_embeddings",
    "tie_word_embeddings", "torch_dtype", "dtype", "quantization_config",
    "model_type", "head_dim", "word_embed_proj_dim", "sliding_window",
    "use_sliding_window", "max_window_layers", "attention_bias", "mlp_bias",
    "use_parallel_residual", "hidden_activation", "moe_intermediate_size",
    "shared_expert_intermediate_size", "num_experts", "decoder_sparse_step",
    "mlp_only_layers",
    /* identity and bookkeeping */
    "_name_or_path", "architectures", "auto_map", "transformers_version",
    "id2label", "label2id", "problem_type", "finetuning_task",
    "tokenizer_class", "prefix", "return_dict", "output_hidden_states",
    "output_attentions", "torchscript", "use_cache",
    /* token ids */
    "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id",
    "decoder_start_token_id",
    /* initialisation and training */
    "initializer_range", "init_std", "attention_dropout", "hidden_dropout",
    "dropout", "activation_dropout", "classifier_dropout", "layerdrop",
    "resid_pdrop", "embd_pdrop", "attn_pdrop", "pretraining_tp",
    "output_router_logits", "router_aux_loss_coef", "router_jitter_noise",
    /* positions: rotary settings, context lengths */
    /* (rope_scaling stretches the rotary angles for long contexts: the
     * same work and memory, so nothing to model) */
    "rope_theta", "rope_scaling", "rope_parameters", "rotary_dim", "rotary_pct",
    "rotary_emb_base", "n_ctx", "partial_rotary_factor", "use_mrope",
    /* details of attention and norm that leave the work alone */
    "scale_attn_weights", "norm_topk_prob", "query_pre_attn_scalar",
    "reorder_and_upcast_attn", "scale_attn_by_inverse_layer_idx",
    "do_layer_norm_before", "_remove_final_layer_norm",
    "enable_bias", "layer_norm_elementwise_affine", "original_max_position_embeddings",
    /* generation defaults */
    "task_specific_params", "do_sample", "temperature", "top_p", "top_k",
    "max_length", "min_length", "num_beams", "num_return_sequences",
    "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
    "early_stopping",
};

/* Activations: gated MLP (1) or plain (0). */
static const struct {
    const char *name;
    int gated;
} hf_acts[] = {
    {"silu", 1},          {"swish", 1},       {"swiglu", 1},
    {"gelu", 0},          {"gelu_new", 0},    {"gelu_fast", 0},
    {"gelu_pytorch_tanh", 0}, {"gelu_python", 0}, {"gelu_accurate", 0},
    {"gelu_10", 0},       {"quick_gelu", 0},  {"relu", 0},
    {"relu2", 0},         {"relu6", 0},       {"leaky_relu", 0},
    {"mish", 0},          {"tanh", 0},        {"sigmoid", 0},
    {"geglu", 1},         {"gegelu", 1},
};

/* Fields that change a model's work or memory in a way the template does
 * not model: warned about (once, at the key) unless their value leaves the
 * model as modelled (null, false, an empty list, or `inert`). */
static const struct {
    const char *name;
    long long inert; /* an integer value that changes nothing, or -1 */
    const char *what;
} hf_unmodelled[] = {
    {"layer_types", -1, "per-layer attention kinds; every layer is modelled alike"},
    {"sliding_window_pattern", -1, "alternating sliding-window layers; every layer is modelled alike"},
    {"decoder_sparse_step", 1, "mixture-of-experts layers only every few layers; every layer is modelled sparse"},
    {"mlp_only_layers", -1, "dense layers among mixture-of-experts ones; every layer is modelled sparse"},
    {"first_k_dense_replace", 0, "dense first layers; every layer is modelled alike"},
    {"n_shared_experts", 0, "shared experts in units of the expert width"},
    {"n_routed_experts", -1, "routed experts (DeepSeek); use num_local_experts"},
    {"kv_lora_rank", -1, "latent (compressed) key/value attention"},
    {"q_lora_rank", -1, "compressed queries"},
    {"add_cross_attention", -1, "cross-attention"},
    {"qk_layernorm", -1, "norms on queries and keys"},
    {"use_qk_norm", -1, "norms on queries and keys"},
    {"attn_logit_softcapping", -1, "a tanh cap on attention scores"},
    {"final_logit_softcapping", -1, "a tanh cap on the logits"},
};

/* torch_dtype values and the template's dtype words. */
static const struct {
    const char *torch, *word;
} hf_dtypes[] = {
    {"float32", "fp32"},
    {"bfloat16", "bf16"},
    {"float16", "fp16"},
};

typedef struct hf_ctx {
    const hf_key *keys; /* top-level keys in document order */
    size_t nkeys;
    hf_report_fn report;
    void *ud;
    int nerrors;
} hf_ctx;

/* ---- messages ---------------------------------------------------------- */

__attribute__((format(printf, 5, 0))) static void hf_vsay(hf_ctx *c, int is_error, int line, int col,
                                                          const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (is_error) c->nerrors++;
    if (c->report) c->report(c->ud, is_error, line, col, msg);
}

__attribute__((format(printf, 5, 6))) static void hf_say_at(hf_ctx *c, int is_error, int line, int col,
                                                            const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    hf_vsay(c, is_error, line, col, fmt, ap);
    va_end(ap);
}

/* The position of top-level key `name`, or 0/0 when it is not written
 * plainly (absent, or spelled with escapes). */
static void hf_locate(const hf_ctx *c, const char *name, int *line, int *col) {
    size_t n = name ? strlen(name) : 0;
    *line = *col = 0;
    for (size_t i = 0; name && i < c->nkeys; i++) {
        if (c->keys[i].len == n && memcmp(c->keys[i].raw, name, n) == 0) {
            *line = c->keys[i].line;
            *col = c->keys[i].col;
            return;
        }
    }
}

/* Report at the key of field `at` (NULL: no place). */
__attribute__((format(printf, 4, 5))) static void hf_say(hf_ctx *c, int is_error, const char *at,
                                                         const char *fmt, ...) {
    int line, col;
    hf_locate(c, at, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    hf_vsay(c, is_error, line, col, fmt, ap);
    va_end(ap);
}

/* A string from the file made safe to quote in a message: control bytes
 * become '?', and more than 48 bytes are cut (at a character boundary)
 * and marked "...". */
static const char *hf_show(const char *s, char *buf, size_t n) {
    enum { SHOW_MAX = 48 };
    size_t len = strlen(s), cut = len > SHOW_MAX ? SHOW_MAX : len;
    while (cut < len && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
    size_t j = 0;
    for (size_t i = 0; i < cut && j + 4 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[j++] = (ch < 0x20 || ch == 0x7F) ? '?' : (char)ch;
    }
    if (cut < len && j + 4 <= n) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = 0;
    return buf;
}

/* The JSON type of v, as messages name it. */
static const char *hf_type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "value";
}

/* ---- key positions ----------------------------------------------------- */

/* A cursor over JSON text that Jansson has already accepted; bounds are
 * still checked on every step. */
typedef struct hf_cursor {
    const char *s;
    size_t n, i;
    int line, col; /* of s[i] */
} hf_cursor;

static void hf_adv(hf_cursor *k) {
    unsigned char ch = (unsigned char)k->s[k->i++];
    if (ch == '\n') {
        k->line++;
        k->col = 1;
    } else if ((ch & 0xC0) != 0x80) { /* not a UTF-8 continuation byte */
        k->col++;
    }
}

static void hf_skip_ws(hf_cursor *k) {
    while (k->i < k->n && k->s[k->i] && strchr(" \t\r\n", k->s[k->i])) hf_adv(k);
}

/* At an opening quote: move past the closing one. */
static void hf_skip_string(hf_cursor *k) {
    hf_adv(k);
    while (k->i < k->n) {
        char ch = k->s[k->i];
        hf_adv(k);
        if (ch == '\\') {
            if (k->i < k->n) hf_adv(k);
        } else if (ch == '"') {
            return;
        }
    }
}

/* Skip one value; nesting is counted, not recursed into. */
static void hf_skip_value(hf_cursor *k) {
    if (k->i >= k->n) return;
    char ch = k->s[k->i];
    if (ch == '"') {
        hf_skip_string(k);
    } else if (ch == '{' || ch == '[') {
        size_t depth = 0;
        do {
            ch = k->s[k->i];
            if (ch == '"') {
                hf_skip_string(k);
                continue;
            }
            if (ch == '{' || ch == '[') depth++;
            else if (ch == '}' || ch == ']') depth--;
            hf_adv(k);
        } while (k->i < k->n && depth > 0);
    } else {
        while (k->i < k->n && k->s[k->i] && !strchr(",}] \t\r\n", k->s[k->i])) hf_adv(k);
    }
}

/* Record the position of each key of the top-level object, at most cap;
 * returns how many. */
static size_t hf_scan_keys(const char *s, size_t n, hf_key *keys, size_t cap) {
    hf_cursor k = {s, n, 0, 1, 1};
    size_t nk = 0;
    hf_skip_ws(&k);
    if (k.i >= n || s[k.i] != '{') return 0;
    hf_adv(&k);
    while (nk < cap) {
        hf_skip_ws(&k);
        if (k.i >= n || s[k.i] != '"') break;
        keys[nk].line = k.line;
        keys[nk].col = k.col;
        size_t start = k.i + 1;
        hf_skip_string(&k);
        keys[nk].raw = s + start;
        keys[nk].len = k.i > start ? k.i - start - 1 : 0;
        nk++;
        hf_skip_ws(&k);
        if (k.i < n && s[k.i] == ':') hf_adv(&k);
        hf_skip_ws(&k);
        hf_skip_value(&k);
        hf_skip_ws(&k);
        if (k.i >= n || s[k.i] != ',') break;
        hf_adv(&k);
    }
    return nk;
}

/* ---- field access ------------------------------------------------------ */

/* The value of an alias group: the first non-null field, else the first
 * null one, else NULL; *which names the field.  Two non-null fields that
 * differ are an error. */
static json_t *hf_get(hf_ctx *c, json_t *root, const char *const *names, const char **which) {
    json_t *best = NULL, *null_v = NULL;
    const char *null_name = NULL;
    *which = NULL;
    for (const char *const *p = names; *p; p++) {
        json_t *v = json_object_get(root, *p);
        if (!v) continue;
        if (json_is_null(v)) {
            if (!null_v) null_v = v, null_name = *p;
        } else if (!best) {
            best = v;
            *which = *p;
        } else if (!json_equal(best, v)) {
            hf_say(c, 1, *p, "fields '%s' and '%s' disagree", *which, *p);
        }
    }
    if (best) return best;
    *which = null_name;
    return null_v;
}

/* The largest value accepted per field: each about 8x the largest in
 * published configs (figures from memory of public configs: 126 layers in
 * LLaMA 3.1 405B, hidden 18,432 and 128 heads in 2024's largest dense
 * models, FFN widths up to ~74k, vocabularies up to ~256k, 256 routed
 * experts in DeepSeek-V3, 10M-token contexts in LLaMA 4 Scout), so that a
 * typo or a unit mix-up is caught here instead of building a workload that
 * cannot fit in memory.  Other counts keep HF_LIMIT. */
static const struct {
    const char *field;
    long long max;
} hf_limits[] = {
    {"num_hidden_layers", 1024},     {"n_layer", 1024},           {"num_layers", 1024},
    {"hidden_size", 1 << 17},        {"n_embd", 1 << 17},         {"head_dim", 1 << 17},
    {"num_attention_heads", 1024},   {"n_head", 1024},            {"num_heads", 1024},
    {"num_key_value_heads", 1024},   {"intermediate_size", 1 << 20}, {"n_inner", 1 << 20},
    {"ffn_dim", 1 << 20},            {"vocab_size", 1 << 22},     {"num_local_experts", 4096},
    {"num_experts_per_tok", 4096},   {"n_positions", 1 << 27},    {"max_position_embeddings", 1 << 27},
};

/* A count or width: a JSON integer in [1, the field's limit]. */
static int hf_int(hf_ctx *c, const char *field, const json_t *v, long long *out) {
    long long limit = HF_LIMIT;
    for (size_t i = 0; i < sizeof hf_limits / sizeof hf_limits[0]; i++)
        if (strcmp(field, hf_limits[i].field) == 0) limit = hf_limits[i].max;
    if (!json_is_integer(v)) {
        hf_say(c, 1, field, "field '%s' must be a positive integer, found %s", field, hf_type_name(v));
        return 0;
    }
    long long x = json_integer_value(v);
    if (x <= 0) {
        hf_say(c, 1, field, "field '%s' must be a positive integer, found %lld", field, x);
        return 0;
    }
    if (x > limit) {
        hf_say(c, 1, field, "field '%s' (%lld) exceeds %lld, far beyond any published model", field, x, limit);
        return 0;
    }
    *out = x;
    return 1;
}

static int hf_bool(hf_ctx *c, const char *field, const json_t *v, int *out) {
    if (!json_is_boolean(v)) {
        hf_say(c, 1, field, "field '%s' must be true or false, found %s", field, hf_type_name(v));
        return 0;
    }
    *out = json_is_true(v);
    return 1;
}

static const char *hf_string(hf_ctx *c, const char *field, const json_t *v) {
    if (!json_is_string(v)) {
        hf_say(c, 1, field, "field '%s' must be a string, found %s", field, hf_type_name(v));
        return NULL;
    }
    return json_string_value(v);
}

/* An integer parameter from an alias group.  Returns 1 and sets *out when
 * the group gives a valid value; a missing required group is an error. */
static int hf_param(hf_ctx *c, json_t *root, const char *const *names, int required, long long *out,
                    const char **which) {
    json_t *v = hf_get(c, root, names, which);
    if (v && (!json_is_null(v) || required)) return hf_int(c, *which, v, out);
    if (required) {
        char alts[256] = "";
        size_t used = 0;
        for (const char *const *p = names + 1; *p; p++) {
            int w = snprintf(alts + used, sizeof alts - used, "%s'%s'", p == names + 1 ? " (or " : " or ", *p);
            if (w > 0 && (size_t)w < sizeof alts - used) used += (size_t)w;
        }
        hf_say(c, 1, NULL, "missing field '%s'%s%s", names[0], alts, used ? ")" : "");
    }
    return 0;
}

/* A number that only has to be present (the norm epsilons). */
static int hf_present_number(hf_ctx *c, json_t *root, const char *field) {
    json_t *v = json_object_get(root, field);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_number(v)) {
        hf_say(c, 1, field, "field '%s' must be a number, found %s", field, hf_type_name(v));
        return 0;
    }
    return 1;
}

/* Field `name` is given a value other than null. */
static int hf_has(json_t *root, const char *name) {
    json_t *v = json_object_get(root, name);
    return v && !json_is_null(v);
}

/* The hf_unmodelled entry of `key` whose value changes the model, or -1. */
static int hf_unmodelled_at(const char *key, json_t *v) {
    for (size_t i = 0; i < sizeof hf_unmodelled / sizeof hf_unmodelled[0]; i++) {
        if (strcmp(key, hf_unmodelled[i].name) != 0) continue;
        if (json_is_null(v) || json_is_false(v) || (json_is_array(v) && json_array_size(v) == 0) ||
            (json_is_integer(v) && json_integer_value(v) == hf_unmodelled[i].inert))
            return -1;
        return (int)i;
    }
    return -1;
}

static int hf_is_known(const char *key) {
    if (strncmp(key, "summary_", 8) == 0) return 1;
    for (size_t i = 0; i < sizeof hf_known / sizeof hf_known[0]; i++)
        if (strcmp(key, hf_known[i]) == 0) return 1;
    return 0;
}

/* Warn about every top-level field that is not known, in document order. */
static void hf_warn_unknown(hf_ctx *c, json_t *root) {
    const char *key;
    json_t *v;
    size_t idx = 0;
    json_object_foreach(root, key, v) {
        int um = hf_unmodelled_at(key, v);
        if (!hf_is_known(key) || um >= 0) {
            int line = 0, col = 0;
            if (idx < c->nkeys) {
                const hf_key *k = &c->keys[idx];
                /* an escaped key cannot be compared byte for byte: trust the order */
                if (memchr(k->raw, '\\', k->len) ||
                    (strlen(key) == k->len && memcmp(key, k->raw, k->len) == 0)) {
                    line = k->line;
                    col = k->col;
                }
            }
            char buf[64];
            if (um >= 0)
                hf_say_at(c, 0, line, col, "field '%s' changes the model but is not modelled (%s); ignored", key,
                          hf_unmodelled[um].what);
            else
                hf_say_at(c, 0, line, col, "field '%s' is not understood; ignored", hf_show(key, buf, sizeof buf));
        }
        idx++;
    }
}

/* ---- output ------------------------------------------------------------ */

static void hf_push(hf_model *m, const char *name, long long value, const char *word, const char *field) {
    if (m->nargs >= HF_MAX_ARGS) return; /* the template has fewer parameters */
    hf_arg *a = &m->args[m->nargs++];
    snprintf(a->name, sizeof a->name, "%s", name);
    a->value = word ? 0 : value;
    snprintf(a->word, sizeof a->word, "%s", word ? word : "");
    snprintf(a->field, sizeof a->field, "%s", field);
}

/* Everything read from the file, before it is emitted. */
typedef struct hf_vals {
    long long layers, hidden, heads, kv, ffn, vocab, experts, topk, positions;
    const char *f_layers, *f_hidden, *f_heads, *f_kv, *f_ffn, *f_vocab, *f_experts, *f_topk, *f_pos;
    int gated, rms, tied;               /* -1: not determined */
    const char *f_gated, *f_rms, *f_tied;
    const char *wdtype, *adtype;        /* template words, or NULL */
    const char *f_wdtype, *f_adtype;
    long long head_dim, window, window_from, shared_ffn; /* 0: not given */
    const char *f_head_dim, *f_window, *f_window_from, *f_shared_ffn;
    int qkv_bias, out_bias, mlp_bias, parallel; /* 0 or 1 */
    const char *f_qkv_bias, *f_out_bias, *f_mlp_bias, *f_parallel;
} hf_vals;

/* The activation: sets *gated from its name; 0 on an error. */
static int hf_activation(hf_ctx *c, json_t *root, int *gated, const char **which) {
    json_t *v = hf_get(c, root, hf_act_gemma, which);
    if (!v || json_is_null(v)) v = hf_get(c, root, hf_act, which);
    *gated = -1;
    if (!v || json_is_null(v)) return 1;
    const char *s = hf_string(c, *which, v);
    if (!s) return 0;
    for (size_t i = 0; i < sizeof hf_acts / sizeof hf_acts[0]; i++) {
        if (strcmp(s, hf_acts[i].name) == 0) {
            *gated = hf_acts[i].gated;
            return 1;
        }
    }
    char list[256] = "", buf[64];
    size_t used = 0;
    for (size_t i = 0; i < sizeof hf_acts / sizeof hf_acts[0]; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", hf_acts[i].name);
        if (w > 0 && (size_t)w < sizeof list - used) used += (size_t)w;
    }
    hf_say(c, 1, *which, "field '%s' has unsupported value '%s'; expected one of %s", *which,
           hf_show(s, buf, sizeof buf), list);
    return 0;
}

/* torch_dtype and quantization_config: the weight and activation dtypes. */
static void hf_dtypes_of(hf_ctx *c, json_t *root, hf_vals *r) {
    const char *which;
    json_t *v = hf_get(c, root, hf_dtype, &which);
    if (v && !json_is_null(v)) {
        const char *s = hf_string(c, which, v);
        size_t i = 0, n = sizeof hf_dtypes / sizeof hf_dtypes[0];
        while (s && i < n && strcmp(s, hf_dtypes[i].torch) != 0) i++;
        if (s && i < n) {
            r->wdtype = r->adtype = hf_dtypes[i].word;
            r->f_wdtype = r->f_adtype = which;
        } else if (s) {
            char buf[64];
            hf_say(c, 1, which, "field '%s' has unsupported value '%s'; expected float32, bfloat16 or float16",
                   which, hf_show(s, buf, sizeof buf));
        }
    }

    json_t *q = json_object_get(root, "quantization_config");
    if (!q || json_is_null(q)) return;
    if (!json_is_object(q)) {
        hf_say(c, 1, "quantization_config", "field 'quantization_config' must be an object, found %s",
               hf_type_name(q));
        return;
    }
    json_t *bits = json_object_get(q, "bits");
    json_t *l4 = json_object_get(q, "load_in_4bit"), *l8 = json_object_get(q, "load_in_8bit");
    json_t *method = json_object_get(q, "quant_method");
    if (bits && !json_is_null(bits)) {
        if (json_is_integer(bits) && (json_integer_value(bits) == 4 || json_integer_value(bits) == 8)) {
            r->wdtype = json_integer_value(bits) == 4 ? "int4" : "int8";
            r->f_wdtype = "quantization_config.bits";
        } else if (json_is_integer(bits)) {
            hf_say(c, 1, "quantization_config", "field 'quantization_config.bits' (%lld) is not supported; expected 4 or 8",
                   (long long)json_integer_value(bits));
        } else {
            hf_say(c, 1, "quantization_config", "field 'quantization_config.bits' must be 4 or 8, found %s",
                   hf_type_name(bits));
        }
    } else if (json_is_true(l4)) { /* bitsandbytes */
        r->wdtype = "int4";
        r->f_wdtype = "quantization_config.load_in_4bit";
    } else if (json_is_true(l8)) {
        r->wdtype = "int8";
        r->f_wdtype = "quantization_config.load_in_8bit";
    } else if (json_is_string(method) && strcmp(json_string_value(method), "fp8") == 0) {
        r->wdtype = "fp8";
        r->f_wdtype = "quantization_config.quant_method";
    } else {
        hf_say(c, 0, "quantization_config", "field 'quantization_config' gives no weight width we know; ignored");
    }
}

static void hf_emit(hf_model *m, const hf_vals *r) {
    if (r->f_layers) hf_push(m, "layers", r->layers, NULL, r->f_layers);
    if (r->f_hidden) hf_push(m, "hidden", r->hidden, NULL, r->f_hidden);
    if (r->f_heads) hf_push(m, "heads", r->heads, NULL, r->f_heads);
    if (r->f_kv) hf_push(m, "kv_heads", r->kv, NULL, r->f_kv);
    if (r->f_ffn) hf_push(m, "ffn", r->ffn, NULL, r->f_ffn);
    if (r->f_vocab) hf_push(m, "vocab", r->vocab, NULL, r->f_vocab);
    if (r->gated >= 0) hf_push(m, "gated", r->gated, NULL, r->f_gated);
    if (r->rms >= 0) hf_push(m, "rms", r->rms, NULL, r->f_rms);
    if (r->f_experts) hf_push(m, "experts", r->experts, NULL, r->f_experts);
    if (r->f_topk) hf_push(m, "top_k", r->topk, NULL, r->f_topk);
    if (r->f_pos) hf_push(m, "positions", r->positions, NULL, r->f_pos);
    if (r->tied == 1) hf_push(m, "tied", 1, NULL, r->f_tied);
    if (r->wdtype) hf_push(m, "wdtype", 0, r->wdtype, r->f_wdtype);
    if (r->adtype) hf_push(m, "adtype", 0, r->adtype, r->f_adtype);
    if (r->f_head_dim) hf_push(m, "head_dim", r->head_dim, NULL, r->f_head_dim);
    if (r->f_window) hf_push(m, "window", r->window, NULL, r->f_window);
    if (r->f_window && r->f_window_from) hf_push(m, "window_from", r->window_from, NULL, r->f_window_from);
    if (r->qkv_bias) hf_push(m, "qkv_bias", 1, NULL, r->f_qkv_bias);
    if (r->out_bias) hf_push(m, "out_bias", 1, NULL, r->f_out_bias);
    if (r->mlp_bias) hf_push(m, "mlp_bias", 1, NULL, r->f_mlp_bias);
    if (r->parallel) hf_push(m, "parallel", 1, NULL, r->f_parallel);
    if (r->f_shared_ffn) hf_push(m, "shared_ffn", r->shared_ffn, NULL, r->f_shared_ffn);
}

/* ---- the reader -------------------------------------------------------- */

/* A boolean field, else the family's default (-1: neither). */
static int hf_flag(hf_ctx *c, json_t *root, const char *field, int fam_default, const char **which) {
    json_t *v = json_object_get(root, field);
    int b;
    if (v && !json_is_null(v) && hf_bool(c, field, v, &b)) {
        *which = field;
        return b;
    }
    *which = "model_type";
    return fam_default;
}

/* Biases, the parallel residual, the sliding window, the head width and
 * the shared expert: what changes the work beyond the basic shape. */
static void hf_attention_extras(hf_ctx *c, json_t *root, const hf_family *fam, hf_vals *r) {
    const char *which;
    r->qkv_bias = hf_flag(c, root, "attention_bias", fam ? fam->qkv_bias : 0, &which) == 1;
    r->f_qkv_bias = which;
    /* attention_bias covers the output projection too (LlamaAttention) */
    r->out_bias = json_is_true(json_object_get(root, "attention_bias")) || (fam && fam->out_bias == 1);
    r->f_out_bias = json_is_true(json_object_get(root, "attention_bias")) ? "attention_bias" : "model_type";
    r->mlp_bias = hf_flag(c, root, "mlp_bias", fam ? fam->mlp_bias : 0, &which) == 1;
    r->f_mlp_bias = which;
    r->parallel = hf_flag(c, root, "use_parallel_residual", fam ? fam->parallel : 0, &which) == 1;
    r->f_parallel = which;

    json_t *hd = json_object_get(root, "head_dim");
    if (hd && !json_is_null(hd) && hf_int(c, "head_dim", hd, &r->head_dim)) r->f_head_dim = "head_dim";

    /* The window applies where the family's code always uses it, or where
     * use_sliding_window says so; max_window_layers layers come first with
     * full attention (Qwen2). */
    json_t *sw = json_object_get(root, "sliding_window");
    json_t *use = json_object_get(root, "use_sliding_window");
    int on = fam ? fam->window : 1;
    if (use && !json_is_null(use) && !hf_bool(c, "use_sliding_window", use, &on)) on = 0;
    if (sw && !json_is_null(sw) && hf_int(c, "sliding_window", sw, &r->window) && on) {
        r->f_window = "sliding_window";
        json_t *mw = json_object_get(root, "max_window_layers");
        if (mw && !json_is_null(mw) && json_is_true(use) && hf_int(c, "max_window_layers", mw, &r->window_from))
            r->f_window_from = "max_window_layers";
    }

    /* Qwen-MoE: the experts' width and the shared expert's */
    json_t *me = json_object_get(root, "moe_intermediate_size");
    if (r->f_experts && me && !json_is_null(me) && hf_int(c, "moe_intermediate_size", me, &r->ffn))
        r->f_ffn = "moe_intermediate_size";
    json_t *se = json_object_get(root, "shared_expert_intermediate_size");
    if (r->f_experts && se && !json_is_null(se) && hf_int(c, "shared_expert_intermediate_size", se, &r->shared_ffn))
        r->f_shared_ffn = "shared_expert_intermediate_size";
}

/* Read every parameter from the parsed object into *r, reporting as it goes. */
static void hf_read(hf_ctx *c, json_t *root, hf_model *out, hf_vals *r) {
    const hf_family *fam = NULL;
    const char *which;

    json_t *mt = json_object_get(root, "model_type");
    if (mt && !json_is_null(mt)) {
        const char *s = hf_string(c, "model_type", mt);
        if (s) {
            snprintf(out->model_type, sizeof out->model_type, "%s", s);
            for (size_t i = 0; i < sizeof hf_families / sizeof hf_families[0]; i++)
                if (strcmp(s, hf_families[i].type) == 0) fam = &hf_families[i];
        }
    }

    hf_warn_unknown(c, root);

    /* The shape.  A field that fails leaves its f_* NULL. */
    if (!hf_param(c, root, hf_layers, 1, &r->layers, &r->f_layers)) r->f_layers = NULL;
    if (!hf_param(c, root, hf_hidden, 1, &r->hidden, &r->f_hidden)) r->f_hidden = NULL;
    if (!hf_param(c, root, hf_heads, 1, &r->heads, &r->f_heads)) r->f_heads = NULL;
    if (!hf_param(c, root, hf_kv, 0, &r->kv, &r->f_kv)) r->f_kv = NULL;
    json_t *mq = json_object_get(root, "multi_query");
    int is_mq = 0;
    if (mq && !json_is_null(mq) && hf_bool(c, "multi_query", mq, &is_mq) && is_mq &&
        !hf_has(root, "num_key_value_heads")) {
        r->kv = 1;
        r->f_kv = "multi_query";
    }
    if (!hf_param(c, root, hf_ffn, 0, &r->ffn, &r->f_ffn)) r->f_ffn = NULL;
    if (!hf_param(c, root, hf_vocab, 1, &r->vocab, &r->f_vocab)) r->f_vocab = NULL;

    /* Mixture of experts. */
    if (!hf_param(c, root, hf_experts, 0, &r->experts, &r->f_experts)) r->f_experts = NULL;
    if (!hf_param(c, root, hf_topk, 0, &r->topk, &r->f_topk)) r->f_topk = NULL;
    if (r->f_topk && !r->f_experts) {
        hf_say(c, 0, r->f_topk, "field '%s' has no effect without 'num_local_experts' (or 'num_experts'); ignored",
               r->f_topk);
        r->f_topk = NULL;
    }

    /* MLP kind: the family's fixed shape, else the activation. */
    int act_gated;
    const char *f_act;
    hf_activation(c, root, &act_gated, &f_act);
    r->gated = act_gated;
    r->f_gated = f_act;
    if (fam && fam->gated >= 0 && fam->gated != act_gated) {
        r->gated = fam->gated;
        r->f_gated = "model_type";
    }

    /* Norm: the epsilon field present says which; else the family. */
    r->rms = -1;
    if (hf_present_number(c, root, "rms_norm_eps")) {
        r->rms = 1;
        r->f_rms = "rms_norm_eps";
    } else if (hf_present_number(c, root, "layer_norm_epsilon")) {
        r->rms = 0;
        r->f_rms = "layer_norm_epsilon";
    } else if (hf_present_number(c, root, "layer_norm_eps")) {
        r->rms = 0;
        r->f_rms = "layer_norm_eps";
    } else if (fam && fam->rms >= 0) {
        r->rms = fam->rms;
        r->f_rms = "model_type";
    }

    /* Learned position table: only where the family has one. */
    if (fam && fam->pos_default > 0) {
        json_t *v = hf_get(c, root, hf_pos, &which);
        if (!v || json_is_null(v)) {
            r->positions = fam->pos_default + fam->pos_extra;
            r->f_pos = "model_type";
        } else if (hf_int(c, which, v, &r->positions)) {
            r->positions += fam->pos_extra;
            r->f_pos = which;
        }
    }

    /* Tied LM head. */
    r->tied = -1;
    json_t *tv = json_object_get(root, "tie_word_embeddings");
    int tied;
    if (tv && !json_is_null(tv)) {
        if (hf_bool(c, "tie_word_embeddings", tv, &tied)) {
            r->tied = tied;
            r->f_tied = "tie_word_embeddings";
        }
    } else if (fam && fam->tied >= 0) {
        r->tied = fam->tied;
        r->f_tied = "model_type";
    }

    hf_dtypes_of(c, root, r);
    hf_attention_extras(c, root, fam, r);
}

/* Checks between fields, each only when its inputs were valid. */
static void hf_cross_check(hf_ctx *c, json_t *root, hf_vals *r) {
    if (r->f_heads && r->f_hidden && !r->f_head_dim && r->hidden % r->heads != 0) {
        hf_say(c, 1, r->f_heads, "'%s' (%lld) does not divide '%s' (%lld)", r->f_heads, r->heads, r->f_hidden,
               r->hidden);
        r->f_heads = NULL;
    }
    if (r->f_kv && r->f_heads && r->heads % r->kv != 0) {
        hf_say(c, 1, r->f_kv, "'%s' (%lld) does not divide '%s' (%lld)", r->f_kv, r->kv, r->f_heads, r->heads);
        r->f_kv = NULL;
    }
    if (r->f_topk && r->f_experts && r->topk > r->experts) {
        hf_say(c, 1, r->f_topk, "'%s' (%lld) exceeds '%s' (%lld)", r->f_topk, r->topk, r->f_experts, r->experts);
        r->f_topk = NULL;
    }
    /* head_dim is passed on only where it differs from hidden / heads */
    if (r->f_head_dim && r->f_heads && r->f_hidden && r->hidden % r->heads == 0 &&
        r->head_dim == r->hidden / r->heads)
        r->f_head_dim = NULL;
    json_t *proj = json_object_get(root, "word_embed_proj_dim"); /* OPT-350m */
    if (json_is_integer(proj) && r->f_hidden && json_integer_value(proj) != r->hidden) {
        hf_say(c, 0, "word_embed_proj_dim",
               "field 'word_embed_proj_dim' (%lld) differs from '%s' (%lld); the embedding projections are not "
               "modelled",
               (long long)json_integer_value(proj), r->f_hidden, r->hidden);
    }
}

int hf_parse(const char *text, size_t len, hf_model *out, hf_report_fn report, void *ud) {
    hf_ctx c = {NULL, 0, report, ud, 0};
    memset(out, 0, sizeof *out);
    if (!text) text = "", len = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3; /* byte-order mark */

    hf_cursor start = {text, len, 0, 1, 1};
    hf_skip_ws(&start);
    if (start.i == len) {
        hf_say_at(&c, 1, 0, 0, "empty input; expected a JSON object");
        return 0;
    }

    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root) {
        int line = err.line > 0 ? err.line : 0;
        hf_say_at(&c, 1, line, line ? (err.column > 0 ? err.column : 1) : 0, "invalid JSON: %s", err.text);
        return 0;
    }
    if (!json_is_object(root)) {
        hf_say_at(&c, 1, start.line, start.col, "the top level must be an object, found %s", hf_type_name(root));
        json_decref(root);
        return 0;
    }

    size_t cap = json_object_size(root);
    hf_key *keys = NULL;
    if (cap > 0) {
        keys = malloc(cap * sizeof *keys);
        if (!keys) mem_fail(0);
        c.nkeys = hf_scan_keys(text, len, keys, cap);
    }
    c.keys = keys;

    hf_vals r;
    memset(&r, 0, sizeof r);
    hf_read(&c, root, out, &r);
    hf_cross_check(&c, root, &r);
    hf_emit(out, &r);

    free(keys);
    json_decref(root);
    return c.nerrors == 0;
}
