/* mldc_api.h - the public C API of libmldc: what programs other than the
 * compiler's own passes use (the mldc command line, the language server, the
 * Python package, a user's C program).
 *
 * The API is small and speaks only plain data: C strings, doubles, integers
 * and structs of them.  A program loads a design (a file or a text, with
 * parameter overrides as `--set` would give them), lists what it declares
 * (systems, workloads, mappings, parameters with their values), runs a
 * mapping (plan + simulation, optionally verified) and reads the result as
 * numbers (makespan, throughput, energy, area, critical path, one record per
 * operator and per resource), or explores the design's explore block with a
 * callback per design point.  Diagnostics (errors, warnings, notes) arrive
 * through a callback as located records; the library never prints except
 * into a FILE* the caller hands to a write function.
 *
 * A whole program (`make install` puts the header and libmldc.so under
 * PREFIX; build it with `cc prog.c -lmldc`):
 *
 *     const char *sets[] = {"nop_bw=64 GB/s"};
 *     mldc_load_options lo = {sets, 1, NULL, 0, NULL, NULL};
 *     mldc_design *d = mldc_design_load("examples/chiplet.mld", &lo);
 *     mldc_result *r = mldc_design_errors(d) ? NULL : mldc_design_run(d, NULL);
 *     if (r) {
 *         mldc_metrics m;
 *         mldc_result_metrics(r, &m);
 *         printf("%g s, %g J\n", m.makespan, m.energy);
 *     }
 *     mldc_result_free(r);
 *     mldc_design_free(d);
 *
 * Versioning.  MLDC_API_VERSION is the version of this header: it grows by
 * one whenever a function or a struct field is added, and the structs here
 * only ever grow at their end.  mldc_api_version() is the version the library
 * was built with; a program built against version N works with any library
 * whose mldc_api_version() >= N.
 *
 * Ownership.  Every object returned by a *_load*, *_run function is freed by
 * its *_free.  Strings in records returned by accessors live as long as the
 * object they came from.  Diagnostics passed to the callback live only
 * during the call.  Objects are independent: several designs may be loaded
 * and run at once, but one object must not be used by two threads at a time.
 */
#ifndef MLDC_API_H
#define MLDC_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLDC_API_VERSION 1

/* The API version the library implements, and the program's version text
 * ("0.1.0"). */
int mldc_api_version(void);
const char *mldc_version_text(void);

/* ---- diagnostics ---- */

enum { MLDC_SEV_ERROR = 0, MLDC_SEV_WARNING = 1, MLDC_SEV_NOTE = 2 };

typedef struct mldc_diagnostic {
    int severity;         /* MLDC_SEV_* */
    const char *file;     /* the source it points into, or NULL: no place */
    int line, column;     /* 1-based; 0 when there is no place */
    int end_line, end_column; /* end_column is one past the last character */
    const char *message;
    const struct mldc_diagnostic *notes; /* notes attached to it, in order */
    int nnotes;
    const void *detail;   /* the library's own record, for mldc_diagnostic_write */
} mldc_diagnostic;

typedef void (*mldc_diag_fn)(void *ud, const mldc_diagnostic *d);

/* How mldc_diagnostic_write writes: 0 is GNU text with the source line and
 * an underline; MLDC_WRITE_COLOR the same with terminal colours;
 * MLDC_WRITE_JSON one JSON object per line. */
enum { MLDC_WRITE_JSON = 1, MLDC_WRITE_COLOR = 2 };

/* Write a diagnostic (with its notes) as the command line shows it, in the
 * form `how` (MLDC_WRITE_*; 0 and 1 keep their old meaning, text and JSON). */
void mldc_diagnostic_write(FILE *out, const mldc_diagnostic *d, int how);

/* ---- loading ---- */

typedef struct mldc_load_options {
    const char *const *sets; /* "name=value" parameter overrides, e.g. "hbm_bw=3.2 TB/s" */
    int nsets;
    const char *stdlib_dir;  /* where import "std/..." looks; NULL: $MLDC_STDLIB, else the built-in */
    int max_errors;          /* stop after this many errors; 0: the default (50) */
    mldc_diag_fn on_diag;    /* receives every diagnostic of this design's load and runs; may be NULL */
    void *ud;
} mldc_load_options;

