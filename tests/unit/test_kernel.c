/* test_kernel.c - the kernel model (src/kernel.c) on synthetic shapes, and
 * the std/gpu presets against their datasheets.
 *
 * Mechanisms, each on shapes built for it: the wave-quantisation staircase
 * of a fixed tile over m; kernel choice smoothing it and picking split-K
 * when the tiles are too few; the cache bound of small tiles; the row-wise
 * kernels' passes; the host dispatch overlapping a kernel.  Presets: each
 * std/gpu preset's peak tensor rate and HBM bandwidth (the sustained
 * figures divided by their efficiencies) are the datasheet's.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "kernel.h"
#include "suites.h"
#include "testutil.h"

/* An A100-like GPU: 108 units at 2.72 TFLOP/s each, 1.876 TB/s reads,
 * writes 1.35 times as costly, a 3.6 TB/s cache, 48 KiB per block. */
static kernel_hw a100_hw(void) {
    kernel_hw hw = {108, 2048 * 1.41e9 * 0.94, 2039e9 * 0.92, 0.92 / 0.68, 5120 * 1.41e9 * 0.5, 49152, 4096};
    return hw;
}

/* A fixed 128 x 256 tile on 108 units, compute-bound (no memory or cache
 * limits): n = 27 tile columns, so every 4 tile rows are one more wave,
 * and the time is a staircase over m with steps of 512 rows. */
START_TEST(test_wave_staircase) {
    kernel_hw hw = {108, 1e12, 0, 1, 0, 0, 0};
    int64_t n = 27 * 256, k = 1024;
    double tile = 2.0 * 128 * 256 * (double)k / 1e12;
    for (int64_t m = 128; m <= 2048; m += 128) {
        double t = kernel_gemm_estimate(&hw, m, n, k, 2, 128, 256, 1);
        double waves = (double)((m / 128 * 27 + 107) / 108);
        ck_assert_msg(fabs(t - waves * tile) < 1e-12, "m=%lld: %g, expected %g waves", (long long)m, t, waves);
    }
    /* flat within a step, a whole tile time up at the step */
    double t512 = kernel_gemm_estimate(&hw, 512, n, k, 2, 128, 256, 1);
    double t384 = kernel_gemm_estimate(&hw, 384, n, k, 2, 128, 256, 1);
    double t640 = kernel_gemm_estimate(&hw, 640, n, k, 2, 128, 256, 1);
    ck_assert(t384 == t512);
    ck_assert(fabs(t640 - 2 * t512) < 1e-12);
}
END_TEST

/* The chosen kernel is never slower than any single candidate, and its
 * time does not fall as m grows (more work never takes less time). */
START_TEST(test_choice_smooths_staircase) {
    kernel_hw hw = a100_hw();
    int64_t n = 12288, k = 12288;
    double prev = 0;
    for (int64_t m = 64; m <= 4096; m += 64) {
        kernel_gemm g = kernel_gemm_choose(&hw, m, n, k, 2);
        double fixed = kernel_gemm_estimate(&hw, m, n, k, 2, 128, 256, 1);
        ck_assert_msg(g.estimate <= fixed * (1 + 1e-9), "m=%lld: chosen %g > fixed tile %g", (long long)m, g.estimate, fixed);
        ck_assert_msg(g.estimate >= prev * (1 - 1e-9), "m=%lld: %g < %g at the previous m", (long long)m, g.estimate, prev);
        prev = g.estimate;
    }
}
END_TEST

/* Small m: a 128-row tile would waste half the tensor work on padding
 * and 48 tiles leave 60 SMs idle; the pick has fewer rows or more tiles,
 * and the GEMM is bound by streaming B once (302 MB at 1.876 TB/s). */
START_TEST(test_choice_small_m) {
    kernel_hw hw = a100_hw();
    kernel_gemm g = kernel_gemm_choose(&hw, 64, 12288, 12288, 2);
    ck_assert_int_le(g.tm, 128);
    double bmem = (64.0 * 12288 + 12288.0 * 12288) * 2 + 64.0 * 12288 * 2 * hw.write_ratio;
    ck_assert_msg(fabs(g.estimate - bmem / hw.mem_bw) < 1e-3 * g.estimate, "estimate %g", g.estimate);
}
END_TEST

