/* vision.c - convolution, pooling and batch normalisation: shapes and FLOPs.
 *
 * Layout.  Activations are NHWC, x[N][H][W][C]; a convolution's weights
 * are w[KH][KW][C/groups][Co].  With channels last, a convolution is an
 * implicit GEMM whose output matrix is the output tensor itself seen as
 * [N·Ho·Wo][Co], which is how the plan already views an operator's output
 * (rows: the product of the leading dimensions; columns: the last), so a
 * convolution placed with `split tiles` runs the GEMM kernel picked for
 * M = N·Ho·Wo, N = Co, K = KH·KW·C/groups (kernel.c, kernel_gemm_choose_io).
 *
 * Geometry.  One spatial dimension of extent `in`, padded by p on both
 * sides, under a window of k taps d apart (dilation) moved by s (stride):
 * out = floor((in + 2p - d (k - 1) - 1) / s) + 1 (PyTorch's Conv2d and
 * MaxPool2d formula).
 *
 * The operators and their FLOPs (a multiply-add is 2):
 *
 *   conv2d(x, w, stride, padding, dilation, groups)
 *       x[N][H][W][C], w[KH][KW][C/g][Co] -> y[N][Ho][Wo][Co]
 *       2 N Ho Wo Co KH KW C/g
 *   conv2d_dgrad(dy, w, stride, padding, dilation, groups, height, width)
 *       the input gradient, dy[N][Ho][Wo][Co], w -> dx[N][H][W][C]; the
 *       same multiply-adds as the forward (each product of the forward is
 *       one of the transposed convolution).  H and W default to the
 *       smallest input the forward maps to Ho and Wo; a strided
 *       convolution may have dropped up to stride - 1 rows, so give them.
 *   conv2d_wgrad(x, dy, kernel, stride, padding, dilation, groups)
 *       the weight gradient, x, dy -> dw[k][k][C/g][Co] (square kernels);
 *       the same multiply-adds again, contracted over N Ho Wo
 *   maxpool(x, kernel, stride, padding), avgpool(...)
 *       x[N][H][W][C] -> [N][Ho][Wo][C]; stride defaults to the kernel;
 *       k^2 per output element (k^2 - 1 comparisons or additions, and the
 *       average's one multiplication; the max pool's last tap counted
 *       alike).  A global average pool is avgpool with the kernel the
 *       whole map (kernel = 7 on ResNet-50's 7 x 7).
 *   maxpool_backward(dy, x, kernel, stride, padding)
 *       dx of x's shape: each window is compared again (from x, as cuDNN's
 *       pooling backward does, rather than from saved indices) and its
 *       gradient routed to the maximum: k^2 per element of dy
 *   avgpool_backward(dy, kernel, stride, padding, height, width)
 *       dx[N][H][W][C]: each gradient spread over its window, k^2 per
 *       element of dy
 *   batchnorm(x)
 *       training mode, over the last dimension's channels: statistics
 *       (sum and sum of squares: add, multiply, add) and normalisation
 *       (subtract the mean, multiply by the per-channel rstd * gamma, add
 *       beta): 6 per element.  gamma and beta are left out as tensors (a
 *       few KB, as the stdlib leaves out layernorm's).
 *   batchnorm_backward(dy, x)
 *       the reduction (x-hat again: subtract, multiply; sum of dy: add;
 *       sum of dy * x-hat: multiply, add) and the input gradient (x-hat
 *       again, then rstd gamma (dy - mean(dy) - x-hat mean(dy x-hat)):
 *       multiply, subtract, subtract, multiply): 5 + 6 = 11 per element
 *
 * Memory traffic is lowering's default (every input read once, the output
 * written once); what kernels read more than once is kernel.c's
 * (kernel_colwise: batch normalisation's two passes).
 */
#include "vision.h"

#include <stdio.h>
#include <string.h>

/* The largest value a named argument may take. */
#define VISION_ARG_MAX ((int64_t)1 << 30)
/* The largest spatial extent a default height or width may reach. */
#define VISION_EXTENT_MAX 1e15

int vision_is(ir_opkind k) { return k >= OPK_CONV2D && k <= OPK_BATCHNORM_BACKWARD; }

int64_t *vision_arg(vision_args *a, ir_opkind k, const char *name) {
    int conv = k == OPK_CONV2D || k == OPK_CONV2D_DGRAD || k == OPK_CONV2D_WGRAD;
    int pool = k == OPK_MAXPOOL || k == OPK_AVGPOOL || k == OPK_MAXPOOL_BACKWARD || k == OPK_AVGPOOL_BACKWARD;
    if (!conv && !pool) return NULL;
    if (strcmp(name, "stride") == 0) return &a->stride;
    if (strcmp(name, "padding") == 0) return &a->padding;
    if (conv && strcmp(name, "dilation") == 0) return &a->dilation;
    if (conv && strcmp(name, "groups") == 0) return &a->groups;
    if ((pool || k == OPK_CONV2D_WGRAD) && strcmp(name, "kernel") == 0) return &a->kernel;
    if ((k == OPK_CONV2D_DGRAD || k == OPK_AVGPOOL_BACKWARD) && strcmp(name, "height") == 0) return &a->height;
    if ((k == OPK_CONV2D_DGRAD || k == OPK_AVGPOOL_BACKWARD) && strcmp(name, "width") == 0) return &a->width;
    return NULL;
}

