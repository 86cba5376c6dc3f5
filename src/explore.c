/* explore.c - the exploration engine behind `mldc explore` and `mldc merge`.
 *
 * The run is a loop over batches of design points:
 *
 *   strategy   chooses the next batch: the grid in row-major order (first
 *              variable slowest), a seeded random sample without
 *              replacement, or one generation of a guided evolutionary
 *              search (see guided_next);
 *   evaluate   each point is a load of the design with the point's
 *              values as --set overrides (the files read and parsed once
 *              per run: srccache), then its mapping is planned and
 *              simulated; constraints are checked on the metrics, and a
 *              failed one is recorded with its margin; -j N spreads the
 *              points over a pool of N workers (see "The worker pool")
 *              that send back one text line per point;
 *   record     results are written to the CSV file in point order as soon
 *              as they are contiguous, one whole line per write(2), so the
 *              file is the same for any -j and an interrupted run leaves
 *              only whole rows behind; --resume reads them back (the
 *              strategies are deterministic, so the same points come up
 *              again and their stored results are reused, bit for bit);
 *   finish     the Pareto front of the feasible points is marked, and the
 *              CSV is rewritten with its Pareto column through a temporary
 *              file and rename(2), so it is never torn.
 *
 * Budgets are always in force: --max-points (100 by default for random and
 * guided search) and --time-limit; the summary says what was not
 * evaluated.
 *
 * Where a point re-enters the pipeline: parsing is done once per run; the
 * design is lowered again for each point from the kept syntax trees, and
 * kept by the worker for the next point when only the mapping or system
 * choice differs.  Lowering per stage (only the mapping when only mapping
 * parameters change) would save little: on a design the size of
 * examples/gpt3_tp8.mld, hardware and workload lowering are ~3% of a
 * point and parsing 0.2%, while the mapping, which any parameter can
 * reach, is most of the load.
 */
#define _DEFAULT_SOURCE /* strdup */
#include "explore.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h> /* mallopt */
#endif

#include "parser.h"
#include "plan.h"
#include "sim.h"
#include "srccache.h"
#include "units.h"
#include "util.h"

enum { GUIDED_DEFAULT_BUDGET = 100, RANDOM_DEFAULT_BUDGET = 100 };

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64: a small, good, seedable generator. */
static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return n ? rng_next(s) % n : 0; }

static char *xstrdup(const char *s) {
    char *p = strdup(s ? s : "");
    if (!p) mem_fail(0);
    return p;
}


static const char *const metric_cols[METRIC_COUNT] = {"latency_s", "throughput_per_s", "energy_j", "area_m2",
                                                      "power_w", "edp_js", "throughput_per_s_m2", "throughput_per_j"};

/* ------------------------------------------------------------------ */
/* The space                                                           */
/* ------------------------------------------------------------------ */

static uint64_t space_size(const ex_space *sp) {
    uint64_t n = 1;
    for (int v = 0; v < sp->nvars; v++) {
        uint64_t k = (uint64_t)sp->vars[v].nvals;
        if (k && n > UINT64_MAX / k) return UINT64_MAX;
        n *= k;
    }
    return n;
}

/* Grid index <-> choices, first variable slowest. */
static void decode(const ex_space *sp, uint64_t g, int *choice) {
    for (int v = sp->nvars - 1; v >= 0; v--) {
        uint64_t k = (uint64_t)sp->vars[v].nvals;
        choice[v] = (int)(g % k);
        g /= k;
    }
}

static uint64_t encode(const ex_space *sp, const int *choice) {
    uint64_t g = 0;
    for (int v = 0; v < sp->nvars; v++) g = g * (uint64_t)sp->vars[v].nvals + (uint64_t)choice[v];
    return g;
}

/* The value of variable v at choice c, as CSV and --set text. */
static void value_text(const ir_vary *vy, int c, char *buf, size_t n, int for_set) {
    if (vy->kind != VARY_PARAM) {
        snprintf(buf, n, "%s", vy->names[c]);
        return;
    }
    if (!for_set || units_is_none(vy->dim)) {
        snprintf(buf, n, "%.17g", vy->vals[c]);
        return;
    }
    char u[64];
    units_format_dim(vy->dim, u, sizeof u);
    snprintf(buf, n, "%.17g %s", vy->vals[c], u);
}

/* ------------------------------------------------------------------ */
/* Evaluating one point                                                */
/* ------------------------------------------------------------------ */

typedef struct first_error {
    char msg[400];
    int n;
} first_error;

static void catch_first(void *ud, const mld_diag *d) {
    first_error *fe = ud;
    if (d->sev != DIAG_ERROR) return;
    if (!fe->n++) {
        if (d->loc.src && d->loc.line > 0)
            snprintf(fe->msg, sizeof fe->msg, "%s:%d:%d: %s", d->loc.src->path, d->loc.line, d->loc.col, d->msg);
        else
            snprintf(fe->msg, sizeof fe->msg, "%s", d->msg);
    }
}

/* Which mapping a point runs: its `mapping` choice, else the first mapping
 * on its `system` choice, else the design's first mapping.  A mapping
 * written for another system than the point's is no design: NULL, with the
 * reason in why. */
static const ir_mapping *point_mapping(const ex_space *sp, const int *choice, const ir_design *d, char *why,
                                       size_t wn) {
    const char *map = NULL, *sys = NULL;
    for (int v = 0; v < sp->nvars; v++) {
        if (sp->vars[v].kind == VARY_MAPPING) map = sp->vars[v].names[choice[v]];
        if (sp->vars[v].kind == VARY_SYSTEM) sys = sp->vars[v].names[choice[v]];
    }
    for (int i = 0; i < d->nmappings; i++) {
        const ir_mapping *m = d->mappings[i];
        if (map && strcmp(m->name, map) != 0) continue;
        if (sys && strcmp(m->sys->name, sys) != 0) {
            if (map) {
                snprintf(why, wn, "mapping '%s' is written for system '%s', not '%s'", map, m->sys->name, sys);
                return NULL;
            }
            continue;
        }
        return m;
    }
    snprintf(why, wn, "no mapping runs on system '%s'", sys ? sys : "?");
    return NULL;
}

void explore_metrics(const sim_result *r, double metric[METRIC_COUNT]) {
    const plan *p = r->p;
    double lat = r->makespan, en = r->energy_compute + r->energy_memory + r->energy_network + r->energy_static;
    metric[METRIC_LATENCY] = lat;
    metric[METRIC_THROUGHPUT] = lat > 0 ? p->tokens / lat : 0;
    metric[METRIC_ENERGY] = en;
    metric[METRIC_AREA] = p->map->sys->root->area;
    metric[METRIC_POWER] = lat > 0 ? en / lat : 0;
    metric[METRIC_EDP] = en * lat;
    double area = metric[METRIC_AREA], pw = metric[METRIC_POWER];
    metric[METRIC_TPA] = area > 0 ? metric[METRIC_THROUGHPUT] / area : 0;
    metric[METRIC_TPW] = pw > 0 ? metric[METRIC_THROUGHPUT] / pw : 0;
}

/* What a worker keeps from one point to the next: the design loaded for
 * the last point, under the --set overrides that made it (one per line),
 * with the outcome of loading it.  A point with the same overrides - one
 * that differs only in its mapping or system choice - is planned and
 * simulated on that design without loading it again: loading is a pure
 * function of the files (kept unchanged for the run) and the overrides,
 * and planning and simulation only read the design. */
typedef struct ex_kept {
    char *key;          /* the overrides; NULL: nothing kept */
    ir_design *d;
    int nerrors;        /* errors loading it */
    char msg[400];      /* the first of them */
} ex_kept;

static void kept_drop(ex_kept *k) {
    ir_design_free(k->d);
    free(k->key);
    memset(k, 0, sizeof *k);
}

/* Evaluate one point into pt (status, metrics, why).  best_report, when
 * given, receives the text run report.  kept, when given, holds the design
 * of the previous point and receives this point's. */
static void evaluate(const ex_options *o, const ex_space *sp, ex_point *pt, char **best_report, ex_kept *kept) {
    char **sets = calloc((size_t)(o->base->nsets + sp->nvars + 1), sizeof *sets);
    if (!sets) mem_fail(0);
    int ns = 0;
    size_t keylen = 1;
    for (int i = 0; i < o->base->nsets; i++) sets[ns++] = xstrdup(o->base->sets[i]);
    for (int v = 0; v < sp->nvars; v++) {
        if (sp->vars[v].kind != VARY_PARAM) continue;
        char val[128], buf[300];
        value_text(&sp->vars[v], pt->choice[v], val, sizeof val, 1);
        snprintf(buf, sizeof buf, "%s=%s", sp->vars[v].name, val);
        sets[ns++] = xstrdup(buf);
    }
    for (int i = 0; i < ns; i++) keylen += strlen(sets[i]) + 1;
    char *key = malloc(keylen);
    if (!key) mem_fail(0);
    key[0] = 0;
    for (int i = 0, at = 0; i < ns; i++) at += sprintf(key + at, "%s\n", sets[i]);
    first_error fe;
    memset(&fe, 0, sizeof fe);
    ir_design *d;
    int load_errors;
    if (kept && kept->key && strcmp(kept->key, key) == 0) {
        d = kept->d;
        load_errors = kept->nerrors;
        snprintf(fe.msg, sizeof fe.msg, "%s", kept->msg);
        free(key);
    } else {
        if (kept) kept_drop(kept); /* before loading: one design at a time */
        mldc_options opts = *o->base;
        opts.sets = (const char *const *)sets;
        opts.nsets = ns;
        diag_ctx ldc;
        diag_ctx_init(&ldc, catch_first, &fe);
        d = mldc_load_file(o->path, &opts, &ldc);
        load_errors = ldc.nerrors;
        diag_ctx_free(&ldc);
        if (kept) {
            kept->key = key;
            kept->d = d;
            kept->nerrors = load_errors;
            snprintf(kept->msg, sizeof kept->msg, "%s", fe.msg);
        } else {
            free(key);
        }
    }
    diag_ctx dc;
    diag_ctx_init(&dc, catch_first, &fe);
    pt->status = EX_ERROR;
    if (!load_errors) {
        const ir_mapping *m = point_mapping(sp, pt->choice, d, fe.msg, sizeof fe.msg);
        if (m) {
            mem_set_phase("plan builder");
            plan *p = plan_build(d, m, &dc);
            mem_set_phase("simulator");
            sim_result *r = p ? sim_run(p, &dc) : NULL;
            if (r) {
                explore_metrics(r, pt->metric);
                pt->status = EX_OK;
                /* constraints, each failure with its margin */
                char why[600] = "";
                size_t wl = 0;
                for (int i = 0; i < sp->ex->nreq; i++) {
                    const ir_require *rq = &sp->ex->req[i];
                    double v = pt->metric[rq->metric], b = rq->bound;
                    int ok = rq->op == '<' ? v < b : rq->op == '>' ? v > b : rq->op == LE ? v <= b : v >= b;
                    if (ok) continue;
                    char got[64], lim[64];
                    explore_format_metric(sp, rq->metric, v, got, sizeof got);
                    explore_format_metric(sp, rq->metric, b, lim, sizeof lim);
                    double margin = b != 0 ? (v - b) / fabs(b) * 100 : 0;
                    const char *opt = rq->op == '<' ? "<" : rq->op == '>' ? ">" : rq->op == LE ? "<=" : ">=";
                    wl += (size_t)snprintf(why + wl, sizeof why - wl, "%s%s %s %s: got %s (%+.1f%%)", wl ? "; " : "",
                                           ir_metric_name(rq->metric), opt, lim, got, margin);
                    if (wl >= sizeof why) wl = sizeof why - 1;
                    pt->status = EX_INFEASIBLE;
                }
                if (pt->status == EX_INFEASIBLE) pt->why = xstrdup(why);
                if (best_report) {
                    char *buf = NULL;
                    size_t len = 0;
                    FILE *f = open_memstream(&buf, &len);
                    if (f) {
                        sim_report_text(f, r);
                        fclose(f);
                        *best_report = buf;
                    }
                }
                sim_free(r);
            }
            plan_free(p);
        }
    }
    if (pt->status == EX_ERROR) pt->why = xstrdup(fe.msg[0] ? fe.msg : "the design did not load");
    if (!kept) ir_design_free(d);
    diag_ctx_free(&dc);
    for (int i = 0; i < ns; i++) free(sets[i]);
    free(sets);
}

