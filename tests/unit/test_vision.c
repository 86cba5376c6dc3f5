/* test_vision.c - the convolutional-network operators (src/vision.c) and
 * std/vision's ResNets.
 *
 * Operators: the FLOPs, bytes read and written and output shapes of
 * conv2d (stride, padding, groups, dilation), its dgrad and wgrad, max and
 * average pooling, batch norm and their backward forms against closed
 * forms written out here; their shape errors; which operands a split
 * partitions (traffic.c); batch norm's second pass and the implicit-GEMM
 * kernel choice (kernel.c).  ResNets: ResNet-50's weights and multiply-adds
 * against He et al. 2015 (Table 1: 3.8 x 10^9 multiply-adds; the exact
 * count of its layer table, and 25.5 M weights), the training step's
 * convolution FLOPs (three times the forward's, less the stem's input
 * gradient, never computed), and a data-parallel training step whose
 * network traffic is the ring all-reduce's 2 (p - 1) / p of the gradients
 * per memory.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"
#include "suites.h"
#include "testutil.h"
#include "traffic.h"
#include "vision.h"

static const ir_op *op(const ir_workload *w, const char *name) {
    for (int i = 0; i < w->nops; i++)
        if (strcmp(w->ops[i].name, name) == 0) return &w->ops[i];
    ck_abort_msg("no operator '%s'", name);
    return NULL;
}

static const ir_tensor *out(const ir_workload *w, const char *name) { return &w->tensors[op(w, name)->output]; }

static void dims_are(const ir_tensor *t, int64_t a, int64_t b, int64_t c, int64_t d) {
    ck_assert_int_eq(t->ndims, 4);
    ck_assert_msg(t->dims[0] == a && t->dims[1] == b && t->dims[2] == c && t->dims[3] == d,
                  "%s is [%lld][%lld][%lld][%lld], expected [%lld][%lld][%lld][%lld]", t->name, (long long)t->dims[0],
                  (long long)t->dims[1], (long long)t->dims[2], (long long)t->dims[3], (long long)a, (long long)b,
                  (long long)c, (long long)d);
}

/* Every operator on a small batch: N = 4 images of 30 x 30 x 32 (fp16). */
static const char *ops_text =
    "workload v() {\n"
    "    input x : fp16[4][30][30][32]\n"
    "    weight w : fp16[3][3][8][64]\n"           /* groups = 4: C/g = 8 */
    "    weight w1 : fp16[1][1][32][16]\n"
    "    op y = conv2d(x, w, stride = 2, padding = 1, groups = 4)\n"
    "    op yd = conv2d(x, w, padding = 2, dilation = 2, groups = 4)\n"
    "    op z = conv2d(x, w1)\n"
    "    op dx = conv2d_dgrad(y, w, stride = 2, padding = 1, groups = 4, height = 30, width = 30)\n"
    "    op dw = conv2d_wgrad(x, y, kernel = 3, stride = 2, padding = 1, groups = 4)\n"
    "    op mp = maxpool(x, kernel = 3, stride = 2, padding = 1)\n"
    "    op dmp = maxpool_backward(mp, x, kernel = 3, stride = 2, padding = 1)\n"
    "    op ap = avgpool(x, kernel = 30)\n"
    "    op dap = avgpool_backward(ap, kernel = 30)\n"
    "    op bn = batchnorm(x)\n"
    "    op dbn = batchnorm_backward(bn, x)\n"
    "}\n"
    "workload i = v()\n";

