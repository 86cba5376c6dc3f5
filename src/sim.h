/* sim.h - the task-level event-driven simulator, its results and the
 * schedule verifier.
 *
 * Semantics (docs/simulation.md has the long form):
 *  - a compute task holds its compute element for max(FLOPs / rate,
 *    bytes / local memory bandwidth) (a roofline per task) and, when that
 *    memory is shared with other units, the memory for bytes / bandwidth
 *    from the same instant;
 *  - a transfer is pipelined through its route (cut-through): it occupies
 *    each resource on the route for bytes / bandwidth, never entering a hop
 *    before its head has crossed the previous one (per-hop latency), and
 *    each resource serves one transfer at a time, first come first served;
 *  - a sync completes a round trip of network latency after the last of its
 *    participants and awaited operators arrives;
 *  - requests at the same instant are granted in task (issue) order;
 *  - a task that writes into a memory first takes room there and waits
 *    while there is none (occupancy.h); a wait that can never end is an
 *    error naming the memory.
 */
#ifndef MLDC_SIM_H
#define MLDC_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "plan.h"

enum { CAUSE_COMPUTE, CAUSE_MEMORY, CAUSE_NETWORK, CAUSE_SYNC, CAUSE_WAIT, CAUSE_COUNT };

typedef struct sim_result {
    const plan *p;
    double *start, *end;       /* per task */
    double *use_start;         /* per use (task x resource occupancy); its end: sim_use_end */
    double *busy;              /* per resource: busy seconds */
    double makespan;           /* s */
    double energy_compute, energy_memory, energy_network; /* J */
    double energy_static;      /* J: plan_static_power x makespan */
    double crit[CAUSE_COUNT];  /* critical path seconds by cause */
    uint32_t *crit_tasks;      /* the critical path's tasks, first to last */
    uint32_t ncrit;
    uint32_t *released_by;     /* per task: the dependency whose end released it, or UINT32_MAX */
    struct sim_occ *occ;       /* what each memory holds over time (occupancy.h) */
    uint64_t events;           /* events processed */
    uint32_t done;             /* tasks finished (== ntasks unless deadlock) */
} sim_result;

/* Run the plan.  Returns NULL after reporting a deadlock (with the waiting
 * tasks and what they wait for) through dc. */
sim_result *sim_run(const plan *p, diag_ctx *dc);
/* The same, reporting progress ("simulating", tasks finished of all)
 * through fn (NULL: none). */
sim_result *sim_run_progress(const plan *p, diag_ctx *dc, mldc_progress_fn fn, void *ud);
void sim_free(sim_result *r);
/* When use j of task t (uses[tasks[t].use0 + j]) ends: its start plus the
 * time its work holds the resource (a compute element: the task's
 * roofline time; its memory: bytes / bandwidth; a hop: bytes /
 * bandwidth), as sim_run computed it, so not stored. */
double sim_use_end(const sim_result *r, uint32_t t, uint32_t j);

/* Re-check a finished schedule against the hardware rules: no resource
 * over-committed, no task before its inputs, in-order units in order,
 * pipelining respected.  Reports each violation (up to a cap) through dc and
 * returns how many were found. */
int sim_verify(const sim_result *r, diag_ctx *dc);

const char *sim_cause_name(int cause);
/* What a task on the critical path is charged to (CAUSE_*, not WAIT). */
int sim_task_cause(const plan *p, uint32_t t);

/* Reports (only the CLI calls these). */
void sim_report_text(FILE *out, const sim_result *r);
void sim_report_json(FILE *out, const sim_result *r);
/* The JSON report with the per-operator account ("operators",
 * "operator_kinds"). */
void sim_report_json_ops(FILE *out, const sim_result *r);
/* The per-operator account (account.h): a table per operator and per
 * operator kind (mldc run --ops), or the same as CSV (--ops-csv). */
void sim_ops_text(FILE *out, const sim_result *r);
void sim_ops_csv(FILE *out, const sim_result *r);
/* Chrome trace-event JSON, one track per resource grouped by level. */
void sim_trace(FILE *out, const sim_result *r);

#endif
