/* account.h - the per-operator account of a finished simulation.
 *
 * `mldc run --ops` answers "how long did the QKV projection take, on how
 * many units, and what bound it": every compute task is charged to the
 * operator it belongs to, aggregated over the units and pieces the
 * operator was split into, and summed again by operator kind.  The
 * printing is in report.c (sim_ops_text, sim_ops_csv, and the "operators"
 * member of the JSON report).
 */
#ifndef MLDC_ACCOUNT_H
#define MLDC_ACCOUNT_H

#include <stdint.h>

#include "sim.h"

enum { ACCT_MEMS = 4 };

/* What bound an operator: the largest of its parts. */
typedef enum { BOUND_COMPUTE, BOUND_MEMORY, BOUND_LAUNCH, BOUND_WAITING, BOUND_COUNT } acct_bound;

/* Bytes an operator moved to and from one memory element of one level
 * type (summed over that element's instances). */
typedef struct acct_mem {
    int32_t level, elem; /* ir_level id and element index */
    double rd, wr;       /* bytes read, written */
} acct_mem;

typedef struct acct_row {
    int op;              /* operator index; -1 for a kind total */
    int kind;            /* ir_opkind */
    uint32_t units;      /* distinct compute elements it ran on (kind rows: summed) */
    uint32_t pieces;     /* compute tasks, launches excluded */
    uint32_t ops;        /* operators in a kind total (1 for an operator) */
    double start, end;   /* s: first start, last end of its tasks */
    double busy;         /* s: compute elements held, launches included, summed over units */
    double launch;       /* s: of which launches */
    double t_compute;    /* s: of which pieces bound by their FLOPs */
    double t_memory;     /* s: of which pieces bound by their bytes */
    double wait;         /* s: ready but waiting for a busy resource, summed over tasks */
    double flops;
    double rd, wr;       /* bytes read and written, all memories */
    double crit;         /* s: time its tasks spend on the critical path */
    acct_mem mem[ACCT_MEMS]; /* per memory element; the last also takes any further ones */
    int nmem;
} acct_row;

/* Busy time of one operator on one compute element (launches included). */
typedef struct acct_unit {
    int op;
    uint32_t res;        /* resource id of the compute element */
    double busy;
} acct_unit;

typedef struct acct {
    acct_row *rows;      /* operators that ran, in operator order */
    int nrows;
    acct_row kinds[OPK_COUNT]; /* kind totals, in ir_opkind order (ops == 0: none ran) */
    acct_unit *units;    /* per (operator, unit), sorted by operator then resource */
    uint64_t nunits;
} acct;

/* Build the account of a finished run (r->done == ntasks). */
acct *acct_build(const sim_result *r);
void acct_free(acct *a);
const char *acct_bound_name(acct_bound b);
/* What bound row x. */
acct_bound acct_row_bound(const acct_row *x);

#endif