/* ------------------------------------------------------------------ */
/* Result lines (worker -> parent) and CSV rows                        */
/* ------------------------------------------------------------------ */

static const char *status_name(ex_status s) { return s == EX_OK ? "ok" : s == EX_INFEASIBLE ? "infeasible" : "error"; }

static int status_of(const char *s) {
    if (strcmp(s, "ok") == 0) return EX_OK;
    if (strcmp(s, "infeasible") == 0) return EX_INFEASIBLE;
    if (strcmp(s, "error") == 0) return EX_ERROR;
    return -1;
}

/* Keep free text on one line and out of the separators. */
static void clean_text(char *s) {
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t') *s = ' ';
}

/* One point as a worker line: index, status, metrics, why; tab-separated. */
static void write_line(int fd, const ex_point *pt) {
    char buf[2048];
    int len = snprintf(buf, sizeof buf, "%llu\t%d", (unsigned long long)pt->index, (int)pt->status);
    for (int m = 0; m < METRIC_COUNT; m++) len += snprintf(buf + len, sizeof buf - (size_t)len, "\t%.17g", pt->metric[m]);
    char why[1024];
    snprintf(why, sizeof why, "%s", pt->why ? pt->why : "");
    clean_text(why);
    len += snprintf(buf + len, sizeof buf - (size_t)len, "\t%s\n", why);
    if (len >= (int)sizeof buf) {
        len = (int)sizeof buf - 1;
        buf[len - 1] = '\n';
    }
    for (int off = 0; off < len;) {
        ssize_t w = write(fd, buf + off, (size_t)(len - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(4); /* WORKER_IO */
        off += (int)w;
    }
}

static int read_line(const char *line, ex_point *pt) {
    char *end;
    pt->index = strtoull(line, &end, 10);
    if (*end != '\t') return 0;
    pt->status = (ex_status)strtol(end + 1, &end, 10);
    for (int m = 0; m < METRIC_COUNT; m++) {
        if (*end != '\t') return 0;
        pt->metric[m] = strtod(end + 1, &end);
    }
    if (*end != '\t') return 0;
    const char *why = end + 1;
    size_t n = strcspn(why, "\n");
    free(pt->why);
    pt->why = n ? strndup(why, n) : NULL;
    return 1;
}

/* A CSV field: quoted when it holds a comma or a quote. */
static int csv_field(char *buf, size_t n, const char *s) {
    if (!strpbrk(s, ",\"")) return snprintf(buf, n, "%s", s);
    size_t o = 0;
    if (o < n) buf[o++] = '"';
    for (; *s && o + 3 < n; s++) {
        if (*s == '"') buf[o++] = '"';
        buf[o++] = *s;
    }
    if (o < n) buf[o++] = '"';
    if (o < n) buf[o] = 0;
    return (int)o;
}

static void csv_header(const ex_space *sp, char *buf, size_t n) {
    int len = snprintf(buf, n, "index");
    for (int v = 0; v < sp->nvars; v++) len += snprintf(buf + len, n - (size_t)len, ",%s", sp->vars[v].name);
    len += snprintf(buf + len, n - (size_t)len, ",status");
    for (int m = 0; m < METRIC_COUNT; m++) len += snprintf(buf + len, n - (size_t)len, ",%s", metric_cols[m]);
    snprintf(buf + len, n - (size_t)len, ",pareto,why\n");
}

/* A row; pareto is -1 (unknown yet, an empty field), 0 or 1. */
static void csv_row(const ex_space *sp, const ex_point *pt, int pareto, char *buf, size_t n) {
    int len = snprintf(buf, n, "%llu", (unsigned long long)pt->index);
    for (int v = 0; v < sp->nvars; v++) {
        char val[128];
        value_text(&sp->vars[v], pt->choice[v], val, sizeof val, 0);
        len += snprintf(buf + len, n - (size_t)len, ",");
        len += csv_field(buf + len, n - (size_t)len, val);
    }
    len += snprintf(buf + len, n - (size_t)len, ",%s", status_name(pt->status));
    for (int m = 0; m < METRIC_COUNT; m++) {
        if (pt->status == EX_ERROR) len += snprintf(buf + len, n - (size_t)len, ",");
        else len += snprintf(buf + len, n - (size_t)len, ",%.17g", pt->metric[m]);
    }
    len += snprintf(buf + len, n - (size_t)len, pareto < 0 ? "," : ",%d", pareto);
    char why[1024];
    snprintf(why, sizeof why, "%s", pt->why ? pt->why : "");
    clean_text(why);
    len += snprintf(buf + len, n - (size_t)len, ",");
    len += csv_field(buf + len, n - (size_t)len, why);
    if ((size_t)len + 2 > n) len = (int)n - 2;
    buf[len++] = '\n';
    buf[len] = 0;
}

/* Split one CSV line into fields (in place); returns the count. */
static int csv_split(char *line, char **f, int max) {
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            char *o = ++p;
            f[n++] = o;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"') p++;
                *o++ = *p++;
            }
            if (*p == '"') p++;
            char *sep = p;
            *o = 0;
            if (*sep != ',') break;
            p = sep + 1;
        } else {
            f[n++] = p;
            char *c = p + strcspn(p, ",\n");
            int more = *c == ',';
            *c = 0;
            if (!more) break;
            p = c + 1;
        }
    }
    return n;
}

/* A metric read back: a finite, non-negative decimal number, the whole
 * field ("abc", "nan", "-1", "1e400" and "" are refused). */
static int metric_field(const char *f, double *out) {
    if (!f[0] || strchr(f, 'x') || strchr(f, 'X')) return 0;
    char *end;
    double v = strtod(f, &end);
    if (*end || !isfinite(v) || v < 0 || (f[0] != '.' && (f[0] < '0' || f[0] > '9'))) return 0;
    *out = v;
    return 1;
}

/* Are the derived metrics those the primary ones give (as evaluate
 * computes them)?  A hand-edited latency or energy breaks this. */
static int metrics_agree(const double *m) {
    double lat = m[METRIC_LATENCY], en = m[METRIC_ENERGY];
    double want[METRIC_COUNT];
    memcpy(want, m, sizeof want);
    want[METRIC_POWER] = lat > 0 ? en / lat : 0;
    want[METRIC_EDP] = en * lat;
    want[METRIC_TPA] = m[METRIC_AREA] > 0 ? m[METRIC_THROUGHPUT] / m[METRIC_AREA] : 0;
    want[METRIC_TPW] = want[METRIC_POWER] > 0 ? m[METRIC_THROUGHPUT] / want[METRIC_POWER] : 0;
    for (int k = METRIC_POWER; k < METRIC_COUNT; k++)
        if (fabs(want[k] - m[k]) > 1e-9 * fabs(want[k]) + 1e-300) return 0;
    return 1;
}

/* Parse a data row back into pt (choices from the value texts).  NULL on
 * success, else what is wrong with the row. */