/* Few tiles, long contraction: 256 x 256 x 65536 is 4 tiles of 128 x 128
 * on 108 units; splitting K fills the units. */
START_TEST(test_choice_split_k) {
    kernel_hw hw = a100_hw();
    kernel_gemm g = kernel_gemm_choose(&hw, 256, 256, 65536, 2);
    ck_assert_int_gt(g.splitk, 1);
    double unsplit = kernel_gemm_estimate(&hw, 256, 256, 65536, 2, g.tm, g.tn, 1);
    ck_assert(g.estimate < unsplit / 2);
}
END_TEST

/* Small tiles are bound by the cache: a 64 x 64 tile loads 128 elements
 * of panels per 64 x 64 x 2 FLOPs of work per k; with the cache at 3.6
 * TB/s shared by 108 units that is slower than the tensor pipes. */
START_TEST(test_cache_bound_tiles) {
    kernel_hw hw = a100_hw();
    kernel_gemm small = {64, 64, 1, 0}, big = {128, 256, 1, 0};
    double comp_small = 2.0 * 64 * 64 * 4096 / hw.unit_rate;
    double cache_small = 128.0 * 4096 * 2 * 108 / hw.cache_bw;
    ck_assert(cache_small > comp_small);
    ck_assert(fabs(kernel_tile_time(&hw, &small, 4096, 2, 0) - cache_small) < 1e-15);
    double comp_big = 2.0 * 128 * 256 * 4096 / hw.unit_rate;
    ck_assert(fabs(kernel_tile_time(&hw, &big, 4096, 2, 0) - comp_big) < 1e-15);
}
END_TEST

/* Row-wise kernels: softmax reads a row once while its fp32 values fit
 * a warp's registers (warp_memory 4 KiB: 1024 elements; 2 KiB: 512),
 * longer rows twice more from the cache; layernorm keeps a row whose fp32 values fit
 * 48 KiB on chip (n = 8192: 32 KiB) and re-reads a longer one (16384:
 * 64 KiB) from memory; gelu reads once; with row_memory 0 the model is
 * off. */
START_TEST(test_rowwise_passes) {
    kernel_hw hw = a100_hw();
    double in = 1e6, out = 1e6, base = in + out * hw.write_ratio;
    kernel_traffic t = kernel_rowwise(&hw, OPK_SOFTMAX, 1024, in, out);
    ck_assert(t.mem == base && t.cache == 0);
    t = kernel_rowwise(&hw, OPK_SOFTMAX, 2048, in, out);
    ck_assert(t.mem == base && t.cache == 2 * in);
    hw.warp_memory = 2048; /* half the registers per warp: the threshold halves */
    t = kernel_rowwise(&hw, OPK_SOFTMAX, 512, in, out);
    ck_assert(t.mem == base && t.cache == 0);
    t = kernel_rowwise(&hw, OPK_SOFTMAX, 1024, in, out);
    ck_assert(t.mem == base && t.cache == 2 * in);
    t = kernel_rowwise(&hw, OPK_LAYERNORM, 8192, in, out);
    ck_assert(t.mem == base && t.cache == 0);
    t = kernel_rowwise(&hw, OPK_LAYERNORM, 16384, in, out);
    ck_assert(t.mem == base + in && t.cache == 0);
    t = kernel_rowwise(&hw, OPK_GELU, 1 << 20, in, out);
    ck_assert(t.mem == base && t.cache == 0);
    hw.row_memory = 0;
    t = kernel_rowwise(&hw, OPK_LAYERNORM, 16384, in, out);
    ck_assert(t.mem == base && t.cache == 0);
}
END_TEST

/* One fp16 GEMM on the A100 preset, placed on the GPU as a whole or on
 * its SMs with `split tiles`. */
static const char *const whole_text =
    "import \"std/gpu\"\n"
    "system top = A100()\n"
    "param m = 1152\n"
    "workload g(m = 64, n = 12288, k = 12288) {\n"
    "    input a : fp16[m][k]\n"
    "    weight b : fp16[k][n]\n"
    "    op c = matmul(a, b)\n"
    "}\n"
    "workload w = g(m = m)\n"
    "mapping whole on top for w {\n"
    "    store [w.a, w.b] in top.hbm\n"
    "    place w.c on top\n"
    "}\n"
    "mapping sms on top for w {\n"
    "    store [w.a, w.b] in top.hbm\n"
    "    place w.c on top.sm[*] split tiles\n"
    "}\n";

