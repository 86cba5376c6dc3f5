/* test_hf.c - Check suite for src/hf.c (the Hugging Face config.json
 * reader).  Exposes hf_suite(); the shared runner provides main().
 *
 * The sample configs in tests/hf/ are opened relative to the repository
 * root, where the unit tests run.  Each case renders what hf_parse produced
 * as one string, so an expectation reads like the template call it stands
 * for: the arguments as "name=value ..." and the messages as
 * "E|W line:col message", one per line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf.h"

Suite *hf_suite(void);

enum { MSGS_MAX = 4096 };

/* One parse: its result, arguments and messages. */
typedef struct parsed {
    int ok;
    hf_model m;
    int nerrors, nwarnings;
    char msgs[MSGS_MAX]; /* "E 4:3 msg\n" per message */
    char args[1024];     /* "layers=32 hidden=4096 ..." */
} parsed;

static void record(void *ud, int is_error, int line, int col, const char *msg) {
    parsed *p = ud;
    size_t used = strlen(p->msgs);
    snprintf(p->msgs + used, sizeof p->msgs - used, "%c %d:%d %s\n", is_error ? 'E' : 'W', line, col, msg);
    if (is_error) p->nerrors++;
    else p->nwarnings++;
}

static void render_args(parsed *p) {
    size_t used = 0;
    p->args[0] = 0;
    for (int i = 0; i < p->m.nargs; i++) {
        const hf_arg *a = &p->m.args[i];
        int w = a->word[0] ? snprintf(p->args + used, sizeof p->args - used, "%s%s=%s", i ? " " : "", a->name, a->word)
                           : snprintf(p->args + used, sizeof p->args - used, "%s%s=%lld", i ? " " : "", a->name,
                                      a->value);
        ck_assert(w > 0 && (size_t)w < sizeof p->args - used);
        used += (size_t)w;
    }
}

static void parse_buf(parsed *p, const char *text, size_t len) {
    memset(p, 0, sizeof *p);
    p->ok = hf_parse(text, len, &p->m, record, p);
    render_args(p);
    /* the contract: 0 exactly when an error was reported */
    ck_assert_msg(p->ok == (p->nerrors == 0), "ok=%d with %d errors:\n%s", p->ok, p->nerrors, p->msgs);
}

static void parse_str(parsed *p, const char *text) { parse_buf(p, text, strlen(text)); }

static void parse_file(parsed *p, const char *path) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s (run from the repository root)", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    parse_buf(p, buf, n);
}

/* The field a named argument came from. */
static const char *field_of(const parsed *p, const char *name) {
    for (int i = 0; i < p->m.nargs; i++)
        if (strcmp(p->m.args[i].name, name) == 0) return p->m.args[i].field;
    return "(absent)";
}

/* A usable parse with no messages at all, and exactly these arguments. */
static void expect_clean(const parsed *p, const char *args) {
    ck_assert_msg(p->ok, "parse failed:\n%s", p->msgs);
    ck_assert_str_eq(p->msgs, "");
    ck_assert_str_eq(p->args, args);
}

/* ---- the sample configs ------------------------------------------------- */

#define BASE "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"vocab_size\": 100"

/* Published config.json files of current models (tests/hf/, written out
 * by hand from the models' Hugging Face repositories): what each field
 * becomes.  Their parameter counts are checked in test_llm.c. */
