/* kernel.h - how a kernel library runs an operator on a GPU-like level:
 * the GEMM kernel a BLAS library would pick, and the memory traffic of
 * memory-bound (row-wise) kernels.
 *
 * The plan asks this module two questions, with the hardware reduced to a
 * kernel_hw (read from the description by plan.c):
 *
 *   kernel_gemm_choose   for `place OP on UNITS split tiles` (no tile
 *                        given): the output tile and split-K factor with
 *                        the smallest estimated time, over a fixed set of
 *                        candidates, as cuBLAS/CUTLASS heuristics do;
 *   kernel_rowwise       for a softmax or a normalisation on a compute
 *                        element with a `row_memory`: how many times the
 *                        input is read, and from where (on chip, the
 *                        cache, or the memory again).
 *
 * A convolution (an implicit GEMM, src/vision.c) gets the same choice with
 * its tensors' bytes as the operands' traffic (kernel_gemm_choose_io),
 * and batch norm, which reduces over whole channels, its two kernels'
 * reads (kernel_colwise).
 *
 * Nothing here is fitted to shapes: the choice follows from the units, the
 * sustained rates and bandwidths of the description (attributes
 * `efficiency` and `write_efficiency`), wave quantisation over the units,
 * and the structure of the library's kernels (documented in kernel.c).
 */
#ifndef MLDC_KERNEL_H
#define MLDC_KERNEL_H

#include <stdint.h>

#include "ir.h"

/* The hardware as a kernel sees it. */
typedef struct kernel_hw {
    int64_t units;       /* compute units the operator is dealt over (SMs) */
    double unit_rate;    /* sustained FLOP/s of one unit */
    double mem_bw;       /* sustained read bandwidth of the memory the units share (B/s) */
    double write_ratio;  /* a written byte costs this many read bytes of time (>= 0; 1 when equal) */
    double cache_bw;     /* the cache in front of that memory (an L2): B/s, 0 when there is none */
    double row_memory;   /* on-chip bytes a thread block may keep a row in; 0: row-wise model off */
    double warp_memory;  /* register bytes one warp may keep a row in; 0: no warp-per-row kernels */
} kernel_hw;

/* A GEMM kernel: output tiles of tm x tn, the contraction cut in splitk
 * slices (partial sums in fp32, then reduced). */
typedef struct kernel_gemm {
    int64_t tm, tn, splitk;
    double estimate;     /* s: the estimate it was picked on */
} kernel_gemm;

/* Estimated time of C[M][N] = A[M][K] B[K][N] with elements of eb bytes,
 * on hw, with the given tile and split: the slowest of the tensor work
 * (whole waves of padded tiles), the memory traffic (operands once, the
 * output, the fp32 partials of a split) and the cache traffic (each tile
 * loads its operand panels from the cache), plus the split's reduction. */
double kernel_gemm_estimate(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb, int64_t tm, int64_t tn,
                            int64_t splitk);

/* The tensor-pipe and cache side of that estimate alone: whole waves of
 * the kernel's tiles (and slices) over the units. */
double kernel_gemm_compute(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb, const kernel_gemm *g);

/* The candidate with the smallest estimate (the first, in the order of
 * kernel.c's table, among equals). */
kernel_gemm kernel_gemm_choose(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb);

/* Time of one tile task of a chosen kernel: a tm x tn tile (edge tiles
 * padded to it on the tensor pipes) over kz of the contraction, its
 * operand panels through the unit's share of the cache, and mem_bytes of
 * memory traffic at the whole memory's bandwidth. */
double kernel_tile_time(const kernel_hw *hw, const kernel_gemm *g, int64_t kz, double eb, double mem_bytes);

/* Memory bytes (writes weighted) of one task of a chosen kernel: a slice
 * of `area` output elements that reads in_share of the operands and whose
 * tile writes out_share of the output: the output itself when unsplit,
 * else its fp32 partial sum plus its part of the reduction. */
double kernel_slice_bytes(const kernel_hw *hw, const kernel_gemm *g, double area, double in_share, double out_share);

/* Traffic of a memory-bound operator: `mem` bytes of the shared memory
 * (writes weighted by write_ratio) and `cache` bytes read from the cache. */
typedef struct kernel_traffic {
    double mem, cache;
} kernel_traffic;

/* The traffic of operator kind `kind` over rows of n elements, reading
 * bytes_in and writing bytes_out in all.  Kinds without a row-wise model,
 * or hw->row_memory == 0, read once and write once. */
kernel_traffic kernel_rowwise(const kernel_hw *hw, ir_opkind kind, int64_t n, double bytes_in, double bytes_out);

/* The same choice for an implicit GEMM (a convolution, src/vision.c):
 * its operands are read from memory once as tensors, in_bytes in all, not
 * as the unrolled (im2col) M x K matrix, which exists only tile by tile
 * in the cache and on chip; the estimate's memory side uses in_bytes. */
kernel_gemm kernel_gemm_choose_io(const kernel_hw *hw, int64_t M, int64_t N, int64_t K, double eb, double in_bytes);

/* Is kind a column-wise operator (one that reduces over every row of each
 * channel: batch normalisation)? */
int kernel_colwise_kind(ir_opkind kind);

/* The traffic of a column-wise operator whose channels each reduce over
 * n elements (N H W for NHWC), reading bytes_in and writing bytes_out in
 * all: a statistics (or reduction) pass and then the element-wise pass,
 * two kernels; the second reads the inputs again, from memory, unless a
 * channel's n fp32 values fit row_memory.  hw->row_memory == 0: read
 * once. */
kernel_traffic kernel_colwise(const kernel_hw *hw, int64_t n, double bytes_in, double bytes_out);

#endif