static const char *parse_row(const ex_space *sp, char *line, ex_point *pt, char *why, size_t wn) {
    char *f[64];
    int want = 1 + sp->nvars + 1 + METRIC_COUNT + 2;
    int n = csv_split(line, f, 64);
    if (n != want) {
        snprintf(why, wn, "%d fields, expected %d", n, want);
        return why;
    }
    char *end;
    if (!(f[0][0] >= '0' && f[0][0] <= '9')) return "the index is not a whole number";
    errno = 0;
    pt->index = strtoull(f[0], &end, 10);
    if (*end || errno) return "the index is not a whole number";
    for (int v = 0; v < sp->nvars; v++) {
        int c = -1;
        for (int k = 0; k < sp->vars[v].nvals && c < 0; k++) {
            char val[128];
            value_text(&sp->vars[v], k, val, sizeof val, 0);
            if (strcmp(val, f[1 + v]) == 0) c = k;
        }
        if (c < 0) {
            snprintf(why, wn, "'%.60s' is not one of the values of '%s'", f[1 + v], sp->vars[v].name);
            return why;
        }
        pt->choice[v] = c;
    }
    int st = status_of(f[1 + sp->nvars]);
    if (st < 0) {
        snprintf(why, wn, "status '%.40s' is not ok, infeasible or error", f[1 + sp->nvars]);
        return why;
    }
    pt->status = (ex_status)st;
    for (int m = 0; m < METRIC_COUNT; m++) {
        const char *t = f[2 + sp->nvars + m];
        pt->metric[m] = 0;
        if (st == EX_ERROR && !t[0]) continue; /* an error row has no metrics */
        if (!metric_field(t, &pt->metric[m])) {
            snprintf(why, wn, "%s '%.40s' is not a finite number >= 0%s", metric_cols[m], t,
                     st == EX_ERROR ? " or empty" : "");
            return why;
        }
    }
    if (st != EX_ERROR && !metrics_agree(pt->metric)) return "the metrics disagree with each other (edited by hand?)";
    const char *pareto = f[2 + sp->nvars + METRIC_COUNT];
    if (strcmp(pareto, "") != 0 && strcmp(pareto, "0") != 0 && strcmp(pareto, "1") != 0)
        return "the pareto field is not 0, 1 or empty";
    if (pareto[0] == '1' && st != EX_OK) return "a point that is not ok is marked on the Pareto front";
    const char *reason = f[3 + sp->nvars + METRIC_COUNT];
    if (st == EX_ERROR && !reason[0]) return "an error row without its reason";
    free(pt->why);
    pt->why = reason[0] ? xstrdup(reason) : NULL;
    pt->pareto = pareto[0] == '1';
    return NULL;
}

/* Read one line of a results file into *buf (getline), with a CRLF ending
 * made LF and, on line 1, a UTF-8 byte-order mark dropped.  Returns the
 * length, 0 at the end of the file; a last line without its newline (torn
 * by a crash) is returned as it is, for the caller to drop. */
static size_t csv_getline(char **buf, size_t *cap, FILE *f, long lineno) {
    ssize_t n = getline(buf, cap, f);
    if (n <= 0) return 0;
    char *b = *buf;
    if (lineno == 1 && n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) {
        memmove(b, b + 3, (size_t)n - 2);
        n -= 3;
    }
    if (n >= 2 && b[n - 2] == '\r' && b[n - 1] == '\n') {
        b[n - 2] = '\n';
        b[--n] = 0;
    }
    return (size_t)n;
}

/* Compare a results file's header line with this exploration's; NULL
 * when they match, else which column differs. */
static const char *header_diff(const char *got, const char *want, char *why, size_t wn) {
    if (strcmp(got, want) == 0) return NULL;
    const char *g = got, *w = want;
    for (int col = 1;; col++) {
        size_t gl = strcspn(g, ",\n"), wl = strcspn(w, ",\n");
        if (gl != wl || memcmp(g, w, gl) != 0) {
            snprintf(why, wn, "column %d of its header is '%.*s', where this exploration's has '%.*s'", col,
                     (int)(gl > 60 ? 60 : gl), g, (int)(wl > 60 ? 60 : wl), w);
            return why;
        }
        g += gl, w += wl;
        if (*g == ',' && *w == ',') {
            g++, w++;
            continue;
        }
        if (*g == ',') snprintf(why, wn, "its header has more columns than this exploration's %d", col);
        else if (*w == ',') snprintf(why, wn, "its header has %d columns, fewer than this exploration's", col);
        else snprintf(why, wn, "its header line does not end as this exploration's");
        return why;
    }
}

/* ------------------------------------------------------------------ */
/* The Pareto front                                                    */
/* ------------------------------------------------------------------ */

/* Does a dominate b on the objectives (no worse on all, better on one)? */
static int dominates(const ex_space *sp, const ex_point *a, const ex_point *b) {
    int better = 0;
    for (int i = 0; i < sp->ex->nobj; i++) {
        const ir_objective *ob = &sp->ex->obj[i];
        double x = a->metric[ob->metric], y = b->metric[ob->metric];
        if (ob->maximize) {
            x = -x;
            y = -y;
        }
        if (x > y) return 0;
        if (x < y) better = 1;
    }
    return better;
}

static uint64_t mark_pareto(const ex_space *sp, ex_point *pts, uint64_t n) {
    uint64_t count = 0;
    for (uint64_t i = 0; i < n; i++) {
        pts[i].pareto = 0;
        if (!pts[i].done || pts[i].status != EX_OK || sp->ex->nobj == 0) continue;
        int dom = 0;
        for (uint64_t j = 0; j < n && !dom; j++)
            if (j != i && pts[j].done && pts[j].status == EX_OK && dominates(sp, &pts[j], &pts[i])) dom = 1;
        if (!dom) {
            pts[i].pareto = 1;
            count++;
        }
    }
    return count;
}

/* Scalar fitness for the guided search: lower is better.  Feasible points
 * by the first objective; infeasible ones after all feasible, also by the
 * first objective; errors (and points without a result) last. */
static double fitness(const ex_space *sp, const ex_point *pt) {
    if (!pt->done || pt->status == EX_ERROR) return HUGE_VAL;
    double f = 0;
    if (sp->ex->nobj) {
        const ir_objective *ob = &sp->ex->obj[0];
        double v = pt->metric[ob->metric];
        f = ob->maximize ? -v : v;
        f = f >= 0 ? log1p(f) : -log1p(-f);
    }
    if (pt->status == EX_INFEASIBLE) f = 1e6 + fabs(f);
    return f;
}

/* ------------------------------------------------------------------ */
/* The run                                                             */
/* ------------------------------------------------------------------ */

/* A set of grid indices already planned (open addressing). */
typedef struct gset {
    uint64_t *k;
    size_t cap, n;
} gset;

static int gset_add(gset *s, uint64_t g) {
    if ((s->n + 1) * 2 > s->cap) {
        gset t = {0};
        t.cap = s->cap ? s->cap * 2 : 1024;
        t.k = malloc(t.cap * sizeof *t.k);
        if (!t.k) mem_fail(0);
        for (size_t i = 0; i < t.cap; i++) t.k[i] = UINT64_MAX;
        for (size_t i = 0; i < s->cap; i++)
            if (s->k[i] != UINT64_MAX) gset_add(&t, s->k[i]);
        free(s->k);
        *s = t;
    }
    for (size_t i = (size_t)((g * 0x9E3779B97F4A7C15ull) >> 7) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->k[i] == g) return 0;
        if (s->k[i] == UINT64_MAX) {
            s->k[i] = g;
            s->n++;
            return 1;
        }
    }
}

typedef struct run {
    const ex_options *o;
    ex_space sp;
    diag_ctx *dc;
    ex_point *pts;       /* every planned point, in index order */
    uint64_t npts, cap;
    ex_point *old;       /* rows read back with --resume, in file order */
    uint64_t nold;
    long old_good;       /* the file's length up to the last row kept */
    int wrote_csv, wrote_json, wrote_svg, wrote_report; /* outputs written in the end */
    uint64_t lost;       /* points whose worker died evaluating them */
    uint64_t first_lost; /* the first of them (its index) */
    gset seen;
    int fd;              /* the CSV, opened for appending; < 0 when not streamed */
    uint64_t flushed;    /* points handled by the CSV writer so far */
    uint64_t budget;
    double t0;
    int stop;            /* time limit or interruption: plan no more */
    int interrupted;
    uint64_t evaluated, resumed;
    uint64_t rng;
    int tty;
    struct pool_worker *pool; /* the workers, forked on the first batch */
    int npool;
} run;

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) {
    (void)sig;
    got_signal = 1;
}

static int mine(const run *R, uint64_t index) {
    return R->o->shard_n <= 1 || index % (uint64_t)R->o->shard_n == (uint64_t)R->o->shard_i;
}

static ex_point *plan_point(run *R, uint64_t grid) {
    if (R->npts == R->cap) {
        R->cap = R->cap ? R->cap * 2 : 256;
        R->pts = realloc(R->pts, R->cap * sizeof *R->pts);
        if (!R->pts) mem_fail(0);
    }
    ex_point *pt = &R->pts[R->npts];
    memset(pt, 0, sizeof *pt);
    pt->index = R->npts++;
    pt->choice = malloc(sizeof(int) * (size_t)(R->sp.nvars + 1));
    if (!pt->choice) mem_fail(0);
    decode(&R->sp, grid, pt->choice);
    return pt;
}

static void write_all(int fd, const char *buf, size_t len) {
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        buf += w;
        len -= (size_t)w;
    }
}

static void progress(run *R, int final) {
    if (!R->tty || R->o->quiet) return;
    uint64_t done = 0, feasible = 0;
    double best = HUGE_VAL;
    for (uint64_t i = 0; i < R->npts; i++) {
        if (!R->pts[i].done) continue;
        done++;
        if (R->pts[i].status == EX_OK) {
            feasible++;
            double f = R->sp.ex->nobj ? R->pts[i].metric[R->sp.ex->obj[0].metric] : 0;
            if (R->sp.ex->nobj && R->sp.ex->obj[0].maximize) f = -f;
            if (f < best) best = f;
        }
    }
    double el = now_s() - R->t0, rate = el > 0 ? (double)R->evaluated / el : 0;
    char b[64] = "-";
    if (R->sp.ex->nobj && isfinite(best)) {
        const ir_objective *ob = &R->sp.ex->obj[0];
        explore_format_metric(&R->sp, ob->metric, ob->maximize ? -best : best, b, sizeof b);
    }
    uint64_t left = R->budget > done ? R->budget - done : 0;
    fprintf(stderr, "\rexplore: %llu/%llu points, %llu feasible, best %s %s, %.1f points/s, ~%.0f s left   %s",
            (unsigned long long)done, (unsigned long long)R->budget, (unsigned long long)feasible,
            R->sp.ex->nobj ? ir_metric_name(R->sp.ex->obj[0].metric) : "", b, rate, rate > 0 ? (double)left / rate : 0,
            final ? "\n" : "");
}

/* Write the rows that are now contiguous. */
static void flush_rows(run *R) {
    while (R->flushed < R->npts) {
        ex_point *pt = &R->pts[R->flushed];
        if (!mine(R, pt->index)) {
            R->flushed++;
            continue;
        }
        if (!pt->done) break; /* not evaluated yet */
        if (pt->index >= R->nold && R->fd >= 0) {
            char row[4096];
            csv_row(&R->sp, pt, -1, row, sizeof row);
            write_all(R->fd, row, strlen(row));
        }
        R->flushed++;
    }
}

