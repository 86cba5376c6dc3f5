/* vision.h - the operators of convolutional networks: shape rules, output
 * shapes and FLOPs of convolution, pooling and batch normalisation, forward
 * and backward.
 *
 * Lowering calls vision_shape() for an operator of one of these kinds
 * (vision_is) after it has collected the operator's tensors and its named
 * arguments (vision_arg says which names a kind takes).  Activations are
 * NHWC, [N][H][W][C] (channels last, as tensor-core kernels want them);
 * convolution weights are [KH][KW][C/groups][Co].  src/vision.c documents
 * each operator and its FLOP count.
 */
#ifndef MLDC_VISION_H
#define MLDC_VISION_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

/* Named arguments of the vision operators; 0 where not given. */
typedef struct vision_args {
    int64_t stride, padding, dilation, groups, kernel, height, width;
} vision_args;

/* Is k one of the vision operators? */
int vision_is(ir_opkind k);

/* The slot of named argument `name` of operator kind k in *a, or NULL
 * when k takes no such argument. */
int64_t *vision_arg(vision_args *a, ir_opkind k, const char *name);

/* The least value named argument `name` may take (padding 0, others 1). */
int64_t vision_arg_min(const char *name);

/* Output extent of one spatial dimension: an input of `in` padded by
 * `pad` on both sides, a window of k taps `dil` apart, moved by `stride`;
 * 0 or less when the window does not fit. */
int64_t vision_extent(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil);

/* The shape rule of operator `kind` over its nin inputs: on success the
 * output's dimensions (*ond, od) and FLOPs, and 1; on a mistake a message
 * naming the shapes in err, and 0. */
int vision_shape(ir_opkind kind, const ir_tensor *const *in, int nin, const vision_args *a, int *ond, int64_t *od,
                 double *flops, char *err, size_t errn);

#endif
