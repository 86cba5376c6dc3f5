/* traffic.c - what one piece of a placed operator reads and writes.
 *
 * The rule is the one the hardware follows: a piece reads the part of each
 * operand that its part of the output depends on.  Cut along the output's
 * rows (`rows`, `batch`, `micro`), a matmul's activations are partitioned
 * but every piece multiplies by the whole weight; cut along its columns
 * (`cols`, `heads`), the weight is partitioned and every piece reads all
 * the activations; cut along the contraction (`inner`), both are
 * partitioned and each piece writes a whole partial sum.  Element-wise
 * operators, norms and softmax read operands of the output's shape, which
 * every cut partitions.  Attention's keys and values are partitioned by
 * heads and by whole sequences; a row cut that splits sequences (fewer
 * sequences than pieces) gives every piece all their keys and values.
 * An embedding reads only the table rows it gathers, which every cut
 * partitions.  conv2d and conv2d_dgrad follow the matmul rule, with the
 * image batch as the rows and the channels as the columns; conv2d_wgrad,
 * contracted over the batch, is cut by the batch with `split inner`, each
 * piece writing a whole partial weight gradient.
 *
 * `split tiles` is a blocked kernel over one grid: its operands are read
 * once for the whole grid (the tiles of a wave reuse them through the
 * on-chip caches and shared memory), each tile charged its share, so
 * traffic_share() returns 1 / n for it.
 *
 * Nothing here remembers data between pieces: a replicated operand is read
 * by every piece, including the micro-batches of one unit.  A mapping that
 * keeps weights in a unit's own fast memory (weight-stationary) has them
 * re-read from that memory, at its bandwidth.
 */
#include "traffic.h"

/* Does a cut of kind s into n pieces partition input j of op? */
static int partitioned(const ir_workload *w, const ir_op *op, int j, ir_split s, int64_t n) {
    if (s == SPLIT_NONE || s == SPLIT_TILES || n <= 1) return 1;
    int rowcut = s == SPLIT_ROWS || s == SPLIT_BATCH || s == SPLIT_MICRO;
    int colcut = s == SPLIT_COLS || s == SPLIT_HEADS;
    switch (op->kind) {
    case OPK_MATMUL:
    case OPK_CONV2D:
    case OPK_CONV2D_DGRAD:
        /* a[..][M][K] x b[K][N]; conv2d and its dgrad are implicit GEMMs
         * of the same structure (vision.c): the rows cut the image batch
         * (x or dy partitioned, w whole), the columns the channels (w
         * partitioned, x or dy whole) */
        if (s == SPLIT_INNER) return 1;
        return j == 0 ? rowcut : colcut;
    case OPK_CONV2D_WGRAD:
        /* x, dy -> dw[KH][KW][C/g][Co], contracted over the batch: inner
         * cuts the batch (every piece reads its share of both and writes a
         * whole partial dw: data parallelism); columns cut dy's channels
         * (x whole); rows cut the taps and input channels, and every tap
         * reads nearly all of x and all of dy, so both are counted whole */
        if (s == SPLIT_INNER) return 1;
        return j == 1 && colcut;
    case OPK_BMM: {
        /* a[B][M][K] x b[B][K][N]: batch (and heads, the batch of
         * attention's products) cuts both; rows cut b's batch only when
         * every piece gets whole batch entries */
        if (s == SPLIT_INNER || s == SPLIT_BATCH || s == SPLIT_HEADS) return 1;
        if (s == SPLIT_COLS) return j == 1;
        int64_t B = w->tensors[op->inputs[1]].dims[0];
        return j == 0 || B % n == 0;
    }
    case OPK_ATTENTION: {
        /* q[T][D], k and v [S][Dkv] */
        if (colcut || s == SPLIT_BATCH) return 1;
        if (s == SPLIT_INNER) return j != 0; /* over the keys: each piece sees all queries */
        int64_t seqs = op->batch > 0 ? op->batch : 1;
        return j == 0 || seqs % n == 0;
    }
    case OPK_EMBEDDING:
        /* ids[T], table[V][D]: the gathered rows are always cut; the ids
         * are whole for a column cut */
        return j == 1 || !colcut;
    default:
        return 1;
    }
}

/* Bytes of input j the whole operator reads. */
static double input_bytes(const ir_workload *w, const ir_op *op, int j) {
    if (op->kind == OPK_EMBEDDING && j == 1) return w->tensors[op->output].bytes; /* rows gathered */
    if (op->kind == OPK_APPEND && j == 0) return 0; /* the cache is grown in place, not read */
    if (IR_OPK_IS_VIEW(op->kind)) return 0;         /* a view moves nothing */
    return w->tensors[op->inputs[j]].bytes;
}

double traffic_share(const ir_workload *w, const ir_op *op, int j, ir_split s, int64_t n) {
    if (n <= 1) return 1.0;
    return partitioned(w, op, j, s, n) ? 1.0 / (double)n : 1.0;
}

void traffic_piece_frac(const ir_workload *w, const ir_op *op, ir_split s, int64_t n, double frac, double *rd,
                        double *wr) {
    double r = op->scratch * (n > 1 ? frac : 1.0); /* intermediates: every cut partitions them */
    for (int j = 0; j < op->ninputs; j++)
        r += input_bytes(w, op, j) * (n > 1 && partitioned(w, op, j, s, n) ? frac : 1.0);
    *rd = r;
    double out = op->bytes_out - op->scratch; /* the output; intermediates are cut like the reads */
    *wr = (s == SPLIT_INNER || n <= 1 ? out : out * frac) + op->scratch * (n > 1 ? frac : 1.0);
}

void traffic_piece(const ir_workload *w, const ir_op *op, ir_split s, int64_t n, double *rd, double *wr) {
    double r = n > 1 ? op->scratch / (double)n : op->scratch;
    for (int j = 0; j < op->ninputs; j++) r += input_bytes(w, op, j) * traffic_share(w, op, j, s, n);
    *rd = r;
    double out = op->bytes_out - op->scratch;
    *wr = (s == SPLIT_INNER || n <= 1 ? out : out / (double)n) + (n > 1 ? op->scratch / (double)n : op->scratch);
}