/* How a worker ends: 0 when it reported all its points; WORKER_OOM when
 * the memory guard stopped it after it reported its point as an error (the
 * parent gives its other points to a new worker); WORKER_IO when it could
 * not write to the parent.  A signal or another status means it died: the
 * point it was evaluating is lost. */
enum { WORKER_OOM = 3, WORKER_IO = 4 };

/* In a worker: set by SIGUSR1, which the parent sends at the time limit:
 * finish the point in hand, report it, and take no other. */
static volatile sig_atomic_t worker_stop;

static void worker_on_stop(int sig) {
    (void)sig;
    worker_stop = 1;
}

/* In a worker: the pipe to the parent and the point being evaluated, for
 * the memory guard's callback. */
static struct {
    int fd;
    const ex_point *pt;
} worker;

/* The memory guard in a worker: the point becomes an error row saying
 * where memory ran out and why; then the worker ends. */
static void worker_out_of_memory(void *ud, size_t want) {
    (void)ud;
    char msg[1024];
    mem_describe(want, msg, sizeof msg);
    ex_point pt = *worker.pt;
    pt.status = EX_ERROR;
    memset(pt.metric, 0, sizeof pt.metric);
    pt.why = msg;
    write_line(worker.fd, &pt);
    _exit(WORKER_OOM);
}

/* Why a worker ended without reporting a point: a phrase. */
static void death_cause(int status, char *buf, size_t n) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGKILL)
            snprintf(buf, n, "its worker was killed by SIGKILL (the system's out-of-memory killer, or kill -9)");
        else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT)
            snprintf(buf, n, "its worker crashed with signal %d (%s), an internal error", sig, strsignal(sig));
        else
            snprintf(buf, n, "its worker was killed by signal %d (%s)", sig, strsignal(sig));
    } else if (WIFEXITED(status)) {
        snprintf(buf, n, "its worker ended with status %d before reporting it", WEXITSTATUS(status));
    } else {
        snprintf(buf, n, "its worker ended before reporting it");
    }
}

/* ------------------------------------------------------------------ */
/* The worker pool                                                     */
/* ------------------------------------------------------------------ */

/* Workers are forked on demand, at most -j of them, and live until the run
 * ends (pool_close), so what one builds for a point stays for the next:
 * the files read and parsed once (srccache, inherited from the parent),
 * the design of its last point (ex_kept) and its heap's pages.  The parent
 * hands an idle worker a group of points over a pipe, in binary (a count,
 * then per point its index and choices), and reads back one text line per
 * point.  A group is a run of consecutive points with the same parameter
 * values - they differ only in the mapping or system - so its worker loads
 * the design once for them all; it is also capped so that the last points
 * of a batch still spread over the workers.
 *
 * A worker that dies owes the first point of its group that it did not
 * report: that point is recorded as an error with the cause (so --resume
 * keeps it instead of dying on it again), the rest of its group goes back
 * to the queue, and a fresh worker is forked when there is work for it.
 * The results do not depend on which worker evaluated what: a point's
 * evaluation is a function of its choices alone. */

enum { GROUP_MAX = 16, GROUP_BYTES = 4096 };

typedef struct pool_worker {
    pid_t pid;        /* 0: no process */
    int to, from;     /* pipe ends: points to it, result lines from it */
    char *buf;        /* result bytes not yet a whole line */
    size_t blen;
    uint64_t *owed;   /* the group in hand: indexes into R->pts, in order */
    int nowed, next;  /* its size, and the first not yet reported */
} pool_worker;

/* Read exactly n bytes: 1, or 0 on end of file or error. */
static int read_full(int fd, void *p, size_t n) {
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        c += r;
        n -= (size_t)r;
    }
    return 1;
}

/* A worker's life: groups in, one line per point out, until the parent
 * closes the pipe or the time limit's SIGUSR1. */
_Noreturn static void worker_main(run *R, int in, int out) {
    ex_kept kept;
    memset(&kept, 0, sizeof kept);
    int nv = R->sp.nvars;
    size_t per = sizeof(uint64_t) + sizeof(int32_t) * (size_t)nv;
    char *msg = NULL;
    size_t cap = 0;
    int *choice = malloc(sizeof(int) * (size_t)(nv + 1));
    if (!choice) mem_fail(0);
    worker.fd = out;
#ifdef __GLIBC__
    /* Keep freed memory in the heap for the next point: fresh pages cost
     * a fault each (several microseconds on virtual machines), and a point
     * of a large design frees and allocates again hundreds of megabytes.
     * The memory guard counts what is in use, not what the heap keeps. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, -1);
#endif
    uint32_t n;
    while (!worker_stop && read_full(in, &n, sizeof n)) {
        if (n * per > cap) {
            cap = n * per;
            free(msg);
            msg = malloc(cap);
            if (!msg) mem_fail(cap);
        }
        if (!read_full(in, msg, n * per)) break;
        for (uint32_t k = 0; k < n && !worker_stop; k++) {
            const char *at = msg + k * per;
            ex_point pt;
            memset(&pt, 0, sizeof pt);
            memcpy(&pt.index, at, sizeof pt.index);
            for (int v = 0; v < nv; v++) {
                int32_t c;
                memcpy(&c, at + sizeof(uint64_t) + sizeof c * (size_t)v, sizeof c);
                choice[v] = c;
            }
            pt.choice = choice;
            worker.pt = &pt;
            evaluate(R->o, &R->sp, &pt, NULL, &kept);
            write_line(out, &pt);
            free(pt.why);
        }
    }
    _exit(0);
}

static void pool_spawn(run *R, int w) {
    pool_worker *pw = &R->pool[w];
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) abort();
    /* the memory limit's share of each worker, beyond what it inherits */
    size_t share = R->o->max_memory ? R->o->max_memory / (size_t)R->npool : 0;
    if (share && share < mem_in_use() + ((size_t)16 << 20)) share = mem_in_use() + ((size_t)16 << 20);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) abort();
    if (pid == 0) {
        close(in[1]);
        close(out[0]);
        for (int k = 0; k < R->npool; k++) /* the other workers' pipes: let them see EOF */
            if (R->pool[k].pid) {
                close(R->pool[k].to);
                close(R->pool[k].from);
            }
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        worker_stop = 0;
        signal(SIGUSR1, worker_on_stop);
        mem_set_limit(share);
        mem_on_fail(worker_out_of_memory, NULL);
        worker_main(R, in[0], out[1]);
    }
    close(in[0]);
    close(out[1]);
    pw->pid = pid;
    pw->to = in[1];
    pw->from = out[0];
    pw->blen = 0;
    pw->nowed = pw->next = 0;
}

/* Wait for worker w's end after its pipe closed: its status. */
static int pool_reap(run *R, int w) {
    pool_worker *pw = &R->pool[w];
    int status = 0;
    close(pw->from);
    close(pw->to);
    while (waitpid(pw->pid, &status, 0) < 0 && errno == EINTR) {}
    pw->pid = 0;
    return status;
}

/* The points of the group sent to w: from the queue q[*qh..nq), a run of
 * points with equal parameter values, at most cap. */
static void pool_send(run *R, int w, const uint64_t *q, uint64_t *qh, uint64_t nq, int cap) {
    pool_worker *pw = &R->pool[w];
    int nv = R->sp.nvars;
    size_t per = sizeof(uint64_t) + sizeof(int32_t) * (size_t)nv;
    char msg[GROUP_BYTES + 64];
    uint32_t n = 0;
    const int *first = R->pts[q[*qh]].choice;
    while (*qh < nq && (int)n < cap && (n == 0 || sizeof n + (n + 1) * per <= GROUP_BYTES)) {
        const ex_point *pt = &R->pts[q[*qh]];
        int same = 1;
        for (int v = 0; v < nv && same; v++) same = R->sp.vars[v].kind != VARY_PARAM || pt->choice[v] == first[v];
        if (!same) break;
        if (n == 0 && sizeof n + per > GROUP_BYTES) { /* one point bigger than a group: sent alone */
            pw->owed[0] = q[(*qh)++];
            pw->nowed = 1;
            pw->next = 0;
            n = 1;
            char *big = malloc(sizeof n + per);
            if (!big) mem_fail(sizeof n + per);
            memcpy(big, &n, sizeof n);
            memcpy(big + sizeof n, &pt->index, sizeof pt->index);
            for (int v = 0; v < nv; v++) {
                int32_t c = pt->choice[v];
                memcpy(big + sizeof n + sizeof(uint64_t) + sizeof c * (size_t)v, &c, sizeof c);
            }
            write_all(pw->to, big, sizeof n + per); /* an idle worker's pipe is empty: fits */
            free(big);
            return;
        }
        char *at = msg + sizeof n + n * per;
        memcpy(at, &pt->index, sizeof pt->index);
        for (int v = 0; v < nv; v++) {
            int32_t c = pt->choice[v];
            memcpy(at + sizeof(uint64_t) + sizeof c * (size_t)v, &c, sizeof c);
        }
        pw->owed[n++] = q[(*qh)++];
    }
    memcpy(msg, &n, sizeof n);
    pw->nowed = (int)n;
    pw->next = 0;
    /* an idle worker's pipe is empty and a group fits in it, so this does
     * not block; a worker that died meanwhile shows as end of file below */
    write_all(pw->to, msg, sizeof n + n * per);
}

/* End the pool: each worker sees end of file and exits. */
static void pool_close(run *R) {
    for (int w = 0; w < R->npool; w++)
        if (R->pool[w].pid) {
            close(R->pool[w].to);
            R->pool[w].to = -1;
        }
    for (int w = 0; w < R->npool; w++) {
        pool_worker *pw = &R->pool[w];
        if (pw->pid) {
            int status = 0;
            close(pw->from);
            while (waitpid(pw->pid, &status, 0) < 0 && errno == EINTR) {}
            pw->pid = 0;
        }
        free(pw->buf);
        free(pw->owed);
    }
    free(R->pool);
    R->pool = NULL;
    R->npool = 0;
}

/* Worker w's end of file: the point it owed, if any, is lost (unless the
 * run is stopping or the memory guard ended it after reporting); the rest
 * of its group goes back to the queue (again). */