START_TEST(test_current_models) {
    static const char *const cases[][2] = {
        /* GQA with 4 KV heads of 128 on a 3584 width; biased q/k/v; the
         * window is off (use_sliding_window: false) */
        {"tests/hf/qwen2-7b.json", "layers=28 hidden=3584 heads=28 kv_heads=4 ffn=18944 vocab=152064 gated=1 rms=1 "
                                   "wdtype=bf16 adtype=bf16 qkv_bias=1"},
        {"tests/hf/qwen2.5-0.5b.json", "layers=24 hidden=896 heads=14 kv_heads=2 ffn=4864 vocab=151936 gated=1 "
                                       "rms=1 tied=1 wdtype=bf16 adtype=bf16 qkv_bias=1"},
        /* a 4096-key sliding window on every layer */
        {"tests/hf/mistral-7b.json", "layers=32 hidden=4096 heads=32 kv_heads=8 ffn=14336 vocab=32000 gated=1 rms=1 "
                                     "wdtype=bf16 adtype=bf16 window=4096"},
        /* rope_scaling changes the angles only: nothing to model */
        {"tests/hf/llama-3.1-8b.json", "layers=32 hidden=4096 heads=32 kv_heads=8 ffn=14336 vocab=128256 gated=1 "
                                       "rms=1 wdtype=bf16 adtype=bf16"},
        /* head_dim 256 on a 3072 width; hidden_activation read before hidden_act */
        {"tests/hf/gemma-7b.json", "layers=28 hidden=3072 heads=16 kv_heads=16 ffn=24576 vocab=256000 gated=1 rms=1 "
                                   "tied=1 wdtype=bf16 adtype=bf16 head_dim=256"},
        {"tests/hf/phi-3-mini-4k.json", "layers=32 hidden=3072 heads=32 kv_heads=32 ffn=8192 vocab=32064 gated=1 "
                                        "rms=1 wdtype=bf16 adtype=bf16 window=2047"},
        /* 60 experts of 1408, 4 per token, and a shared expert of 5632 */
        {"tests/hf/qwen1.5-moe-a2.7b.json", "layers=24 hidden=2048 heads=16 kv_heads=16 ffn=1408 vocab=151936 "
                                            "gated=1 rms=1 experts=60 top_k=4 wdtype=bf16 adtype=bf16 qkv_bias=1 "
                                            "shared_ffn=5632"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed p;
        parse_file(&p, cases[i][0]);
        ck_assert_msg(p.ok && p.msgs[0] == 0, "%s:\n%s", cases[i][0], p.msgs);
        ck_assert_msg(strcmp(p.args, cases[i][1]) == 0, "%s:\n  got  %s\n  want %s", cases[i][0], p.args, cases[i][1]);
    }
    parsed p;
    parse_file(&p, "tests/hf/gemma-7b.json");
    ck_assert_str_eq(field_of(&p, "gated"), "model_type");
    parse_file(&p, "tests/hf/qwen1.5-moe-a2.7b.json");
    ck_assert_str_eq(field_of(&p, "ffn"), "moe_intermediate_size");
    ck_assert_str_eq(field_of(&p, "experts"), "num_experts");
}
END_TEST

/* Windows, biases, parallel residuals and the fields that change a model
 * without being modelled. */
START_TEST(test_model_details) {
    parsed p;
    /* Qwen2 with the window on: the first max_window_layers layers attend fully */
    parse_str(&p, "{\"model_type\": \"qwen2\", \"hidden_size\": 64, " BASE ", \"sliding_window\": 512, "
                  "\"use_sliding_window\": true, \"max_window_layers\": 1}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=1 rms=1 window=512 window_from=1 qkv_bias=1");
    /* an unknown family applies a window it is given */
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"sliding_window\": 512}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 window=512");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"sliding_window\": null}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100");
    /* attention_bias: q, k, v and the output; mlp_bias; a parallel residual */
    parse_str(&p, "{\"model_type\": \"llama\", \"hidden_size\": 64, " BASE ", \"attention_bias\": true, "
                  "\"mlp_bias\": true}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=1 rms=1 qkv_bias=1 out_bias=1 mlp_bias=1");
    parse_str(&p, "{\"model_type\": \"gpt_neox\", \"hidden_size\": 64, " BASE ", \"hidden_act\": \"gelu\", "
                  "\"layer_norm_eps\": 1e-5}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=0 rms=0 qkv_bias=1 out_bias=1 mlp_bias=1 parallel=1");
    ck_assert_str_eq(field_of(&p, "parallel"), "model_type");
    parse_str(&p, "{\"model_type\": \"gpt_neox\", \"hidden_size\": 64, " BASE ", \"use_parallel_residual\": false}");
    ck_assert_str_eq(p.args, "layers=2 hidden=64 heads=4 vocab=100 gated=0 rms=0 qkv_bias=1 out_bias=1 mlp_bias=1");
    /* model-changing fields that are not modelled: warned at their key,
     * unless their value leaves the model as modelled */
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"kv_lora_rank\": 512, \"decoder_sparse_step\": 1, "
                  "\"layer_types\": [\"full_attention\", \"sliding_attention\"], \"mlp_only_layers\": []}");
    ck_assert(p.ok);
    ck_assert_str_eq(p.msgs, "W 1:90 field 'kv_lora_rank' changes the model but is not modelled (latent (compressed) "
                             "key/value attention); ignored\n"
                             "W 1:137 field 'layer_types' changes the model but is not modelled (per-layer attention "
                             "kinds; every layer is modelled alike); ignored\n");
    /* activation names in use */
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"hidden_act\": \"gelu_pytorch_tanh\"}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=0");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"hidden_activation\": \"geglu\", \"hidden_act\": \"gelu\"}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=1");
}
END_TEST

