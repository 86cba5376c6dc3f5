/* explore_plot.c - what `mldc explore` draws and reports: the Pareto-front
 * SVG, the per-variable sensitivity SVG and the single-file HTML report.
 *
 * Design
 * ------
 * No plotting library: SVG is written directly with fprintf, one element
 * per line.  The pieces are a scale ("axis": linear, or log10 when the data
 * span more than two decades), a frame with grid lines and tick labels, and
 * circles with a <title> child, which browsers show as hover text.  Colours
 * and strokes are presentation attributes on <g> groups rather than CSS, so
 * an SVG inlined into the HTML report neither needs nor leaks a stylesheet.
 * No XML declaration is written, for the same reason: the same bytes serve
 * as a standalone .svg file and as inline SVG in HTML5.
 *
 * Determinism.  Output depends only on the space and the points: numbers
 * through fixed formats ("%.2f" for pixels, units_format_value for
 * quantities; the program never calls setlocale), points in array order
 * within each drawing layer, and every sort keyed down to the point index
 * and array position.  No pointer values, times or hash orders reach the
 * output.
 *
 * Guards.  Ranges are padded (5% of the span, or 10% of the value, or 1,
 * when all values are equal), so a single point or a constant metric never
 * divides by zero; non-finite metrics are not drawn and print as "n/a";
 * points with status EX_ERROR are never drawn (their metrics mean nothing),
 * and points without a result (done == 0: planned but skipped) appear
 * nowhere, neither drawn nor in the table.
 *
 * Which metrics.  The front plots the first two objectives (x = first); with
 * one objective, that objective (y) against area (x), or against latency
 * when the objective is area; with none, energy (y) against latency (x).
 * Throughput and its ratios are shown per the workload's unit of work
 * (ex_space.per: tokens/s, tokens/s/mm², tokens/s/W), EDP in J·s.
 *
 * The HTML report adds a script (html_script, plain DOM): a click on a
 * heading sorts the table (numbers by the data-v of each cell), a text box
 * and a status menu filter it, a click on a plot point (data-i) highlights
 * its row and back, and a menu colours the points by a variable from the
 * JSON block "pdata".  Without the script the page is complete, static.
 * The "best point" of the HTML report is the point on the front with the
 * best value of the first objective, ties going to the smaller index (with
 * no objective: the front's first point): the rule explore.c uses to choose
 * the point whose run report it passes in.  The sensitivity panels come
 * once per objective (latency when there is none).
 */
#include "explore.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h" /* LE, GE: the operators of a require */
#include "units.h"

enum {
    LABEL_MAX = 1024,   /* a point's variables, as text */
    VALUE_MAX = 96,     /* one formatted quantity */
    TICKS_MAX = 12,
    TABLE_MAX_ROWS = 500,
    LIST_MAX_VALUES = 24 /* values of a variable listed in the report */
};

/* Front plot geometry (pixels): canvas and the plot area inside it. */
#define FW 960.0
#define FH 600.0
#define FX0 96.0
#define FX1 920.0
#define FY0 56.0
#define FY1 540.0

/* Sensitivity panel geometry: panel size and the plot area's margins. */
#define PW 320.0
#define PH 210.0
#define PL 70.0
#define PR 14.0
#define PT 30.0
#define PB 36.0
#define SHEAD 30.0 /* the sensitivity SVG's heading */

#define C_FEAS "#4c78a8"
#define C_FRONT "#e4572e"
#define C_INFEAS "#9a9a9a"
#define C_GRID "#e8e8e8"
#define C_AXIS "#555555"
#define C_TEXT "#222222"
#define C_NOTE "#b00020"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static units_dim metric_dim(int m) { return ir_metric_dim((ir_metric)m); }

static const char *metric_name(int m) {
    const char *s = (m >= 0 && m < METRIC_COUNT) ? ir_metric_name((ir_metric)m) : NULL;
    return s ? s : "?";
}

/* v with an SI prefix for `unit` ("37.06 ktokens/s" reads badly, so a
 * word unit gets a space: "37.06 k tokens/s"; "4.2 µJ·s"). */
static void si_value(double v, const char *unit, int word, char *buf, size_t n) {
    static const char *const pre[] = {"f", "p", "n", "µ", "m", "", "k", "M", "G", "T", "P"};
    int e = v != 0.0 ? (int)floor(log10(fabs(v)) / 3.0) : 0;
    if (e < -5) e = -5;
    if (e > 5) e = 5;
    const char *p = pre[e + 5];
    char num[32];
    snprintf(num, sizeof num, "%.6g", v / pow(1000.0, e));
    snprintf(buf, n, "%s %s%s%s", num, p, word && *p ? " " : "", unit);
}

/* What throughput counts ("tokens" unless the space says otherwise). */
static const char *per_of(const ex_space *sp) {
    return sp && sp->per ? sp->per : "tokens";
}

/* The unit a reader expects for metric m: throughput and the ratios built
 * on it count the workload's unit of work (tokens/s, tokens/s/mm²,
 * tokens/s/W), the energy-delay product is J·s; other metrics are
 * quantities.  Written into buf (empty: a quantity, use its dimension). */
static void metric_unit(const char *per, int m, char *buf, size_t n) {
    switch (m) {
    case METRIC_THROUGHPUT: snprintf(buf, n, "%s/s", per); break;
    case METRIC_TPA: snprintf(buf, n, "%s/s/mm²", per); break;
    case METRIC_TPW: snprintf(buf, n, "%s/s/W", per); break;
    case METRIC_EDP: snprintf(buf, n, "J·s"); break;
    default: buf[0] = 0;
    }
}

static void fmt_metric(const char *per, int m, double v, char *buf, size_t n) {
    char u[48];
    metric_unit(per, m, u, sizeof u);
    if (!isfinite(v))
        snprintf(buf, n, "n/a");
    else if (m == METRIC_TPA)
        si_value(v * 1e-6, u, 1, buf, n); /* per m² -> per mm² */
    else if (u[0])
        si_value(v, u, m != METRIC_EDP, buf, n);
    else
        units_format_value(v, metric_dim(m), buf, n);
}

void explore_format_metric(const ex_space *sp, int metric, double v, char *buf, size_t n) {
    fmt_metric(per_of(sp), metric, v, buf, n);
}

/* Text for XML and HTML: the five special characters as entities, other
 * control characters (invalid in XML 1.0) as spaces. */
static void esc(FILE *out, const char *s) {
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        switch (*c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            fputc((*c < 0x20 && *c != '\n' && *c != '\t') ? ' ' : *c, out);
        }
    }
}