static void pool_ended(run *R, int w, uint64_t *again, uint64_t *nagain) {
    pool_worker *pw = &R->pool[w];
    int status = pool_reap(R, w);
    if (pw->next >= pw->nowed || R->stop) {
        pw->nowed = pw->next = 0;
        return;
    }
    int oom = WIFEXITED(status) && WEXITSTATUS(status) == WORKER_OOM;
    if (!oom) {
        ex_point *pt = &R->pts[pw->owed[pw->next++]];
        char cause[200];
        death_cause(status, cause, sizeof cause);
        pt->status = EX_ERROR;
        memset(pt->metric, 0, sizeof pt->metric);
        free(pt->why);
        pt->why = xstrdup(cause);
        pt->done = 1;
        R->evaluated++;
        if (!R->lost++ || pt->index < R->first_lost) R->first_lost = pt->index;
    }
    while (pw->next < pw->nowed) again[(*nagain)++] = pw->owed[pw->next++];
    pw->nowed = pw->next = 0;
}

/* Evaluate the points todo[0..n) on the pool; returns when each is done,
 * or the run stops (time limit, interrupt). */
static void run_workers(run *R, const uint64_t *todo, uint64_t n) {
    if (!R->pool) {
        R->npool = R->o->jobs < 1 ? 1 : R->o->jobs;
        R->pool = calloc((size_t)R->npool, sizeof *R->pool);
        if (!R->pool) mem_fail(0);
        for (int w = 0; w < R->npool; w++) {
            R->pool[w].buf = malloc(8192);
            R->pool[w].owed = malloc(sizeof(uint64_t) * GROUP_MAX);
            if (!R->pool[w].buf || !R->pool[w].owed) mem_fail(8192);
        }
    }
    int jobs = R->npool;
    /* the queue: todo, and the points given back by workers that died */
    uint64_t qh = 0, ah = 0, nagain = 0;
    uint64_t *again = malloc(sizeof(uint64_t) * (size_t)(n + 1));
    if (!again) mem_fail(0);
    for (;;) {
        /* hand out groups to idle workers */
        for (int w = 0; w < jobs && !R->stop; w++) {
            pool_worker *pw = &R->pool[w];
            if (pw->pid && pw->next < pw->nowed) continue;
            uint64_t left = (n - qh) + (nagain - ah);
            if (!left) break;
            if (!pw->pid) pool_spawn(R, w);
            /* groups shrink at the end of the batch so that every worker
             * gets a share */
            int cap = (int)((left + (uint64_t)jobs - 1) / (uint64_t)jobs);
            if (cap > GROUP_MAX) cap = GROUP_MAX;
            if (ah < nagain) pool_send(R, w, again, &ah, nagain, cap);
            else pool_send(R, w, todo, &qh, n, cap);
        }
        int busy = 0;
        for (int w = 0; w < jobs; w++) busy += R->pool[w].pid && R->pool[w].next < R->pool[w].nowed;
        if (!busy) break;
        /* an interrupt ends the workers now; the time limit lets each
         * finish (and report) the point in hand, so that a limit shorter
         * than one point still gives results */
        if (got_signal) {
            R->stop = 1;
            R->interrupted = 1;
            for (int w = 0; w < jobs; w++)
                if (R->pool[w].pid) kill(R->pool[w].pid, SIGTERM);
            for (int w = 0; w < jobs; w++)
                if (R->pool[w].pid) pool_reap(R, w);
            break;
        }
        if (!R->stop && R->o->time_limit > 0 && now_s() - R->t0 > R->o->time_limit) {
            R->stop = 1;
            for (int w = 0; w < jobs; w++)
                if (R->pool[w].pid) kill(R->pool[w].pid, SIGUSR1);
        }
        struct pollfd pf[256];
        int map[256], np = 0;
        for (int w = 0; w < jobs && np < 256; w++)
            if (R->pool[w].pid) {
                pf[np] = (struct pollfd){R->pool[w].from, POLLIN, 0};
                map[np++] = w;
            }
        int r = poll(pf, (nfds_t)np, 200);
        if (r < 0 && errno == EINTR) continue;
        for (int i = 0; i < np; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int w = map[i];
            pool_worker *pw = &R->pool[w];
            ssize_t got = read(pw->from, pw->buf + pw->blen, 8191 - pw->blen);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                pool_ended(R, w, again, &nagain);
                continue;
            }
            pw->blen += (size_t)got;
            pw->buf[pw->blen] = 0;
            char *line = pw->buf, *nl;
            while ((nl = strchr(line, '\n'))) {
                ex_point tmp;
                memset(&tmp, 0, sizeof tmp);
                if (read_line(line, &tmp) && pw->next < pw->nowed && tmp.index == pw->owed[pw->next]) {
                    ex_point *pt = &R->pts[tmp.index];
                    pt->status = tmp.status;
                    memcpy(pt->metric, tmp.metric, sizeof pt->metric);
                    free(pt->why);
                    pt->why = tmp.why;
                    pt->done = 1;
                    R->evaluated++;
                    pw->next++;
                } else {
                    free(tmp.why);
                }
                line = nl + 1;
            }
            pw->blen -= (size_t)(line - pw->buf);
            memmove(pw->buf, line, pw->blen);
        }
        flush_rows(R);
        progress(R, 0);
    }
    if (got_signal) { /* an interrupt that reached the workers first */
        R->stop = 1;
        R->interrupted = 1;
    }
    free(again);
    flush_rows(R);
}

/* Evaluate the points [from, to) that are ours and not resumed, always on
 * worker processes (also with -j 1), so that a point that crashes or
 * exhausts its worker is recorded and the run goes on: each round hands
 * the points still undone to fresh workers, and every round settles at
 * least one point. */
static void evaluate_batch(run *R, uint64_t from, uint64_t to) {
    uint64_t *todo = malloc(sizeof(uint64_t) * (size_t)(to - from + 1));
    if (!todo) mem_fail(sizeof(uint64_t) * (size_t)(to - from + 1));
    uint64_t n = 0;
    for (uint64_t i = from; i < to; i++) {
        ex_point *pt = &R->pts[i];
        if (!mine(R, i)) continue;
        /* resumed: the file's row for this index, if the choices agree */
        uint64_t k = R->o->shard_n > 1 ? i / (uint64_t)R->o->shard_n : i;
        if (k < R->nold && R->old[k].index == i && encode(&R->sp, R->old[k].choice) == encode(&R->sp, pt->choice)) {
            pt->status = R->old[k].status;
            memcpy(pt->metric, R->old[k].metric, sizeof pt->metric);
            pt->why = R->old[k].why ? xstrdup(R->old[k].why) : NULL;
            pt->done = 1;
            R->resumed++;
            continue;
        }
        todo[n++] = i;
    }
    while (n > 0 && !R->stop) {
        run_workers(R, todo, n);
        uint64_t left = 0;
        for (uint64_t t = 0; t < n; t++)
            if (!R->pts[todo[t]].done) todo[left++] = todo[t];
        if (left == n) break; /* nothing settled (cannot happen but when stopped) */
        n = left;
    }
    flush_rows(R);
    free(todo);
}

/* ------------------------------------------------------------------ */
/* Strategies                                                          */
/* ------------------------------------------------------------------ */

/* A random grid index not planned before, or UINT64_MAX when the space
 * looks exhausted. */
static uint64_t fresh_random(run *R) {
    uint64_t size = R->sp.size;
    if (R->seen.n >= size) return UINT64_MAX;
    for (int tries = 0; tries < 1000; tries++) {
        uint64_t g = rng_below(&R->rng, size);
        if (gset_add(&R->seen, g)) return g;
    }
    /* a nearly full space: walk from a random place to the next free one */
    uint64_t g = rng_below(&R->rng, size);
    for (uint64_t k = 0; k < size; k++, g = (g + 1) % size)
        if (gset_add(&R->seen, g)) return g;
    return UINT64_MAX;
}

static void strategy_grid(run *R) {
    for (uint64_t from = 0; from < R->budget && !R->stop;) {
        uint64_t to = from + 1024 < R->budget ? from + 1024 : R->budget;
        for (uint64_t g = from; g < to; g++) plan_point(R, g);
        evaluate_batch(R, from, to);
        from = to;
    }
}

static void strategy_random(run *R) {
    while (R->npts < R->budget && !R->stop) {
        uint64_t from = R->npts;
        while (R->npts < R->budget && R->npts - from < 1024) {
            uint64_t g = fresh_random(R);
            if (g == UINT64_MAX) break;
            plan_point(R, g);
        }
        if (R->npts == from) break;
        evaluate_batch(R, from, R->npts);
    }
}

/* Indices of the evaluated points, best first (ties: lower index). */
static const run *sort_run;