START_TEST(test_gpt2) {
    parsed p;
    parse_file(&p, "tests/hf/gpt2.json");
    expect_clean(&p, "layers=12 hidden=768 heads=12 vocab=50257 gated=0 rms=0 positions=1024 tied=1 qkv_bias=1 "
                     "out_bias=1 mlp_bias=1");
    ck_assert_str_eq(p.m.model_type, "gpt2");
    ck_assert_str_eq(field_of(&p, "layers"), "n_layer");
    ck_assert_str_eq(field_of(&p, "hidden"), "n_embd");
    ck_assert_str_eq(field_of(&p, "heads"), "n_head");
    ck_assert_str_eq(field_of(&p, "gated"), "activation_function");
    ck_assert_str_eq(field_of(&p, "rms"), "layer_norm_epsilon");
    ck_assert_str_eq(field_of(&p, "positions"), "n_positions");
    ck_assert_str_eq(field_of(&p, "tied"), "model_type"); /* GPT2Config's default */
}
END_TEST

START_TEST(test_llama_2_7b) {
    parsed p;
    parse_file(&p, "tests/hf/llama-2-7b.json");
    expect_clean(&p, "layers=32 hidden=4096 heads=32 kv_heads=32 ffn=11008 vocab=32000 gated=1 rms=1 "
                     "wdtype=fp16 adtype=fp16");
    ck_assert_str_eq(p.m.model_type, "llama");
    ck_assert_str_eq(field_of(&p, "layers"), "num_hidden_layers");
    ck_assert_str_eq(field_of(&p, "ffn"), "intermediate_size");
    ck_assert_str_eq(field_of(&p, "gated"), "hidden_act");
    ck_assert_str_eq(field_of(&p, "rms"), "rms_norm_eps");
    ck_assert_str_eq(field_of(&p, "wdtype"), "torch_dtype");
    ck_assert_str_eq(field_of(&p, "tied"), "(absent)");
}
END_TEST

START_TEST(test_llama_2_70b) {
    parsed p;
    parse_file(&p, "tests/hf/llama-2-70b.json");
    expect_clean(&p, "layers=80 hidden=8192 heads=64 kv_heads=8 ffn=28672 vocab=32000 gated=1 rms=1 "
                     "wdtype=fp16 adtype=fp16");
    ck_assert_str_eq(field_of(&p, "kv_heads"), "num_key_value_heads");
}
END_TEST

START_TEST(test_llama_3_8b) {
    parsed p;
    parse_file(&p, "tests/hf/llama-3-8b.json");
    expect_clean(&p, "layers=32 hidden=4096 heads=32 kv_heads=8 ffn=14336 vocab=128256 gated=1 rms=1 "
                     "wdtype=bf16 adtype=bf16");
}
END_TEST

START_TEST(test_mixtral_8x7b) {
    parsed p;
    parse_file(&p, "tests/hf/mixtral-8x7b.json");
    expect_clean(&p, "layers=32 hidden=4096 heads=32 kv_heads=8 ffn=14336 vocab=32000 gated=1 rms=1 "
                     "experts=8 top_k=2 wdtype=bf16 adtype=bf16");
    ck_assert_str_eq(p.m.model_type, "mixtral");
    ck_assert_str_eq(field_of(&p, "experts"), "num_local_experts");
    ck_assert_str_eq(field_of(&p, "top_k"), "num_experts_per_tok");
}
END_TEST