/* A `split tiles` place on the A100 preset: the plan records the kernel
 * picked, and its tasks are that kernel's tiles times slices (plus a
 * launch on each SM that gets work). */
START_TEST(test_plan_records_kernel) {
    const char *sets[] = {"m=64"};
    simulated s;
    simulate_sets(&s, whole_text, "sms", sets, 1);
    int64_t ai = 0;
    while (ai < s.m->nactions && s.m->actions[ai].kind != ACT_PLACE) ai++;
    ck_assert(ai < s.m->nactions);
    const plan_kernel *k = &s.p->kernels[ai];
    kernel_hw hw = a100_hw();
    kernel_gemm g = kernel_gemm_choose(&hw, 64, 12288, 12288, 2);
    ck_assert_int_eq(k->tm, g.tm);
    ck_assert_int_eq(k->tn, g.tn);
    ck_assert_int_eq(k->splitk, g.splitk);
    int64_t items = (64 + k->tm - 1) / k->tm * ((12288 + k->tn - 1) / k->tn) * k->splitk;
    int64_t launches = items < 108 ? items : 108;
    ck_assert_int_eq((int64_t)s.p->ntasks, items + launches);
    /* HBM-bound: B streamed once at the sustained read bandwidth, after
     * the launch of each kernel (a split-K GEMM runs two) */
    double launch = 4e-6 * (g.splitk > 1 ? 2 : 1);
    ck_assert(near_rel(s.r->makespan, launch + g.estimate, 0.02));
    ck_assert_int_eq(s.p->kernels[0].tm, 0); /* a store */
    unsimulate(&s);
}
END_TEST

/* A matmul placed on the GPU as a whole (its tensor element has `units =
 * sms`) runs the kernel picked over the SMs, so it lands where the same
 * GEMM placed on the SMs with `split tiles` does, wave tail included,
 * and never below the plain roofline (m = 1152: 9 x 48 = 432 tiles of
 * 128 x 256, 4 waves of 108 exactly; m = 1280: 480 such tiles would be
 * 4.4 waves, and the pick avoids most of that tail). */
START_TEST(test_whole_gpu_matmul) {
    const char *ms[] = {"m=1152", "m=1280", "m=4096"};
    for (int i = 0; i < 3; i++) {
        const char *sets[] = {ms[i]};
        simulated s;
        simulate_sets(&s, whole_text, "whole", sets, 1);
        double whole = s.r->makespan;
        unsimulate(&s);
        simulate_sets(&s, whole_text, "sms", sets, 1);
        double tiled = s.r->makespan;
        unsimulate(&s);
        ck_assert_msg(near_rel(whole, tiled, 0.03), "%s: whole GPU %g s, split tiles %g s", ms[i], whole, tiled);
    }
    /* the roofline: launch + 2 m n k / sustained rate; m = 1280 is above it */
    const char *sets[] = {"m=1280"};
    simulated s;
    simulate_sets(&s, whole_text, "whole", sets, 1);
    double roof = 4e-6 + 2.0 * 1280 * 12288 * 12288 / (312e12 * 0.94);
    ck_assert_msg(s.r->makespan > roof * 1.005, "%g s vs roofline %g s", s.r->makespan, roof);
    unsimulate(&s);
}
END_TEST

/* Host dispatch: a 50 us host call overlapping a 37 us launch and the
 * kernel.  A tiny kernel ends before the call returns (50 us); a long
 * one ends at launch + kernel. */
static const char *const dispatch_text =
    "level Gpu {\n"
    "    compute v { rate = 1 TFLOP/s; launch = 37 us; dispatch = 50 us; ops = vector }\n"
    "    memory hbm { size = 1 GB; bandwidth = 1 GB/s }\n"
    "}\n"
    "system top = Gpu\n"
    "param n = 1\n"
    "workload g(n = 1) {\n"
    "    input x : fp16[n]\n"
    "    op y = gelu(x)\n"
    "}\n"
    "workload w = g(n = n)\n"
    "mapping m on top for w {\n"
    "    store w.x in top.hbm\n"
    "    place w.y on top\n"
    "}\n";

