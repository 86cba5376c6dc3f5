/* test_llm.c - the stdlib's LLM presets against published figures.
 *
 * Each preset of stdlib/std/llm.mld is instantiated and its parameter count
 * (elements of all weight tensors) compared with the figure its authors
 * published, and its forward FLOPs per token with the standard estimate of
 * Kaplan et al. 2020 (Table 1): 2 N + 2 n_layer n_ctx d_attn + 2 d_model
 * n_vocab, N the non-embedding parameters a token passes through.  Biases
 * and norm scales are counted.  Also: the Hugging Face configs of current
 * models against their published totals (to 0.01%), the shapes that
 * grouped-query attention, separate head widths, sliding windows, MoE
 * routing and the decode phase produce, and the errors of the new operator
 * arguments (one diagnostic for one mistake). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "account.h"
#include "testutil.h"

#ifndef TEST_ROOT
#define TEST_ROOT "."
#endif

/* Load `import "std/llm"; workload w = <call>` and return w. */
static const ir_workload *preset(loaded *l, const char *call) {
    char text[512];
    snprintf(text, sizeof text, "import \"std/llm\"\nworkload w = %s\n", call);
    load(l, text);
    ck_assert_msg(l->dc.nerrors == 0, "%s:%s", call, rec_dump(&l->rec));
    ck_assert_int_eq(l->ir->nworkloads, 1);
    return l->ir->workloads[0];
}

static const ir_tensor *tensor(const ir_workload *w, const char *name) {
    for (int i = 0; i < w->ntensors; i++)
        if (strcmp(w->tensors[i].name, name) == 0) return &w->tensors[i];
    ck_abort_msg("no tensor '%s'", name);
    return NULL;
}

static const ir_op *op(const ir_workload *w, const char *name) {
    for (int i = 0; i < w->nops; i++)
        if (strcmp(w->ops[i].name, name) == 0) return &w->ops[i];
    ck_abort_msg("no operator '%s'", name);
    return NULL;
}

/* One published model: its total parameters and, for the FLOP estimate,
 * the shape numbers of its paper or config. */
typedef struct model {
    const char *preset;
    double published;  /* total parameters as published */
    double active;     /* parameters one token uses (MoE), or 0 = published */
    int layers, d, vocab, positions, tied;
} model;

static const model models[] = {
    /* Hugging Face `gpt2`: 124,439,808 (with biases and LayerNorm scales) */
    {"gpt2_124m", 124439808.0, 0, 12, 768, 50257, 1024, 1},
    /* Brown et al. 2020, Table 2.1: 175.0B */
    {"gpt3_175b", 175.0e9, 0, 96, 12288, 50257, 2048, 1},
    /* Touvron et al. 2023 / Hugging Face configs: exact counts */
    {"llama2_7b", 6738415616.0, 0, 32, 4096, 32000, 0, 0},
    {"llama2_13b", 13015864320.0, 0, 40, 5120, 32000, 0, 0},
    {"llama2_70b", 68976648192.0, 0, 80, 8192, 32000, 0, 0},
    /* Meta Llama 3 (Hugging Face): 8,030,261,248 and 70,553,706,496 */
    {"llama3_8b", 8030261248.0, 0, 32, 4096, 128256, 0, 0},
    {"llama3_70b", 70553706496.0, 0, 80, 8192, 128256, 0, 0},
    /* Jiang et al. 2024: 46.7B parameters, 12.9B active per token */
    {"mixtral_8x7b", 46702792704.0, 12.9e9, 32, 4096, 32000, 0, 0},
};

START_TEST(test_preset_params) {
    const model *m = &models[_i];
    loaded l;
    char call[128];
    snprintf(call, sizeof call, "%s(seq = 8)", m->preset);
    const ir_workload *w = preset(&l, call);
    double err = fabs(w->params - m->published) / m->published;
    ck_assert_msg(err < 0.005, "%s: %.0f parameters, published %.0f (%.3f%% off)", m->preset, w->params,
                  m->published, 100 * err);
    unload(&l);
}
END_TEST

START_TEST(test_preset_flops_per_token) {
    const model *m = &models[_i];
    const int ctx = 2048;
    loaded l;
    char call[128];
    snprintf(call, sizeof call, "%s(seq = %d)", m->preset, ctx);
    const ir_workload *w = preset(&l, call);
    /* embedding tables only looked up; a tied table is also the LM head */
    double tables = (double)m->vocab * m->d * (m->tied ? 1 : 2) + (double)m->positions * m->d;
    double n = (m->active > 0 ? m->active : m->published) - tables;
    double want = 2 * n + 2.0 * m->layers * ctx * m->d + 2.0 * m->d * m->vocab;
    double got = w->flops / ctx;
    double err = fabs(got - want) / want;
    ck_assert_msg(err < 0.01, "%s: %.4g FLOP/token, Kaplan estimate %.4g (%.2f%% off)", m->preset, got, want,
                  100 * err);
    unload(&l);
}
END_TEST

/* GPT-3's own figure: 3.14e23 FLOPs to train 175B on 300B tokens (Brown et
 * al. 2020, Table D.1), i.e. 3.14e23 / 300e9 / 3 = 3.49e11 forward FLOPs
 * per token, counted without attention (Appendix D); with attention at
 * n_ctx = 2048 the model adds 1.4%. */