typedef struct mldc_design mldc_design;

/* Load, lower and check a design.  Never NULL; test mldc_design_errors.
 * mldc_design_load_text takes the text of a file named `name` (used in
 * diagnostics and to resolve relative imports). */
mldc_design *mldc_design_load(const char *path, const mldc_load_options *o);
mldc_design *mldc_design_load_text(const char *name, const char *text, size_t len, const mldc_load_options *o);
void mldc_design_free(mldc_design *d);
/* Errors reported so far by this design (load and runs). */
int mldc_design_errors(const mldc_design *d);
/* Nonzero when the root file could not be read (an I/O error, not a user error). */
int mldc_design_io_failed(const mldc_design *d);

/* What a design declares, by kind: names in declaration order. */
typedef enum { MLDC_SYSTEMS, MLDC_WORKLOADS, MLDC_MAPPINGS, MLDC_PARAMS } mldc_kind;
int mldc_design_count(const mldc_design *d, mldc_kind k);
const char *mldc_design_name(const mldc_design *d, mldc_kind k, int i); /* NULL when out of range */

typedef struct mldc_param {
    const char *name;
    double value;        /* in base units (B, s, FLOP, J, m, cycle and their products) */
    char unit[32];       /* the base-unit dimension ("B/s", "s"), "1" when dimensionless */
    char text[64];       /* the value as mldc shows it: "64 GB/s" */
    int is_int;
    int overridden;      /* set by an override */
    const char *file;    /* where it is declared */
    int line, column;
} mldc_param;
/* Parameter i (0 .. count-1); returns 0, or -1 when i is out of range. */
int mldc_design_param(const mldc_design *d, int i, mldc_param *out);

/* ---- running a mapping ---- */

typedef struct mldc_run_options {
    const char *mapping; /* NULL: the design's first mapping */
    int verify;          /* re-check the schedule against the hardware rules */
} mldc_run_options;

typedef struct mldc_result mldc_result;

/* Plan and simulate a mapping of an error-free design.  Returns NULL after
 * reporting the reason through the design's diagnostic callback (errors in
 * the design, no such mapping, a deadlock).  With verify, violations are
 * reported as errors and counted in mldc_metrics.violations. */
mldc_result *mldc_design_run(mldc_design *d, const mldc_run_options *o);
/* The same, telling `progress` (may be NULL) how far planning, simulating
 * and verifying have got: a phase name and, where known, work done of the
 * total (total 0: unknown).  Called often; a caller shows it sparingly. */
typedef void (*mldc_progress_cb)(void *ud, const char *phase, double done, double total);
mldc_result *mldc_design_run_progress(mldc_design *d, const mldc_run_options *o, mldc_progress_cb progress,
                                      void *ud);
void mldc_result_free(mldc_result *r);

/* The metrics of explore blocks, in this order (mldc_metric_name gives the
 * names an explore block and its CSV use). */
enum { MLDC_METRIC_LATENCY, MLDC_METRIC_THROUGHPUT, MLDC_METRIC_ENERGY, MLDC_METRIC_AREA, MLDC_METRIC_POWER,
       MLDC_METRIC_EDP, MLDC_METRIC_TPA, MLDC_METRIC_TPW, MLDC_METRIC_COUNT };
const char *mldc_metric_name(int metric);

enum { MLDC_CAUSE_COMPUTE, MLDC_CAUSE_MEMORY, MLDC_CAUSE_NETWORK, MLDC_CAUSE_SYNC, MLDC_CAUSE_WAIT,
       MLDC_CAUSE_COUNT };