/* Value number c of a variable: a quantity, or a mapping/system name. */
static void vary_value(const ir_vary *v, int c, char *buf, size_t n) {
    if (c < 0 || c >= v->nvals)
        snprintf(buf, n, "?");
    else if (v->kind == VARY_PARAM && v->vals)
        units_format_value(v->vals[c], v->dim, buf, n);
    else
        snprintf(buf, n, "%s", (v->names && v->names[c]) ? v->names[c] : "?");
}

/* Shorten a tick label to at most max bytes plus "..", cutting only
 * between UTF-8 sequences. */
static void shorten(char *s, size_t max) {
    if (strlen(s) <= max)
        return;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    memcpy(s + k, "..", 3);
}

static int nvars(const ex_space *sp) {
    return (sp && sp->vars) ? sp->nvars : 0;
}

/* The first objective (latency, minimized, when there is none). */
static void first_objective(const ex_space *sp, int *metric, int *maximize) {
    *metric = METRIC_LATENCY;
    *maximize = 0;
    if (sp && sp->ex && sp->ex->nobj > 0) {
        *metric = sp->ex->obj[0].metric;
        *maximize = sp->ex->obj[0].maximize;
    }
}

/* The two metrics of the front plot and whether each is maximized. */
static void front_metrics(const ex_space *sp, int m[2], int mx[2]) {
    const ir_explore *ex = sp ? sp->ex : NULL;
    int nobj = ex ? ex->nobj : 0;
    if (nobj >= 2) {
        for (int i = 0; i < 2; i++) {
            m[i] = ex->obj[i].metric;
            mx[i] = ex->obj[i].maximize;
        }
    } else if (nobj == 1) {
        m[1] = ex->obj[0].metric;
        mx[1] = ex->obj[0].maximize;
        m[0] = m[1] == METRIC_AREA ? METRIC_LATENCY : METRIC_AREA;
        mx[0] = 0;
    } else {
        m[0] = METRIC_LATENCY;
        m[1] = METRIC_ENERGY;
        mx[0] = mx[1] = 0;
    }
}

/* What a point is, for drawing and the table. */
typedef enum { PK_NONE, PK_ERROR, PK_INFEASIBLE, PK_FEASIBLE, PK_FRONT } point_kind;

static point_kind kind_of(const ex_point *p) {
    if (!p->done)
        return PK_NONE;
    switch (p->status) {
    case EX_OK: return p->pareto ? PK_FRONT : PK_FEASIBLE;
    case EX_INFEASIBLE: return PK_INFEASIBLE;
    default: return PK_ERROR;
    }
}

static int better(double a, double b, int maximize) {
    return maximize ? a > b : a < b;
}

/* The point on the front with the best first objective (with none, the
 * front's first point), or NULL. */
static const ex_point *best_point(const ex_space *sp, const ex_point *pts, uint64_t n) {
    int m, mx;
    first_objective(sp, &m, &mx);
    int noobj = !(sp && sp->ex && sp->ex->nobj > 0);
    const ex_point *best = NULL;
    for (uint64_t i = 0; i < n; i++) {
        const ex_point *p = &pts[i];
        if (kind_of(p) != PK_FRONT || (!noobj && !isfinite(p->metric[m])))
            continue;
        if (!best || (!noobj && better(p->metric[m], best->metric[m], mx)) ||
            ((noobj || p->metric[m] == best->metric[m]) && p->index < best->index))
            best = p;
    }
    return best;
}

void explore_point_label(const ex_space *sp, const ex_point *pt, char *buf, size_t n) {
    if (!buf || n == 0)
        return;
    buf[0] = '\0';
    if (!pt)
        return;
    size_t len = 0;
    for (int i = 0; i < nvars(sp); i++) {
        const ir_vary *v = &sp->vars[i];
        char val[VALUE_MAX];
        vary_value(v, pt->choice ? pt->choice[i] : -1, val, sizeof val);
        int w = snprintf(buf + len, n - len, "%s%s=%s", i ? ", " : "", v->name ? v->name : "?", val);
        if (w < 0 || (size_t)w >= n - len)
            return; /* truncated, still terminated */
        len += (size_t)w;
    }
}

/* Hover text of a point: its index and variables, its metrics, and why it
 * is infeasible or that it is on the front. */
static void put_point_title(FILE *out, const ex_space *sp, const ex_point *p) {
    char label[LABEL_MAX], v[VALUE_MAX];
    explore_point_label(sp, p, label, sizeof label);
    fprintf(out, "#%" PRIu64 " ", p->index);
    esc(out, label);
    for (int m = 0; m < METRIC_COUNT; m++) {
        fmt_metric(per_of(sp), m, p->metric[m], v, sizeof v);
        fprintf(out, "%s%s %s", m % 3 ? ", " : "\n", metric_name(m), v);
    }
    if (p->status == EX_INFEASIBLE) {
        fputs("\ninfeasible: ", out);
        esc(out, p->why);
    } else if (p->pareto) {
        fputs("\non the Pareto front", out);
    }
}

/* ------------------------------------------------------------------ */
/* Scales and axes                                                     */
/* ------------------------------------------------------------------ */

typedef struct range {
    double min, max;
    uint64_t n;
    int nonpos; /* some value <= 0: no log scale */
} range;

static void range_add(range *r, double v) {
    if (!isfinite(v))
        return;
    if (r->n == 0 || v < r->min)
        r->min = v;
    if (r->n == 0 || v > r->max)
        r->max = v;
    if (v <= 0.0)
        r->nonpos = 1;
    r->n++;
}

typedef struct axis {
    int metric;
    const char *per; /* what throughput counts */
    int log;       /* log10 scale */
    int flat;      /* all values equal: one tick, at the value */
    double value;  /* that value */
    double lo, hi; /* the shown range; in log10 units on a log axis */
    double p0, p1; /* pixel positions of lo and hi */
} axis;

static void axis_fit(axis *a, const ex_space *sp, int metric, const range *r, double p0, double p1) {
    a->metric = metric;
    a->per = per_of(sp);
    a->p0 = p0;
    a->p1 = p1;
    a->log = r->n > 0 && !r->nonpos && r->max / r->min > 100.0;
    a->flat = r->n > 0 && r->min == r->max;
    a->value = r->n ? r->min : 0.0;
    double lo = r->n ? r->min : 0.0, hi = r->n ? r->max : 1.0;
    if (a->log) {
        lo = log10(lo);
        hi = log10(hi);
    }
    double pad = hi > lo ? (hi - lo) * 0.05 : (lo != 0.0 ? fabs(lo) * 0.1 : 1.0);
    a->lo = lo - pad;
    a->hi = hi + pad;
    if (!a->log && lo > 0.0 && a->lo < 0.0)
        a->lo = 0.0; /* no negative ticks for positive data */
}