START_TEST(test_gpt3_training_compute) {
    loaded l;
    const ir_workload *w = preset(&l, "gpt3_175b(seq = 2048)");
    double per_token = w->flops / 2048;
    double paper = 3.14e23 / 300e9 / 3;
    ck_assert_msg(per_token > paper && per_token < paper * 1.02, "%.4g FLOP/token vs %.4g", per_token, paper);
    unload(&l);
}
END_TEST

/* GQA: k and v are kv_heads * head_dim wide; decode caches hold the whole
 * context of every sequence; attention FLOPs follow the query width. */
START_TEST(test_gqa_decode_shapes) {
    loaded l;
    const ir_workload *w = preset(&l, "llama2_70b(seq = 1, past = 4095, batch = 8, layers = 2)");
    const ir_tensor *wk = tensor(w, "layer[0].wk"), *kc = tensor(w, "layer[1].k_cache");
    ck_assert_int_eq(wk->dims[1], 1024); /* 8 KV heads of 128 */
    ck_assert_int_eq(kc->dims[0], 8 * 4096);
    ck_assert_int_eq(kc->dims[1], 1024);
    ck_assert_int_eq(kc->kind, TENSOR_CACHE);
    /* one query per sequence sees all 4096 keys: 4 * 4096 * 8192 + 5 * 4096 * 64 per sequence */
    ck_assert_double_eq_tol(op(w, "layer[0].attn")->flops, 8.0 * (4.0 * 4096 * 8192 + 5.0 * 4096 * 64), 1);
    /* 12 tensors of [1][8192] .. one new token per sequence */
    ck_assert_int_eq(tensor(w, "layer[0].q")->dims[0], 8);
    unload(&l);
}
END_TEST

/* Causal prefill attention counts T (T + 1) / 2 query-key pairs. */
START_TEST(test_causal_pairs) {
    loaded l;
    const ir_workload *w = preset(&l, "llama2_7b(seq = 100, layers = 1)");
    double pairs = 100.0 * 101 / 2;
    ck_assert_double_eq_tol(op(w, "layer[0].attn")->flops, 4 * pairs * 4096 + 5 * pairs * 32, 1e-6);
    unload(&l);
    w = preset(&l, "llama2_7b(seq = 100, layers = 1, causal = 0)");
    ck_assert_double_eq_tol(op(w, "layer[0].attn")->flops, 4 * 1e4 * 4096 + 5 * 1e4 * 32, 1e-6);
    unload(&l);
}
END_TEST

/* MoE: all experts' weights exist, top_k of them run per token; a decode
 * step of one token runs exactly top_k experts. */
START_TEST(test_moe_routing) {
    loaded l;
    const ir_workload *w = preset(&l, "mixtral_8x7b(seq = 64, layers = 1)");
    ck_assert_int_eq(tensor(w, "layer[0].expert[7].w_down")->dims[0], 14336);
    ck_assert_int_eq(op(w, "layer[0].expert[7].xin")->flops, 0);
    ck_assert_int_eq(tensor(w, "layer[0].expert[3].route")->dims[0], 64 * 2 / 8);
    ck_assert_double_eq_tol(op(w, "layer[0].expert[0].up")->flops, 2.0 * 16 * 4096 * 14336, 1);
    unload(&l);
    w = preset(&l, "mixtral_8x7b(seq = 1, past = 100, layers = 1)");
    int experts_run = 0;
    for (int i = 0; i < w->nops; i++) experts_run += strstr(w->ops[i].name, ".down") != NULL;
    ck_assert_int_eq(experts_run, 2);
    ck_assert_int_eq(tensor(w, "layer[0].expert[0].route")->dims[0], 1);
    unload(&l);
}
END_TEST

/* Weights and activations take their dtypes separately. */
START_TEST(test_dtypes) {
    loaded l;
    const ir_workload *w = preset(&l, "llama3_8b(seq = 16, layers = 1, wdtype = int4, adtype = fp8)");
    ck_assert_double_eq_tol(tensor(w, "layer[0].wq")->bytes, 4096.0 * 4096 / 2, 1e-9);
    ck_assert_int_eq(tensor(w, "layer[0].q")->dtype, DT_FP8);
    ck_assert_int_eq(tensor(w, "tok")->dtype, DT_FP8);
    unload(&l);
}
END_TEST

/* Partial application: later arguments override the preset's. */
START_TEST(test_partial_application) {
    loaded l;
    load(&l, "import \"std/llm\"\nlet tiny = llama2_7b(layers = 2)\nlet tinier = tiny(hidden = 1024, heads = 8)\n"
             "workload w = tinier(seq = 4, layers = 1)\n");
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    const ir_workload *w = l.ir->workloads[0];
    ck_assert_int_eq(tensor(w, "layer[0].wq")->dims[0], 1024);
    ck_assert_int_eq(tensor(w, "layer[0].w_up")->dims[1], 11008);
    ck_assert_int_eq(tensor(w, "ids")->dims[0], 4);
    for (int i = 0; i < w->ntensors; i++) ck_assert_msg(strncmp(w->tensors[i].name, "layer[1]", 8) != 0, "layer 1 exists");
    unload(&l);
    load(&l, "import \"std/llm\"\nworkload w = llama2_7b(sequence = 4)\n");
    ck_assert_int_ge(rec_find(&l.rec, "workload 'transformer' has no parameter 'sequence'"), 0);
    unload(&l);
}
END_TEST