START_TEST(test_conv_flops_bytes) {
    loaded l;
    load(&l, ops_text);
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    const ir_workload *w = l.ir->workloads[0];
    double x = 4.0 * 30 * 30 * 32 * 2, wb = 3.0 * 3 * 8 * 64 * 2;
    /* 30 + 2 - 3 = 29, / 2 + 1 = 15; groups 4: each output channel sees 8 inputs */
    dims_are(out(w, "y"), 4, 15, 15, 64);
    double macs = 4.0 * 15 * 15 * 64 * 3 * 3 * 8;
    ck_assert(near_rel(op(w, "y")->flops, 2 * macs, 1e-12));
    ck_assert(near_rel(op(w, "y")->bytes_in, x + wb, 1e-12));
    ck_assert(near_rel(op(w, "y")->bytes_out, 4.0 * 15 * 15 * 64 * 2, 1e-12));
    ck_assert_int_eq(op(w, "y")->cls, OPCLASS_MATRIX);
    /* dilation 2: the 3-tap window spans 5; 30 + 4 - 5 + 1 = 30 */
    dims_are(out(w, "yd"), 4, 30, 30, 64);
    ck_assert(near_rel(op(w, "yd")->flops, 2.0 * 4 * 30 * 30 * 64 * 9 * 8, 1e-12));
    /* a 1x1 convolution is a matmul of [N H W][C] by [C][Co] */
    ck_assert(near_rel(op(w, "z")->flops, 2.0 * (4 * 30 * 30) * 32 * 16, 1e-12));
    /* the gradients: the forward's multiply-adds again, the forward's shapes */
    dims_are(out(w, "dx"), 4, 30, 30, 32);
    ck_assert(near_rel(op(w, "dx")->flops, 2 * macs, 1e-12));
    ck_assert(near_rel(op(w, "dx")->bytes_in, 4.0 * 15 * 15 * 64 * 2 + wb, 1e-12));
    ck_assert(near_rel(op(w, "dx")->bytes_out, x, 1e-12));
    dims_are(out(w, "dw"), 3, 3, 8, 64);
    ck_assert(near_rel(op(w, "dw")->flops, 2 * macs, 1e-12));
    ck_assert(near_rel(op(w, "dw")->bytes_out, wb, 1e-12));
    ck_assert_int_eq(op(w, "dw")->cls, OPCLASS_MATRIX);
    unload(&l);
}
END_TEST

START_TEST(test_pool_bn_flops_bytes) {
    loaded l;
    load(&l, ops_text);
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    const ir_workload *w = l.ir->workloads[0];
    double e = 4.0 * 30 * 30 * 32, x = e * 2;
    /* k^2 per output element */
    dims_are(out(w, "mp"), 4, 15, 15, 32);
    ck_assert(near_rel(op(w, "mp")->flops, 4.0 * 15 * 15 * 32 * 9, 1e-12));
    ck_assert(near_rel(op(w, "mp")->bytes_in, x, 1e-12));
    ck_assert(near_rel(op(w, "mp")->bytes_out, 4.0 * 15 * 15 * 32 * 2, 1e-12));
    dims_are(out(w, "dmp"), 4, 30, 30, 32);
    ck_assert(near_rel(op(w, "dmp")->flops, 4.0 * 15 * 15 * 32 * 9, 1e-12));
    ck_assert(near_rel(op(w, "dmp")->bytes_in, 4.0 * 15 * 15 * 32 * 2 + x, 1e-12));
    ck_assert(near_rel(op(w, "dmp")->bytes_out, x, 1e-12));
    /* a global average pool: H W per output element */
    dims_are(out(w, "ap"), 4, 1, 1, 32);
    ck_assert(near_rel(op(w, "ap")->flops, e, 1e-12));
    dims_are(out(w, "dap"), 4, 30, 30, 32);
    ck_assert(near_rel(op(w, "dap")->flops, e, 1e-12));
    ck_assert(near_rel(op(w, "dap")->bytes_in, 4.0 * 32 * 2, 1e-12));
    /* batch norm: 6 per element forward, 11 backward */
    ck_assert(near_rel(op(w, "bn")->flops, 6 * e, 1e-12));
    ck_assert(near_rel(op(w, "dbn")->flops, 11 * e, 1e-12));
    ck_assert(near_rel(op(w, "dbn")->bytes_in, 2 * x, 1e-12));
    ck_assert_int_eq(op(w, "bn")->cls, OPCLASS_VECTOR);
    unload(&l);
}
END_TEST