static int by_fitness(const void *x, const void *y) {
    const ex_point *a = &sort_run->pts[*(const uint64_t *)x], *b = &sort_run->pts[*(const uint64_t *)y];
    double fa = fitness(&sort_run->sp, a), fb = fitness(&sort_run->sp, b);
    if (fa != fb) return fa < fb ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Guided search: a (mu + lambda) evolutionary search over the grid.
 * Generation 0 is a random sample; each next generation takes the better
 * half of all points seen so far as parents, and makes children by uniform
 * crossover of two tournament winners and a mutation of one variable to
 * another of its values, never revisiting a point.  It needs no gradient
 * and no continuity, which a mix of parameters, mappings and systems does
 * not have, and every choice comes from the seeded generator, so a run is
 * reproducible and independent of -j. */
static void strategy_guided(run *R) {
    uint64_t pop = R->budget < 16 ? R->budget : 16;
    if (pop < 2) pop = R->budget;
    int nv = R->sp.nvars;
    int *child = malloc(sizeof(int) * (size_t)(nv + 1)), *other = malloc(sizeof(int) * (size_t)(nv + 1));
    uint64_t *order = NULL;
    if (!child || !other) mem_fail(0);
    while (R->npts < R->budget && !R->stop) {
        uint64_t from = R->npts, want = R->budget - R->npts < pop ? R->budget - R->npts : pop;
        if (from == 0) {
            for (uint64_t i = 0; i < want; i++) {
                uint64_t g = fresh_random(R);
                if (g == UINT64_MAX) break;
                plan_point(R, g);
            }
        } else {
            order = realloc(order, sizeof(uint64_t) * (size_t)R->npts);
            if (!order) mem_fail(0);
            for (uint64_t i = 0; i < R->npts; i++) order[i] = i;
            sort_run = R;
            qsort(order, R->npts, sizeof *order, by_fitness);
            uint64_t parents = R->npts / 2 < 2 ? (R->npts < 2 ? R->npts : 2) : R->npts / 2;
            for (uint64_t i = 0; i < want; i++) {
                uint64_t g = UINT64_MAX;
                for (int tries = 0; tries < 32 && g == UINT64_MAX; tries++) {
                    uint64_t a = rng_below(&R->rng, parents), b = rng_below(&R->rng, parents);
                    const ex_point *pa = &R->pts[order[a < b ? a : b]];
                    memcpy(child, pa->choice, sizeof(int) * (size_t)nv);
                    if (rng_next(&R->rng) & 1) { /* uniform crossover with another winner */
                        uint64_t c = rng_below(&R->rng, parents), d = rng_below(&R->rng, parents);
                        memcpy(other, R->pts[order[c < d ? c : d]].choice, sizeof(int) * (size_t)nv);
                        for (int v = 0; v < nv; v++)
                            if (rng_next(&R->rng) & 1) child[v] = other[v];
                    }
                    int v = (int)rng_below(&R->rng, (uint64_t)nv);
                    int k = R->sp.vars[v].nvals;
                    if (k > 1) child[v] = (child[v] + 1 + (int)rng_below(&R->rng, (uint64_t)k - 1)) % k;
                    uint64_t cand = encode(&R->sp, child);
                    if (gset_add(&R->seen, cand)) g = cand;
                }
                if (g == UINT64_MAX) g = fresh_random(R);
                if (g == UINT64_MAX) break;
                plan_point(R, g);
            }
        }
        if (R->npts == from) break;
        evaluate_batch(R, from, R->npts);
    }
    free(order);
    free(child);
    free(other);
}

/* ------------------------------------------------------------------ */
/* Resume and the final file                                           */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* What the results were computed from                                 */
/* ------------------------------------------------------------------ */

/* Next to the results file CSV, explore keeps CSV.inputs: one line per
 * input with a 64-bit FNV-1a hash of it,
 *
 *     mldc explore inputs 1
 *     explore HASH            the explore block as lowered (variables and
 *                             their values, constraints, objectives)
 *     set HASH                the --set overrides, in order
 *     file HASH PATH          the design, then each import and HF config
 *
 * --resume compares it with the inputs of this run and refuses (naming
 * each difference) when they differ, since the old rows would be results
 * of another design; --resume --force keeps them anyway.  The design file
 * is matched by position (it may be named by another relative path), the
 * others by path. */

static unsigned long long hash_str(unsigned long long h, const char *s) {
    return util_hash64(s, strlen(s) + 1, h);
}

static unsigned long long explore_hash(const ex_space *sp) {
    unsigned long long h = UTIL_HASH_START;
    char buf[128];
    for (int v = 0; v < sp->nvars; v++) {
        const ir_vary *vy = &sp->vars[v];
        snprintf(buf, sizeof buf, "vary %d %d", (int)vy->kind, vy->nvals);
        h = hash_str(hash_str(h, buf), vy->name);
        for (int k = 0; k < vy->nvals; k++) {
            value_text(vy, k, buf, sizeof buf, 1);
            h = hash_str(h, buf);
        }
    }
    for (int i = 0; i < sp->ex->nreq; i++) {
        snprintf(buf, sizeof buf, "require %d %d %.17g", (int)sp->ex->req[i].metric, sp->ex->req[i].op,
                 sp->ex->req[i].bound);
        h = hash_str(h, buf);
    }
    for (int i = 0; i < sp->ex->nobj; i++) {
        snprintf(buf, sizeof buf, "objective %d %d", (int)sp->ex->obj[i].metric, sp->ex->obj[i].maximize);
        h = hash_str(h, buf);
    }
    return h;
}

/* The record's text, malloc'd. */
static char *inputs_record(const ex_options *o, const ex_space *sp, const ir_design *d) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) mem_fail(0);
    unsigned long long sets = UTIL_HASH_START;
    for (int i = 0; i < o->base->nsets; i++) sets = hash_str(sets, o->base->sets[i]);
    fprintf(f, "mldc explore inputs 1\nexplore %016llx\nset %016llx\n", explore_hash(sp), sets);
    for (int i = 0; i < d->ninputs; i++) fprintf(f, "file %016llx %s\n", d->inputs[i].hash, d->inputs[i].path);
    if (fclose(f) != 0) mem_fail(0);
    return buf;
}

/* Append ", what" to a list of differences; what is a sentence, or
 * (with path) "'PATH' " and then what. */
static void say_diff(char *out, size_t n, const char *path, const char *what) {
    size_t l = strlen(out);
    if (l + 4 >= n) return;
    if (l) l += (size_t)snprintf(out + l, n - l, ", ");
    if (path) snprintf(out + l, n - l, "'%s' %s", path, what);
    else snprintf(out + l, n - l, "%s", what);
}

/* Compare the record old (another run's) with now; the differences,
 * written into out, or "" when there are none. */
static void inputs_compare(const char *old, const char *now, char *out, size_t n) {
    out[0] = 0;
    char *a = xstrdup(old), *b = xstrdup(now);
    char *alines[MLDC_MAX_IMPORTS + 8], *blines[MLDC_MAX_IMPORTS + 8];
    int na = 0, nb = 0;
    for (char *s = strtok(a, "\n"); s && na < MLDC_MAX_IMPORTS + 8; s = strtok(NULL, "\n")) alines[na++] = s;
    for (char *s = strtok(b, "\n"); s && nb < MLDC_MAX_IMPORTS + 8; s = strtok(NULL, "\n")) blines[nb++] = s;
    if (na < 3 || strcmp(alines[0], blines[0]) != 0) {
        say_diff(out, n, NULL, "its record of them is unreadable");
    } else {
        if (strcmp(alines[1], blines[1]) != 0) say_diff(out, n, NULL, "the explore block changed (variables, values, constraints or objectives)");
        if (strcmp(alines[2], blines[2]) != 0) say_diff(out, n, NULL, "the --set overrides differ");
        /* files: the design by position, the others by path (after "file " and 16 hex digits and a blank) */
        for (int j = 3; j < nb; j++) {
            const char *path = blines[j] + 22;
            int found = 0;
            for (int i = 3; i < na && !found; i++) {
                if (strlen(alines[i]) < 22 || (j == 3 ? i != 3 : strcmp(alines[i] + 22, path) != 0)) continue;
                found = 1;
                if (strncmp(alines[i], blines[j], 21) != 0) say_diff(out, n, path, "changed");
            }
            if (!found) say_diff(out, n, path, "is read now but was not then");
        }
        for (int i = 4; i < na; i++) {
            int found = 0;
            for (int j = 4; j < nb && !found; j++) found = strlen(alines[i]) >= 22 && strcmp(alines[i] + 22, blines[j] + 22) == 0;
            if (!found && strlen(alines[i]) >= 22) say_diff(out, n, alines[i] + 22, "was read then but is not now");
        }
    }
    free(a);
    free(b);
}

/* Read a whole small file, malloc'd; NULL when it cannot be read. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t len;
    char *t = util_read_all(f, 1 << 20, &len);
    fclose(f);
    return t;
}

/* Read the rows of an earlier run; truncate a torn last line, and stop at
 * the first gap in the indices (an interrupted run's final file keeps
 * every finished point; those after the gap are evaluated again).
 * Returns 0, or 2 after a message when the file does not belong to this
 * exploration or a row is malformed (named by its line).  R->old_good is
 * where the rows kept end: the caller truncates the file there. */
static int read_old(run *R, const char *path) {
    FILE *f = fopen(path, "r");
    mld_loc none = {0};
    if (!f) {
        if (errno == ENOENT) return 0; /* nothing to resume */
        diag_error(R->dc, none, "cannot read '%s': %s", path, strerror(errno));
        return 2;
    }
    char want[4096], why[256];
    char *line = NULL;
    size_t cap = 0;
    csv_header(&R->sp, want, sizeof want);
    size_t n = csv_getline(&line, &cap, f, 1);
    if (n == 0 || line[n - 1] != '\n') { /* empty, or torn in its header: nothing to resume */
        fclose(f);
        free(line);
        return 0;
    }
    if (header_diff(line, want, why, sizeof why)) {
        fclose(f);
        free(line);
        diag_error(R->dc, none, "'%s' is not this exploration's results (%s); not resuming over it", path, why);
        return 2;
    }
    long good = ftell(f), lineno = 1;
    uint64_t expect = R->o->shard_n > 1 ? (uint64_t)R->o->shard_i : 0;
    uint64_t step = R->o->shard_n > 1 ? (uint64_t)R->o->shard_n : 1;
    int rc = 0;
    while ((n = csv_getline(&line, &cap, f, ++lineno))) {
        if (line[n - 1] != '\n') break; /* torn */
        ex_point pt;
        memset(&pt, 0, sizeof pt);
        pt.choice = malloc(sizeof(int) * (size_t)(R->sp.nvars + 1));
        if (!pt.choice) mem_fail(sizeof(int) * (size_t)(R->sp.nvars + 1));
        const char *bad = parse_row(&R->sp, line, &pt, why, sizeof why);
        if (bad || pt.index != expect) {
            free(pt.choice);
            free(pt.why);
            if (bad) {
                diag_error(R->dc, none, "%s:%ld: a malformed row: %s; not resuming over it", path, lineno, bad);
                rc = 2;
            }
            break;
        }
        R->old = realloc(R->old, sizeof(ex_point) * (size_t)(R->nold + 1));
        if (!R->old) mem_fail(sizeof(ex_point) * (size_t)(R->nold + 1));
        R->old[R->nold++] = pt;
        expect += step;
        good = ftell(f);
    }
    fclose(f);
    free(line);
    R->old_good = good;
    return rc;
}

/* An output file of the run (util_out: whole or untouched); NULL after a
 * message naming the file and the system's reason. */
static FILE *out_open(run *R, util_out *out, const char *path) {
    if (util_out_open(out, path) == 0) return out->f;
    mld_loc none = {0};
    diag_error(R->dc, none, "cannot write '%s': %s", path, strerror(errno));
    return NULL;
}