static int axis_has(const axis *a, double v) {
    return isfinite(v) && (!a->log || v > 0.0);
}

static double axis_pos(const axis *a, double v) {
    double t = a->log ? log10(v) : v;
    return a->p0 + (t - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* Tick values: powers of ten on a log axis, else multiples of 1, 2 or 5
 * times a power of ten, about five of them; for equal values just the
 * value.  Returns the count. */
static int axis_ticks(const axis *a, double t[TICKS_MAX]) {
    int n = 0;
    if (a->flat) {
        t[0] = a->value;
        return 1;
    }
    if (a->log) {
        double k0 = ceil(a->lo), k1 = floor(a->hi);
        int ndec = (int)(k1 - k0) + 1, step = (ndec + 7) / 8;
        for (int i = 0; i < ndec && n < TICKS_MAX; i += step)
            t[n++] = pow(10.0, k0 + i);
        return n;
    }
    double raw = (a->hi - a->lo) / 5.0, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    double step = (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
    for (double k = ceil(a->lo / step); k <= floor(a->hi / step) && n < TICKS_MAX; k++)
        t[n++] = k == 0.0 ? 0.0 : k * step; /* no "-0" */
    return n;
}

/* "latency (s)", "energy (J, log scale)". */
static void axis_label(const axis *a, char *buf, size_t n) {
    char u[48];
    metric_unit(a->per, a->metric, u, sizeof u);
    if (!u[0]) units_format_dim(metric_dim(a->metric), u, sizeof u);
    snprintf(buf, n, "%s (%s%s)", metric_name(a->metric), u, a->log ? ", log scale" : "");
}

/* Grid lines and labelled ticks: of a y axis (is_y), lines across x from
 * .. to, labels left of from; of an x axis, lines across y from .. to,
 * labels below to. */
static void draw_ticks(FILE *out, const axis *a, int is_y, double from, double to) {
    double t[TICKS_MAX];
    int nt = axis_ticks(a, t);
    char v[VALUE_MAX];
    fprintf(out, "<g stroke=\"%s\" stroke-width=\"1\">\n", C_GRID);
    for (int i = 0; i < nt; i++) {
        double p = axis_pos(a, t[i]);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", is_y ? from : p,
                is_y ? p : from, is_y ? to : p, is_y ? p : to);
    }
    fprintf(out, "</g>\n<g fill=\"%s\" text-anchor=\"%s\">\n", C_AXIS, is_y ? "end" : "middle");
    for (int i = 0; i < nt; i++) {
        double p = axis_pos(a, t[i]);
        fmt_metric(a->per, a->metric, t[i], v, sizeof v);
        if (is_y)
            fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" dy=\"0.32em\">%s</text>\n", from - 6.0, p, v);
        else
            fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">%s</text>\n", p, to + 16.0, v);
    }
    fputs("</g>\n", out);
}

static void svg_open(FILE *out, double w, double h) {
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, sans-serif\" "
            "font-size=\"11\">\n"
            "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
            w, h, w, h, w, h);
}

static void frame(FILE *out, double x0, double y0, double x1, double y1) {
    fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"%s\"/>\n",
            x0, y0, x1 - x0, y1 - y0, C_AXIS);
}

/* ------------------------------------------------------------------ */
/* The front                                                           */
/* ------------------------------------------------------------------ */

typedef struct front_pt {
    double x, y;
    uint64_t index;
    size_t pos;
} front_pt;

static int front_cmp(const void *pa, const void *pb) {
    const front_pt *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The Pareto points joined in x order by a step line: the boundary of the
 * region they dominate.  Along a minimized x the line runs across and then
 * up or down (the earlier point holds until the next one); along a
 * maximized x it changes level first. */
static void front_line(FILE *out, const ex_point *pts, uint64_t n, const axis *ax, const axis *ay, int xmax) {
    size_t k = 0;
    for (uint64_t i = 0; i < n; i++)
        k += kind_of(&pts[i]) == PK_FRONT && axis_has(ax, pts[i].metric[ax->metric]) &&
             axis_has(ay, pts[i].metric[ay->metric]);
    if (k < 2)
        return;
    front_pt *f = malloc(k * sizeof *f);
    if (!f)
        return;
    k = 0;
    for (uint64_t i = 0; i < n; i++) {
        const ex_point *p = &pts[i];
        if (kind_of(p) == PK_FRONT && axis_has(ax, p->metric[ax->metric]) &&
            axis_has(ay, p->metric[ay->metric])) {
            f[k].x = p->metric[ax->metric];
            f[k].y = p->metric[ay->metric];
            f[k].index = p->index;
            f[k].pos = (size_t)i;
            k++;
        }
    }
    qsort(f, k, sizeof *f, front_cmp);
    fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"M%.2f %.2f", C_FRONT,
            axis_pos(ax, f[0].x), axis_pos(ay, f[0].y));
    for (size_t i = 1; i < k; i++) {
        double x = axis_pos(ax, f[i].x), y = axis_pos(ay, f[i].y);
        if (xmax)
            fprintf(out, " V%.2f H%.2f", y, x);
        else
            fprintf(out, " H%.2f V%.2f", x, y);
    }
    fputs("\"/>\n", out);
    free(f);
}

/* Front points whose objectives all equal another front point's (with no
 * objective: the two plotted metrics): they are one design for the
 * explore block, and the plot would show one circle.  Sets tie[i] to the
 * index of the first such other point (UINT64_MAX: none); returns how
 * many points tie. */
static uint64_t front_ties(const ex_space *sp, const ex_point *pts, uint64_t n, uint64_t *tie) {
    int m2[2], mx2[2];
    front_metrics(sp, m2, mx2);
    const ir_explore *ex = sp ? sp->ex : NULL;
    int nobj = ex && ex->nobj > 0 ? ex->nobj : 2;
    uint64_t ties = 0;
    for (uint64_t i = 0; i < n; i++) {
        tie[i] = UINT64_MAX;
        if (kind_of(&pts[i]) != PK_FRONT) continue;
        for (uint64_t j = 0; j < n && tie[i] == UINT64_MAX; j++) {
            if (j == i || kind_of(&pts[j]) != PK_FRONT) continue;
            int same = 1;
            for (int o = 0; o < nobj && same; o++) {
                int m = ex && ex->nobj > 0 ? (int)ex->obj[o].metric : m2[o];
                same = pts[i].metric[m] == pts[j].metric[m];
            }
            if (same) tie[i] = pts[j].index;
        }
        ties += tie[i] != UINT64_MAX;
    }
    return ties;
}