START_TEST(test_dispatch_overlaps) {
    simulated s;
    simulate(&s, dispatch_text, NULL);
    ck_assert(near_rel(s.r->makespan, 50e-6, 1e-9));
    unsimulate(&s);
    const char *sets[] = {"n=25000"}; /* 100 kB at 1 GB/s: 100 us */
    simulate_sets(&s, dispatch_text, NULL, sets, 1);
    ck_assert(near_rel(s.r->makespan, 137e-6, 1e-9));
    unsimulate(&s);
}
END_TEST

/* Submission: a host call of 50 us submits its kernel 30 us in, and the
 * kernel starts 4 us later (its launch) and after its unit's previous
 * kernel.  One call: max(50 us, 30 + 4 us + kernel).  A chain of three
 * calls: the host calls follow each other (host-bound: 3 x 50 us for
 * tiny kernels); with long kernels the host runs ahead and the kernels
 * run back to back, 4 us apart, so the chain costs 30 us of host time
 * once, not per operator. */
static const char *const submit_text =
    "level Gpu {\n"
    "    compute v { rate = 1 TFLOP/s; launch = 4 us; dispatch = 50 us; submit = 30 us; ops = vector }\n"
    "    memory hbm { size = 1 GB; bandwidth = 1 GB/s }\n"
    "}\n"
    "system top = Gpu\n"
    "param n = 1\n"
    "workload g1(n = 1) {\n"
    "    input x : fp16[n]\n"
    "    op y = gelu(x)\n"
    "}\n"
    "workload g3(n = 1) {\n"
    "    input x : fp16[n]\n"
    "    op y = gelu(x)\n"
    "    op y2 = gelu(y)\n"
    "    op y3 = gelu(y2)\n"
    "}\n"
    "workload w1 = g1(n = n)\n"
    "workload w3 = g3(n = n)\n"
    "mapping one on top for w1 {\n"
    "    store w1.x in top.hbm\n"
    "    place w1.y on top\n"
    "}\n"
    "mapping three on top for w3 {\n"
    "    store w3.x in top.hbm\n"
    "    place w3.y on top\n"
    "    place w3.y2 on top\n"
    "    place w3.y3 on top\n"
    "}\n";

START_TEST(test_submit_issue) {
    simulated s;
    simulate(&s, submit_text, "one");
    ck_assert_msg(near_rel(s.r->makespan, 50e-6, 1e-9), "%g", s.r->makespan);
    unsimulate(&s);
    const char *sets[] = {"n=25000"}; /* 100 kB at 1 GB/s: 100 us */
    simulate_sets(&s, submit_text, "one", sets, 1);
    ck_assert_msg(near_rel(s.r->makespan, 134e-6, 1e-9), "%g", s.r->makespan);
    unsimulate(&s);
    simulate(&s, submit_text, "three");
    ck_assert_msg(near_rel(s.r->makespan, 150e-6, 1e-9), "%g", s.r->makespan);
    unsimulate(&s);
    simulate_sets(&s, submit_text, "three", sets, 1);
    ck_assert_msg(near_rel(s.r->makespan, 30e-6 + 3 * (4e-6 + 100e-6), 1e-9), "%g", s.r->makespan);
    unsimulate(&s);
    /* a submission later than the whole call is an error */
    loaded l;
    load(&l, "level L { compute c { rate = 1 TFLOP/s; dispatch = 5 us; submit = 6 us } }\nsystem top = L\n");
    ck_assert_int_ge(rec_find(&l.rec, "cannot exceed it"), 0);
    unload(&l);
}
END_TEST

/* std/gpu's issue paths, one set of figures: a tiny operator costs the
 * submission, one launch and its kernel when eager (the softmax floor),
 * the whole call when compiled (the gelu floor); a GEMM adds cuBLAS's
 * host work; CUDA graph replay costs the launch alone. */