int64_t vision_arg_min(const char *name) { return strcmp(name, "padding") == 0 ? 0 : 1; }

int64_t vision_extent(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil) {
    int64_t span = in + 2 * pad - dil * (k - 1) - 1;
    return span < 0 ? 0 : span / stride + 1;
}

/* "[2][3]" */
static const char *shape(const ir_tensor *t, char *buf, size_t n) {
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < t->ndims && len + 24 < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "[%lld]", (long long)t->dims[i]);
    return buf;
}

/* The smallest input extent the window maps to `out`: (out - 1) s - 2p +
 * d (k - 1) + 1; 0 when there is none. */
static int64_t extent_back(int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t dil) {
    double in = (double)(out - 1) * (double)stride - 2.0 * (double)pad + (double)dil * (double)(k - 1) + 1;
    return in < 1 || in > VISION_EXTENT_MAX ? 0 : (int64_t)in;
}

int vision_shape(ir_opkind kind, const ir_tensor *const *in, int nin, const vision_args *a, int *ond, int64_t *od,
                 double *flops, char *err, size_t errn) {
    const char *name = ir_opkind_name(kind);
    char s0[160], s1[160];
    const ir_tensor *x = in[0], *y = nin > 1 ? in[1] : NULL;
    int64_t args[] = {a->stride, a->padding, a->dilation, a->groups, a->kernel, a->height, a->width};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        if (args[i] > VISION_ARG_MAX) {
            snprintf(err, errn, "%s(): an argument of %lld is too large (at most %lld)", name, (long long)args[i],
                     (long long)VISION_ARG_MAX);
            return 0;
        }
    int64_t stride = a->stride ? a->stride : 1, pad = a->padding, dil = a->dilation ? a->dilation : 1;
    int64_t g = a->groups ? a->groups : 1;
    if (kind == OPK_BATCHNORM || kind == OPK_BATCHNORM_BACKWARD) {
        if (x->ndims < 2 || (y && (y->ndims != x->ndims || memcmp(y->dims, x->dims, sizeof(int64_t) * (size_t)x->ndims)))) {
            snprintf(err, errn, "%s() needs %s of at least two dimensions (channels last), found %s%s%s", name,
                     y ? "dy and x of one shape" : "x", shape(x, s0, sizeof s0), y ? " and " : "",
                     y ? shape(y, s1, sizeof s1) : "");
            return 0;
        }
        double e = 1;
        for (int i = 0; i < x->ndims; i++) e *= (double)x->dims[i];
        *ond = x->ndims;
        memcpy(od, x->dims, sizeof(int64_t) * (size_t)x->ndims);
        *flops = (kind == OPK_BATCHNORM ? 6 : 11) * e;
        return 1;
    }
    /* every other kind: 4-D NHWC operands */
    if (x->ndims != 4 || (y && y->ndims != 4)) {
        static const char *const need[] = {"x[N][H][W][C] and w[KH][KW][C/groups][Co]",
                                           "dy[N][Ho][Wo][Co] and w[KH][KW][C/groups][Co]",
                                           "x[N][H][W][C] and dy[N][Ho][Wo][Co]", "x[N][H][W][C]",
                                           "dy[N][Ho][Wo][C] and x[N][H][W][C]", "x[N][H][W][C]", "dy[N][Ho][Wo][C]"};
        snprintf(err, errn, "%s() needs %s, found %s%s%s", name, need[kind - OPK_CONV2D], shape(x, s0, sizeof s0),
                 y ? " and " : "", y ? shape(y, s1, sizeof s1) : "");
        return 0;
    }
    int64_t N = x->dims[0], H, W, C, Ho, Wo, Co, kh, kw;
    *ond = 4;
    switch (kind) {
    case OPK_CONV2D:
    case OPK_CONV2D_DGRAD:
        /* x (or dy) and w[KH][KW][C/g][Co] */
        kh = y->dims[0], kw = y->dims[1], Co = y->dims[3], C = y->dims[2] * g;
        if (kind == OPK_CONV2D ? x->dims[3] != C : x->dims[3] != Co) {
            snprintf(err, errn, "%s(): %s has %lld channels but w %s (%lld group%s) needs %lld", name, x->name,
                     (long long)x->dims[3], shape(y, s1, sizeof s1), (long long)g, g == 1 ? "" : "s",
                     (long long)(kind == OPK_CONV2D ? C : Co));
            return 0;
        }
        if (Co % g) {
            snprintf(err, errn, "%s(): %lld groups do not divide the %lld output channels", name, (long long)g, (long long)Co);
            return 0;
        }
        if (kind == OPK_CONV2D) {
            H = x->dims[1], W = x->dims[2];
            Ho = vision_extent(H, kh, stride, pad, dil), Wo = vision_extent(W, kw, stride, pad, dil);
        } else {
            Ho = x->dims[1], Wo = x->dims[2];
            H = a->height ? a->height : extent_back(Ho, kh, stride, pad, dil);
            W = a->width ? a->width : extent_back(Wo, kw, stride, pad, dil);
            if (!H || !W || vision_extent(H, kh, stride, pad, dil) != Ho || vision_extent(W, kw, stride, pad, dil) != Wo) {
                snprintf(err, errn, "%s(): no input of %lldx%lld gives the gradient's %lldx%lld under a %lldx%lld window "
                         "(stride %lld, padding %lld, dilation %lld)", name, (long long)H, (long long)W, (long long)Ho,
                         (long long)Wo, (long long)kh, (long long)kw, (long long)stride, (long long)pad, (long long)dil);
                return 0;
            }
        }
        break;
    case OPK_CONV2D_WGRAD:
        if (!a->kernel) {
            snprintf(err, errn, "conv2d_wgrad() needs the kernel size: kernel = k");
            return 0;
        }
        kh = kw = a->kernel, H = x->dims[1], W = x->dims[2], C = x->dims[3], Co = y->dims[3];
        Ho = vision_extent(H, kh, stride, pad, dil), Wo = vision_extent(W, kw, stride, pad, dil);
        if (C % g || Co % g) {
            snprintf(err, errn, "conv2d_wgrad(): %lld groups do not divide %lld input and %lld output channels",
                     (long long)g, (long long)C, (long long)Co);
            return 0;
        }
        if (y->dims[0] != N || y->dims[1] != Ho || y->dims[2] != Wo) {
            snprintf(err, errn, "conv2d_wgrad(): x %s under a %lldx%lld window (stride %lld, padding %lld, dilation %lld) "
                     "gives [%lld][%lld][%lld][..], but dy is %s", shape(x, s0, sizeof s0), (long long)kh, (long long)kw,
                     (long long)stride, (long long)pad, (long long)dil, (long long)N, (long long)Ho, (long long)Wo,
                     shape(y, s1, sizeof s1));
            return 0;
        }
        break;
    default: {
        /* pooling: a k x k window over every channel */
        if (!a->kernel) {
            snprintf(err, errn, "%s() needs the window size: kernel = k", name);
            return 0;
        }
        kh = kw = a->kernel;
        stride = a->stride ? a->stride : kh;
        if (2 * pad > kh) {
            snprintf(err, errn, "%s(): padding %lld is more than half the %lld-wide window", name, (long long)pad, (long long)kh);
            return 0;
        }
        const ir_tensor *dy = kind == OPK_MAXPOOL || kind == OPK_AVGPOOL ? NULL : x;
        const ir_tensor *src = kind == OPK_MAXPOOL_BACKWARD ? y : dy ? NULL : x;
        C = x->dims[3];
        if (src) {
            H = src->dims[1], W = src->dims[2];
        } else {
            H = a->height ? a->height : extent_back(dy->dims[1], kh, stride, pad, 1);
            W = a->width ? a->width : extent_back(dy->dims[2], kw, stride, pad, 1);
        }
        Ho = vision_extent(H, kh, stride, pad, 1), Wo = vision_extent(W, kw, stride, pad, 1);
        if (dy && (Ho != dy->dims[1] || Wo != dy->dims[2] || (src && (src->dims[0] != N || src->dims[3] != C)))) {
            snprintf(err, errn, "%s(): an input of %s%lldx%lld under a %lldx%lld window (stride %lld, padding %lld) "
                     "does not give the gradient's %s", name, src ? shape(src, s1, sizeof s1) : "", (long long)H,
                     (long long)W, (long long)kh, (long long)kw, (long long)stride, (long long)pad, shape(dy, s0, sizeof s0));
            return 0;
        }
        if (Ho < 1 || Wo < 1) {
            snprintf(err, errn, "%s(): the %lldx%lld window does not fit the %lldx%lld input padded by %lld", name,
                     (long long)kh, (long long)kw, (long long)H, (long long)W, (long long)pad);
            return 0;
        }
        *flops = (double)N * (double)Ho * (double)Wo * (double)C * (double)(kh * kw);
        od[0] = N, od[3] = C;
        od[1] = dy ? H : Ho, od[2] = dy ? W : Wo;
        return 1;
    }
    }
    if (Ho < 1 || Wo < 1) {
        snprintf(err, errn, "%s(): the %lldx%lld window (dilation %lld) does not fit the %lldx%lld input padded by %lld",
                 name, (long long)kh, (long long)kw, (long long)dil, (long long)H, (long long)W, (long long)pad);
        return 0;
    }
    *flops = 2.0 * (double)N * (double)Ho * (double)Wo * (double)Co * (double)kh * (double)kw * (double)(C / g);
    if (kind == OPK_CONV2D) od[0] = N, od[1] = Ho, od[2] = Wo, od[3] = Co;
    else if (kind == OPK_CONV2D_DGRAD) od[0] = N, od[1] = H, od[2] = W, od[3] = C;
    else od[0] = kh, od[1] = kw, od[2] = C / g, od[3] = Co;
    return 1;
}
