/* occupancy.h - what each memory holds over time.
 *
 * From the plan's lifetimes (plan_life: a tensor or its shares resident in
 * one memory, from the start of the task that writes it there until the
 * last task that writes or reads it there ends, or the end of the run for
 * stored tensors and results) and a finished schedule, occ_build() sweeps
 * each memory's allocations and releases in time order: the bytes it holds
 * after every change, its peak, and whether it ever holds more than its
 * size, which is an error naming the memory, the instant, the capacity and
 * the largest tensors resident then (with their source lines).
 */
#ifndef MLDC_OCCUPANCY_H
#define MLDC_OCCUPANCY_H

#include <stdint.h>

#include "diag.h"
#include "ir.h"

struct sim_result;
struct plan;

/* The bytes a memory holds from time t on (until its next step). */
typedef struct occ_step {
    double t;
    double bytes;
} occ_step;

typedef struct occ_mem {
    ir_unit mem;
    int32_t level;      /* its level type's id */
    double size;        /* capacity, bytes */
    double peak, peak_at; /* the most it holds, and when it first does */
    uint32_t tensors;   /* lives (tensors or their shares) it held */
    uint64_t s0, ns;    /* its steps: steps[s0 .. s0 + ns) */
} occ_mem;

typedef struct sim_occ {
    occ_mem *mems;      /* memories that held anything, by (instance, element) */
    uint32_t nmems;
    occ_step *steps;
    uint64_t nsteps;
} sim_occ;

/* Allocation during the run: a task that writes into a memory takes its
 * bytes when it becomes ready, and waits (stalls) while the memory has no
 * room for them; a life gives its bytes back when the last task that uses
 * it finishes (plan_life).  sim.c calls these from its event loop. */
typedef struct occ_live occ_live;
occ_live *occ_live_new(const struct plan *p);
/* Take task t's allocations if they fit now next to what the memory holds
 * and to what the tasks before t (in id order) will still allocate there:
 * 2 (taken), 1 (nothing to take), else 0 (nothing taken: t stalls). */
int occ_live_take(occ_live *o, uint32_t t);
/* Task t finished: give back what no later task needs.  Returns 1 when
 * something was given back (stalled tasks may fit now). */
int occ_live_done(occ_live *o, uint32_t t);
/* Report the stalled tasks that never found room (n of them, ids in
 * `stuck`, stalled since since[t]): the memory, the instant, what it
 * holds, its capacity and its largest resident tensors. */
void occ_live_report(const occ_live *o, const uint32_t *stuck, uint32_t n, const double *since, diag_ctx *dc);
void occ_live_free(occ_live *o);

/* Build the occupancy of r's memories.  Returns NULL after reporting, for
 * each memory that overflows, the first instant it does. */
sim_occ *occ_build(const struct sim_result *r, diag_ctx *dc);
void occ_free(sim_occ *o);

#endif
