/* plan.h - the simulation plan: a checked mapping compiled to flat arrays.
 *
 * The plan is what the simulator walks, with no interpretation left:
 *
 *   resources  every compute element, memory and network link the mapping
 *              touches, with its rate (FLOP/s or B/s), latency and energy;
 *              only touched resources exist, so the 10,000 idle cores of a
 *              wafer cost nothing;
 *   tasks      compute (one per placed operator per unit), transfer (one per
 *              copy or share, with a precomputed route) and sync;
 *   uses       per task, the resources it occupies in order (a transfer's
 *              route: source memory, links, destination memory; a compute
 *              task: its compute element), in one shared array;
 *   deps       per task, the tasks it waits for (CSR), data dependencies and
 *              the program order of each in-order unit alike.
 *
 * Task and resource ids are dense and follow program order: a unit's tasks
 * have increasing ids (the verifier relies on it).  Dependencies usually
 * point to smaller ids; a sync may wait for an operator placed later, and
 * a cycle of such waits is a deadlock the simulator reports.
 */
#ifndef MLDC_PLAN_H
#define MLDC_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "ir.h"

typedef enum { RES_COMPUTE, RES_MEMORY, RES_LINK } plan_res_kind;
typedef enum { TASK_COMPUTE, TASK_TRANSFER, TASK_SYNC } plan_task_kind;

typedef struct plan_res {
    uint8_t kind;      /* plan_res_kind */
    int32_t level;     /* ir_level id of the level instance it belongs to */
    uint64_t inst;     /* that level instance */
    int32_t elem;      /* compute/memory: element index; link: network index */
    int64_t a, b;      /* link: from node, to node (topology-specific ids) */
    double rate;       /* FLOP/s (compute) or B/s (memory, link) */
    double latency;    /* s: memory access latency, or per-hop latency */
    double energy;     /* J/FLOP (compute) or J/B (memory, link) */
    double joules;     /* dynamic energy the plan's tasks spend on it (J) */
} plan_res;

typedef struct plan_task {
    uint8_t kind;      /* plan_task_kind */
    uint8_t mem_bound; /* compute: the roofline's memory side dominates */
    uint8_t launch;    /* compute: the launch (kernel start-up) of a place, no work */
    int32_t action;    /* index of the mapping action it comes from */
    double work;       /* compute: FLOPs; transfer: bytes; sync: 0 */
    double bytes;      /* compute: bytes of local memory traffic (read + written) */
    double wr;         /* compute: of those, bytes written (its output or share) */
    uint32_t piece;    /* compute: its item of the place (unit, tile or micro-batch) */
    uint32_t mem;      /* compute: the resource its bytes go to (its local memory), or UINT32_MAX */
    double fixed;      /* s: compute: its roofline duration; sync: its latency */
    uint32_t use0, nuse; /* resources used: uses[use0 .. use0 + nuse) */
    uint32_t dep0, ndep; /* predecessors: deps[dep0 .. dep0 + ndep) */
} plan_task;

/* The GEMM kernel a `split tiles` place runs (kernel.c's pick, or the
 * tile given): tile rows x columns and split-K slices; tm == 0 for other
 * actions. */
typedef struct plan_kernel {
    int64_t tm, tn, splitk;
} plan_kernel;

/* A tensor (or the shares of it) resident in one memory instance
 * (occupancy.c): allocated when a task starts writing it there (a store:
 * when the run starts) and released when the last task that wrote or read
 * it there ends, or when the run ends for what stays (stored tensors,
 * workload outputs).  A tensor grown in place (append) hands its storage to
 * its heir and is released with it.  A memory holds at most one copy of a
 * tensor: shares written into it add up to the tensor's bytes at most. */
typedef struct plan_life {
    ir_unit mem;         /* the memory element instance */
    int32_t tensor;
    int32_t action;      /* the action that allocated it first */
    int32_t last_action; /* the latest action that wrote it (a new whole write after a read starts a new life) */
    int32_t heir;        /* the life that took over its storage, or -1 */
    uint8_t keep;        /* resident until the run ends */
    uint8_t used;        /* read there at least once */
    double bytes;        /* allocated in all */
} plan_life;

/* One allocation or use of a life: bytes > 0 are allocated when the task
 * starts (task UINT32_MAX: when the run starts); every event's task keeps
 * the life until it ends. */
typedef struct plan_life_ev {
    uint32_t life;
    uint32_t task;
    double bytes;
} plan_life_ev;

typedef struct plan {
    const ir_design *design;
    const ir_mapping *map;
    plan_res *res;
    uint32_t nres;
    plan_task *tasks;
    uint32_t ntasks;
    uint32_t *uses;    /* resource ids */
    uint64_t nuses;
    uint32_t *deps;    /* task ids */
    uint64_t ndeps;
    plan_life *lives;  /* what each memory holds over time (occupancy.c) */
    uint32_t nlives;
    plan_life_ev *lev; /* their allocations and uses, in plan order */
    uint64_t nlev;
    /* what the workload processes per run, for throughput */
    double energy_compute, energy_memory, energy_network; /* J, independent of the schedule */
    plan_kernel *kernels; /* per mapping action (map->nactions) */
    double tokens;     /* batch * seq, or batch, or 1 */
    const char *tokens_what; /* "tokens", "samples" or "runs" */
    arena mem;
} plan;

enum { PLAN_MAX_TASKS = 200 * 1000 * 1000 };
/* Bytes every task takes at the least: its record, one resource use, its
 * slot in the builder's table of seen tasks.  A lower bound (dependencies
 * and the simulation's state come on top), so a plan refused by it could
 * never have been built within the memory limit. */
#define PLAN_TASK_MIN_BYTES (sizeof(plan_task) + sizeof(uint32_t) + sizeof(uint8_t))

/* Progress of long work, for a caller that shows it (the CLI's progress
 * line): `phase` ("planning", "simulating"), and how far: done of total
 * (mapping actions, tasks).  Called every so often, never per item. */
typedef void (*mldc_progress_fn)(void *ud, const char *phase, double done, double total);

/* Compile mapping `m` of design `d`.  Returns NULL after reporting an error
 * (limits, a route that cannot be built). */
plan *plan_build(const ir_design *d, const ir_mapping *m, diag_ctx *dc);
/* The same, reporting progress through fn (NULL: none). */
plan *plan_build_progress(const ir_design *d, const ir_mapping *m, diag_ctx *dc, mldc_progress_fn fn, void *ud);
void plan_free(plan *p);

/* Human names: "top.chip[0].core[1].tensor", "top.chip[0].noc (3 -> 4)". */
void plan_res_name(const plan *p, uint32_t r, char *buf, size_t n);
/* "place layer[0].qkv on top.core[0][1].tensor" etc. */
void plan_task_name(const plan *p, uint32_t t, char *buf, size_t n);

/* Instances of each level type in the mapping's system, by level id
 * (count[] has design->nlevels entries; 0 for types not in the system). */
void plan_level_instances(const plan *p, double *count);
/* Static (leakage) power of the whole system: every element's and
 * network's static_power times its instances, used or not (W). */
double plan_static_power(const plan *p);

/* What one run of workload wl processes: "tokens" (batch x seq), "samples"
 * (batch) or "runs" (1), and how many, in *count (may be NULL). */
const char *plan_count_word(const ir_workload *wl, double *count);

/* mldc dump plan: resources, then tasks with their routes and deps. */
void plan_dump(FILE *out, const plan *p);

#endif