START_TEST(test_operator_switches) {
    loaded l;
    load(&l, "workload t { input x : fp16[4][8]\n weight e : fp16[16][8]\n op y = matmul(x, e, transpose = 1)\n"
             " op z = matmul(x, e)\n op a = attention(x, x, x, causal = 2)\n op s = scatter_add(y, x) }\nworkload w = t()\n");
    ck_assert_int_ge(rec_find(&l.rec, "matmul() inner dimensions differ: x has K = 8 but e has K = 16"), 0);
    ck_assert_int_ge(rec_find(&l.rec, "'causal' is 0 or 1"), 0);
    ck_assert_int_ge(rec_find(&l.rec, "scatter_add() needs parts with the base's row width"), 0);
    ck_assert_int_eq(l.dc.nerrors, 3);
    unload(&l);
}
END_TEST

/* Current models from their published config.json (tests/hf/): parameter
 * counts, biases and norm scales included, against the published totals.
 * The totals are the parameter counts of the models' Hugging Face
 * safetensors, quoted from memory to the parameter (the model cards round
 * them: Qwen2-7B "7.62B", Qwen2.5-0.5B "0.49B", Mistral-7B "7.24B",
 * Llama-3.1-8B "8.03B", Gemma-7B "8.54B", Phi-3-mini "3.8B", Mixtral
 * "46.7B", Qwen1.5-MoE-A2.7B "14.3B"), each also re-derived by hand from
 * the config's shapes. */
static const struct {
    const char *file;
    double published;
} hf_models[] = {
    {"qwen2-7b.json", 7615616512.0},      {"qwen2.5-0.5b.json", 494032768.0},
    {"mistral-7b.json", 7241732096.0},    {"llama-3.1-8b.json", 8030261248.0},
    {"gemma-7b.json", 8537680896.0},      {"phi-3-mini-4k.json", 3821079552.0},
    {"mixtral-8x7b.json", 46702792704.0}, {"qwen1.5-moe-a2.7b.json", 14315784192.0},
};

START_TEST(test_hf_param_counts) {
    loaded l;
    char call[200];
    snprintf(call, sizeof call, "hf_config(\"%s/tests/hf/%s\")(seq = 4)", TEST_ROOT, hf_models[_i].file);
    const ir_workload *w = preset(&l, call);
    double err = fabs(w->params - hf_models[_i].published) / hf_models[_i].published;
    ck_assert_msg(err < 1e-4, "%s: %.0f parameters, published %.0f (%.4f%% off)", hf_models[_i].file, w->params,
                  hf_models[_i].published, 100 * err);
    ck_assert_int_eq(l.rec.nwarnings, 0);
    unload(&l);
}
END_TEST

/* Grouped-query widths (Qwen2-7B: 28 query heads, 4 key/value heads of
 * 128 on a 3584 width), a separate head width (Gemma-7B: 16 heads of 256
 * on 3072) and the attention's FLOPs, which follow the query width. */
START_TEST(test_head_widths) {
    loaded l;
    const ir_workload *w = preset(&l, "hf_config(\"" TEST_ROOT "/tests/hf/qwen2-7b.json\")(seq = 16, layers = 1)");
    ck_assert_int_eq(tensor(w, "layer[0].wk")->dims[1], 512);
    ck_assert_int_eq(tensor(w, "layer[0].bq")->dims[0], 3584);
    double pairs = 16.0 * 17 / 2;
    ck_assert_double_eq_tol(op(w, "layer[0].attn")->flops, 4 * pairs * 3584 + 5 * pairs * 28, 1e-6);
    unload(&l);
    w = preset(&l, "hf_config(\"" TEST_ROOT "/tests/hf/gemma-7b.json\")(seq = 16, layers = 1)");
    ck_assert_int_eq(tensor(w, "layer[0].wq")->dims[1], 16 * 256);
    ck_assert_int_eq(tensor(w, "layer[0].wo")->dims[0], 16 * 256);
    ck_assert_int_eq(tensor(w, "layer[0].wo")->dims[1], 3072);
    ck_assert_double_eq_tol(op(w, "layer[0].attn")->flops, 4 * pairs * 4096 + 5 * pairs * 16, 1e-6);
    unload(&l);
    /* the operator's own checks name the widths */
    load(&l, "workload t { input q : fp16[4][96]\n input k : fp16[4][20]\n op a = attention(q, k, k, heads = 8) }\n"
             "workload w = t()\n");
    ck_assert_int_ge(rec_find(&l.rec, "attention(): the key/value width 20 is not a whole number of heads of width 12 "
                                      "(query width 96 / 8 heads)"),
                     0);
    unload(&l);
    load(&l, "workload t { input q : fp16[4][96]\n input k : fp16[4][36]\n op a = attention(q, k, k, heads = 8) }\n"
             "workload w = t()\n");
    ck_assert_int_ge(rec_find(&l.rec, "attention(): 3 key/value heads do not divide 8 query heads"), 0);
    unload(&l);
    load(&l, "workload t { input q : fp16[4][96]\n input k : fp16[4][24]\n"
             "op a = attention(q, k, k, heads = 8, kv_heads = 4) }\nworkload w = t()\n");
    ck_assert_int_ge(
        rec_find(&l.rec, "attention(): 4 key/value heads of width 12 need a key/value width of 48, found 24"), 0);
    unload(&l);
}
END_TEST