typedef struct mldc_metrics {
    const char *mapping, *system, *workload;
    double makespan;          /* s */
    double runs_per_s;        /* 1 / makespan */
    double items;             /* tokens (or samples) one run processes; 1 when neither */
    const char *items_what;   /* "tokens", "samples" or "runs" */
    double energy, energy_compute, energy_memory, energy_network; /* J; energy also counts static power */
    double power;             /* W, average */
    double area;              /* m2 of the system */
    double metric[MLDC_METRIC_COUNT]; /* exactly what mldc explore records for this point */
    double critical[MLDC_CAUSE_COUNT]; /* s of the critical path, by cause */
    uint64_t tasks, compute_tasks, transfer_tasks, sync_tasks, events;
    int violations;           /* schedule violations found by verify; -1 when not verified */
} mldc_metrics;
void mldc_result_metrics(const mldc_result *r, mldc_metrics *out);

/* One record per workload operator that the mapping places. */
typedef struct mldc_op {
    const char *name;     /* "layer[0].q" */
    const char *kind;     /* "matmul", "softmax", ... */
    double flops;         /* the operator's FLOPs */
    double bytes;         /* its input and output traffic, bytes */
    double start, end;    /* s: first of its compute tasks starts, last ends */
    double busy;          /* s: its compute tasks' durations summed over the units */
    int tasks;            /* compute tasks (pieces of a split, times places) */
} mldc_op;
int mldc_result_op_count(const mldc_result *r);
int mldc_result_op(const mldc_result *r, int i, mldc_op *out);

/* One record per resource the plan uses (compute element, memory, link). */
typedef struct mldc_resource {
    const char *name;     /* "top.chip[0][1].pe[2][3].mac" */
    const char *kind;     /* "compute", "memory" or "link" */
    double busy;          /* s */
    double utilisation;   /* busy / makespan */
} mldc_resource;
int mldc_result_resource_count(const mldc_result *r);
int mldc_result_resource(const mldc_result *r, int i, mldc_resource *out);

/* Write the result as `mldc run` does: MLDC_TEXT (the report), MLDC_JSON
 * (the JSON report), MLDC_TRACE (a Chrome trace-event timeline), the
 * per-operator account of `--ops` as a table (MLDC_OPS_TEXT) or CSV
 * (MLDC_OPS_CSV), or the JSON report with that account (MLDC_JSON_OPS). */
typedef enum { MLDC_TEXT, MLDC_JSON, MLDC_TRACE, MLDC_OPS_TEXT, MLDC_OPS_CSV, MLDC_JSON_OPS } mldc_format;
void mldc_result_write(FILE *out, const mldc_result *r, mldc_format f);

/* ---- exploring ---- */

enum { MLDC_POINT_OK, MLDC_POINT_INFEASIBLE, MLDC_POINT_ERROR };

typedef struct mldc_point {
    uint64_t index;       /* position in the strategy's order */
    int status;           /* MLDC_POINT_* */
    int nvars;
    const char *const *names;  /* the explore block's variables */
    const char *const *values; /* this point's value of each, as text ("64 GB/s", "tp") */
    const double *numbers;     /* each in base units; NaN for a mapping or system choice */
    double metric[MLDC_METRIC_COUNT];
    int pareto;           /* on the Pareto front of the feasible points */
    const char *why;      /* infeasible: failed constraints; error: the first error; else NULL */
} mldc_point;
typedef void (*mldc_point_fn)(void *ud, const mldc_point *p);

typedef struct mldc_explore_options {
    const char *strategy; /* "grid" (NULL), "random" or "guided" */
    int jobs;             /* worker processes; 0: 1 */
    uint64_t max_points;  /* 0: the strategy's default */
    uint64_t seed;
    const char *csv;      /* results file; NULL: a temporary file in $TMPDIR (else /tmp), removed afterwards */
} mldc_explore_options;

/* Explore the explore block of the design's file (with the design's
 * overrides) as `mldc explore` does, then call fn once per evaluated point,
 * in point order, with the Pareto front marked.  Returns 0, 1 after errors
 * in the input, 2 after an I/O error (reported through the design's
 * callback). */
int mldc_design_explore(mldc_design *d, const mldc_explore_options *o, mldc_point_fn fn, void *ud);

#ifdef __cplusplus
}
#endif

#endif