START_TEST(test_bad_syntax) {
    parsed p;
    parse_file(&p, "tests/hf/bad-syntax.json");
    ck_assert(!p.ok);
    ck_assert_str_eq(p.msgs, "E 4:23 invalid JSON: '}' expected\n");
    ck_assert_int_eq(p.m.nargs, 0);
}
END_TEST

START_TEST(test_missing_hidden) {
    parsed p;
    parse_file(&p, "tests/hf/missing-hidden.json");
    ck_assert(!p.ok);
    ck_assert_str_eq(p.msgs, "E 0:0 missing field 'hidden_size' (or 'n_embd')\n");
}
END_TEST

START_TEST(test_bad_act) {
    parsed p;
    parse_file(&p, "tests/hf/bad-act.json");
    ck_assert(!p.ok);
    ck_assert_str_eq(p.msgs, "E 3:3 field 'hidden_act' has unsupported value 'xyz'; expected one of silu, swish, "
                             "swiglu, gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, gelu_python, gelu_accurate, "
                             "gelu_10, quick_gelu, relu, relu2, relu6, leaky_relu, mish, tanh, sigmoid, geglu, "
                             "gegelu\n");
    ck_assert_str_eq(p.m.model_type, "my_model");
}
END_TEST

START_TEST(test_bad_type) {
    parsed p;
    parse_file(&p, "tests/hf/bad-type.json");
    ck_assert(!p.ok);
    ck_assert_str_eq(p.msgs, "E 6:3 field 'num_hidden_layers' must be a positive integer, found string\n");
}
END_TEST

START_TEST(test_unknown_field) {
    parsed p;
    parse_file(&p, "tests/hf/unknown-field.json");
    ck_assert(p.ok); /* warnings only */
    ck_assert_str_eq(p.msgs, "W 9:3 field 'foo' is not understood; ignored\n"
                             "W 11:3 field 'use_flash_magic' is not understood; ignored\n");
    ck_assert_str_eq(p.args, "layers=32 hidden=4096 heads=32 ffn=11008 vocab=32000 gated=1 rms=1");
}
END_TEST

/* ---- JSON-level errors ------------------------------------------------- */

START_TEST(test_empty_and_not_object) {
    parsed p;
    parse_str(&p, "");
    ck_assert_str_eq(p.msgs, "E 0:0 empty input; expected a JSON object\n");
    parse_str(&p, " \n\t ");
    ck_assert_str_eq(p.msgs, "E 0:0 empty input; expected a JSON object\n");
    parse_buf(&p, NULL, 0);
    ck_assert_str_eq(p.msgs, "E 0:0 empty input; expected a JSON object\n");
    parse_str(&p, "\n  [1, 2]");
    ck_assert_str_eq(p.msgs, "E 2:3 the top level must be an object, found array\n");
    parse_str(&p, "42");
    ck_assert_str_eq(p.msgs, "E 1:1 the top level must be an object, found integer\n");
    parse_str(&p, "{\"hidden_size\": 1} trailing");
    ck_assert_str_eq(p.msgs, "E 1:27 invalid JSON: end of file expected near 'trailing'\n");
}
END_TEST

START_TEST(test_duplicate_key) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 4096,\n \"hidden_size\": 4096}");
    ck_assert(!p.ok);
    ck_assert_str_eq(p.msgs, "E 2:14 invalid JSON: duplicate object key near '\"hidden_size\"'\n");
}
END_TEST

START_TEST(test_bom_and_length) {
    parsed p;
    const char *t = "\xEF\xBB\xBF{\"n_layer\": 2, \"n_embd\": 64, \"n_head\": 4, \"vocab_size\": 100}GARBAGE";
    parse_buf(&p, t, strlen(t) - strlen("GARBAGE")); /* not NUL-terminated at len */
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100");
}
END_TEST

START_TEST(test_null_report) {
    hf_model m;
    ck_assert_int_eq(hf_parse("{", 1, &m, NULL, NULL), 0);
    const char *t = "{\"n_layer\": 2, \"n_embd\": 64, \"n_head\": 4, \"vocab_size\": 100, \"x\": 1}";
    ck_assert_int_eq(hf_parse(t, strlen(t), &m, NULL, NULL), 1);
    ck_assert_int_eq(m.nargs, 4);
}
END_TEST