/* One layer of circles: the points of one kind (0 infeasible, 1 feasible
 * off the front, 2 on the front) that both axes can show.  Each circle
 * carries its point's index (data-i) for the HTML report's script; a
 * front point that ties with another gets a dashed ring. */
static void front_layer(FILE *out, const ex_space *sp, const ex_point *pts, uint64_t n, const axis *ax,
                        const axis *ay, int kind, const uint64_t *tie) {
    static const char *const group[3] = {
        "<g fill=\"none\" stroke=\"" C_INFEAS "\" stroke-width=\"1.2\">\n",
        "<g fill=\"" C_FEAS "\" fill-opacity=\"0.75\">\n",
        "<g fill=\"" C_FRONT "\" stroke=\"#ffffff\" stroke-width=\"0.8\">\n",
    };
    fputs(group[kind], out);
    for (uint64_t i = 0; i < n; i++) {
        const ex_point *p = &pts[i];
        point_kind pk = kind_of(p);
        int k = pk == PK_INFEASIBLE ? 0 : pk == PK_FEASIBLE ? 1 : pk == PK_FRONT ? 2 : -1;
        if (k != kind || !axis_has(ax, p->metric[ax->metric]) || !axis_has(ay, p->metric[ay->metric]))
            continue;
        double cx = axis_pos(ax, p->metric[ax->metric]), cy = axis_pos(ay, p->metric[ay->metric]);
        if (kind == 2 && tie[i] != UINT64_MAX)
            fprintf(out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"8\" fill=\"none\" stroke=\"%s\" "
                         "stroke-dasharray=\"2 2\"/>\n",
                    cx, cy, C_FRONT);
        fprintf(out, "<circle class=\"pt\" data-i=\"%" PRIu64 "\" cx=\"%.2f\" cy=\"%.2f\" r=\"%s\"><title>", p->index,
                cx, cy, kind == 2 ? "5" : "4");
        put_point_title(out, sp, p);
        if (kind == 2 && tie[i] != UINT64_MAX)
            fprintf(out, "\nties with #%" PRIu64 " (the same objectives)", tie[i]);
        fputs("</title></circle>\n", out);
    }
    fputs("</g>\n", out);
}

void explore_svg_front(FILE *out, const ex_space *sp, const ex_point *pts, uint64_t n) {
    int m[2], mx[2];
    front_metrics(sp, m, mx);
    range rx = {0}, ry = {0};
    uint64_t nfeas = 0, ninf = 0, nerr = 0, npar = 0;
    for (uint64_t i = 0; i < n; i++) {
        const ex_point *p = &pts[i];
        point_kind pk = kind_of(p);
        nerr += pk == PK_ERROR;
        if (pk == PK_NONE || pk == PK_ERROR)
            continue;
        nfeas += pk != PK_INFEASIBLE;
        ninf += pk == PK_INFEASIBLE;
        npar += pk == PK_FRONT;
        if (isfinite(p->metric[m[0]]) && isfinite(p->metric[m[1]])) {
            range_add(&rx, p->metric[m[0]]);
            range_add(&ry, p->metric[m[1]]);
        }
    }
    axis ax, ay;
    axis_fit(&ax, sp, m[0], &rx, FX0, FX1);
    axis_fit(&ay, sp, m[1], &ry, FY1, FY0);

    svg_open(out, FW, FH);
    /* heading: the objectives as the explore block states them */
    fprintf(out, "<text x=\"%.2f\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"%s\">", FX0, C_TEXT);
    const ir_explore *ex = sp ? sp->ex : NULL;
    if (ex && ex->nobj > 0) {
        fputs("Design points: ", out);
        for (int i = 0; i < ex->nobj; i++)
            fprintf(out, "%s%s %s", i ? ", " : "", ex->obj[i].maximize ? "maximize" : "minimize",
                    metric_name(ex->obj[i].metric));
    } else {
        fputs("Design points (no objective)", out);
    }
    fputs("</text>\n", out);

    /* legend, one row under the heading */
    fprintf(out,
            "<g fill=\"%s\">\n"
            "<circle cx=\"%.2f\" cy=\"34\" r=\"4.5\" fill=\"%s\"/>"
            "<text x=\"%.2f\" y=\"38\">Pareto front (%" PRIu64 ")</text>\n"
            "<circle cx=\"%.2f\" cy=\"34\" r=\"3.5\" fill=\"%s\" fill-opacity=\"0.75\"/>"
            "<text x=\"%.2f\" y=\"38\">other feasible (%" PRIu64 ")</text>\n"
            "<circle cx=\"%.2f\" cy=\"34\" r=\"3.5\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\"/>"
            "<text x=\"%.2f\" y=\"38\">infeasible (%" PRIu64 ")</text>\n",
            C_TEXT, FX0 + 4.0, C_FRONT, FX0 + 12.0, npar, FX0 + 134.0, C_FEAS, FX0 + 142.0, nfeas - npar,
            FX0 + 274.0, C_INFEAS, FX0 + 282.0, ninf);
    if (nerr)
        fprintf(out, "<text x=\"%.2f\" y=\"38\">errors, not shown (%" PRIu64 ")</text>\n", FX0 + 394.0, nerr);
    fputs("</g>\n", out);

    draw_ticks(out, &ay, 1, FX0, FX1);
    draw_ticks(out, &ax, 0, FY0, FY1);
    frame(out, FX0, FY0, FX1, FY1);
    char lab[96];
    axis_label(&ax, lab, sizeof lab);
    fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" fill=\"%s\">%s</text>\n", (FX0 + FX1) / 2.0,
            FY1 + 38.0, C_TEXT, lab);
    axis_label(&ay, lab, sizeof lab);
    fprintf(out, "<text transform=\"translate(16 %.2f) rotate(-90)\" text-anchor=\"middle\" fill=\"%s\">%s</text>\n",
            (FY0 + FY1) / 2.0, C_TEXT, lab);

    /* feasible points, the front, then the infeasible ones as rings on
     * top: an infeasible point with the same results as a feasible one
     * stays visible */
    uint64_t *tie = calloc((size_t)n + 1, sizeof *tie);
    if (!tie) abort();
    uint64_t nties = front_ties(sp, pts, n, tie);
    front_layer(out, sp, pts, n, &ax, &ay, 1, tie);
    front_line(out, pts, n, &ax, &ay, mx[0]);
    front_layer(out, sp, pts, n, &ax, &ay, 2, tie);
    front_layer(out, sp, pts, n, &ax, &ay, 0, tie);
    if (nties)
        fprintf(out,
                "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" fill=\"%s\">%" PRIu64
                " front points tie with another (dashed ring): same objectives, different designs</text>\n",
                FX1, FY0 - 6.0, C_NOTE, nties);
    free(tie);

    if (nfeas == 0)
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"14\" fill=\"%s\">%s</text>\n",
                (FX0 + FX1) / 2.0, FY0 + 24.0, C_NOTE, rx.n ? "no feasible point" : "no point to show");
    fputs("</svg>\n", out);
}