/* Sliding windows (Mistral-7B: 4096 keys).  Decoding at a 32 k context
 * reads and attends over 4096 cached positions instead of 32768: 8x less
 * attention work and an 8x smaller cache.  A 32 k prefill: query p sees
 * min(p + 1, W) keys, W (W + 1) / 2 + W (S - W) pairs in all. */
START_TEST(test_sliding_window) {
    loaded l, f;
    const char *mistral = "hf_config(\"" TEST_ROOT "/tests/hf/mistral-7b.json\")";
    char call[300];
    snprintf(call, sizeof call, "%s(seq = 1, past = 32767, layers = 1)", mistral);
    const ir_workload *w = preset(&l, call);
    snprintf(call, sizeof call, "%s(seq = 1, past = 32767, layers = 1, window = 0)", mistral);
    const ir_workload *full = preset(&f, call);
    ck_assert_int_eq(tensor(w, "layer[0].k_cache")->dims[0], 4096);
    ck_assert_int_eq(tensor(full, "layer[0].k_cache")->dims[0], 32768);
    ck_assert_double_eq_tol(op(full, "layer[0].attn")->flops / op(w, "layer[0].attn")->flops, 8.0, 1e-12);
    unload(&l);
    unload(&f);
    snprintf(call, sizeof call, "%s(seq = 32768, layers = 1)", mistral);
    w = preset(&l, call);
    double W = 4096, S = 32768, pairs = W * (W + 1) / 2 + W * (S - W);
    ck_assert_double_eq_tol(op(w, "layer[0].attn")->flops, 4 * pairs * 4096 + 5 * pairs * 32, 1);
    unload(&l);
    /* window_from: earlier layers attend fully (Qwen2's max_window_layers) */
    w = preset(&l, "llama2_7b(seq = 1, past = 99, layers = 2, window = 10, window_from = 1)");
    ck_assert_int_eq(tensor(w, "layer[0].k_cache")->dims[0], 100);
    ck_assert_int_eq(tensor(w, "layer[1].k_cache")->dims[0], 10);
    unload(&l);
}
END_TEST

/* A bad argument to a stdlib template is one error, with a note at the
 * user's call, not a cascade of unknown names inside the template. */
START_TEST(test_template_error_once) {
    loaded l;
    load(&l, "import \"std/llm\"\nworkload w = transformer(hidden = 96, heads = 8, kv_heads = 3, layers = 2, "
             "seq = 4)\n");
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_int_ge(rec_find(&l.rec, "3 key/value heads do not divide 8 query heads"), 0);
    ck_assert_str_eq(l.rec.d[0].note, "in workload 'w', an instance of 'transformer' made here");
    ck_assert_int_eq(l.rec.d[0].note_line, 2);
    unload(&l);
    /* heads that do not divide the width are still an error, not a silent 98-wide query */
    load(&l, "import \"std/llm\"\nworkload w = transformer(hidden = 100, heads = 7, layers = 2, seq = 4)\n");
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_int_ge(rec_find(&l.rec, "7 heads do not divide the query width 100"), 0);
    unload(&l);
    /* a tensor that fails does not leave its users with unknown names */
    load(&l, "import \"std/llm\"\nworkload w = transformer(ffn = 0, layers = 2, seq = 4)\n");
    ck_assert_msg(l.dc.nerrors == 2 && rec_find(&l.rec, "unknown name") < 0, "%s", rec_dump(&l.rec));
    unload(&l);
}
END_TEST

/* Parallel residual: the MLP's norm reads the layer's input. */
START_TEST(test_parallel_residual) {
    loaded l;
    const ir_workload *w = preset(&l, "transformer(layers = 1, seq = 4, parallel = 1)");
    ck_assert_str_eq(w->tensors[op(w, "layer[0].ln2")->inputs[0]].name, "tok");
    unload(&l);
    w = preset(&l, "transformer(layers = 1, seq = 4)");
    ck_assert_str_eq(w->tensors[op(w, "layer[0].ln2")->inputs[0]].name, "layer[0].res1");
    unload(&l);
}
END_TEST

/* A Hugging Face config.json read with hf_config() gives the same model as
 * the preset written by hand (tests/hf holds the published configs). */