/* ---- field errors ------------------------------------------------------ */


START_TEST(test_integer_errors) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 0, " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:2 field 'hidden_size' must be a positive integer, found 0\n");
    parse_str(&p, "{\"hidden_size\": -64, " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:2 field 'hidden_size' must be a positive integer, found -64\n");
    parse_str(&p, "{\"hidden_size\": 2000000000, " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:2 field 'hidden_size' (2000000000) exceeds 131072, far beyond any published model\n");
    /* per-field limits: a million layers would build a workload far past
     * any memory; the deepest real configs have ~128 */
    parse_str(&p, "{\"hidden_size\": 64, \"num_hidden_layers\": 1000000, \"num_attention_heads\": 4, \"vocab_size\": 100}");
    ck_assert_str_eq(p.msgs, "E 1:21 field 'num_hidden_layers' (1000000) exceeds 1024, far beyond any published model\n");
    parse_str(&p, "{\"hidden_size\": 64, \"num_hidden_layers\": 1024, \"num_attention_heads\": 4, \"vocab_size\": 100}");
    ck_assert_str_eq(p.msgs, "");
    parse_str(&p, "{\"hidden_size\": 64.0, " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:2 field 'hidden_size' must be a positive integer, found real number\n");
    parse_str(&p, "{\"hidden_size\": null, " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:2 field 'hidden_size' must be a positive integer, found null\n");
    parse_str(&p, "{\"hidden_size\": [64], " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:2 field 'hidden_size' must be a positive integer, found array\n");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"intermediate_size\": true}");
    ck_assert_str_eq(p.msgs, "E 1:90 field 'intermediate_size' must be a positive integer, found boolean\n");
}
END_TEST

START_TEST(test_missing_all) {
    parsed p;
    parse_str(&p, "{}");
    ck_assert_str_eq(p.msgs, "E 0:0 missing field 'num_hidden_layers' (or 'n_layer' or 'num_layers')\n"
                             "E 0:0 missing field 'hidden_size' (or 'n_embd')\n"
                             "E 0:0 missing field 'num_attention_heads' (or 'n_head' or 'num_heads')\n"
                             "E 0:0 missing field 'vocab_size'\n");
    ck_assert_int_eq(p.m.nargs, 0);
}
END_TEST

START_TEST(test_divisibility) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 4096,\n\"num_attention_heads\": 7, \"num_hidden_layers\": 2, \"vocab_size\": 10}");
    ck_assert_str_eq(p.msgs, "E 2:1 'num_attention_heads' (7) does not divide 'hidden_size' (4096)\n");
    parse_str(&p, "{\"hidden_size\": 4096, " BASE ", \"num_key_value_heads\": 3}");
    ck_assert_str_eq(p.msgs, "E 1:92 'num_key_value_heads' (3) does not divide 'num_attention_heads' (4)\n");
    parse_str(&p, "{\"hidden_size\": 4096, " BASE ", \"num_key_value_heads\": 8}");
    ck_assert_str_eq(p.msgs, "E 1:92 'num_key_value_heads' (8) does not divide 'num_attention_heads' (4)\n");
}
END_TEST

START_TEST(test_aliases_disagree) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 64, \"n_embd\": 128, " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:21 fields 'hidden_size' and 'n_embd' disagree\n");
    parse_str(&p, "{\"hidden_size\": 64, \"n_embd\": 64, " BASE "}"); /* equal: fine */
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100");
}
END_TEST

