/* explore.h - design-space exploration: `mldc explore`.
 *
 * A design's explore block names variables (parameters, mappings, systems),
 * constraints and objectives.  A design point is one choice per variable;
 * evaluating it is one full load (with the choices as --set overrides and a
 * mapping), plan and simulation.  Points are enumerated by a strategy
 * (exhaustive grid, seeded random sampling, or a guided evolutionary
 * search), always within a budget, evaluated on several worker processes,
 * and streamed to a CSV file in point order, so an interrupted run resumes
 * where it stopped and the file is the same whatever the number of workers.
 */
#ifndef MLDC_EXPLORE_H
#define MLDC_EXPLORE_H

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "ir.h"
#include "mldc.h"

typedef enum { EX_GRID, EX_RANDOM, EX_GUIDED } ex_strategy;
typedef enum { EX_OK, EX_INFEASIBLE, EX_ERROR } ex_status;

/* One evaluated design point. */
typedef struct ex_point {
    uint64_t index;        /* position in the strategy's order (0, 1, ...) */
    int *choice;           /* per variable: index into its values */
    ex_status status;
    double metric[METRIC_COUNT]; /* see ir_metric_dim: latency s, ..., throughput per watt 1/J */
    char *why;             /* infeasible: the failed constraints and margins; error: the first error */
    int pareto;            /* on the front of the feasible points (filled at the end) */
    int done;              /* has a result (evaluated now or read back) */
} ex_point;

/* The space, as the explore block and the design define it. */
typedef struct ex_space {
    const ir_explore *ex;
    int nvars;
    const ir_vary *vars;   /* ex->vary */
    uint64_t size;         /* product of the value counts (saturating) */
    const char *per;       /* what throughput counts: "tokens", "samples" or "runs" */
} ex_space;

typedef struct ex_options {
    const char *path;          /* the design file */
    const mldc_options *base;  /* --set overrides and stdlib */
    ex_strategy strategy;
    int jobs;                  /* worker processes; 0 = all cores */
    uint64_t max_points;       /* 0 = no limit (grid) or 100 (random, guided) */
    double time_limit;         /* seconds; 0 = none */
    uint64_t seed;
    const char *csv;           /* results file (required) */
    const char *json;          /* optional JSON copy of the final results */
    const char *svg;           /* optional Pareto-front plot */
    const char *report;        /* optional single-file HTML report */
    int resume;                /* keep the finished rows of csv and go on */
    int force;                 /* --resume even when the inputs changed */
    int shard_i, shard_n;      /* evaluate only points with index % n == i */
    int quiet;                 /* no progress line */
    FILE *summary;             /* where the closing summary is written, or NULL */
    /* called at the end for each evaluated point, in point order, with the
     * Pareto front marked; may be NULL */
    void (*on_point)(void *ud, const ex_space *sp, const ex_point *pt);
    void *on_point_ud;
    size_t max_memory;         /* the memory guard's limit, shared by the workers; 0 = none */
} ex_options;

typedef struct ex_summary {
    uint64_t space;            /* points in the space */
    uint64_t planned;          /* points the strategy chose within the budget */
    uint64_t evaluated;        /* evaluated in this run */
    uint64_t resumed;          /* taken from an earlier run's file */
    uint64_t feasible, infeasible, errors;
    uint64_t skipped;          /* planned but not evaluated: time limit or interruption */
    uint64_t pareto;           /* points on the front */
    uint64_t violated[16];     /* per `require` (first 16): points it ruled out */
    double seconds;
} ex_summary;

/* Run the explore block of the design at o->path.  Returns 0 on success, 1
 * on errors in the input (reported through dc), 2 on I/O errors. */
int explore_run(const ex_options *o, diag_ctx *dc, ex_summary *sum);

/* The metrics of one simulated mapping, indexed by ir_metric: what a
 * design point records. */
struct sim_result;
void explore_metrics(const struct sim_result *r, double metric[METRIC_COUNT]);

/* Merge shard result files of the design's exploration into one, in point
 * order, with the Pareto column recomputed (the design gives the columns
 * and the objectives).  Returns 0, 1 on errors in the design, or 2 on I/O
 * or format errors (reported through dc). */
int explore_merge(const char *design, const mldc_options *base, const char *out, const char *const *in, int nin,
                  diag_ctx *dc);

/* --- plots and report (explore_plot.c) --- */

/* The objectives to plot: the first two objectives, or the first objective
 * against area when there is one.  Writes a self-contained SVG: every point,
 * the feasible ones filled, the Pareto front joined and highlighted, each
 * point titled with its variables and metrics (shown on hover). */
void explore_svg_front(FILE *out, const ex_space *sp, const ex_point *pts, uint64_t n);
/* One small plot per variable: the best objective value found for each of
 * its values (how sensitive the objective is to that variable). */
void explore_svg_sensitivity(FILE *out, const ex_space *sp, const ex_point *pts, uint64_t n);
/* A single-file HTML report: the summary, the front plot, the sensitivity
 * plots, the table of points (front first) and the best point's run report
 * (best_report: text of `mldc run` for it, may be NULL). */
void explore_html(FILE *out, const char *design, const ex_space *sp, const ex_point *pts, uint64_t n,
                  const ex_summary *sum, const char *best_report);

/* "hbm_bw=1.6 TB/s, mapping=tp" for titles and tables. */
void explore_point_label(const ex_space *sp, const ex_point *pt, char *buf, size_t n);
/* A metric's value in the unit a reader expects: quantities as such,
 * throughput and its ratios per the space's unit of work ("680.9 k
 * tokens/s", "tokens/s/mm²", "tokens/s/W"), the energy-delay product in
 * J·s. */
void explore_format_metric(const ex_space *sp, int metric, double v, char *buf, size_t n);

#endif