static const char *const issue_text =
    "import \"std/gpu\"\n"
    "param issue = 0\n"
    "system top = A100(issue = issue)\n"
    "workload e(n = 64) {\n"
    "    input x : fp16[n][n]\n"
    "    op y = gelu(x)\n"
    "}\n"
    "workload g(n = 64) {\n"
    "    input x : fp16[n][n]\n"
    "    weight b : fp16[n][n]\n"
    "    op c = matmul(x, b)\n"
    "}\n"
    "workload v = e()\n"
    "workload w = g()\n"
    "mapping vec on top for v {\n"
    "    store v.x in top.hbm\n"
    "    place v.y on top\n"
    "}\n"
    "mapping gemm on top for w {\n"
    "    store [w.x, w.b] in top.hbm\n"
    "    place w.c on top.sm[*] split tiles\n"
    "}\n";

START_TEST(test_gpu_issue_paths) {
    /* [path] = {vector floor, GEMM floor} above the kernels' own sub-us time */
    static const double floor_us[3][2] = {{4, 4}, {9 + 4, 9 + 16 + 4}, {50, 50 + 16}};
    for (int i = 0; i < 3; i++) {
        char sw[32];
        snprintf(sw, sizeof sw, "issue=%d", i);
        const char *sets[] = {sw};
        simulated s;
        simulate_sets(&s, issue_text, "vec", sets, 1);
        double v = s.r->makespan;
        unsimulate(&s);
        simulate_sets(&s, issue_text, "gemm", sets, 1);
        double g = s.r->makespan;
        unsimulate(&s);
        ck_assert_msg(v >= floor_us[i][0] * 1e-6 && v < (floor_us[i][0] + 0.5) * 1e-6, "issue %d: gelu %g s", i, v);
        ck_assert_msg(g >= floor_us[i][1] * 1e-6 && g < (floor_us[i][1] + 0.5) * 1e-6, "issue %d: GEMM %g s", i, g);
    }
}
END_TEST

/* Efficiencies scale the rates; one outside (0, 1] is an error. */
START_TEST(test_efficiency_attribute) {
    loaded l;
    load(&l, "level L {\n    compute c { rate = 10 TFLOP/s; efficiency = 0.5 }\n"
             "    memory m { size = 1 GB; bandwidth = 100 GB/s; efficiency = 0.8; write_efficiency = 0.4 }\n}\n"
             "system top = L\n");
    ck_assert_msg(l.ir != NULL && l.rec.nerrors == 0, "%s", rec_dump(&l.rec));
    const ir_level *lv = l.ir->systems[0]->root;
    ck_assert(near_rel(lv->elems[0].rate, 5e12, 1e-12));
    ck_assert(near_rel(lv->elems[1].bandwidth, 80e9, 1e-12));
    ck_assert(near_rel(lv->elems[1].write_efficiency, 0.4, 1e-12));
    unload(&l);
    load(&l, "level L { compute c { rate = 1 TFLOP/s; efficiency = 1.5 } }\nsystem top = L\n");
    ck_assert_int_ge(rec_find(&l.rec, "an efficiency is a fraction of the peak"), 0);
    unload(&l);
}
END_TEST

/* The element of level `lv` named `name`. */
static const ir_elem *elem_named(const ir_level *lv, const char *name) {
    for (int i = 0; i < lv->nelems; i++)
        if (strcmp(lv->elems[i].name, name) == 0) return &lv->elems[i];
    return NULL;
}

/* Each preset: peak dense fp16 tensor rate, HBM bandwidth and size, SM
 * count, non-tensor (vector) peak and L2 size, from the datasheets cited
 * in stdlib/std/gpu.mld (H100/H200's vector peak: 67 TFLOP/s fp32 at the
 * 1.98 GHz boost, taken at 1.83 GHz: 61.8; B200's: the preset's 256
 * FLOP/cycle per SM, an assumption). */
static const struct {
    const char *preset;
    int64_t sms;
    double tensor, hbm_bw, hbm_size, vector, l2;
} presets[] = {
    {"A100", 108, 312e12, 2039e9, 80e9, 78e12, 40e6},
    {"A100_40", 108, 312e12, 1555e9, 40e9, 78e12, 40e6},
    {"H100", 132, 989.4e12, 3.35e12, 80e9, 67e12 * 1.83 / 1.98, 50e6},
    {"H200", 132, 989.4e12, 4.8e12, 141e9, 67e12 * 1.83 / 1.98, 50e6},
    {"B200", 148, 2.25e15, 8e12, 180e9, 148 * 256 * 1.86e9, 126e6},
    {"MI250X", 220, 383e12, 3.2e12, 128e9, 47.9e12, 16e6},
    {"MI300X", 304, 1307.4e12, 5.3e12, 192e9, 163.4e12, 256e6},
};