START_TEST(test_head_dim) {
    parsed p;
    /* a head width of its own (Gemma-7B: 16 heads of 256 on a 3072 width) */
    parse_str(&p, "{\"hidden_size\": 3072, " BASE ", \"head_dim\": 256}");
    expect_clean(&p, "layers=2 hidden=3072 heads=4 vocab=100 head_dim=256");
    /* with head_dim, heads need not divide hidden */
    parse_str(&p, "{\"hidden_size\": 3070, " BASE ", \"head_dim\": 256}");
    expect_clean(&p, "layers=2 hidden=3070 heads=4 vocab=100 head_dim=256");
    parse_str(&p, "{\"hidden_size\": 3072, " BASE ", \"head_dim\": 768}"); /* consistent: not passed on */
    expect_clean(&p, "layers=2 hidden=3072 heads=4 vocab=100");
    parse_str(&p, "{\"hidden_size\": 3072, " BASE ", \"head_dim\": null}");
    expect_clean(&p, "layers=2 hidden=3072 heads=4 vocab=100");
}
END_TEST

START_TEST(test_act_and_dtype_errors) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"hidden_act\": 3}");
    ck_assert_str_eq(p.msgs, "E 1:90 field 'hidden_act' must be a string, found integer\n");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"torch_dtype\": \"float64\"}");
    ck_assert_str_eq(p.msgs,
                     "E 1:90 field 'torch_dtype' has unsupported value 'float64'; expected float32, bfloat16 or "
                     "float16\n");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"tie_word_embeddings\": \"yes\"}");
    ck_assert_str_eq(p.msgs, "E 1:90 field 'tie_word_embeddings' must be true or false, found string\n");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"rms_norm_eps\": \"1e-5\"}");
    ck_assert_str_eq(p.msgs, "E 1:90 field 'rms_norm_eps' must be a number, found string\n");
    parse_str(&p, "{\"model_type\": 1, \"hidden_size\": 64, " BASE "}");
    ck_assert_str_eq(p.msgs, "E 1:2 field 'model_type' must be a string, found integer\n");
}
END_TEST

/* A hostile value is quoted safely: control bytes as '?', cut at 48 bytes. */
START_TEST(test_message_sanitised) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"hidden_act\": \"a\\nb\\u00e9cdefghijklmnopqrstuvwxyz"
                  "0123456789ABCDEFGHIJKLMNOP\"}");
    ck_assert_int_eq(p.nerrors, 1);
    ck_assert_msg(strstr(p.msgs, "unsupported value 'a?b\xC3\xA9"
                                 "cdefghijklmnopqrstuvwxyz0123456789ABCDEFGHI...'") != NULL,
                  "%s", p.msgs);
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"b\\u00e9\\tta\": 1}");
    ck_assert_str_eq(p.msgs, "W 1:90 field 'b\xC3\xA9?ta' is not understood; ignored\n");
}
END_TEST

START_TEST(test_unknown_positions_utf8) {
    parsed p;
    /* columns count characters, as Jansson's do */
    parse_str(&p, "{\"h\xC3\xA9\": 1,\n  \"hidden_size\": 64, " BASE ", \"z\": {\"a\": [1, \"]}\"]}, \"y\": 2}");
    ck_assert_str_eq(p.msgs, "W 1:2 field 'h\xC3\xA9' is not understood; ignored\n"
                             "W 2:91 field 'z' is not understood; ignored\n"
                             "W 2:114 field 'y' is not understood; ignored\n");
}
END_TEST

/* ---- mappings ---------------------------------------------------------- */

START_TEST(test_n_inner_null_and_set) {
    parsed p;
    parse_str(&p, "{\"model_type\": \"gpt2\", \"n_layer\": 2, \"n_embd\": 64, \"n_head\": 4, \"vocab_size\": 100, "
                  "\"n_inner\": null}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=0 rms=0 positions=1024 tied=1 qkv_bias=1 out_bias=1 "
                     "mlp_bias=1");
    ck_assert_str_eq(field_of(&p, "positions"), "model_type");
    parse_str(&p, "{\"model_type\": \"gpt2\", \"n_layer\": 2, \"n_embd\": 64, \"n_head\": 4, \"vocab_size\": 100, "
                  "\"n_inner\": 200, \"n_positions\": 512, \"tie_word_embeddings\": false}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 ffn=200 vocab=100 gated=0 rms=0 positions=512 qkv_bias=1 out_bias=1 "
                     "mlp_bias=1");
}
END_TEST

