/* schedule.c - the step order of a pipeline-parallel training schedule.
 *
 * A pipeline stage runs its micro-batch-chunks in its schedule's order (a
 * GPU is in-order), and a mapping places operators in program order, in
 * which a consumer must follow its producer.  A mapping that writes a
 * pipeline therefore needs one global order of all stages' steps that
 * keeps each stage's own sequence and respects the data flow: forward k
 * of virtual stage c pp + s needs the same micro-batch's forward on the
 * virtual stage before it, a backward needs the backward of the virtual
 * stage after it (the last one: its own forward).  This module builds each
 * stage's sequence as Megatron-LM's schedules do (Narayanan et al. 2021):
 *
 *   GPipe         all forwards, then all backwards
 *   1F1B          pp - s - 1 warm-up forwards, then a forward and a
 *                 backward in turn, then the remaining backwards
 *   interleaved   v chunks per stage; the k-th forward of stage s runs
 *                 chunk (k / pp) mod v of micro-batch (k / (pp v)) pp +
 *                 k mod pp (backwards: chunks in reverse); warm-up
 *                 (pp - s - 1) 2 + (v - 1) pp forwards
 *
 * and orders the steps by the time each would end if every step took one
 * unit (ties by stage): a list schedule in which each step starts when its
 * stage is free and its input has arrived.  The order only decides which
 * statement comes first; the simulation times the steps.
 */
#include "schedule.h"

#include <stdlib.h>

typedef struct step {
    int64_t t, s, code;
} step;

static int cmp_step(const void *a, const void *b) {
    const step *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

/* Stage s's j-th step: backward (1) or forward (0), and its index k. */
static void seq_step(int kind, int64_t pp, int64_t v, int64_t n, int64_t s, int64_t j, int *b, int64_t *k) {
    int64_t warm = kind == 0 ? n : v == 1 ? pp - s - 1 : (pp - s - 1) * 2 + (v - 1) * pp;
    if (warm > n) warm = n;
    if (j < warm) {
        *b = 0, *k = j;
    } else if (j < 2 * n - warm) {
        *b = (int)((j - warm) % 2), *k = (j - warm) / 2 + (*b ? 0 : warm);
    } else {
        *b = 1, *k = j - n;
    }
}

int schedule_order(int kind, int64_t pp, int64_t v, int64_t m, int64_t *out) {
    if (pp < 1 || v < 1 || m < 1 || (v > 1 && m % pp)) return -1;
    int64_t n = m * v, nv = pp * v, total = 2 * pp * n;
    /* end times: fwd[vs * m + i], bwd[vs * m + i]; 0 = not yet run */
    int64_t *fwd = calloc((size_t)(nv * m), sizeof *fwd), *bwd = calloc((size_t)(nv * m), sizeof *bwd);
    int64_t *next = calloc((size_t)pp, sizeof *next), *free_at = calloc((size_t)pp, sizeof *free_at);
    step *st = malloc(sizeof *st * (size_t)total);
    if (!fwd || !bwd || !next || !free_at || !st) abort();
    int64_t done = 0;
    for (int progress = 1; progress && done < total;) {
        progress = 0;
        for (int64_t s = 0; s < pp; s++) {
            while (next[s] < 2 * n) {
                int b;
                int64_t k;
                seq_step(kind, pp, v, n, s, next[s], &b, &k);
                int64_t c = (k / pp) % v, i = (k / (pp * v)) * pp + k % pp;
                if (b) c = v - 1 - c;
                int64_t vs = c * pp + s, ready;
                if (!b) ready = vs > 0 ? fwd[(vs - 1) * m + i] : 1;
                else ready = vs < nv - 1 ? bwd[(vs + 1) * m + i] : fwd[vs * m + i];
                if (!ready) break;
                int64_t t = (ready > free_at[s] ? ready : free_at[s]) + 1;
                (b ? bwd : fwd)[vs * m + i] = t;
                free_at[s] = t;
                st[done++] = (step){t, s, (s * 2 + b) * n + k};
                next[s]++;
                progress = 1;
            }
        }
    }
    int ok = done == total;
    if (ok) {
        qsort(st, (size_t)total, sizeof *st, cmp_step);
        for (int64_t x = 0; x < total; x++) out[x] = st[x].code;
    }
    free(fwd), free(bwd), free(next), free(free_at), free(st);
    return ok ? 0 : -1;
}