/* Commit it: 0, or 2 after a message (the temporary file removed). */
static int out_close(run *R, util_out *out, const char *path) {
    if (util_out_close(out) == 0) return 0;
    mld_loc none = {0};
    diag_error(R->dc, none, "cannot write '%s': %s", path, strerror(errno));
    return 2;
}

/* Rewrite the CSV with the Pareto column, atomically (util_out).  0, or 2
 * after a message naming the file and the system's reason. */
static int write_final(run *R) {
    util_out out;
    if (!out_open(R, &out, R->o->csv)) return 2;
    char row[4096];
    csv_header(&R->sp, row, sizeof row);
    fputs(row, out.f);
    for (uint64_t i = 0; i < R->npts; i++) {
        if (!R->pts[i].done) continue;
        csv_row(&R->sp, &R->pts[i], R->pts[i].pareto, row, sizeof row);
        fputs(row, out.f);
    }
    int rc = out_close(R, &out, R->o->csv);
    R->wrote_csv = rc == 0;
    return rc;
}

static void write_json(FILE *f, const run *R) {
    fprintf(f, "{\"design\":\"%s\",\"points\":[\n", R->o->path);
    int first = 1;
    for (uint64_t i = 0; i < R->npts; i++) {
        const ex_point *pt = &R->pts[i];
        if (!pt->done) continue;
        fprintf(f, "%s{\"index\":%llu", first ? "" : ",\n", (unsigned long long)pt->index);
        first = 0;
        for (int v = 0; v < R->sp.nvars; v++) {
            char val[128];
            value_text(&R->sp.vars[v], pt->choice[v], val, sizeof val, 0);
            if (R->sp.vars[v].kind == VARY_PARAM) fprintf(f, ",\"%s\":%s", R->sp.vars[v].name, val);
            else fprintf(f, ",\"%s\":\"%s\"", R->sp.vars[v].name, val);
        }
        fprintf(f, ",\"status\":\"%s\"", status_name(pt->status));
        if (pt->status != EX_ERROR)
            for (int m = 0; m < METRIC_COUNT; m++) fprintf(f, ",\"%s\":%.17g", metric_cols[m], pt->metric[m]);
        fprintf(f, ",\"pareto\":%s", pt->pareto ? "true" : "false");
        if (pt->why) {
            fputs(",\"why\":\"", f);
            for (const char *c = pt->why; *c; c++) {
                if (*c == '"' || *c == '\\') fputc('\\', f);
                fputc((unsigned char)*c < 0x20 ? ' ' : *c, f);
            }
            fputc('"', f);
        }
        fputc('}', f);
    }
    fprintf(f, "\n]}\n");
}

static int load_space(const char *path, const mldc_options *base, diag_ctx *dc, ir_design **dp, ex_space *sp) {
    ir_design *d = mldc_load_file(path, base, dc);
    *dp = d;
    if (d->failed_io) return 2;
    if (dc->nerrors) return 1;
    if (!d->explore) {
        mld_loc none = {0};
        diag_error(dc, none, "'%s' has no explore block", path);
        return 1;
    }
    memset(sp, 0, sizeof *sp);
    sp->ex = d->explore;
    sp->nvars = d->explore->nvary;
    sp->vars = d->explore->vary;
    sp->size = space_size(sp);
    sp->per = d->nmappings ? plan_count_word(d->mappings[0]->wl, NULL) : "runs";
    if (d->nmappings == 0) {
        mld_loc none = {0};
        diag_error(dc, none, "'%s' has no mapping to evaluate", path);
        return 1;
    }
    return 0;
}

/* The closing summary: what ran, what was skipped and why, what failed
 * which constraint, and the front. */
static void summary_text(FILE *f, const run *R, const ex_summary *sum) {
    static const char *const strat[] = {"grid", "random", "guided"};
    const ex_options *o = R->o;
    fprintf(f, "explore %s: %s search, %llu of %llu points", o->path, strat[o->strategy],
            (unsigned long long)sum->planned, (unsigned long long)sum->space);
    if (o->shard_n > 1) fprintf(f, " (shard %d/%d)", o->shard_i, o->shard_n);
    fprintf(f, "\n");
    fprintf(f, "evaluated %llu in %.2f s (%.1f points/s), %llu from the earlier run, %llu not evaluated%s\n",
            (unsigned long long)sum->evaluated, sum->seconds, sum->seconds > 0 ? (double)sum->evaluated / sum->seconds : 0,
            (unsigned long long)sum->resumed, (unsigned long long)sum->skipped,
            sum->skipped ? (R->interrupted ? " (interrupted)" : " (time limit)") : "");
    if (sum->planned < sum->space)
        fprintf(f, "budget: %llu of the space's %llu points not planned (--max-points)\n",
                (unsigned long long)(sum->space - sum->planned), (unsigned long long)sum->space);
    fprintf(f, "feasible %llu, infeasible %llu, errors %llu\n", (unsigned long long)sum->feasible,
            (unsigned long long)sum->infeasible, (unsigned long long)sum->errors);
    if (R->lost)
        fprintf(f, "lost %llu point%s: the worker evaluating %s died (the why column says how)\n",
                (unsigned long long)R->lost, R->lost == 1 ? "" : "s", R->lost == 1 ? "it" : "each");
    for (int k = 0; k < R->sp.ex->nreq && k < 16; k++) {
        if (!sum->violated[k]) continue;
        const ir_require *rq = &R->sp.ex->req[k];
        char lim[64];
        explore_format_metric(&R->sp, rq->metric, rq->bound, lim, sizeof lim);
        const char *opt = rq->op == '<' ? "<" : rq->op == '>' ? ">" : rq->op == LE ? "<=" : ">=";
        fprintf(f, "  require %s %s %s ruled out %llu point%s\n", ir_metric_name(rq->metric), opt, lim,
                (unsigned long long)sum->violated[k], sum->violated[k] == 1 ? "" : "s");
    }
    if (!sum->feasible && sum->infeasible) fprintf(f, "no feasible point: relax the constraints above or widen the space\n");
    if (sum->errors) {
        for (uint64_t i = 0; i < R->npts; i++)
            if (R->pts[i].done && R->pts[i].status == EX_ERROR) {
                fprintf(f, "first error (point %llu): %s\n", (unsigned long long)R->pts[i].index,
                        R->pts[i].why ? R->pts[i].why : "");
                break;
            }
    }
    fprintf(f, "pareto front: %llu point%s\n", (unsigned long long)sum->pareto, sum->pareto == 1 ? "" : "s");
    int shown = 0;
    for (uint64_t i = 0; i < R->npts && shown < 10; i++) {
        const ex_point *pt = &R->pts[i];
        if (!pt->pareto) continue;
        char lab[512];
        explore_point_label(&R->sp, pt, lab, sizeof lab);
        fprintf(f, "  #%llu %s:", (unsigned long long)pt->index, lab);
        for (int k = 0; k < R->sp.ex->nobj; k++) {
            char v[64];
            int m = R->sp.ex->obj[k].metric;
            explore_format_metric(&R->sp, m, pt->metric[m], v, sizeof v);
            fprintf(f, "%s %s %s", k ? "," : "", ir_metric_name((ir_metric)m), v);
        }
        fprintf(f, "\n");
        shown++;
    }
    if (sum->pareto > 10) fprintf(f, "  ... (%llu more in %s)\n", (unsigned long long)sum->pareto - 10, o->csv);
    /* only the files that were written */
    const char *json = R->wrote_json ? o->json : NULL, *svg = R->wrote_svg ? o->svg : NULL;
    const char *report = R->wrote_report ? o->report : NULL;
    fprintf(f, "results: %s%s%s%s%s%s%s\n", R->wrote_csv ? o->csv : "(none)", json ? ", " : "", json ? json : "",
            svg ? ", " : "", svg ? svg : "", report ? ", " : "", report ? report : "");
}

static void free_points(ex_point *p, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        free(p[i].choice);
        free(p[i].why);
    }
    free(p);
}