START_TEST(test_opt) {
    /* facebook/opt-125m: relu, ffn_dim, learned positions with 2 extra rows, tied head */
    parsed p;
    parse_str(&p, "{\"_name_or_path\": \"facebook/opt-125m\", \"activation_dropout\": 0.0, "
                  "\"activation_function\": \"relu\", \"architectures\": [\"OPTForCausalLM\"], "
                  "\"attention_dropout\": 0.0, \"bos_token_id\": 2, \"do_layer_norm_before\": true, "
                  "\"dropout\": 0.1, \"eos_token_id\": 2, \"ffn_dim\": 3072, \"hidden_size\": 768, "
                  "\"init_std\": 0.02, \"layerdrop\": 0.0, \"max_position_embeddings\": 2048, "
                  "\"model_type\": \"opt\", \"num_attention_heads\": 12, \"num_hidden_layers\": 12, "
                  "\"pad_token_id\": 1, \"prefix\": \"</s>\", \"torch_dtype\": \"float16\", "
                  "\"transformers_version\": \"4.21.0.dev0\", \"use_cache\": true, \"vocab_size\": 50272, "
                  "\"word_embed_proj_dim\": 768}");
    expect_clean(&p, "layers=12 hidden=768 heads=12 ffn=3072 vocab=50272 gated=0 rms=0 positions=2050 tied=1 "
                     "wdtype=fp16 adtype=fp16 qkv_bias=1 out_bias=1 mlp_bias=1");
    ck_assert_str_eq(field_of(&p, "ffn"), "ffn_dim");
    ck_assert_str_eq(field_of(&p, "rms"), "model_type");
    parse_str(&p, "{\"model_type\": \"opt\", \"hidden_size\": 1024, " BASE ", \"word_embed_proj_dim\": 512}");
    ck_assert(p.ok);
    ck_assert_str_eq(p.msgs, "W 1:113 field 'word_embed_proj_dim' (512) differs from 'hidden_size' (1024); the "
                             "embedding projections are not modelled\n");
}
END_TEST

START_TEST(test_family_overrides_activation) {
    parsed p;
    /* Gemma's MLP is gated although its activation is a GELU; its head is tied */
    parse_str(&p, "{\"model_type\": \"gemma\", \"hidden_size\": 2048, " BASE ", \"head_dim\": 512, "
                  "\"hidden_act\": \"gelu_pytorch_tanh\", \"rms_norm_eps\": 1e-06}");
    expect_clean(&p, "layers=2 hidden=2048 heads=4 vocab=100 gated=1 rms=1 tied=1");
    ck_assert_str_eq(field_of(&p, "gated"), "model_type");
    /* an unknown family: the activation decides; nothing else is assumed */
    parse_str(&p, "{\"model_type\": \"newthing\", \"hidden_size\": 64, " BASE ", \"hidden_act\": \"swiglu\"}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=1");
    /* a known family fills in what the file leaves out */
    parse_str(&p, "{\"model_type\": \"mistral\", \"hidden_size\": 64, " BASE "}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=1 rms=1");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"layer_norm_eps\": 1e-5, \"hidden_act\": \"gelu\"}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 gated=0 rms=0");
}
END_TEST

START_TEST(test_multi_query) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"multi_query\": true}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 kv_heads=1 vocab=100");
    ck_assert_str_eq(field_of(&p, "kv_heads"), "multi_query");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"multi_query\": false}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"multi_query\": true, \"num_key_value_heads\": 2}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 kv_heads=2 vocab=100");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"multi_query\": true, \"num_key_value_heads\": null}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 kv_heads=1 vocab=100");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"multi_query\": 1}");
    ck_assert_str_eq(p.msgs, "E 1:90 field 'multi_query' must be true or false, found integer\n");
}
END_TEST

START_TEST(test_experts) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"num_local_experts\": 2, \"num_experts_per_tok\": 3}");
    ck_assert_str_eq(p.msgs, "E 1:114 'num_experts_per_tok' (3) exceeds 'num_local_experts' (2)\n");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"num_experts_per_tok\": 2}");
    ck_assert(p.ok);
    ck_assert_str_eq(p.msgs, "W 1:90 field 'num_experts_per_tok' has no effect without 'num_local_experts' (or "
                             "'num_experts'); ignored\n");
    ck_assert_str_eq(p.args, "layers=2 hidden=64 heads=4 vocab=100");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"num_local_experts\": 16}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 experts=16");
}
END_TEST