START_TEST(test_gpu_presets) {
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "import \"std/gpu\"\nsystem top = %s()\n", presets[i].preset);
        loaded l;
        load(&l, text);
        ck_assert_msg(l.ir != NULL && l.rec.nerrors == 0, "%s: %s", presets[i].preset, rec_dump(&l.rec));
        const ir_level *g = l.ir->systems[0]->root;
        const ir_elem *t = elem_named(g, "tensor"), *h = elem_named(g, "hbm");
        ck_assert(t && h && g->nchildren == 1);
        ck_assert_int_eq(g->children[0].count, presets[i].sms);
        double peak = t->rate / t->efficiency, bw = h->bandwidth / h->efficiency;
        ck_assert_msg(near_rel(peak, presets[i].tensor, 0.003), "%s: tensor peak %g", presets[i].preset, peak);
        ck_assert_msg(near_rel(bw, presets[i].hbm_bw, 1e-9), "%s: HBM %g", presets[i].preset, bw);
        ck_assert_msg(near_rel(h->size, presets[i].hbm_size, 1e-9), "%s: HBM size %g", presets[i].preset, h->size);
        /* the SMs together are the GPU-level element */
        const ir_elem *st = elem_named(g->children[0].type, "tensor");
        ck_assert(st && near_rel(st->rate * (double)presets[i].sms, t->rate, 1e-12));
        const ir_elem *v = elem_named(g, "vector"), *l2 = elem_named(g, "l2");
        const ir_elem *sv = elem_named(g->children[0].type, "vector");
        ck_assert(v && l2 && sv);
        ck_assert_msg(near_rel(v->rate / v->efficiency, presets[i].vector, 0.003), "%s: vector peak %g",
                      presets[i].preset, v->rate / v->efficiency);
        ck_assert_msg(near_rel(l2->size, presets[i].l2, 1e-9), "%s: L2 %g", presets[i].preset, l2->size);
        /* a warp's registers hold 1,024 fp32 values; graph replay by
         * default: a 4 us launch per kernel, no host work */
        ck_assert(sv->warp_memory == 4096 && v->warp_memory == 4096);
        ck_assert(near_rel(t->launch, 4e-6, 1e-12) && t->dispatch == 0 && t->submit == 0);
        unload(&l);
    }
}
END_TEST

/* mldc run of a preset: an 8192^3 fp16 GEMM with `split tiles` takes the
 * launch plus kernel.c's estimate for the preset's figures (the
 * simulation of the picked kernel's tiles lands within 3% of it), and a
 * gelu over 2^28 elements on the whole GPU takes the launch plus its
 * reads at the sustained read bandwidth and its writes at the sustained
 * write bandwidth. */
static const char *const preset_run_text =
    "import \"std/gpu\"\n"
    "param which = 0\n"
    "system top = which == 0 ? H100() : which == 1 ? H200() : MI300X()\n"
    "workload g(n = 8192) {\n"
    "    input a : fp16[n][n]\n"
    "    weight b : fp16[n][n]\n"
    "    op c = matmul(a, b)\n"
    "}\n"
    "workload e(n = 268435456) {\n"
    "    input x : fp16[n]\n"
    "    op y = gelu(x)\n"
    "}\n"
    "workload w = g()\n"
    "workload v = e()\n"
    "mapping blas on top for w {\n"
    "    store [w.a, w.b] in top.hbm\n"
    "    place w.c on top.sm[*] split tiles\n"
    "}\n"
    "mapping stream on top for v {\n"
    "    store v.x in top.hbm\n"
    "    place v.y on top\n"
    "}\n";

