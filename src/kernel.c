/* kernel.c - kernel choice and kernel traffic on GPU-like levels.
 *
 * GEMM.  A BLAS library runs a GEMM as a grid of output tiles, one thread
 * block per tile, and picks the tile shape (and whether to split the
 * contraction, split-K) per shape with a heuristic.  Here the pick is the
 * candidate with the smallest estimate (kernel_gemm_estimate), over the
 * thread-block tiles that CUTLASS instantiates for fp16 tensor-core GEMMs
 * on Ampere and Hopper (256x128, 128x256, 128x128, 256x64, 64x256,
 * 128x64, 64x128, 64x64) and split-K factors 1, 2, 3, 4, 6, 8, 12, 16
 * (each slice keeping at least 128 of the contraction).  What decides:
 *
 *   - wave quantisation: tiles (times slices) are dealt over the units in
 *     waves, and a partial wave costs a whole tile time; a tile smaller
 *     than the output's edge still runs its padded tm x tn on the tensor
 *     pipes;
 *   - the cache: every tile loads its A and B panels, (tm + tn) x K
 *     elements, through the L2, whose bandwidth the units share, so small
 *     tiles are bound by the cache where big ones are bound by the tensor
 *     pipes;
 *   - the memory: operands are read once and the output written once (the
 *     L2 catches the reuse between tiles); a split-K kernel also writes
 *     and reads back its fp32 partial sums.
 *
 * Row-wise operators.  Softmax and the normalisations reduce over a row
 * and then rewrite it.  Their kernels (modelled on PyTorch's CUDA kernels)
 * differ in where the later passes read the row from:
 *
 *   - softmax: a row whose fp32 values fit one warp's share of the
 *     register file (`warp_memory`: the registers over the resident warps,
 *     4 KiB on an A100, so 1,024 elements) runs one warp per row with the
 *     row in registers ("persistent" softmax): one read.  Longer rows run
 *     one block per row in three passes (maximum, sum of exponentials,
 *     output); the second and third read the row again, and it comes from
 *     the cache (the L2), where the first pass left it;
 *   - layernorm and rmsnorm: statistics, then the normalisation.  A row
 *     kept on chip (its fp32 values within the block's `row_memory`) is
 *     read once; a longer row is read again from memory for the
 *     normalisation pass.
 *
 * Column-wise operators.  Batch normalisation reduces over the N H W
 * elements of each channel, across the whole tensor.  PyTorch's CUDA batch
 * norm (training) is two kernels, a statistics kernel and an element-wise
 * transform, and its backward likewise a reduction and an element-wise
 * gradient kernel (from memory of PyTorch's Normalization.cuh, not
 * re-read), so the inputs are read twice, the second time from memory:
 * a channel of a real batch never stays on chip between two kernels.
 *
 * Implicit GEMM.  A convolution on tensor cores (cuDNN's and CUTLASS's
 * implicit-GEMM kernels) runs as the GEMM of its output [N Ho Wo][Co]
 * with K = KH KW C/groups, each tile gathering its unrolled operand panel
 * through the cache; from memory it reads the input tensor and the
 * weights once.  kernel_gemm_choose_io picks its tile over the same
 * candidates with that memory traffic.
 *
 * Other operators read their inputs and write their output once.
 */
#include "kernel.h"

#include <math.h>

/* The thread-block tiles tried, largest first (ties keep the first). */
static const int64_t tiles[][2] = {{256, 128}, {128, 256}, {128, 128}, {256, 64},
                                   {64, 256},  {128, 64},  {64, 128},  {64, 64}};
static const int64_t splits[] = {1, 2, 3, 4, 6, 8, 12, 16};
enum { MIN_SLICE = 128 };   /* a slice of the contraction is at least this long */
static const double PARTIAL = 4; /* bytes of an fp32 partial sum */

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

double kernel_gemm_compute(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb, const kernel_gemm *g) {
    int64_t kz = cdiv(K, g->splitk);
    int64_t tasks = cdiv(M, g->tm) * cdiv(N, g->tn) * g->splitk;
    int64_t units = hw->units > 0 ? hw->units : 1;
    return (double)cdiv(tasks, units) * kernel_tile_time(hw, g, kz, eb, 0);
}

double kernel_gemm_estimate(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb, int64_t tm, int64_t tn,
                            int64_t splitk) {
    kernel_gemm g = {tm, tn, splitk, 0};
    double waves_tile = kernel_gemm_compute(hw, M, N, K, eb, &g);
    double mn = (double)M * (double)N;
    double mem = ((double)M * (double)K + (double)K * (double)N) * eb;
    double reduce = 0;
    if (splitk > 1) {
        mem += (double)splitk * mn * PARTIAL * hw->write_ratio;       /* partials written */
        reduce = (double)splitk * mn * PARTIAL + mn * eb * hw->write_ratio; /* read back, output written */
    } else {
        mem += mn * eb * hw->write_ratio;
    }
    double tmem = hw->mem_bw > 0 ? mem / hw->mem_bw : 0;
    double t = waves_tile > tmem ? waves_tile : tmem;
    return t + (hw->mem_bw > 0 ? reduce / hw->mem_bw : 0);
}