START_TEST(test_quantization) {
    parsed p;
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"torch_dtype\": \"float16\", "
                  "\"quantization_config\": {\"bits\": 4, \"group_size\": 128, \"quant_method\": \"gptq\"}}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 wdtype=int4 adtype=fp16");
    ck_assert_str_eq(field_of(&p, "wdtype"), "quantization_config.bits");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"quantization_config\": {\"load_in_8bit\": true}}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 wdtype=int8");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"dtype\": \"bfloat16\", "
                  "\"quantization_config\": {\"quant_method\": \"fp8\", \"fmt\": \"e4m3\"}}");
    expect_clean(&p, "layers=2 hidden=64 heads=4 vocab=100 wdtype=fp8 adtype=bf16");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"quantization_config\": {\"bits\": 3}}");
    ck_assert_str_eq(p.msgs, "E 1:90 field 'quantization_config.bits' (3) is not supported; expected 4 or 8\n");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"quantization_config\": {\"quant_method\": \"magic\"}}");
    ck_assert(p.ok);
    ck_assert_str_eq(p.msgs, "W 1:90 field 'quantization_config' gives no weight width we know; ignored\n");
    parse_str(&p, "{\"hidden_size\": 64, " BASE ", \"quantization_config\": 4}");
    ck_assert_str_eq(p.msgs, "E 1:90 field 'quantization_config' must be an object, found integer\n");
}
END_TEST

/* Every emitted argument names a template parameter and fits its arrays. */
START_TEST(test_arg_names) {
    static const char *const params[] = {"layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "gated",
                                         "rms", "experts", "top_k", "positions", "tied", "wdtype", "adtype"};
    parsed p;
    parse_file(&p, "tests/hf/mixtral-8x7b.json");
    for (int i = 0; i < p.m.nargs; i++) {
        int found = 0;
        for (size_t j = 0; j < sizeof params / sizeof params[0]; j++) found |= strcmp(p.m.args[i].name, params[j]) == 0;
        ck_assert_msg(found, "unexpected argument %s", p.m.args[i].name);
        ck_assert(strcmp(p.m.args[i].name, "seq") != 0 && strcmp(p.m.args[i].name, "batch") != 0);
    }
}
END_TEST

Suite *hf_suite(void) {
    Suite *s = suite_create("hf");
    TCase *tc = tcase_create("samples");
    tcase_add_test(tc, test_gpt2);
    tcase_add_test(tc, test_current_models);
    tcase_add_test(tc, test_model_details);
    tcase_add_test(tc, test_llama_2_7b);
    tcase_add_test(tc, test_llama_2_70b);
    tcase_add_test(tc, test_llama_3_8b);
    tcase_add_test(tc, test_mixtral_8x7b);
    tcase_add_test(tc, test_bad_syntax);
    tcase_add_test(tc, test_missing_hidden);
    tcase_add_test(tc, test_bad_act);
    tcase_add_test(tc, test_bad_type);
    tcase_add_test(tc, test_unknown_field);
    tcase_add_test(tc, test_arg_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_empty_and_not_object);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_bom_and_length);
    tcase_add_test(tc, test_null_report);
    tcase_add_test(tc, test_integer_errors);
    tcase_add_test(tc, test_missing_all);
    tcase_add_test(tc, test_divisibility);
    tcase_add_test(tc, test_aliases_disagree);
    tcase_add_test(tc, test_head_dim);
    tcase_add_test(tc, test_act_and_dtype_errors);
    tcase_add_test(tc, test_message_sanitised);
    tcase_add_test(tc, test_unknown_positions_utf8);
    suite_add_tcase(s, tc);

    tc = tcase_create("mapping");
    tcase_add_test(tc, test_n_inner_null_and_set);
    tcase_add_test(tc, test_opt);
    tcase_add_test(tc, test_family_overrides_activation);
    tcase_add_test(tc, test_multi_query);
    tcase_add_test(tc, test_experts);
    tcase_add_test(tc, test_quantization);
    suite_add_tcase(s, tc);
    return s;
}