START_TEST(test_hf_config_matches_presets) {
    static const char *const pairs[][2] = {
        {"tests/hf/gpt2.json", "gpt2_124m"},       {"tests/hf/llama-2-7b.json", "llama2_7b"},
        {"tests/hf/llama-2-70b.json", "llama2_70b"}, {"tests/hf/llama-3-8b.json", "llama3_8b"},
        {"tests/hf/mixtral-8x7b.json", "mixtral_8x7b"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        loaded a, b;
        char call[160];
        snprintf(call, sizeof call, "hf_config(\"%s/%s\")(seq = 64, layers = 2)", TEST_ROOT, pairs[i][0]);
        const ir_workload *wa = preset(&a, call);
        snprintf(call, sizeof call, "%s(seq = 64, layers = 2)", pairs[i][1]);
        const ir_workload *wb = preset(&b, call);
        ck_assert_msg(wa->params == wb->params && wa->flops == wb->flops && wa->nops == wb->nops,
                      "%s: %.0f params %.6g FLOPs %d ops; preset %.0f %.6g %d", pairs[i][0], wa->params, wa->flops,
                      wa->nops, wb->params, wb->flops, wb->nops);
        unload(&a);
        unload(&b);
    }
    loaded l;
    load(&l, "import \"std/llm\"\nlet m = hf_config(\"" TEST_ROOT "/tests/hf/missing-hidden.json\")\n");
    ck_assert_int_ge(rec_find(&l.rec, "missing-hidden.json: missing field 'hidden_size'"), 0);
    unload(&l);
    load(&l, "let m = hf_config(\"" TEST_ROOT "/tests/hf/gpt2.json\")\n");
    ck_assert_int_ge(rec_find(&l.rec, "add import \"std/llm\""), 0);
    unload(&l);
}
END_TEST

/* std/parallel's collectives on p cores of a ring (links B = 25 GB/s, hop
 * h = 5 ns; memories fast enough, 1 PB/s, to vanish).  A tensor of
 * S = p * c bytes, c = 65536, is in every core's memory.
 *   ring all-reduce: 2 (p - 1) steps of c / B + h each (every core sends
 *     one share to its neighbour per step; shares chain exactly)
 *   direct all-reduce on a ring: each core sends 2 (p - 1) shares over
 *     its two links, at best (p - 1) c / B, exactly that (two steps of
 *     c / B + h) at p = 3 where every pair is adjacent; further apart,
 *     shares cross several links and contend
 *   tree all-reduce: p - 1 sends of the whole tensor up a binary tree and
 *     p - 1 down; at p = 2 exactly two steps of S / B + h. */
static const char *const coll_text =
    "import \"std/parallel\"\n"
    "param p = 4\n"
    "param algorithm = 0\n"
    "level Core { compute mac { rate = 1 TFLOP/s }; memory a { size = 16 MiB; bandwidth = 1 PB/s } }\n"
    "level Ring { core: Core[p]; network r = ring(core) { bandwidth = 25 GB/s; hop = 5 ns } }\n"
    "system top = Ring\n"
    "workload ar(p = 4) { input x : int8[p * 65536]; op t = elementwise(x, flops = 1) }\n"
    "workload w = ar(p = p)\n"
    "mapping m on top for w {\n"
    "    store w.x in top.core[*].a\n"
    "    place w.t on top.core[*]\n"
    "    all_reduce(w.t, top.core[*].a, algorithm = algorithm)\n"
    "}\n";

/* The ring's protocol mechanisms against closed forms (links B = 25
 * GB/s, hop h = 5 ns, shares of c = 65536 bytes, after an elementwise of
 * p c bytes in and out):
 *   chunks = C > 1: packets pipeline through the steps, so the hop
 *     latency is paid once: 2 (p - 1) c / B + h instead of
 *     2 (p - 1) (c / B + h);
 *   network efficiency e: the links carry e B;
 *   reduce = 1 at p = 2 with memories of M = 100 GB/s: each core copies
 *     the share it received within its memory before forwarding it, one
 *     read and one write, 2 c / M more on the critical path. */
static const char *const proto_text =
    "import \"std/parallel\"\n"
    "param p = 4\n"
    "param chunks = 1\n"
    "param reduce = 0\n"
    "param eff = 1\n"
    "param mbw = 1 PB/s\n"
    "level Core { compute mac { rate = 1 TFLOP/s }; memory a { size = 16 MiB; bandwidth = mbw } }\n"
    "level Ring { core: Core[p]; network r = ring(core) { bandwidth = 25 GB/s; hop = 5 ns; efficiency = eff } }\n"
    "system top = Ring\n"
    "workload ar(p = 4) { input x : int8[p * 65536]; op t = elementwise(x, flops = 1) }\n"
    "workload w = ar(p = p)\n"
    "mapping m on top for w {\n"
    "    store w.x in top.core[*].a\n"
    "    place w.t on top.core[*]\n"
    "    all_reduce(w.t, top.core[*].a, chunks = chunks, reduce = reduce)\n"
    "}\n";

static double proto_run(const char *const *sets, int nsets) {
    simulated s;
    simulate_sets(&s, proto_text, NULL, sets, nsets);
    double ms = s.r->makespan;
    unsimulate(&s);
    return ms;
}

START_TEST(test_collective_protocol) {
    double c = 65536.0, B = 25e9, h = 5e-9, comp = 4 * c / 1e12;
    const char *one[] = {"chunks=1"};
    ck_assert(near_rel(proto_run(one, 1) - comp, 6 * (c / B + h), 1e-3));
    for (int C = 2; C <= 8; C *= 2) {
        char sc[32];
        snprintf(sc, sizeof sc, "chunks=%d", C);
        const char *sets[] = {sc};
        double ms = proto_run(sets, 1) - comp;
        ck_assert_msg(near_rel(ms, 6 * c / B + h, 1e-3), "chunks=%d: %.6g s", C, ms);
    }
    const char *half[] = {"eff=0.5"};
    ck_assert(near_rel(proto_run(half, 1) - comp, 6 * (c / (0.5 * B) + h), 1e-3));
    const char *r0[] = {"p=2", "mbw=100GB/s", "reduce=0"};
    const char *r1[] = {"p=2", "mbw=100GB/s", "reduce=1"};
    double d = proto_run(r1, 3) - proto_run(r0, 3);
    ck_assert_msg(near_rel(d, 2 * c / 100e9, 1e-3), "reduce adds %.6g s", d);
}
END_TEST

START_TEST(test_collective_templates) {
    for (int p = 2; p <= 6; p++) {
        char sp[32], sa[32];
        double c = 65536.0, B = 25e9, h = 5e-9;
        double comp = p * c / 1e12; /* the elementwise before it */
        snprintf(sp, sizeof sp, "p=%d", p);
        for (int alg = 0; alg < 3; alg++) {
            snprintf(sa, sizeof sa, "algorithm=%d", alg);
            const char *sets[2] = {sp, sa};
            simulated s;
            simulate_sets(&s, coll_text, NULL, sets, 2);
            uint32_t transfers = 0;
            for (uint32_t t = 0; t < s.p->ntasks; t++) transfers += s.p->tasks[t].kind == TASK_TRANSFER;
            double ms = s.r->makespan - comp;
            if (alg == 0) {
                ck_assert_uint_eq(transfers, (uint32_t)(2 * (p - 1) * p));
                ck_assert_msg(near_rel(ms, 2 * (p - 1) * (c / B + h), 1e-3), "ring p=%d: %.6g s", p, ms);
            } else if (alg == 1) {
                ck_assert_uint_eq(transfers, (uint32_t)(2 * p * (p - 1)));
                /* each core sends 2 (p - 1) shares over its two ring links */
                ck_assert_msg(ms >= (p - 1) * c / B * (1 - 1e-9), "direct p=%d: %.6g s", p, ms);
                if (p == 3) ck_assert_msg(near_rel(ms, 2 * (c / B + h), 1e-3), "direct p=3: %.6g s", ms);
            } else {
                /* p - 1 whole-tensor sends up, p - 1 down; those into (or out
                 * of) one core over different links overlap, so at least one
                 * step each way */
                ck_assert_uint_eq(transfers, (uint32_t)(2 * (p - 1)));
                ck_assert_msg(ms >= 2 * p * c / B * (1 - 1e-9), "tree p=%d: %.6g s", p, ms);
                if (p == 2) ck_assert_msg(near_rel(ms, 2 * (p * c / B + h), 1e-3), "tree p=2: %.6g s", ms);
            }
            unsimulate(&s);
        }
    }
}
END_TEST

/* GPipe: p stages, m micro-batches, each stage time t per micro-batch:
 * makespan (m + p - 1) t, against m p t without micro-batching (the whole
 * batch through one stage after another).  Four cores, one layer each,
 * links fast enough to vanish; the ratio must match to 2%. */
START_TEST(test_pipeline_micro_batches) {
    static const char *const text =
        "import \"std/llm\"\nimport \"std/parallel\"\n"
        "param micro = 1\n"
        "level Core { compute mac { rate = 1 TFLOP/s }; memory sram { size = 1 GiB; bandwidth = 100 TB/s } }\n"
        "level Chip { core: Core[4]; network r = ring(core) { bandwidth = 10 TB/s } }\n"
        "system top = Chip\n"
        "workload w = transformer(layers = 4, hidden = 512, heads = 8, vocab = 64, seq = 128, batch = 8)\n"
        "mapping pp on top for w { pipeline_parallel(w, top.core[*], top.core[*].sram, micro = micro) }\n";
    static const char *const one[] = {"micro=1"}, *const eight[] = {"micro=8"};
    simulated a, b;
    simulate_sets(&a, text, NULL, one, 1);
    simulate_sets(&b, text, NULL, eight, 1);
    double ratio = b.r->makespan / a.r->makespan, want = (8.0 + 4 - 1) / (8.0 * 4);
    ck_assert_msg(near_rel(ratio, want, 0.02), "micro 8 / micro 1 = %.4f, GPipe %.4f", ratio, want);
    unsimulate(&a);
    unsimulate(&b);
}
END_TEST

/* The training form's matrix FLOPs per iteration against the published
 * formulas for GPT models (Narayanan et al. 2021, Korthikanti et al.
 * 2022): 72 B s l h^2 (1 + s / 6h + V / 12 l h) without recomputation,
 * 96 B s l h^2 (1 + s / 6h + V / 16 l h) with full recomputation (B
 * sequences, s tokens each, l layers, h hidden, V vocabulary).  The
 * formulas count the matrix products (attention's in full, as the unfused
 * form computes every score), so the matmul and bmm FLOPs are summed;
 * selective recomputation adds one forward of the attention products. */
static double matrix_flops(const ir_workload *w) {
    double f = 0;
    for (int i = 0; i < w->nops; i++)
        if (w->ops[i].kind == OPK_MATMUL || w->ops[i].kind == OPK_BMM) f += w->ops[i].flops;
    return f;
}

START_TEST(test_training_flops) {
    const double B = 2 * 3, s = 2048, l = 4, h = 1024, V = 51200;
    double want[3] = {72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h)), 0,
                      96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))};
    want[1] = want[0] + 4 * B * s * s * h * l; /* QK^T and PV again */
    for (int rc = 0; rc < 3; rc++) {
        char call[400];
        snprintf(call, sizeof call,
                 "transformer(layers = 4, hidden = 1024, heads = 16, vocab = 51200, seq = 2048, batch = 2, "
                 "micro = 3, positions = 2048, tied = 1, fused = 0, causal = 0, dropout = 1, train = 1, "
                 "recompute = %d)",
                 rc);
        loaded ld;
        const ir_workload *w = preset(&ld, call);
        double got = matrix_flops(w);
        ck_assert_msg(near_rel(got, want[rc], 1e-9), "recompute %d: %.6g FLOP, formula %.6g", rc, got, want[rc]);
        unload(&ld);
    }
}
END_TEST