kernel_gemm kernel_gemm_choose(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb) {
    kernel_gemm best = {tiles[0][0], tiles[0][1], 1, HUGE_VAL};
    for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++)
        for (size_t j = 0; j < sizeof splits / sizeof splits[0]; j++) {
            int64_t s = splits[j];
            if (s > 1 && cdiv(K, s) < MIN_SLICE) break;
            double t = kernel_gemm_estimate(hw, M, N, K, eb, tiles[i][0], tiles[i][1], s);
            /* a clear win only: estimates within a part in a million tie */
            if (t < best.estimate * (1 - 1e-6)) best = (kernel_gemm){tiles[i][0], tiles[i][1], s, t};
        }
    return best;
}

double kernel_tile_time(const kernel_hw *hw, const kernel_gemm *g, int64_t kz, double eb, double mem_bytes) {
    double comp = hw->unit_rate > 0 ? 2.0 * (double)g->tm * (double)g->tn * (double)kz / hw->unit_rate : 0;
    /* the unit's share of the cache bandwidth, for its operand panels */
    int64_t units = hw->units > 0 ? hw->units : 1;
    double cache = hw->cache_bw > 0 ? (double)(g->tm + g->tn) * (double)kz * eb * (double)units / hw->cache_bw : 0;
    double mem = hw->mem_bw > 0 ? mem_bytes / hw->mem_bw : 0;
    double t = comp > cache ? comp : cache;
    return t > mem ? t : mem;
}

double kernel_slice_bytes(const kernel_hw *hw, const kernel_gemm *g, double area, double in_share, double out_share) {
    if (g->splitk <= 1) return in_share + out_share * hw->write_ratio;
    double s = (double)g->splitk;
    /* the partial written, read back by the reduction, the output's share */
    return in_share + area * PARTIAL * (hw->write_ratio + 1) + out_share * hw->write_ratio / s;
}

kernel_traffic kernel_rowwise(const kernel_hw *hw, ir_opkind kind, int64_t n, double bytes_in, double bytes_out) {
    kernel_traffic t = {bytes_in + bytes_out * hw->write_ratio, 0};
    if (hw->row_memory <= 0) return t;
    if (kind == OPK_SOFTMAX && (double)n * PARTIAL > hw->warp_memory) {
        /* block softmax: passes two and three re-read the row */
        if (hw->cache_bw > 0) t.cache = 2 * bytes_in;
        else t.mem += 2 * bytes_in;
    } else if ((kind == OPK_LAYERNORM || kind == OPK_RMSNORM) && (double)n * PARTIAL > hw->row_memory) {
        t.mem += bytes_in; /* the normalisation pass reads the row again */
    }
    return t;
}

/* kernel_gemm_estimate with the operands' memory traffic given (in_bytes). */
static double estimate_io(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb, const kernel_gemm *g,
                          double in_bytes) {
    double waves_tile = kernel_gemm_compute(hw, M, N, K, eb, g);
    double mn = (double)M * (double)N, mem = in_bytes, reduce = 0;
    if (g->splitk > 1) {
        mem += (double)g->splitk * mn * PARTIAL * hw->write_ratio;
        reduce = (double)g->splitk * mn * PARTIAL + mn * eb * hw->write_ratio;
    } else {
        mem += mn * eb * hw->write_ratio;
    }
    double tmem = hw->mem_bw > 0 ? mem / hw->mem_bw : 0;
    return (waves_tile > tmem ? waves_tile : tmem) + (hw->mem_bw > 0 ? reduce / hw->mem_bw : 0);
}

kernel_gemm kernel_gemm_choose_io(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb, double in_bytes) {
    kernel_gemm best = {tiles[0][0], tiles[0][1], 1, INFINITY};
    for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++)
        for (size_t j = 0; j < sizeof splits / sizeof splits[0]; j++) {
            kernel_gemm g = {tiles[i][0], tiles[i][1], splits[j], 0};
            if (g.splitk > 1 && cdiv(K, g.splitk) < MIN_SLICE) break;
            g.estimate = estimate_io(hw, M, N, K, eb, &g, in_bytes);
            if (g.estimate < best.estimate * (1 - 1e-6)) best = g; /* ties keep the first */
        }
    return best;
}

int kernel_colwise_kind(ir_opkind kind) { return kind == OPK_BATCHNORM || kind == OPK_BATCHNORM_BACKWARD; }

kernel_traffic kernel_colwise(const kernel_hw *hw, int64_t n, double bytes_in, double bytes_out) {
    kernel_traffic t = {bytes_in + bytes_out * hw->write_ratio, 0};
    if (hw->row_memory > 0 && (double)n * PARTIAL > hw->row_memory) t.mem += bytes_in; /* the second kernel's reads */
    return t;
}