/* One mistake, one located diagnostic naming the shapes. */
START_TEST(test_shape_errors) {
    static const struct {
        const char *stmt, *msg;
    } cases[] = {
        {"op e = conv2d(x, w)", "has 32 channels but w [3][3][8][64] (1 group) needs 8"},
        {"op e = conv2d(x, w, groups = 3)", "has 32 channels but w [3][3][8][64] (3 groups) needs 24"},
        {"op e = conv2d(x, w1, stride = 0)", "'stride' must be at least 1"},
        {"op e = conv2d(x, w2)", "the 40x40 window (dilation 1) does not fit the 30x30 input padded by 0"},
        {"op e = conv2d(w3, w1)", "conv2d() needs x[N][H][W][C] and w[KH][KW][C/groups][Co], found [32][16] and"},
        {"op e = conv2d_wgrad(x, x)", "conv2d_wgrad() needs the kernel size: kernel = k"},
        {"op e = conv2d_wgrad(x, x, kernel = 3)", "gives [4][28][28][..], but dy is [4][30][30][32]"},
        {"op e = conv2d_dgrad(x, w4, height = 31)", "no input of 31x30 gives the gradient's 30x30"},
        {"op e = maxpool(x, kernel = 3, padding = 2)", "padding 2 is more than half the 3-wide window"},
        {"op e = maxpool(x)", "maxpool() needs the window size: kernel = k"},
        {"op e = avgpool(x, kernel = 3, groups = 2)", "avgpool() has no parameter 'groups'"},
        {"op e = batchnorm_backward(x, w1)", "batchnorm_backward() needs dy and x of one shape"},
        {"op e = conv2d(x, w1, stride = 2000000000)", "an argument of 2000000000 is too large"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "workload v() {\n    input x : fp16[4][30][30][32]\n    weight w : fp16[3][3][8][64]\n"
                 "    weight w1 : fp16[1][1][32][16]\n    weight w2 : fp16[40][40][32][16]\n    weight w3 : fp16[32][16]\n    weight w4 : fp16[1][1][16][32]\n"
                 "    %s\n}\n"
                 "workload i = v()\n",
                 cases[i].stmt);
        loaded l;
        load(&l, text);
        ck_assert_msg(l.dc.nerrors == 1 && rec_find(&l.rec, cases[i].msg) >= 0, "%s:\n%s", cases[i].stmt,
                      rec_dump(&l.rec));
        ck_assert_int_eq(l.rec.d[0].line, 8);
        unload(&l);
    }
}
END_TEST

/* Which operands a cut partitions: conv2d and its dgrad like a matmul (the
 * batch with the rows, the channels with the columns); wgrad by the batch
 * under `split inner`, dy's channels under `split cols`. */
START_TEST(test_traffic_split) {
    loaded l;
    load(&l, ops_text);
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    const ir_workload *w = l.ir->workloads[0];
    const ir_op *y = op(w, "y"), *dx = op(w, "dx"), *dw = op(w, "dw"), *bn = op(w, "bn");
    for (int j = 0; j < 2; j++) {
        ck_assert(traffic_share(w, y, j, SPLIT_ROWS, 4) == (j == 0 ? 0.25 : 1));
        ck_assert(traffic_share(w, y, j, SPLIT_COLS, 4) == (j == 1 ? 0.25 : 1));
        ck_assert(traffic_share(w, dx, j, SPLIT_ROWS, 4) == (j == 0 ? 0.25 : 1));
        ck_assert(traffic_share(w, dw, j, SPLIT_INNER, 4) == 0.25);
        ck_assert(traffic_share(w, dw, j, SPLIT_ROWS, 4) == 1);
        ck_assert(traffic_share(w, dw, j, SPLIT_COLS, 4) == (j == 1 ? 0.25 : 1));
    }
    /* data parallelism: a wgrad piece reads a quarter of x and dy and
     * writes a whole partial gradient */
    double rd, wr;
    traffic_piece(w, dw, SPLIT_INNER, 4, &rd, &wr);
    ck_assert(near_rel(rd, dw->bytes_in / 4, 1e-12));
    ck_assert(near_rel(wr, dw->bytes_out, 1e-12));
    ck_assert(traffic_share(w, bn, 0, SPLIT_ROWS, 4) == 0.25);
    unload(&l);
}
END_TEST

/* Batch norm's statistics and element-wise kernels read the input twice
 * once a channel's values do not fit on chip; a 3x3 convolution's
 * implicit GEMM reads its tensors, not the unrolled matrix, so its tile
 * fits the 64 output channels instead of padding a 128-wide tile. */