/* ------------------------------------------------------------------ */
/* Sensitivity                                                         */
/* ------------------------------------------------------------------ */

/* One panel at (ox, oy): the best value of metric m (maximized: mx)
 * among feasible points for each value of variable vi, at categorical x
 * positions. */
static void sens_panel(FILE *out, const ex_space *sp, int vi, const ex_point *pts, uint64_t n, double ox, double oy,
                       int m, int mx) {
    const ir_vary *v = &sp->vars[vi];
    int nv = v->nvals > 0 ? v->nvals : 0;
    double *best = calloc((size_t)nv + 1, sizeof *best);
    uint64_t *cnt = calloc((size_t)nv + 1, sizeof *cnt);
    if (!best || !cnt) {
        free(best);
        free(cnt);
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        const ex_point *p = &pts[i];
        int c = p->choice ? p->choice[vi] : -1;
        if (!p->done || p->status != EX_OK || c < 0 || c >= nv || !isfinite(p->metric[m]))
            continue;
        if (!cnt[c] || better(p->metric[m], best[c], mx))
            best[c] = p->metric[m];
        cnt[c]++;
    }
    range r = {0};
    double top = 0.0; /* the best over all values: highlighted */
    for (int j = 0; j < nv; j++)
        if (cnt[j]) {
            if (!r.n || better(best[j], top, mx))
                top = best[j];
            range_add(&r, best[j]);
        }
    double x0 = ox + PL, x1 = ox + PW - PR, y0 = oy + PT, y1 = oy + PH - PB;
    axis ay;
    axis_fit(&ay, sp, m, &r, y1, y0);

    char val[VALUE_MAX], lab[96];
    fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" fill=\"%s\"><tspan font-weight=\"bold\" font-size=\"13\">", x0,
            oy + 18.0, C_TEXT);
    esc(out, v->name);
    axis_label(&ay, lab, sizeof lab);
    fprintf(out, "</tspan><tspan fill=\"%s\">  best %s</tspan></text>\n", C_AXIS, lab);
    draw_ticks(out, &ay, 1, x0, x1);
    frame(out, x0, y0, x1, y1);

    /* categorical x: value j at the middle of slot j; at most 5 labels */
    double slot = nv ? (x1 - x0) / nv : 0.0;
    int every = nv > 5 ? (nv + 4) / 5 : 1;
    fprintf(out, "<g fill=\"%s\" text-anchor=\"middle\">\n", C_AXIS);
    for (int j = 0; j < nv; j += every) {
        double x = x0 + (j + 0.5) * slot;
        vary_value(v, j, val, sizeof val);
        shorten(val, 12);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>", x, y1, x, y1 + 4.0,
                C_AXIS);
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">", x, y1 + 16.0);
        esc(out, val);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);

    /* for a parameter, a line through consecutive values that have a
     * best, broken where a value has none; mappings and systems are
     * unordered, so only their markers */
    int line = r.n && v->kind == VARY_PARAM;
    if (line)
        fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", C_FEAS);
    for (int j = 0, prev = 0; line && j < nv; j++) {
        if (!cnt[j]) {
            prev = 0;
            continue;
        }
        fprintf(out, "%s%.2f %.2f", prev ? " L" : (j ? " M" : "M"), x0 + (j + 0.5) * slot, axis_pos(&ay, best[j]));
        prev = 1;
    }
    if (line)
        fputs("\"/>\n", out);

    for (int j = 0; j < nv; j++) {
        double x = x0 + (j + 0.5) * slot;
        vary_value(v, j, val, sizeof val);
        if (cnt[j]) {
            char b[VALUE_MAX];
            fmt_metric(per_of(sp), m, best[j], b, sizeof b);
            fprintf(out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"%s\"><title>", x, axis_pos(&ay, best[j]),
                    best[j] == top ? C_FRONT : C_FEAS);
            esc(out, v->name);
            fputc('=', out);
            esc(out, val);
            fprintf(out, ": best %s %s (%" PRIu64 " feasible point%s)</title></circle>\n", metric_name(m), b, cnt[j],
                    cnt[j] == 1 ? "" : "s");
        } else {
            /* a grey cross on the bottom edge: no feasible point has it */
            double y = y1 - 6.0;
            fprintf(out,
                    "<path stroke=\"%s\" stroke-width=\"1.5\" d=\"M%.2f %.2f l6 6 m0 -6 l-6 6\"><title>",
                    C_INFEAS, x - 3.0, y - 3.0);
            esc(out, v->name);
            fputc('=', out);
            esc(out, val);
            fputs(": no feasible point</title></path>\n", out);
        }
    }
    if (!r.n)
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" fill=\"%s\">no feasible point</text>\n",
                (x0 + x1) / 2.0, (y0 + y1) / 2.0, C_NOTE);
    free(best);
    free(cnt);
}

/* One block of panels per objective (latency when there is none), one
 * above the other. */
void explore_svg_sensitivity(FILE *out, const ex_space *sp, const ex_point *pts, uint64_t n) {
    int nv = nvars(sp), m, mx;
    first_objective(sp, &m, &mx);
    int nobj = sp && sp->ex && sp->ex->nobj > 0 ? sp->ex->nobj : 1;
    int rows = nv > 0 ? (nv + 1) / 2 : 1; /* two panels a row */
    double block = SHEAD + rows * PH;
    svg_open(out, 2 * PW, nobj * block);
    for (int o = 0; o < nobj; o++) {
        if (sp && sp->ex && sp->ex->nobj > 0) {
            m = sp->ex->obj[o].metric;
            mx = sp->ex->obj[o].maximize;
        }
        double oy = o * block;
        fprintf(out,
                "<text x=\"%.2f\" y=\"%.2f\" font-size=\"14\" font-weight=\"bold\" fill=\"%s\">"
                "Best %s %s among feasible points, per value of each variable</text>\n",
                PL, oy + 20.0, C_TEXT, mx ? "(highest)" : "(lowest)", metric_name(m));
        for (int i = 0; i < nv; i++)
            sens_panel(out, sp, i, pts, n, (i % 2) * PW, oy + SHEAD + (i / 2) * PH, m, mx);
        if (nv == 0)
            fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" fill=\"%s\">no variables</text>\n", PL,
                    oy + SHEAD + PH / 2.0, C_NOTE);
    }
    fputs("</svg>\n", out);
}

/* ------------------------------------------------------------------ */
/* HTML report                                                         */
/* ------------------------------------------------------------------ */

