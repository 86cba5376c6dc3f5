/* traffic.h - what one piece of a placed operator reads and writes.
 *
 * A `place` with `split` cuts an operator into pieces.  Each operand is
 * either partitioned by the cut (a piece reads 1/n of it) or replicated (a
 * piece needs all of it: the weights of a row or micro-batch split, the
 * activations of a column split).  traffic_share() says which, operand by
 * operand; traffic_piece() sums one piece's bytes.  The plan charges these
 * bytes to the memory each piece computes out of, so replicated operands
 * are read once per piece from where they reside (contending there when
 * that memory is shared).  docs/simulation.md §1 has the table.
 */
#ifndef MLDC_TRAFFIC_H
#define MLDC_TRAFFIC_H

#include <stdint.h>

#include "ir.h"

/* The fraction of input j of `op` that each of n pieces of a `split s`
 * reads: 1 / n (partitioned) or 1 (replicated).  SPLIT_TILES counts the
 * whole grid as one operator (1 / n: tiles share the operands; see
 * traffic.c). */
double traffic_share(const ir_workload *w, const ir_op *op, int j, ir_split s, int64_t n);

/* Bytes one of n pieces reads (*rd: its share of every input) and writes
 * (*wr: 1 / n of the output, or the whole partial sum for split inner). */
void traffic_piece(const ir_workload *w, const ir_op *op, ir_split s, int64_t n, double *rd, double *wr);

/* The same for a piece that gets `frac` of the work (of n pieces of
 * unequal size: a split over units of different rates): frac of every
 * partitioned operand and of the output, all of every replicated one. */
void traffic_piece_frac(const ir_workload *w, const ir_op *op, ir_split s, int64_t n, double frac, double *rd, double *wr);

#endif