START_TEST(test_kernel_vision) {
    kernel_hw hw = {108, 2048 * 1.41e9 * 0.94, 2039e9 * 0.92, 0.92 / 0.68, 5120 * 1.41e9 * 0.5, 49152, 4096};
    ck_assert(kernel_colwise_kind(OPK_BATCHNORM) && kernel_colwise_kind(OPK_BATCHNORM_BACKWARD));
    ck_assert(!kernel_colwise_kind(OPK_LAYERNORM) && !kernel_colwise_kind(OPK_CONV2D));
    kernel_traffic t = kernel_colwise(&hw, 32 * 56 * 56, 1e6, 1e6);
    ck_assert(near_rel(t.mem, 2e6 + 1e6 * hw.write_ratio, 1e-12));
    t = kernel_colwise(&hw, 1024, 1e6, 1e6); /* 4 KiB per channel: kept on chip */
    ck_assert(near_rel(t.mem, 1e6 + 1e6 * hw.write_ratio, 1e-12));
    hw.row_memory = 0; /* the model off: once */
    t = kernel_colwise(&hw, 32 * 56 * 56, 1e6, 1e6);
    ck_assert(near_rel(t.mem, 1e6 + 1e6 * hw.write_ratio, 1e-12));
    hw.row_memory = 49152;
    /* ResNet-50 conv2_x 3x3 at batch 32: M = 32 x 56 x 56, N = 64, K = 576 */
    int64_t M = 32 * 56 * 56, N = 64, K = 576;
    double io = (double)M * 64 * 2 + 576.0 * 64 * 2;
    kernel_gemm g = kernel_gemm_choose_io(&hw, M, N, K, 2, io);
    ck_assert_int_eq(g.tn, 64);
    ck_assert(g.estimate < kernel_gemm_choose(&hw, M, N, K, 2).estimate);
    /* its estimate: the compute side of the pick, as it is compute-bound */
    ck_assert(near_rel(g.estimate, kernel_gemm_compute(&hw, M, N, K, 2, &g), 1e-9));
}
END_TEST

/* The multiply-adds of a bottleneck ResNet written out from He et al.
 * 2015, Table 1, and its weights (conv and fc, no biases, no batch norm). */
static void resnet_closed_form(const int *blocks, int stride_3x3, double *macs, double *weights, double *stem) {
    int h = (224 + 6 - 7) / 2 + 1; /* 112 */
    *stem = (double)h * h * 64 * 7 * 7 * 3;
    *macs = *stem;
    *weights = 7 * 7 * 3 * 64;
    h = (h + 2 - 3) / 2 + 1; /* 56 */
    int cin = 64;
    for (int s = 0; s < 4; s++) {
        int mid = 64 << s;
        for (int b = 0; b < blocks[s]; b++) {
            int st = b == 0 && s > 0 ? 2 : 1, hout = (h - 1) / st + 1;
            int ha = stride_3x3 ? h : hout; /* the first 1x1's output */
            *macs += (double)ha * ha * cin * mid + (double)hout * hout * 9 * mid * mid + (double)hout * hout * mid * 4 * mid;
            *weights += (double)cin * mid + 9.0 * mid * mid + 4.0 * mid * mid;
            if (b == 0) {
                *macs += (double)hout * hout * cin * 4 * mid;
                *weights += (double)cin * 4 * mid;
            }
            cin = 4 * mid;
            h = hout;
        }
    }
    *macs += 2048.0 * 1000;
    *weights += 2048.0 * 1000;
}

static int is_conv(ir_opkind k) { return k == OPK_CONV2D || k == OPK_CONV2D_DGRAD || k == OPK_CONV2D_WGRAD; }

static double conv_flops(const ir_workload *w) {
    double f = 0;
    for (int i = 0; i < w->nops; i++)
        if (is_conv(w->ops[i].kind)) f += w->ops[i].flops;
    return f;
}

START_TEST(test_resnet50_published) {
    static const int r50[] = {3, 4, 6, 3}, r101[] = {3, 4, 23, 3}, r152[] = {3, 8, 36, 3};
    static const struct {
        const char *call;
        const int *blocks;
        int v15;
    } nets[] = {{"resnet50(batch = 1)", r50, 0}, {"resnet50(batch = 1, stride_3x3 = 1)", r50, 1},
                {"resnet101(batch = 1)", r101, 0}, {"resnet152(batch = 1)", r152, 0}};
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "import \"std/vision\"\nworkload w = %s\n", nets[i].call);
        loaded l;
        load(&l, text);
        ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
        const ir_workload *w = l.ir->workloads[0];
        double macs, weights, stem;
        resnet_closed_form(nets[i].blocks, nets[i].v15, &macs, &weights, &stem);
        ck_assert_msg(conv_flops(w) == 2 * macs, "%s: %.0f FLOPs, closed form %.0f", nets[i].call, conv_flops(w), 2 * macs);
        ck_assert_msg(w->params == weights, "%s: %.0f weights, closed form %.0f", nets[i].call, w->params, weights);
        unload(&l);
    }
    /* the published figures: 3.8 x 10^9 multiply-adds (Table 1); 25.5 M
     * weights, which with batch norm's 53,120 scales and shifts and the
     * fc's 1,000 biases are the 25,557,032 parameters torchvision's
     * ResNet-50 reports (quoted from memory) */
    double macs, weights, stem;
    resnet_closed_form(r50, 0, &macs, &weights, &stem);
    ck_assert_msg(fabs(macs / 3.8e9 - 1) < 0.02, "%.0f multiply-adds", macs);
    ck_assert(weights == 25502912.0);
    ck_assert(weights + 53120 + 1000 == 25557032.0);
}
END_TEST