START_TEST(test_preset_runs) {
    static const struct {
        int64_t sms;
        double peak, bw;
    } p[] = {{132, 989.4e12, 3.35e12}, {132, 989.4e12, 4.8e12}, {304, 1307.4e12, 5.3e12}};
    for (int i = 0; i < 3; i++) {
        char sw[32];
        snprintf(sw, sizeof sw, "which=%d", i);
        const char *sets[] = {sw};
        simulated s;
        simulate_sets(&s, preset_run_text, "blas", sets, 1);
        const ir_level *g = s.l.ir->systems[0]->root;
        const ir_elem *t = elem_named(g, "tensor"), *h = elem_named(g, "hbm"), *l2 = elem_named(g, "l2");
        if (!t || !h || !l2) ck_abort_msg("preset %d lacks tensor, hbm or l2", i);
        kernel_hw hw = {p[i].sms, p[i].peak * t->efficiency / (double)p[i].sms, p[i].bw * h->efficiency,
                        h->efficiency / h->write_efficiency, l2->bandwidth, 49152, 4096};
        kernel_gemm k = kernel_gemm_choose(&hw, 8192, 8192, 8192, 2);
        ck_assert_msg(near_rel(s.r->makespan, t->launch + k.estimate, 0.03), "preset %d GEMM: %g s, estimate %g s", i,
                      s.r->makespan, t->launch + k.estimate);
        /* and it is compute-bound near the sustained peak: 2 n^3 / (peak x eff) */
        double ideal = 2.0 * 8192 * 8192 * 8192 / (p[i].peak * t->efficiency);
        ck_assert(k.estimate >= ideal * (1 - 1e-9) && k.estimate < ideal * 1.15);
        double launch = t->launch, er = h->efficiency, ew = h->write_efficiency; /* the design is freed next */
        unsimulate(&s);
        simulate_sets(&s, preset_run_text, "stream", sets, 1);
        double bytes = 268435456.0 * 2;
        double want = launch + bytes / (p[i].bw * er) + bytes / (p[i].bw * ew);
        ck_assert_msg(near_rel(s.r->makespan, want, 1e-6), "preset %d gelu: %g s, want %g s", i, s.r->makespan, want);
        unsimulate(&s);
    }
}
END_TEST

/* Nodes: eight GPUs of the named preset, links per direction. */
START_TEST(test_gpu_nodes) {
    static const struct {
        const char *node;
        double link, hbm_bw;
    } nodes[] = {{"DgxA100", 300e9, 2039e9}, {"DgxH100", 450e9, 3.35e12}, {"DgxH200", 450e9, 4.8e12},
                 {"Mi300xNode", 64e9, 5.3e12}};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "import \"std/gpu\"\nsystem node = %s()\n", nodes[i].node);
        loaded l;
        load(&l, text);
        ck_assert_msg(l.ir != NULL && l.rec.nerrors == 0, "%s: %s", nodes[i].node, rec_dump(&l.rec));
        const ir_level *n = l.ir->systems[0]->root;
        ck_assert_int_eq(n->children[0].count, 8);
        ck_assert(n->nnets >= 1 && near_rel(n->nets[0].bandwidth / n->nets[0].efficiency, nodes[i].link, 1e-9));
        const ir_elem *h = elem_named(n->children[0].type, "hbm");
        ck_assert(h && near_rel(h->bandwidth / h->efficiency, nodes[i].hbm_bw, 1e-9));
        unload(&l);
    }
}
END_TEST

Suite *kernel_suite(void) {
    Suite *s = suite_create("kernel");
    TCase *tc = tcase_create("kernel");
    tcase_add_test(tc, test_wave_staircase);
    tcase_add_test(tc, test_choice_smooths_staircase);
    tcase_add_test(tc, test_choice_small_m);
    tcase_add_test(tc, test_choice_split_k);
    tcase_add_test(tc, test_cache_bound_tiles);
    tcase_add_test(tc, test_rowwise_passes);
    tcase_add_test(tc, test_submit_issue);
    tcase_add_test(tc, test_gpu_issue_paths);
    tcase_add_test(tc, test_plan_records_kernel);
    tcase_add_test(tc, test_whole_gpu_matmul);
    tcase_add_test(tc, test_dispatch_overlaps);
    tcase_add_test(tc, test_efficiency_attribute);
    tcase_add_test(tc, test_gpu_presets);
    tcase_add_test(tc, test_gpu_nodes);
    tcase_add_test(tc, test_preset_runs);
    suite_add_tcase(s, tc);
    return s;
}