static int explore_run_cached(const ex_options *o, diag_ctx *dc, ex_summary *sum) {
    memset(sum, 0, sizeof *sum);
    run R;
    memset(&R, 0, sizeof R);
    R.o = o;
    R.dc = dc;
    R.t0 = now_s();
    R.rng = o->seed ^ 0x6D6C6463ull;
    R.tty = isatty(2);
    ir_design *d = NULL;
    int rc = load_space(o->path, o->base, dc, &d, &R.sp);
    if (rc) {
        ir_design_free(d);
        return rc;
    }
    if (o->shard_n > 1 && o->strategy == EX_GUIDED) {
        mld_loc none = {0};
        diag_error(dc, none, "--shard needs a strategy whose points do not depend on results (grid or random)");
        ir_design_free(d);
        return 1;
    }
    uint64_t size = R.sp.size;
    uint64_t budget = o->max_points;
    if (!budget) budget = o->strategy == EX_GRID ? size : o->strategy == EX_RANDOM ? RANDOM_DEFAULT_BUDGET : GUIDED_DEFAULT_BUDGET;
    if (budget > size) budget = size;
    R.budget = budget;
    char *record = inputs_record(o, &R.sp, d), inputs_path[4200];
    snprintf(inputs_path, sizeof inputs_path, "%s.inputs", o->csv);
    /* A device or FIFO as -o (/dev/stdout, a pipe) gets the final file
     * only: no rows while running, no resume, no .inputs record. */
    struct stat cst;
    int csv_regular = stat(o->csv, &cst) != 0 || S_ISREG(cst.st_mode);
    if (csv_regular && o->resume && (rc = read_old(&R, o->csv)) == 0 && R.nold) {
        /* the rows kept must be results of these inputs */
        char *old = slurp(inputs_path), diff[1024];
        if (old) inputs_compare(old, record, diff, sizeof diff);
        else snprintf(diff, sizeof diff, "there is no '%.900s' to tell", inputs_path);
        free(old);
        if (diff[0] && !o->force) {
            mld_loc none = {0};
            diag_error(dc, none,
                       "'%s' holds results of other inputs than this run's: %s; run without --resume to start over, "
                       "or with --resume --force to keep its rows anyway",
                       o->csv, diff);
            rc = 2;
        }
    }
    if (!rc && o->resume && R.nold && truncate(o->csv, R.old_good) != 0) {
        mld_loc none = {0};
        diag_error(dc, none, "cannot truncate '%s': %s", o->csv, strerror(errno));
        rc = 2;
    }
    if (!rc && csv_regular) {
        util_out io;
        int bad = util_out_open(&io, inputs_path) != 0;
        if (!bad) {
            fputs(record, io.f);
            bad = util_out_close(&io) != 0;
        }
        if (bad) {
            mld_loc none = {0};
            diag_error(dc, none, "cannot write '%s': %s", inputs_path, strerror(errno));
            rc = 2;
        }
    }
    free(record);
    if (rc) {
        ir_design_free(d);
        free_points(R.old, R.nold);
        return rc;
    }
    R.fd = csv_regular ? open(o->csv, O_WRONLY | O_CREAT | (o->resume && R.nold ? O_APPEND : O_TRUNC), 0644) : -2;
    if (R.fd == -1) {
        mld_loc none = {0};
        diag_error(dc, none, "cannot write '%s': %s", o->csv, strerror(errno));
        ir_design_free(d);
        free_points(R.old, R.nold);
        return 2;
    }
    if (R.fd >= 0 && !(o->resume && R.nold)) {
        char head[4096];
        csv_header(&R.sp, head, sizeof head);
        write_all(R.fd, head, strlen(head));
    }
    got_signal = 0;
    struct sigaction sa, old_int, old_term, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN; /* a worker that died: EPIPE on its pipe, then end of file */
    sigaction(SIGPIPE, &sa, &old_pipe);
    if (o->strategy == EX_GRID) strategy_grid(&R);
    else if (o->strategy == EX_RANDOM) strategy_random(&R);
    else strategy_guided(&R);
    pool_close(&R);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (R.fd >= 0) close(R.fd);
    progress(&R, 1);

    sum->space = size;
    sum->planned = R.budget;
    sum->evaluated = R.evaluated;
    sum->resumed = R.resumed;
    uint64_t done = 0;
    for (uint64_t i = 0; i < R.npts; i++) {
        const ex_point *pt = &R.pts[i];
        if (!pt->done) continue;
        done++;
        if (pt->status == EX_OK) sum->feasible++;
        else if (pt->status == EX_INFEASIBLE) sum->infeasible++;
        else sum->errors++;
    }
    uint64_t planned_ours = o->shard_n > 1 ? (R.budget + (uint64_t)(o->shard_n - 1 - o->shard_i)) / (uint64_t)o->shard_n : R.budget;
    sum->skipped = planned_ours > done ? planned_ours - done : 0;
    sum->pareto = mark_pareto(&R.sp, R.pts, R.npts);
    for (uint64_t i = 0; i < R.npts; i++) {
        const ex_point *pt = &R.pts[i];
        if (!pt->done || pt->status != EX_INFEASIBLE) continue;
        for (int k = 0; k < R.sp.ex->nreq && k < 16; k++) {
            const ir_require *rq = &R.sp.ex->req[k];
            double v = pt->metric[rq->metric], b = rq->bound;
            int ok = rq->op == '<' ? v < b : rq->op == '>' ? v > b : rq->op == LE ? v <= b : v >= b;
            sum->violated[k] += !ok;
        }
    }
    rc = 0;
    if (write_final(&R) != 0) rc = 2;
    util_out out;
    if (o->json && out_open(&R, &out, o->json)) {
        write_json(out.f, &R);
        R.wrote_json = out_close(&R, &out, o->json) == 0;
    }
    if (o->svg && out_open(&R, &out, o->svg)) {
        explore_svg_front(out.f, &R.sp, R.pts, R.npts);
        R.wrote_svg = out_close(&R, &out, o->svg) == 0;
    }
    sum->seconds = now_s() - R.t0;
    if (o->report) {
        /* the best point's full report: first objective, among the front */
        const ex_point *best = NULL;
        for (uint64_t i = 0; i < R.npts; i++)
            if (R.pts[i].pareto && (!best || fitness(&R.sp, &R.pts[i]) < fitness(&R.sp, best))) best = &R.pts[i];
        char *text = NULL;
        if (best) {
            ex_point copy = *best;
            copy.why = NULL;
            evaluate(o, &R.sp, &copy, &text, NULL);
            free(copy.why);
        }
        if (out_open(&R, &out, o->report)) {
            explore_html(out.f, o->path, &R.sp, R.pts, R.npts, sum, text);
            R.wrote_report = out_close(&R, &out, o->report) == 0;
        }
        free(text);
    }
    if ((o->json && !R.wrote_json) || (o->svg && !R.wrote_svg) || (o->report && !R.wrote_report)) rc = 2;
    if (o->summary) summary_text(o->summary, &R, sum);
    if (o->on_point)
        for (uint64_t i = 0; i < R.npts; i++)
            if (R.pts[i].done) o->on_point(o->on_point_ud, &R.sp, &R.pts[i]);
    if (R.lost) {
        mld_loc none = {0};
        const ex_point *pt = &R.pts[R.first_lost];
        diag_error(dc, none,
                   "%llu point%s lost: point %llu: %s; %s error rows in '%s', which --resume keeps rather than "
                   "evaluating them again",
                   (unsigned long long)R.lost, R.lost == 1 ? "" : "s", (unsigned long long)pt->index,
                   pt->why ? pt->why : "", R.lost == 1 ? "it is an" : "they are", o->csv);
        rc = rc ? rc : 1;
    }
    if (R.interrupted) {
        mld_loc none = {0};
        diag_error(dc, none, "interrupted after %llu of %llu points; run again with --resume to finish",
                   (unsigned long long)(R.evaluated + R.resumed), (unsigned long long)planned_ours);
        rc = rc ? rc : 1;
    }
    free_points(R.pts, R.npts);
    free_points(R.old, R.nold);
    free(R.seen.k);
    ir_design_free(d);
    return rc;
}

int explore_run(const ex_options *o, diag_ctx *dc, ex_summary *sum) {
    /* every load of the run - the space's, each point's - reads and
     * parses the files once, into this cache (the workers inherit it) */
    mldc_options base = *o->base;
    if (!base.cache) base.cache = srccache_new();
    ex_options with_cache = *o;
    with_cache.base = &base;
    int rc = explore_run_cached(&with_cache, dc, sum);
    if (base.cache != o->base->cache) srccache_free(base.cache);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Merging shards                                                      */
/* ------------------------------------------------------------------ */

static int cmp_index(const void *x, const void *y) {
    const ex_point *a = x, *b = y;
    return a->index < b->index ? -1 : a->index > b->index;
}

int explore_merge(const char *design, const mldc_options *base, const char *out, const char *const *in, int nin,
                  diag_ctx *dc) {
    ir_design *d = NULL;
    run R;
    memset(&R, 0, sizeof R);
    R.dc = dc;
    int rc = load_space(design, base, dc, &d, &R.sp);
    if (rc) {
        ir_design_free(d);
        return rc;
    }
    char want[4096], why[256], diff[1024], ipath[4200];
    char *line = NULL;
    size_t cap = 0;
    csv_header(&R.sp, want, sizeof want);
    mld_loc none = {0};
    ex_options o;
    memset(&o, 0, sizeof o);
    o.csv = out;
    o.base = base;
    char *record = inputs_record(&o, &R.sp, d);
    for (int i = 0; i < nin && !rc; i++) {
        FILE *f = fopen(in[i], "r");
        if (!f) {
            diag_error(dc, none, "cannot open '%s': %s", in[i], strerror(errno));
            rc = 2;
            break;
        }
        /* a shard's record of its inputs, when it has one, must match */
        snprintf(ipath, sizeof ipath, "%s.inputs", in[i]);
        char *old = slurp(ipath);
        if (old) {
            inputs_compare(old, record, diff, sizeof diff);
            if (diff[0]) {
                diag_error(dc, none, "'%s' holds results of other inputs than this design's: %s", in[i], diff);
                rc = 2;
            }
            free(old);
        }
        long lineno = 1;
        size_t n = rc ? 0 : csv_getline(&line, &cap, f, 1);
        if (!rc && (n == 0 || header_diff(line, want, why, sizeof why))) {
            diag_error(dc, none, "'%s' is not this design's exploration results (%s)", in[i],
                       n ? why : "it is empty");
            rc = 2;
        }
        while (!rc && (n = csv_getline(&line, &cap, f, ++lineno))) {
            if (line[n - 1] != '\n') break; /* a torn last line: that shard resumes it */
            if (R.npts == R.cap) {
                R.cap = R.cap ? R.cap * 2 : 256;
                R.pts = realloc(R.pts, R.cap * sizeof *R.pts);
                if (!R.pts) mem_fail(R.cap * sizeof *R.pts);
            }
            ex_point *pt = &R.pts[R.npts];
            memset(pt, 0, sizeof *pt);
            pt->choice = malloc(sizeof(int) * (size_t)(R.sp.nvars + 1));
            if (!pt->choice) mem_fail(0);
            const char *bad = parse_row(&R.sp, line, pt, why, sizeof why);
            if (bad) {
                diag_error(dc, none, "%s:%ld: a malformed row: %s", in[i], lineno, bad);
                free(pt->choice);
                free(pt->why);
                rc = 2;
                break;
            }
            pt->done = 1;
            R.npts++;
        }
        fclose(f);
    }
    free(line);
    if (!rc) {
        if (R.npts) qsort(R.pts, R.npts, sizeof *R.pts, cmp_index); /* qsort(NULL, 0) is undefined */
        uint64_t k = 0; /* drop duplicates: the same index from two files */
        for (uint64_t i = 0; i < R.npts; i++) {
            if (k && R.pts[k - 1].index == R.pts[i].index) {
                free(R.pts[i].choice);
                free(R.pts[i].why);
                continue;
            }
            R.pts[k++] = R.pts[i];
        }
        R.npts = k;
        mark_pareto(&R.sp, R.pts, R.npts);
        R.o = &o;
        rc = write_final(&R);
        snprintf(ipath, sizeof ipath, "%s.inputs", out);
        util_out io;
        if (!rc && util_out_open(&io, ipath) == 0) {
            fputs(record, io.f);
            if (util_out_close(&io) != 0) rc = 2;
        } else if (!rc) {
            rc = 2;
        }
        if (rc && !dc->nerrors) diag_error(dc, none, "cannot write '%s': %s", ipath, strerror(errno));
    }
    free(record);
    free_points(R.pts, R.npts);
    ir_design_free(d);
    return rc;
}