/* A training step's convolution FLOPs: forward, input gradient and weight
 * gradient of every convolution, except the input gradient of the stem's
 * (the images need none): 3 F - F_stem. */
START_TEST(test_resnet_training_flops) {
    loaded l;
    load(&l, "import \"std/vision\"\nworkload f = resnet50(batch = 2)\nworkload t = resnet50(batch = 2, train = 1)\n"
             "workload a = resnet50(batch = 2, train = 1, optimizer = 1, master = 0)\n");
    ck_assert_msg(l.dc.nerrors == 0, "%s", rec_dump(&l.rec));
    static const int r50[] = {3, 4, 6, 3};
    double macs, weights, stem;
    resnet_closed_form(r50, 0, &macs, &weights, &stem);
    const ir_workload *f = l.ir->workloads[0], *t = l.ir->workloads[1], *a = l.ir->workloads[2];
    ck_assert(conv_flops(f) == 2 * 2 * macs);
    ck_assert(conv_flops(t) == 3 * (2 * 2 * macs) - 2 * 2 * stem);
    /* the optimizer: SGD with momentum and master weights 2 + 2 + 1 FLOPs
     * per weight; Adam without master weights 3 + 4 + 5 */
    double sgd = 0, adam = 0;
    for (int i = 0; i < t->nops; i++)
        if (strncmp(t->ops[i].name, "opt[", 4) == 0) sgd += t->ops[i].flops;
    for (int i = 0; i < a->nops; i++)
        if (strncmp(a->ops[i].name, "opt[", 4) == 0) adam += a->ops[i].flops;
    ck_assert(sgd == 5 * weights);
    ck_assert(adam == 12 * weights);
    unload(&l);
}
END_TEST

/* Data parallelism over p = 2 GPUs of a small ResNet: the ring all-reduce
 * moves 2 (p - 1) / p of every weight gradient out of each memory, so the
 * transfers carry 2 (p - 1) x the gradients' bytes in all; the schedule is
 * verified. */
START_TEST(test_resnet_data_parallel) {
    const char *text = "import \"std/vision\"\nimport \"std/gpu\"\n"
                       "system node = GpuNode(gpus = 2)\n"
                       "workload w = resnet(b1 = 1, b2 = 1, b3 = 1, b4 = 1, batch = 4, image = 64, classes = 10, train = 1)\n"
                       "mapping dp on node for w {\n"
                       "    resnet_data_parallel(w, node.gpu[*], node.gpu[*].hbm)\n"
                       "}\n";
    simulated s;
    simulate(&s, text, "dp");
    const ir_workload *w = s.m->wl;
    double grads = 0, moved = 0;
    for (int i = 0; i < w->nops; i++)
        if (w->ops[i].kind == OPK_CONV2D_WGRAD) grads += w->tensors[w->ops[i].output].bytes;
    ck_assert(near_rel(grads, 2 * w->params, 1e-12)); /* fp16 gradients of every weight */
    for (uint64_t k = 0; k < s.p->ntasks; k++)
        if (s.p->tasks[k].kind == TASK_TRANSFER) moved += s.p->tasks[k].work;
    ck_assert_msg(near_rel(moved, 2 * (2 - 1) * grads, 1e-9), "moved %g B, gradients %g B", moved, grads);
    ck_assert(s.r->makespan > 0);
    unsimulate(&s);
}
END_TEST

Suite *vision_suite(void) {
    Suite *s = suite_create("vision");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_conv_flops_bytes);
    tcase_add_test(tc, test_pool_bn_flops_bytes);
    tcase_add_test(tc, test_shape_errors);
    tcase_add_test(tc, test_traffic_split);
    tcase_add_test(tc, test_kernel_vision);
    tcase_add_test(tc, test_resnet50_published);
    tcase_add_test(tc, test_resnet_training_flops);
    tcase_add_test(tc, test_resnet_data_parallel);
    suite_add_tcase(s, tc);
    return s;
}