/* Pipeline bubbles out of the simulation: megatron_train on p = 4 stages
 * of a uniform model with fast links, m = 8 micro-batches.  The share of
 * the iteration a stage idles, 1 - (T_1 / p) / T_p (T_1: the same
 * iteration on one stage), against (p - 1) / (m + p - 1) for GPipe and
 * 1F1B and, interleaved over v = 2 chunks per stage, (p - 1) / (v m) of
 * the busy time, i.e. (p - 1) / (v m + p - 1) of the iteration; within
 * 2% of the formula (the embedding and the head, on the first and last
 * stage, are what is left). */
START_TEST(test_pipeline_bubbles) {
    static const char *const text =
        "import \"std/llm\"\nimport \"std/parallel\"\n"
        "param pp = 4\nparam v = 1\nparam sched = 1\n"
        "level G { compute mac { rate = 1 TFLOP/s }; memory hbm { size = 64 GiB; bandwidth = 100 TB/s } }\n"
        "level N { gpu: G[8]; network nv = switch(gpu) { bandwidth = 100 TB/s } }\n"
        "level C { node: N[1]; network ib = switch(node) { bandwidth = 100 TB/s } }\n"
        "system top = C\n"
        "workload w = transformer(layers = 8, hidden = 512, heads = 8, vocab = 64, seq = 256, train = 1, micro = 8)\n"
        "mapping meg on top for w { megatron_train(w, top, tp = 1, pp = pp, interleave = v, schedule = sched) }\n";
    static const char *const one[] = {"pp=1"};
    static const char *const cases[3][2] = {{"sched=0", "v=1"}, {"sched=1", "v=1"}, {"sched=1", "v=2"}};
    const double p = 4, m = 8;
    const double want[3] = {(p - 1) / (m + p - 1), (p - 1) / (m + p - 1), (p - 1) / (2 * m + p - 1)};
    simulated a;
    simulate_sets(&a, text, NULL, one, 1);
    double ideal = a.r->makespan / p;
    unsimulate(&a);
    for (int c = 0; c < 3; c++) {
        simulated b;
        simulate_sets(&b, text, NULL, cases[c], 2);
        double bubble = 1 - ideal / b.r->makespan;
        ck_assert_msg(near_rel(bubble, want[c], 0.02), "%s %s: bubble %.4f, formula %.4f", cases[c][0], cases[c][1],
                      bubble, want[c]);
        unsimulate(&b);
    }
}
END_TEST