static const char html_style[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Helvetica,Arial,sans-serif;color:#222;"
    "max-width:1180px;margin:24px auto;padding:0 16px;line-height:1.4}\n"
    "h1{font-size:1.5em;margin:0 0 4px}\n"
    "h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\n"
    ".path{font-family:monospace;color:#555;margin:0 0 16px}\n"
    "table{border-collapse:collapse;font-size:13px}\n"
    "th,td{padding:3px 8px;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}\n"
    "th{background:#f4f4f4}\n"
    "td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "table.kv th{background:none;font-weight:normal;color:#555}\n"
    "table.kv td.n{text-align:left}\n"
    "tr.front td{background:#fdeee9}\n"
    "tr.infeasible td{color:#777}\n"
    "tr.error td{color:#a00020}\n"
    "td.why{min-width:220px;max-width:420px}\n"
    ".tablebox{max-height:640px;overflow:auto;border:1px solid #ddd}\n"
    ".tablebox table{width:max-content}\n"
    ".tablebox th{position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}\n"
    ".tablebox th.up::after{content:\" \\25B2\"}\n"
    ".tablebox th.down::after{content:\" \\25BC\"}\n"
    "td.v{white-space:nowrap}\n"
    "tr.hl td{background:#ffe58a !important}\n"
    "circle.pt{cursor:pointer}\n"
    "circle.sel{stroke:#000;stroke-width:2.5}\n"
    ".controls{margin:8px 0;font-size:13px}\n"
    ".controls input,.controls select{font-size:13px;margin-right:12px}\n"
    ".swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:5px}\n"
    ".note{color:#666;font-size:13px}\n"
    "svg{max-width:100%;height:auto;display:block}\n"
    "pre{background:#f6f6f6;border:1px solid #e6e6e6;padding:12px;overflow-x:auto;font-size:12px}\n";

static void kv_u64(FILE *out, const char *key, uint64_t v) {
    fprintf(out, "<tr><th>%s</th><td class=\"n\">%" PRIu64 "</td></tr>\n", key, v);
}

static const char *req_op(int op) {
    return op == '<' ? "&lt;" : op == '>' ? "&gt;" : op == LE ? "&lt;=" : op == GE ? "&gt;=" : "?";
}

/* The space: each variable with its values, the constraints, the
 * objectives. */
static void html_space(FILE *out, const ex_space *sp, const ex_summary *sum) {
    char val[VALUE_MAX];
    fputs("<table class=\"kv\">\n", out);
    for (int i = 0; i < nvars(sp); i++) {
        const ir_vary *v = &sp->vars[i];
        fputs("<tr><th>vary ", out);
        esc(out, v->name);
        fputs("</th><td>", out);
        for (int j = 0; j < v->nvals && j < LIST_MAX_VALUES; j++) {
            vary_value(v, j, val, sizeof val);
            fputs(j ? ", " : "", out);
            esc(out, val);
        }
        if (v->nvals > LIST_MAX_VALUES)
            fputs(", ...", out);
        fprintf(out, " <span class=\"note\">(%d value%s)</span></td></tr>\n", v->nvals, v->nvals == 1 ? "" : "s");
    }
    const ir_explore *ex = sp ? sp->ex : NULL;
    for (int i = 0; ex && i < ex->nreq; i++) {
        const ir_require *r = &ex->req[i];
        fmt_metric(per_of(sp), r->metric, r->bound, val, sizeof val);
        fprintf(out, "<tr><th>require</th><td>%s %s ", metric_name(r->metric), req_op(r->op));
        esc(out, val);
        if (sum && i < (int)(sizeof sum->violated / sizeof sum->violated[0]))
            fprintf(out, " <span class=\"note\">(broken by %" PRIu64 " point%s)</span>", sum->violated[i],
                    sum->violated[i] == 1 ? "" : "s");
        fputs("</td></tr>\n", out);
    }
    fputs("<tr><th>objectives</th><td>", out);
    for (int i = 0; ex && i < ex->nobj; i++)
        fprintf(out, "%s%s %s", i ? ", " : "", ex->obj[i].maximize ? "maximize" : "minimize",
                metric_name(ex->obj[i].metric));
    if (!ex || ex->nobj == 0)
        fputs("none", out);
    fputs("</td></tr>\n</table>\n", out);
}

static void html_summary(FILE *out, const ex_summary *s, const ex_space *sp, const ex_point *best) {
    fputs("<table class=\"kv\">\n", out);
    if (s) {
        fprintf(out, "<tr><th>points in the space</th><td class=\"n\">%" PRIu64 "%s</td></tr>\n", s->space,
                s->space == UINT64_MAX ? " or more" : "");
        kv_u64(out, "planned (within the budget)", s->planned);
        kv_u64(out, "evaluated in this run", s->evaluated);
        kv_u64(out, "resumed from an earlier run", s->resumed);
        kv_u64(out, "feasible", s->feasible);
        kv_u64(out, "infeasible", s->infeasible);
        kv_u64(out, "errors", s->errors);
        kv_u64(out, "skipped (time limit or interruption)", s->skipped);
        kv_u64(out, "on the Pareto front", s->pareto);
        fprintf(out, "<tr><th>time</th><td class=\"n\">%.2f s</td></tr>\n", s->seconds);
    }
    fputs("<tr><th>best point</th><td>", out);
    if (best) {
        char label[LABEL_MAX], v[VALUE_MAX];
        int m, mx;
        first_objective(sp, &m, &mx);
        explore_point_label(sp, best, label, sizeof label);
        fmt_metric(per_of(sp), m, best->metric[m], v, sizeof v);
        fprintf(out, "#%" PRIu64 " ", best->index);
        esc(out, label);
        fprintf(out, " <span class=\"note\">(%s %s)</span>", metric_name(m), v);
    } else {
        fputs("none: no feasible point", out);
    }
    fputs("</td></tr>\n</table>\n", out);
}

typedef struct row {
    int front;
    uint64_t index;
    size_t pos;
} row;

static int row_cmp(const void *pa, const void *pb) {
    const row *a = pa, *b = pb;
    if (a->front != b->front)
        return b->front - a->front;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* A JSON string (for the report's data block); '<' is escaped so that the
 * text cannot end the <script> element. */
static void json_str_html(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(out, "\\%c", *c);
        else if (*c == '<') fputs("\\u003c", out);
        else if (*c < 0x20) fprintf(out, "\\u%04x", *c);
        else fputc(*c, out);
    }
    fputc('"', out);
}

/* The table: one column per variable, the status, every metric and the
 * energy per unit of work, why a point failed; the front first, then the
 * other points with a result, each group in index order; at most
 * TABLE_MAX_ROWS rows.  Each cell that sorts by number carries it in
 * data-v (base units, or a value's position for mappings and systems);
 * the report's script sorts on a click of a heading and filters. */
static void html_points(FILE *out, const ex_space *sp, const ex_point *pts, uint64_t n) {
    uint64_t nrows = 0;
    for (uint64_t i = 0; i < n; i++)
        nrows += pts[i].done != 0;
    row *rows = nrows ? malloc((size_t)nrows * sizeof *rows) : NULL;
    if (nrows && !rows) {
        fputs("<p class=\"note\">(out of memory: no table)</p>\n", out);
        return;
    }
    for (uint64_t i = 0, k = 0; i < n; i++) {
        if (!pts[i].done)
            continue;
        rows[k].front = kind_of(&pts[i]) == PK_FRONT;
        rows[k].index = pts[i].index;
        rows[k].pos = (size_t)i;
        k++;
    }
    if (nrows)
        qsort(rows, (size_t)nrows, sizeof *rows, row_cmp);
    uint64_t shown = nrows < TABLE_MAX_ROWS ? nrows : TABLE_MAX_ROWS;
    if (shown < nrows)
        fprintf(out,
                "<p class=\"note\">Showing %" PRIu64 " of %" PRIu64
                " points (the front first, then by index); the results file has them all.</p>\n",
                shown, nrows);
    uint64_t *tie = calloc((size_t)n + 1, sizeof *tie);
    if (!tie) abort();
    front_ties(sp, pts, n, tie);
    fputs("<div class=\"controls\">Filter <input id=\"flt\" type=\"search\" placeholder=\"text in any cell\">"
          "Show <select id=\"kind\"><option value=\"\">all points</option><option value=\"front\">Pareto front</option>"
          "<option value=\"feasible\">feasible</option><option value=\"infeasible\">infeasible</option>"
          "<option value=\"error\">errors</option></select><span id=\"cnt\" class=\"note\"></span>"
          "<span class=\"note\"> Click a heading to sort.</span></div>\n",
          out);
    const ir_explore *ex = sp ? sp->ex : NULL;
    fputs("<div class=\"tablebox\"><table class=\"points\" id=\"points\">\n<thead><tr><th data-t=\"n\">#</th>", out);
    for (int i = 0; i < nvars(sp); i++) {
        fprintf(out, "<th data-t=\"%s\">", sp->vars[i].kind == VARY_PARAM ? "n" : "s");
        esc(out, sp->vars[i].name);
        fputs("</th>", out);
    }
    fputs("<th data-t=\"s\">status</th>", out);
    char u[48];
    for (int m = 0; m < METRIC_COUNT; m++) {
        const char *dir = "";
        for (int i = 0; ex && i < ex->nobj && !*dir; i++)
            if ((int)ex->obj[i].metric == m)
                dir = ex->obj[i].maximize ? " (max)" : " (min)";
        fprintf(out, "<th data-t=\"n\">%s%s</th>", metric_name(m), dir);
    }
    fprintf(out, "<th data-t=\"n\">energy per %.*s</th><th data-t=\"s\">why</th></tr></thead>\n<tbody>\n",
            (int)strlen(per_of(sp)) - 1, per_of(sp)); /* "tokens" -> "token" */
    char v[VALUE_MAX];
    for (uint64_t r = 0; r < shown; r++) {
        const ex_point *p = &pts[rows[r].pos];
        static const char *const cls[] = {"", "error", "infeasible", "feasible", "front"};
        point_kind pk = kind_of(p);
        fprintf(out, "<tr class=\"%s\" data-i=\"%" PRIu64 "\"><td class=\"n\" data-v=\"%" PRIu64 "\">%" PRIu64 "</td>",
                cls[pk], p->index, p->index, p->index);
        for (int i = 0; i < nvars(sp); i++) {
            const ir_vary *vr = &sp->vars[i];
            int c = p->choice ? p->choice[i] : -1;
            vary_value(vr, c, v, sizeof v);
            if (vr->kind == VARY_PARAM && vr->vals && c >= 0 && c < vr->nvals)
                fprintf(out, "<td class=\"v n\" data-v=\"%.17g\">", vr->vals[c]);
            else
                fprintf(out, "<td class=\"v\" data-v=\"%d\">", c);
            esc(out, v);
            fputs("</td>", out);
        }
        fprintf(out, "<td>%s%s</td>", pk == PK_FRONT ? "feasible, front" : cls[pk],
                pk == PK_FRONT && tie[rows[r].pos] != UINT64_MAX ? " (tie)" : "");
        for (int m = 0; m <= METRIC_COUNT; m++) {
            /* the last column: energy per unit of work = energy / (throughput x latency) */
            double x = m < METRIC_COUNT ? p->metric[m]
                                        : p->metric[METRIC_ENERGY] /
                                              (p->metric[METRIC_THROUGHPUT] * p->metric[METRIC_LATENCY]);
            if (pk == PK_ERROR || !isfinite(x)) {
                fputs("<td class=\"n\" data-v=\"\"></td>", out);
                continue;
            }
            if (m < METRIC_COUNT) {
                fmt_metric(per_of(sp), m, x, v, sizeof v);
            } else {
                snprintf(u, sizeof u, "J/%.*s", (int)strlen(per_of(sp)) - 1, per_of(sp));
                si_value(x, u, 0, v, sizeof v);
            }
            fprintf(out, "<td class=\"n\" data-v=\"%.17g\">%s</td>", x, v);
        }
        fputs("<td class=\"why\">", out);
        esc(out, pk == PK_INFEASIBLE || pk == PK_ERROR ? p->why : NULL);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
    free(tie);
    free(rows);
}

/* The data the script colours the plot with: each variable's name and
 * values, and each drawn point's value positions. */
static void html_point_data(FILE *out, const ex_space *sp, const ex_point *pts, uint64_t n) {
    char v[VALUE_MAX];
    fputs("<script type=\"application/json\" id=\"pdata\">{\"vars\":[", out);
    for (int i = 0; i < nvars(sp); i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        json_str_html(out, sp->vars[i].name);
        fputs(",\"values\":[", out);
        for (int j = 0; j < sp->vars[i].nvals; j++) {
            vary_value(&sp->vars[i], j, v, sizeof v);
            if (j) fputc(',', out);
            json_str_html(out, v);
        }
        fputs("]}", out);
    }
    fputs("],\"pts\":{", out);
    int first = 1;
    for (uint64_t k = 0; k < n; k++) {
        const ex_point *p = &pts[k];
        if (!p->done || !p->choice) continue;
        fprintf(out, "%s\"%" PRIu64 "\":[", first ? "" : ",", p->index);
        first = 0;
        for (int i = 0; i < nvars(sp); i++) fprintf(out, "%s%d", i ? "," : "", p->choice[i]);
        fputc(']', out);
    }
    fputs("}}</script>\n", out);
}

/* The report's script: sorting and filtering the table, a click on a
 * point highlighting its row (and a click on a row its point), colouring
 * the plot by a chosen variable.  Plain DOM, no library; the page works
 * without it (static plot, table in its first order). */
static const char html_script[] =
    "(function(){\n"
    "var tb=document.getElementById('points');if(!tb)return;var body=tb.tBodies[0];\n"
    "var flt=document.getElementById('flt'),kind=document.getElementById('kind'),cnt=document.getElementById('cnt');\n"
    "function key(tr,c,num){var td=tr.cells[c];if(!td)return num?NaN:'';\n"
    " if(num){var s=td.getAttribute('data-v');return s===null||s===''?NaN:parseFloat(s);}return td.textContent;}\n"
    "var ths=tb.tHead.rows[0].cells;\n"
    "for(var c=0;c<ths.length;c++)(function(c){ths[c].addEventListener('click',function(){\n"
    " var th=ths[c],up=!th.classList.contains('up'),num=th.getAttribute('data-t')==='n';\n"
    " for(var k=0;k<ths.length;k++)ths[k].classList.remove('up','down');th.classList.add(up?'up':'down');\n"
    " var rows=Array.prototype.slice.call(body.rows);\n"
    " rows.sort(function(a,b){var x=key(a,c,num),y=key(b,c,num);\n"
    "  if(num){var nx=isNaN(x),ny=isNaN(y);if(nx||ny)return nx-ny;if(x!==y)return up?x-y:y-x;}\n"
    "  else{var r=x.localeCompare(y);if(r)return up?r:-r;}\n"
    "  return key(a,0,true)-key(b,0,true);});\n"
    " rows.forEach(function(r){body.appendChild(r);});});})(c);\n"
    "function filter(){var q=flt.value.toLowerCase(),k=kind.value,n=0;\n"
    " Array.prototype.forEach.call(body.rows,function(r){var ok=(!k||r.className===k)&&\n"
    "  (!q||r.textContent.toLowerCase().indexOf(q)>=0);r.style.display=ok?'':'none';n+=ok;});\n"
    " cnt.textContent=' '+n+' of '+body.rows.length+' rows ';}\n"
    "flt.addEventListener('input',filter);kind.addEventListener('change',filter);filter();\n"
    "function pick(i,scroll){\n"
    " Array.prototype.forEach.call(document.querySelectorAll('tr.hl,circle.sel'),function(e){e.classList.remove('hl','sel');});\n"
    " var tr=body.querySelector('tr[data-i=\"'+i+'\"]');\n"
    " if(tr){if(tr.style.display==='none'){flt.value='';kind.value='';filter();}tr.classList.add('hl');\n"
    "  if(scroll)tr.scrollIntoView({block:'center'});}\n"
    " var c=document.querySelector('circle.pt[data-i=\"'+i+'\"]');if(c)c.classList.add('sel');}\n"
    "Array.prototype.forEach.call(document.querySelectorAll('circle.pt'),function(c){\n"
    " c.addEventListener('click',function(){pick(c.getAttribute('data-i'),true);});});\n"
    "body.addEventListener('click',function(e){var tr=e.target.closest('tr');if(tr)pick(tr.getAttribute('data-i'),false);});\n"
    "var pd=JSON.parse(document.getElementById('pdata').textContent),sel=document.getElementById('colorby'),\n"
    " leg=document.getElementById('colorkey');\n"
    "pd.vars.forEach(function(v,i){var o=document.createElement('option');o.value=i;o.textContent=v.name;sel.appendChild(o);});\n"
    "function colour(j,n){return n<=1?'hsl(210,60%,45%)':'hsl('+Math.round(240-240*j/(n-1))+',70%,45%)';}\n"
    "sel.addEventListener('change',function(){var vi=sel.value,v=vi===''?null:pd.vars[+vi];leg.textContent='';\n"
    " Array.prototype.forEach.call(document.querySelectorAll('circle.pt'),function(c){\n"
    "  var ch=pd.pts[c.getAttribute('data-i')];var open=c.parentNode.getAttribute('fill')==='none';\n"
    "  var col=v&&ch?colour(ch[+vi],v.values.length):'';\n"
    "  if(open)c.style.stroke=col;else c.style.fill=col;});\n"
    " if(v)v.values.forEach(function(name,j){var s=document.createElement('span');s.className='swatch';\n"
    "  s.style.background=colour(j,v.values.length);leg.appendChild(s);leg.appendChild(document.createTextNode(name));});});\n"
    "})();\n";

void explore_html(FILE *out, const char *design, const ex_space *sp, const ex_point *pts, uint64_t n,
                  const ex_summary *sum, const char *best_report) {
    const char *path = design ? design : "(unnamed design)";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>mldc explore: ", out);
    esc(out, path);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_style);
    fputs("<h1>Design-space exploration</h1>\n<p class=\"path\">", out);
    esc(out, path);
    fputs("</p>\n", out);

    const ex_point *best = best_point(sp, pts, n);
    fputs("<h2>Summary</h2>\n", out);
    html_summary(out, sum, sp, best);
    fputs("<h2>Space</h2>\n", out);
    html_space(out, sp, sum);

    fputs("<h2>Pareto front</h2>\n<p class=\"note\">Hover over a point for its variables and metrics; click it to "
          "highlight its row in the table below. Hollow rings are infeasible points.</p>\n"
          "<div class=\"controls\">Colour by <select id=\"colorby\"><option value=\"\">front / feasible</option>"
          "</select><span id=\"colorkey\"></span></div>\n",
          out);
    explore_svg_front(out, sp, pts, n);
    fputs("<h2>Sensitivity</h2>\n", out);
    explore_svg_sensitivity(out, sp, pts, n);

    fputs("<h2>Points</h2>\n", out);
    html_points(out, sp, pts, n);
    html_point_data(out, sp, pts, n);
    fprintf(out, "<script>\n%s</script>\n", html_script);

    if (best_report) {
        fputs("<h2>Best point</h2>\n", out);
        if (best) {
            char label[LABEL_MAX];
            explore_point_label(sp, best, label, sizeof label);
            fprintf(out, "<p>#%" PRIu64 " ", best->index);
            esc(out, label);
            fputs("</p>\n", out);
        }
        fputs("<pre>", out);
        esc(out, best_report);
        fputs("</pre>\n", out);
    }
    fputs("</body>\n</html>\n", out);
}