/* pipeline_order(): the interleaved schedule needs whole groups of pp
 * micro-batches; a list of 2 pp v m steps otherwise; the training form of
 * a mixture of experts is an error that names why. */
START_TEST(test_pipeline_order_errors) {
    loaded l;
    load(&l, "let o = pipeline_order(1, 4, 2, 6)\n");
    ck_assert_msg(l.dc.nerrors == 1, "%s", rec_dump(&l.rec));
    ck_assert_int_ge(rec_find(&l.rec, "6 micro-batches are not a multiple of the 4 stages"), 0);
    unload(&l);
    load(&l, "let o = pipeline_order(2, 4, 1, 6)\n");
    ck_assert_msg(l.dc.nerrors == 1 && rec_find(&l.rec, "needs schedule 0 or 1") >= 0, "%s", rec_dump(&l.rec));
    unload(&l);
    load(&l, "let n = count(pipeline_order(1, 4, 2, 8))\n");
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    unload(&l);
    load(&l, "import \"std/llm\"\nworkload w = mixtral_8x7b(train = 1, layers = 1, seq = 16)\n");
    ck_assert_msg(l.dc.nerrors == 1 && rec_find(&l.rec, "training_form_is_for_dense_models") >= 0, "%s",
                  rec_dump(&l.rec));
    unload(&l);
}
END_TEST

/* The mapping tier's question on examples/llama2_7b_decode.mld: LLaMA-2
 * 7B decode (batch 16) on eight chiplets, pipeline-8 with 8 micro-batches
 * against tensor-parallel 4 x pipeline 2.  Decode is weight-bound, and a
 * pipeline stage reads its weights once per micro-batch: pipe8's operators
 * read every weight 8 times (at least 8 x 13.5 GB in all), tp4pp2's once,
 * so tp4pp2 must rank first (charging each micro-batch 1/8 of the weights
 * ranked pipe8 first, 9.0 ms against 9.7 ms). */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert(buf != NULL);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static double read_bytes(const plan *p) {
    double b = 0;
    for (uint32_t t = 0; t < p->ntasks; t++)
        if (p->tasks[t].kind == TASK_COMPUTE) b += p->tasks[t].bytes - p->tasks[t].wr;
    return b;
}

START_TEST(test_decode_mapping_ranking) {
    char *text = slurp(TEST_ROOT "/examples/llama2_7b_decode.mld");
    simulated pp, tp;
    simulate(&pp, text, "pipe8");
    simulate(&tp, text, "tp4pp2");
    double wb = pp.m->wl->weight_bytes;
    ck_assert_msg(read_bytes(pp.p) >= 8 * wb, "pipe8 reads %.4g B, less than 8 x %.4g B of weights", read_bytes(pp.p), wb);
    ck_assert_msg(tp.r->makespan < pp.r->makespan, "tp4pp2 %.4g s is not faster than pipe8 %.4g s", tp.r->makespan,
                  pp.r->makespan);
    /* pipe8 cannot beat one chiplet streaming its stage's weights 8 times */
    ck_assert(pp.r->makespan >= 8 * (wb / 8) / 819e9);
    unsimulate(&pp);
    unsimulate(&tp);
    free(text);
}
END_TEST

/* mldc run --ops on examples/gpt3_tp8.mld: the per-operator account adds
 * up.  For every compute element, the busy times of the operators that ran
 * on it (launches included) sum to its busy time in the summary; every
 * operator of the workload has a row; the kind totals count each operator
 * once; the operators' shares of the critical path (their tasks on it) do
 * not exceed the path's compute and memory parts. */
START_TEST(test_ops_account_adds_up) {
    char *text = slurp(TEST_ROOT "/examples/gpt3_tp8.mld");
    simulated s;
    simulate(&s, text, NULL);
    acct *a = acct_build(s.r);
    const plan *p = s.p;
    double *sum = calloc(p->nres, sizeof *sum);
    ck_assert(sum != NULL);
    for (uint64_t i = 0; i < a->nunits; i++) sum[a->units[i].res] += a->units[i].busy;
    double busy_compute = 0, busy_rows = 0, crit = 0;
    for (uint32_t x = 0; x < p->nres; x++) {
        if (p->res[x].kind != RES_COMPUTE) continue;
        ck_assert_msg(near_rel(sum[x], s.r->busy[x], 1e-9), "resource %u: operators %.17g s, summary %.17g s", x, sum[x],
                      s.r->busy[x]);
        busy_compute += s.r->busy[x];
    }
    ck_assert_int_eq(a->nrows, p->map->wl->nops);
    int ops = 0;
    for (int k = 0; k < OPK_COUNT; k++) ops += (int)a->kinds[k].ops;
    ck_assert_int_eq(ops, a->nrows);
    for (int i = 0; i < a->nrows; i++) {
        busy_rows += a->rows[i].busy;
        crit += a->rows[i].crit;
        ck_assert_uint_eq(a->rows[i].units, 8); /* every operator runs on the eight GPUs */
    }
    ck_assert(near_rel(busy_rows, busy_compute, 1e-9));
    ck_assert(crit > 0 && crit <= s.r->crit[CAUSE_COMPUTE] + s.r->crit[CAUSE_MEMORY] + 1e-12);
    /* --ops-csv: a header, a row per operator, a row per kind that ran */
    FILE *f = tmpfile();
    ck_assert(f != NULL);
    sim_ops_csv(f, s.r);
    rewind(f);
    char line[1024];
    int lines = 0, oprows = 0, kindrows = 0;
    while (fgets(line, sizeof line, f)) {
        if (lines == 0) ck_assert(strncmp(line, "row,name,kind,operators,units,", 30) == 0);
        if (strncmp(line, "operator,", 9) == 0) oprows++;
        if (strncmp(line, "kind,", 5) == 0) kindrows++;
        lines++;
    }
    fclose(f);
    int kinds = 0;
    for (int k = 0; k < OPK_COUNT; k++) kinds += a->kinds[k].ops > 0;
    ck_assert_int_eq(oprows, a->nrows);
    ck_assert_int_eq(kindrows, kinds);
    ck_assert_int_eq(lines, 1 + a->nrows + kinds);
    free(sum);
    acct_free(a);
    unsimulate(&s);
    free(text);
}
END_TEST

Suite *llm_suite(void) {
    Suite *s = suite_create("llm");
    TCase *tc = tcase_create("presets");
    tcase_set_timeout(tc, 60);
    int n = (int)(sizeof models / sizeof models[0]);
    tcase_add_loop_test(tc, test_preset_params, 0, n);
    tcase_add_loop_test(tc, test_preset_flops_per_token, 0, n);
    tcase_add_test(tc, test_gpt3_training_compute);
    tcase_add_test(tc, test_gqa_decode_shapes);
    tcase_add_test(tc, test_causal_pairs);
    tcase_add_test(tc, test_moe_routing);
    tcase_add_test(tc, test_dtypes);
    tcase_add_test(tc, test_partial_application);
    tcase_add_test(tc, test_operator_switches);
    tcase_add_test(tc, test_hf_config_matches_presets);
    tcase_add_loop_test(tc, test_hf_param_counts, 0, (int)(sizeof hf_models / sizeof hf_models[0]));
    tcase_add_test(tc, test_head_widths);
    tcase_add_test(tc, test_sliding_window);
    tcase_add_test(tc, test_template_error_once);
    tcase_add_test(tc, test_parallel_residual);
    tcase_add_test(tc, test_collective_templates);
    tcase_add_test(tc, test_collective_protocol);
    tcase_add_test(tc, test_pipeline_micro_batches);
    tcase_add_test(tc, test_training_flops);
    tcase_add_test(tc, test_pipeline_bubbles);
    tcase_add_test(tc, test_pipeline_order_errors);
    tcase_add_test(tc, test_decode_mapping_ranking);
    tcase_add_test(tc, test_ops_account_adds_up);
    suite_add_tcase(s, tc);
    return s;
}
