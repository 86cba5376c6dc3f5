/* report.c - what a finished simulation prints: the text report, the JSON
 * report and the Chrome trace-event timeline.
 *
 * Design
 * ------
 * Everything here is a read-only walk over a sim_result and its plan; the
 * simulator owns the numbers, this file only formats them.  Three rules:
 *
 *  - Byte-for-byte determinism.  Output depends only on the plan and the
 *    result: numbers go through snprintf/fprintf with fixed formats (the
 *    program never calls setlocale, so the decimal point is '.'), quantities
 *    through units_format_value, and every list is walked in an order
 *    derived from ids (resource id, task id, use order), never from
 *    pointers or hash order.
 *
 *  - Streaming.  A plan may hold millions of tasks and uses, so nothing is
 *    rendered into a big buffer: each line or trace event is written as it
 *    is produced.  The only allocations are small per-report tables in a
 *    local arena (one accumulator per level element, the sync lanes).
 *
 *  - Guarded arithmetic.  A makespan of zero (an empty plan) prints zeros
 *    rather than dividing; non-finite numbers become JSON null.
 *
 * Roll-up.  Resources are grouped by (level type, kind, element): compute
 * and memory resources by element index, links by network index.  Each
 * level type gets a contiguous block of slots, compute elements first, then
 * memories, then networks, so walking the slots in order gives the report
 * order (level id, kind, element) without sorting.  "used" counts the
 * distinct resources of a group (only touched resources exist in a plan),
 * and utilisation is their summed busy time over used x makespan.  The text
 * table shows the mean busy time per resource (comparable with the
 * makespan); the JSON "busy_s" of a level row is the sum.
 *
 * Trace.  One trace process per level type that owns a resource (pid =
 * level id + 1), one thread per resource (tid = resource id + 1), and one
 * complete ("X") event per task use, in task order then use order.  A
 * resource serves one use at a time, so its events never overlap.  Tasks
 * without uses (syncs) get a process of their own after the levels (pid =
 * number of level types + 1: Perfetto treats pid 0 as the kernel's swapper
 * and its maintainers advise synthetic traces to avoid it).  Syncs can
 * overlap one another, and trace viewers drop slices that overlap on one
 * thread without nesting, so they are spread over lanes (tid 1, 2, ...) by
 * interval partitioning in (start, task id) order.  A level's process is
 * named by its template alone ("PE"), its arguments in a label.  After the
 * slices, each in a function of its own: a flow arrow per dependency
 * (trace_flows), a link-utilisation counter per network instance
 * (trace_link_counters), the critical path as a process of its own
 * (trace_critical_path, pid = syncs' pid + 1) and a counter per memory of
 * what it holds (trace_occupancy).  A compute slice is named after its
 * operator ("launch NAME" for a kernel launch) and carries
 * its piece of the place in its args.
 *
 * Operators.  `--ops` prints the per-operator account that account.c
 * builds: a table per operator and per kind, the same as CSV, or the
 * "operators" and "operator_kinds" members of the JSON report.
 */
#include "sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "occupancy.h"
#include "arena.h"

enum { NAME_MAX_LEN = 512, TOP_BUSIEST = 10 };

const char *sim_cause_name(int cause) {
    static const char *const names[CAUSE_COUNT] = {
        "compute", "memory", "network", "sync", "resource wait"
    };
    if (cause < 0 || cause >= CAUSE_COUNT)
        return "?";
    return names[cause];
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static const char *res_kind_name(int k) {
    switch (k) {
    case RES_COMPUTE: return "compute";
    case RES_MEMORY: return "memory";
    case RES_LINK: return "link";
    default: return "?";
    }
}

static const char *task_kind_name(int k) {
    switch (k) {
    case TASK_COMPUTE: return "compute";
    case TASK_TRANSFER: return "transfer";
    case TASK_SYNC: return "sync";
    default: return "?";
    }
}

static const char *str_or(const char *s, const char *dflt) {
    return s ? s : dflt;
}

/* The level type a resource belongs to, or NULL when its id is out of
 * range (a malformed plan; reports skip such resources rather than crash). */
static const ir_level *res_level(const plan *p, const plan_res *rs) {
    if (!p->design || rs->level < 0 || rs->level >= p->design->nlevels)
        return NULL;
    return p->design->levels[rs->level];
}

/* Element (compute/memory) or network (link) name of a resource. */
static const char *res_elem_name(const ir_level *lv, const plan_res *rs) {
    if (!lv || rs->elem < 0)
        return "?";
    if (rs->kind == RES_LINK)
        return rs->elem < lv->nnets ? str_or(lv->nets[rs->elem].name, "?") : "?";
    return rs->elem < lv->nelems ? str_or(lv->elems[rs->elem].name, "?") : "?";
}

static double total_energy(const sim_result *r) {
    return r->energy_compute + r->energy_memory + r->energy_network + r->energy_static;
}

static double system_area(const plan *p) {
    if (p->map && p->map->sys && p->map->sys->root)
        return p->map->sys->root->area;
    return 0.0;
}

/* "tokens", "samples", ...: what a run processes, or NULL when that is
 * just one run (nothing to add beyond runs/s). */
static const char *items_what(const plan *p) {
    if (!p->tokens_what || strcmp(p->tokens_what, "runs") == 0 || !(p->tokens > 0.0))
        return NULL;
    return p->tokens_what;
}

static int is_tokens(const plan *p) {
    const char *w = items_what(p);
    return w && strcmp(w, "tokens") == 0;
}

static void fmt_time(double s, char *buf, size_t n) {
    units_format_value(s, units_base(UNIT_S), buf, n);
}

static void fmt_energy(double j, char *buf, size_t n) {
    units_format_value(j, units_base(UNIT_J), buf, n);
}

/* A count with an SI prefix: 810.372, 1.66 k, 12.5 M. */
static void fmt_count(double v, char *buf, size_t n) {
    static const char *const pre[] = {"", " k", " M", " G", " T", " P", " E"};
    const int npre = (int)(sizeof pre / sizeof pre[0]);
    if (!isfinite(v) || fabs(v) < 1000.0) {
        snprintf(buf, n, "%.6g", v);
        return;
    }
    double a = v;
    int i = 0;
    while (i + 1 < npre && fabs(a) >= 1000.0) {
        a /= 1000.0;
        i++;
    }
    char num[48];
    snprintf(num, sizeof num, "%.6g", a);
    if ((strcmp(num, "1000") == 0 || strcmp(num, "-1000") == 0) && i + 1 < npre) {
        a /= 1000.0; /* 999999.9 rounds to "1000 k": take the next prefix */
        i++;
        snprintf(num, sizeof num, "%.6g", a);
    }
    snprintf(buf, n, "%s%s", num, pre[i]);
}

static double ratio(double a, double b) {
    return b > 0.0 ? a / b : 0.0;
}

/* ------------------------------------------------------------------ */
/* JSON output                                                         */
/* ------------------------------------------------------------------ */

static void json_str(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)str_or(s, ""); *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            if (*c < 0x20 || *c == 0x7f)
                fprintf(out, "\\u%04x", (unsigned)*c);
            else
                fputc(*c, out);
        }
    }
    fputc('"', out);
}

/* JSON has no NaN or infinity. */
static void json_num(FILE *out, double v) {
    if (isfinite(v))
        fprintf(out, "%.9g", v);
    else
        fputs("null", out);
}

/* ------------------------------------------------------------------ */
/* Roll-up by level, kind and element                                  */
/* ------------------------------------------------------------------ */

typedef struct group {
    uint64_t used; /* distinct resources */
    double busy;   /* summed busy seconds */
} group;

typedef struct rollup {
    arena mem;
    uint32_t *base; /* per level: first slot; slots: nelems compute,
                       nelems memory, nnets links */
    group *g;
    uint32_t ng;
} rollup;

/* Slot of a resource in the roll-up, or -1 when it fits none. */
static int64_t rollup_slot(const rollup *ru, const plan *p, const plan_res *rs) {
    const ir_level *lv = res_level(p, rs);
    if (!lv || rs->elem < 0)
        return -1;
    uint32_t b = ru->base[rs->level];
    switch (rs->kind) {
    case RES_COMPUTE:
        return rs->elem < lv->nelems ? (int64_t)b + rs->elem : -1;
    case RES_MEMORY:
        return rs->elem < lv->nelems ? (int64_t)b + lv->nelems + rs->elem : -1;
    case RES_LINK:
        return rs->elem < lv->nnets ? (int64_t)b + 2 * (int64_t)lv->nelems + rs->elem : -1;
    default:
        return -1;
    }
}

static void rollup_build(rollup *ru, const sim_result *r) {
    const plan *p = r->p;
    int nl = p->design ? p->design->nlevels : 0;
    arena_init(&ru->mem);
    ru->base = arena_alloc(&ru->mem, sizeof *ru->base * (size_t)(nl + 1));
    uint32_t ng = 0;
    for (int l = 0; l < nl; l++) {
        const ir_level *lv = p->design->levels[l];
        ru->base[l] = ng;
        ng += (uint32_t)(2 * lv->nelems + lv->nnets);
    }
    ru->base[nl] = ng;
    ru->ng = ng;
    ru->g = arena_alloc(&ru->mem, sizeof *ru->g * (size_t)(ng + 1));
    for (uint32_t i = 0; i < p->nres; i++) {
        int64_t s = rollup_slot(ru, p, &p->res[i]);
        if (s < 0)
            continue;
        ru->g[s].used++;
        ru->g[s].busy += r->busy[i];
    }
}

/* Describe slot s: its level, element/network name and kind. */
static void rollup_describe(const rollup *ru, const plan *p, uint32_t s,
                            const ir_level **lv_out, const char **elem,
                            const char **kind) {
    int lo = 0, hi = p->design->nlevels - 1;
    while (lo < hi) { /* last level whose base <= s */
        int mid = lo + (hi - lo + 1) / 2;
        if (ru->base[mid] <= s)
            lo = mid;
        else
            hi = mid - 1;
    }
    const ir_level *lv = p->design->levels[lo];
    uint32_t k = s - ru->base[lo];
    *lv_out = lv;
    if (k < (uint32_t)lv->nelems) {
        *elem = str_or(lv->elems[k].name, "?");
        *kind = "compute";
    } else if (k < 2u * (uint32_t)lv->nelems) {
        *elem = str_or(lv->elems[k - (uint32_t)lv->nelems].name, "?");
        *kind = "memory";
    } else {
        *elem = str_or(lv->nets[k - 2u * (uint32_t)lv->nelems].name, "?");
        *kind = "link";
    }
}

static void rollup_free(rollup *ru) {
    arena_free(&ru->mem);
}

/* ------------------------------------------------------------------ */
/* Text report                                                         */
static int trace_level_name(const plan *p, int l, const unsigned char *used, char *buf, size_t n);

/* A level in the text report: its full name ("PE(macs=64)") while short;
 * a long parameter list (the GPU presets list twenty) is left out as in
 * the trace ("Gpu"), the full name staying in the JSON report. */
enum { TEXT_LEVEL_MAX = 40 };
static const char *text_level_name(const plan *p, int l, char *buf, size_t n) {
    const char *full = str_or(p->design->levels[l]->name, "?");
    if (strlen(full) <= TEXT_LEVEL_MAX) return full;
    trace_level_name(p, l, NULL, buf, n);
    return buf;
}

/* ------------------------------------------------------------------ */

typedef struct task_counts {
    uint64_t n[3];
} task_counts;

static task_counts count_tasks(const plan *p) {
    task_counts c;
    memset(&c, 0, sizeof c);
    for (uint32_t t = 0; t < p->ntasks; t++)
        if (p->tasks[t].kind < 3)
            c.n[p->tasks[t].kind]++;
    return c;
}

static double crit_total(const sim_result *r) {
    double s = 0.0;
    for (int c = 0; c < CAUSE_COUNT; c++)
        s += r->crit[c];
    return s;
}

static void text_summary(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    const ir_mapping *m = p->map;
    char a[64], b[64], c[64], d[64];
    double ms = r->makespan;

    fprintf(out, "mapping         %s on %s for %s\n",
            m ? str_or(m->name, "?") : "?",
            m && m->sys ? str_or(m->sys->name, "?") : "?",
            m && m->wl ? str_or(m->wl->name, "?") : "?");
    fmt_time(ms, a, sizeof a);
    fprintf(out, "makespan        %s\n", a);

    fmt_count(ratio(1.0, ms), a, sizeof a);
    fprintf(out, "throughput      %s runs/s", a);
    const char *what = items_what(p);
    if (what) {
        fmt_count(ratio(p->tokens, ms), a, sizeof a);
        fprintf(out, ", %s %s/s", a, what);
    }
    fputc('\n', out);

    fmt_energy(total_energy(r), a, sizeof a);
    fmt_energy(r->energy_compute, b, sizeof b);
    fmt_energy(r->energy_memory, c, sizeof c);
    fmt_energy(r->energy_network, d, sizeof d);
    if (r->energy_static > 0) {
        char e[64];
        fmt_energy(r->energy_static, e, sizeof e);
        fprintf(out, "energy          %s (compute %s, memory %s, network %s, static %s)\n", a, b, c, d, e);
    } else {
        fprintf(out, "energy          %s (compute %s, memory %s, network %s)\n", a, b, c, d);
    }
    if (what) { /* "energy/token": the plural's 's' dropped */
        char lab[32];
        size_t wn = strlen(what);
        if (wn > 1 && what[wn - 1] == 's')
            wn--;
        snprintf(lab, sizeof lab, "energy/%.*s", (int)(wn < 20 ? wn : 20), what);
        fmt_energy(total_energy(r) / p->tokens, a, sizeof a);
        fprintf(out, "%-15s %s\n", lab, a);
    }

    units_format_value(ratio(total_energy(r), ms),
                       units_div(units_base(UNIT_J), units_base(UNIT_S)), a, sizeof a);
    fprintf(out, "average power   %s\n", a);
    units_format_value(system_area(p),
                       units_mul(units_base(UNIT_M), units_base(UNIT_M)), a, sizeof a);
    fprintf(out, "area            %s\n", a);

    task_counts tc = count_tasks(p);
    fprintf(out, "tasks           %llu (compute %llu, transfer %llu, sync %llu); events %llu\n",
            (unsigned long long)p->ntasks, (unsigned long long)tc.n[TASK_COMPUTE],
            (unsigned long long)tc.n[TASK_TRANSFER], (unsigned long long)tc.n[TASK_SYNC],
            (unsigned long long)r->events);
    if (r->done != p->ntasks)
        fprintf(out, "unfinished      %llu of %llu tasks never completed\n",
                (unsigned long long)(p->ntasks - r->done), (unsigned long long)p->ntasks);

    double ct = crit_total(r);
    fmt_time(ct, a, sizeof a);
    fprintf(out, "critical path   %s", a);
    for (int k = 0; k < CAUSE_COUNT; k++)
        fprintf(out, "%s %s %.1f%%", k ? "," : ":", sim_cause_name(k),
                100.0 * ratio(r->crit[k], ct));
    fputc('\n', out);
}

static void text_levels(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    if (!p->design || p->nres == 0)
        return;
    rollup ru;
    rollup_build(&ru, r);

    /* Column widths from the rows actually printed. */
    int wl = (int)strlen("level"), we = (int)strlen("element");
    for (uint32_t s = 0; s < ru.ng; s++) {
        if (!ru.g[s].used)
            continue;
        const ir_level *lv;
        const char *elem, *kind;
        rollup_describe(&ru, p, s, &lv, &elem, &kind);
        char lb[NAME_MAX_LEN];
        int l1 = (int)strlen(text_level_name(p, lv->id, lb, sizeof lb)), l2 = (int)strlen(elem);
        if (l1 > wl) wl = l1;
        if (l2 > we) we = l2;
    }

    fprintf(out, "\nutilisation by level and element (busy / (used x makespan)):\n");
    fprintf(out, "  %-*s  %-*s  %-8s  %8s  %-12s  %6s\n", wl, "level", we, "element",
            "kind", "used", "avg busy", "util");
    for (uint32_t s = 0; s < ru.ng; s++) {
        const group *g = &ru.g[s];
        if (!g->used)
            continue;
        const ir_level *lv;
        const char *elem, *kind;
        char busy[64];
        rollup_describe(&ru, p, s, &lv, &elem, &kind);
        fmt_time(g->busy / (double)g->used, busy, sizeof busy);
        char lb[NAME_MAX_LEN];
        fprintf(out, "  %-*s  %-*s  %-8s  %8llu  %-12s  %5.1f%%\n", wl,
                text_level_name(p, lv->id, lb, sizeof lb), we, elem, kind, (unsigned long long)g->used, busy,
                100.0 * ratio(g->busy, (double)g->used * r->makespan));
    }
    rollup_free(&ru);
}

/* A resource by busy time: descending, then id ascending. */
typedef struct busy_key {
    double busy;
    uint32_t id;
} busy_key;

static int busy_cmp(const void *pa, const void *pb) {
    const busy_key *a = pa, *b = pb;
    if (a->busy != b->busy) return a->busy > b->busy ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Alike busiest resources: the first (by id) and how many. */
typedef struct busy_group {
    uint32_t first, count;
    char name[NAME_MAX_LEN];
} busy_group;

/* Two resource names alike but for the numbers in brackets
 * ("top.pe[0][1].mac", "top.pe[2][1].mac"). */
static int names_alike(const char *a, const char *b) {
    for (;;) {
        if (*a == '[' && *b == '[') {
            a++, b++;
            while (*a >= '0' && *a <= '9') a++;
            while (*b >= '0' && *b <= '9') b++;
            continue;
        }
        if (*a != *b) return 0;
        if (!*a) return 1;
        a++, b++;
    }
}

/* Turn into '*' the bracketed numbers of `pat` that differ in `other`
 * (an alike name); '*' once set stays. */
static void name_merge(char *pat, const char *other) {
    char out[NAME_MAX_LEN];
    size_t k = 0;
    const char *a = pat, *b = other;
    while (*a && k + 2 < sizeof out) {
        if (*a == '[' && *b == '[') {
            const char *ea = a + 1, *eb = b + 1;
            while (*ea != ']' && *ea) ea++;
            while (*eb != ']' && *eb) eb++;
            int same = (ea - a) == (eb - b) && memcmp(a, b, (size_t)(ea - a)) == 0;
            if (same) {
                size_t len = (size_t)(ea - a);
                if (k + len + 2 >= sizeof out) break;
                memcpy(out + k, a, len);
                k += len;
            } else {
                out[k++] = '[';
                out[k++] = '*';
            }
            a = ea, b = eb;
            continue;
        }
        out[k++] = *a++;
        b++;
    }
    out[k] = 0;
    snprintf(pat, NAME_MAX_LEN, "%s", out);
}

/* The busiest resources, alike ones grouped: resources of one kind with
 * the same busy time whose names differ only in indices make one line
 * ("top.pe[*][*].mac", with how many), so ten identical cores do not
 * crowd out everything else. */
static void text_busiest(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    if (p->nres == 0) return;
    busy_key *keys = malloc(sizeof *keys * p->nres);
    uint32_t *ord = malloc(sizeof *ord * p->nres);
    unsigned char *used = calloc(p->nres, 1);
    if (!keys || !ord || !used) abort();
    for (uint32_t i = 0; i < p->nres; i++) keys[i] = (busy_key){r->busy[i], i};
    qsort(keys, p->nres, sizeof *keys, busy_cmp);
    for (uint32_t i = 0; i < p->nres; i++) ord[i] = keys[i].id;
    free(keys);

    busy_group *g = calloc(TOP_BUSIEST, sizeof *g);
    if (!g) abort();
    int ng = 0;
    char other[NAME_MAX_LEN];
    for (uint32_t k = 0; k < p->nres && ng < TOP_BUSIEST; k++) {
        uint32_t i = ord[k];
        if (used[k]) continue;
        busy_group *cur = &g[ng++];
        cur->first = i;
        cur->count = 1;
        plan_res_name(p, i, cur->name, sizeof cur->name);
        char first_name[NAME_MAX_LEN];
        snprintf(first_name, sizeof first_name, "%s", cur->name);
        /* equal busy times, up to the rounding of sums taken in another order */
        for (uint32_t j = k + 1; j < p->nres && r->busy[i] - r->busy[ord[j]] <= 1e-9 * r->busy[i]; j++) {
            if (used[j] || p->res[ord[j]].kind != p->res[i].kind) continue;
            plan_res_name(p, ord[j], other, sizeof other);
            if (!names_alike(first_name, other)) continue;
            used[j] = 1;
            cur->count++;
            name_merge(cur->name, other);
        }
    }

    int wn = (int)strlen("resource");
    for (int k = 0; k < ng; k++) {
        int l = (int)strlen(g[k].name);
        if (l > wn) wn = l;
    }
    fprintf(out, "\nbusiest resources (alike ones grouped):\n");
    fprintf(out, "  %-*s  %-8s  %5s  %-12s  %6s\n", wn, "resource", "kind", "count", "busy", "util");
    for (int k = 0; k < ng; k++) {
        char busy[64];
        fmt_time(r->busy[g[k].first], busy, sizeof busy);
        fprintf(out, "  %-*s  %-8s  %5u  %-12s  %5.1f%%\n", wn, g[k].name, res_kind_name(p->res[g[k].first].kind),
                g[k].count, busy, 100.0 * ratio(r->busy[g[k].first], r->makespan));
    }
    free(g);
    free(used);
    free(ord);
}

/* Energy by level and element: one row per element and network of each
 * level type in the system that spent any energy.  Dynamic energy is what
 * the plan's tasks spent on its resources (plan_res.joules); static
 * energy is its static_power x instances x makespan, whether used or not. */
typedef struct energy_row {
    int level;          /* level id */
    const char *name;   /* element or network */
    const char *kind;   /* "compute", "memory" or "network" */
    double instances;   /* of the element: of its level */
    double dyn, stat;   /* J */
} energy_row;

/* The rows, level by level in id order; *n is how many.  Free with free(). */
static energy_row *energy_rows(const sim_result *r, int *n) {
    const plan *p = r->p;
    int nl = p->design ? p->design->nlevels : 0, cap = 0, k = 0;
    *n = 0;
    if (!nl) return NULL;
    double *count = calloc((size_t)nl + 1, sizeof *count);
    if (!count) abort();
    plan_level_instances(p, count);
    for (int l = 0; l < nl; l++) cap += p->design->levels[l]->nelems + p->design->levels[l]->nnets;
    energy_row *rows = calloc((size_t)cap + 1, sizeof *rows);
    if (!rows) abort();
    for (int l = 0; l < nl; l++) {
        const ir_level *lv = p->design->levels[l];
        if (count[l] <= 0) continue;
        int base = k;
        for (int e = 0; e < lv->nelems; e++)
            rows[k++] = (energy_row){l, lv->elems[e].name, lv->elems[e].kind == ELEM_COMPUTE ? "compute" : "memory",
                                     count[l], 0, lv->elems[e].static_power * count[l] * r->makespan};
        for (int e = 0; e < lv->nnets; e++)
            rows[k++] = (energy_row){l, lv->nets[e].name, "network", count[l], 0,
                                     lv->nets[e].static_power * count[l] * r->makespan};
        for (uint32_t i = 0; i < p->nres; i++) {
            const plan_res *rs = &p->res[i];
            if (rs->level != l || rs->elem < 0) continue;
            int at = base + (rs->kind == RES_LINK ? lv->nelems + rs->elem : rs->elem);
            if (at < k) rows[at].dyn += rs->joules;
        }
        /* keep the rows that spent something */
        int w = base;
        for (int j = base; j < k; j++)
            if (rows[j].dyn > 0 || rows[j].stat > 0) rows[w++] = rows[j];
        k = w;
    }
    free(count);
    *n = k;
    return rows;
}

static void text_energy(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    int n;
    energy_row *rows = energy_rows(r, &n);
    if (n == 0) {
        free(rows);
        return;
    }
    int wl = (int)strlen("level"), we = (int)strlen("element");
    for (int i = 0; i < n; i++) {
        char lb[NAME_MAX_LEN];
        int a = (int)strlen(text_level_name(p, rows[i].level, lb, sizeof lb)), b = (int)strlen(rows[i].name);
        if (a > wl) wl = a;
        if (b > we) we = b;
    }
    if (we < 7) we = 7; /* "(level)" */
    fprintf(out, "\nenergy by level and element (static: static_power x instances x makespan):\n");
    fprintf(out, "  %-*s  %-*s  %-8s  %9s  %-12s  %-12s  %s\n", wl, "level", we, "element", "kind", "instances",
            "dynamic", "static", "total");
    char a[64], b[64], c[64];
    for (int i = 0; i < n; i++) {
        char lb[NAME_MAX_LEN];
        const char *lname = text_level_name(p, rows[i].level, lb, sizeof lb);
        fmt_energy(rows[i].dyn, a, sizeof a);
        fmt_energy(rows[i].stat, b, sizeof b);
        fmt_energy(rows[i].dyn + rows[i].stat, c, sizeof c);
        fprintf(out, "  %-*s  %-*s  %-8s  %9.0f  %-12s  %-12s  %s\n", wl, lname, we, rows[i].name, rows[i].kind,
                rows[i].instances, a, b, c);
        /* a level of several rows: its roll-up after its last row */
        int first = i;
        while (first > 0 && rows[first - 1].level == rows[i].level) first--;
        if ((i + 1 == n || rows[i + 1].level != rows[i].level) && i > first) {
            double d = 0, st = 0;
            for (int j = first; j <= i; j++) d += rows[j].dyn, st += rows[j].stat;
            fmt_energy(d, a, sizeof a);
            fmt_energy(st, b, sizeof b);
            fmt_energy(d + st, c, sizeof c);
            fprintf(out, "  %-*s  %-*s  %-8s  %9.0f  %-12s  %-12s  %s\n", wl, lname, we, "(level)", "", rows[i].instances,
                    a, b, c);
        }
    }
    free(rows);
}

/* "energy_by_level": per level, its instances, dynamic and static energy
 * and the same per element and network. */
static void json_energy(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    int n;
    energy_row *rows = energy_rows(r, &n);
    fputs(",\n  \"energy_by_level\": [", out);
    for (int i = 0; i < n;) {
        int j = i;
        double d = 0, st = 0;
        while (j < n && rows[j].level == rows[i].level) d += rows[j].dyn, st += rows[j].stat, j++;
        fputs(i ? ",\n    {\"level\": " : "\n    {\"level\": ", out);
        json_str(out, p->design->levels[rows[i].level]->name);
        fputs(", \"instances\": ", out);
        json_num(out, rows[i].instances);
        fputs(", \"dynamic_j\": ", out);
        json_num(out, d);
        fputs(", \"static_j\": ", out);
        json_num(out, st);
        fputs(", \"elements\": [", out);
        for (int k = i; k < j; k++) {
            fputs(k > i ? ", {\"name\": " : "{\"name\": ", out);
            json_str(out, rows[k].name);
            fprintf(out, ", \"kind\": \"%s\", \"dynamic_j\": ", rows[k].kind);
            json_num(out, rows[k].dyn);
            fputs(", \"static_j\": ", out);
            json_num(out, rows[k].stat);
            fputs("}", out);
        }
        fputs("]}", out);
        i = j;
    }
    fputs(n ? "\n  ]" : "]", out);
    free(rows);
}

static void text_memories(FILE *out, const sim_result *r);

void sim_report_text(FILE *out, const sim_result *r) {
    text_summary(out, r);
    text_levels(out, r);
    text_energy(out, r);
    text_busiest(out, r);
    text_memories(out, r);
}

/* ------------------------------------------------------------------ */
/* JSON report                                                         */
/* ------------------------------------------------------------------ */

static void ops_json(FILE *out, const sim_result *r);
static void json_memories(FILE *out, const sim_result *r);

/* The JSON report; with_ops adds the per-operator account. */
static void report_json(FILE *out, const sim_result *r, int with_ops) {
    const plan *p = r->p;
    const ir_mapping *m = p->map;
    double ms = r->makespan, e = total_energy(r);

    fputs("{\n  \"mapping\": ", out);
    json_str(out, m ? m->name : NULL);
    fputs(",\n  \"system\": ", out);
    json_str(out, m && m->sys ? m->sys->name : NULL);
    fputs(",\n  \"workload\": ", out);
    json_str(out, m && m->wl ? m->wl->name : NULL);
    fputs(",\n  \"makespan_s\": ", out);
    json_num(out, ms);
    fputs(",\n  \"throughput_per_s\": ", out);
    json_num(out, ratio(1.0, ms));
    fputs(",\n  \"tokens_per_s\": ", out);
    if (is_tokens(p))
        json_num(out, ratio(p->tokens, ms));
    else
        fputs("null", out);
    fputs(",\n  \"per_run\": {\"what\": ", out);
    json_str(out, p->tokens_what ? p->tokens_what : "runs");
    fputs(", \"count\": ", out);
    json_num(out, p->tokens_what ? p->tokens : 1.0);
    fputs("}", out);

    fputs(",\n  \"energy_j\": {\"compute\": ", out);
    json_num(out, r->energy_compute);
    fputs(", \"memory\": ", out);
    json_num(out, r->energy_memory);
    fputs(", \"network\": ", out);
    json_num(out, r->energy_network);
    fputs(", \"static\": ", out);
    json_num(out, r->energy_static);
    fputs(", \"total\": ", out);
    json_num(out, e);
    fputs("},\n  \"power_w\": ", out);
    json_num(out, ratio(e, ms));
    fputs(",\n  \"area_m2\": ", out);
    json_num(out, system_area(p));

    task_counts tc = count_tasks(p);
    fprintf(out, ",\n  \"tasks\": {\"total\": %llu, \"compute\": %llu, \"transfer\": %llu, "
            "\"sync\": %llu, \"done\": %llu}",
            (unsigned long long)p->ntasks, (unsigned long long)tc.n[TASK_COMPUTE],
            (unsigned long long)tc.n[TASK_TRANSFER], (unsigned long long)tc.n[TASK_SYNC],
            (unsigned long long)r->done);
    fprintf(out, ",\n  \"events\": %llu", (unsigned long long)r->events);

    static const char *const ckeys[CAUSE_COUNT] = {
        "compute", "memory", "network", "sync", "wait"
    };
    fputs(",\n  \"critical_path_s\": {", out);
    for (int k = 0; k < CAUSE_COUNT; k++) {
        fprintf(out, "%s\"%s\": ", k ? ", " : "", ckeys[k]);
        json_num(out, r->crit[k]);
    }
    fputs(", \"total\": ", out);
    json_num(out, crit_total(r));
    fputs("}", out);

    fputs(",\n  \"levels\": [", out);
    if (p->design && p->nres > 0) {
        rollup ru;
        rollup_build(&ru, r);
        int first = 1;
        for (uint32_t s = 0; s < ru.ng; s++) {
            const group *g = &ru.g[s];
            if (!g->used)
                continue;
            const ir_level *lv;
            const char *elem, *kind;
            rollup_describe(&ru, p, s, &lv, &elem, &kind);
            fputs(first ? "\n    {\"level\": " : ",\n    {\"level\": ", out);
            first = 0;
            json_str(out, lv->name);
            fputs(", \"element\": ", out);
            json_str(out, elem);
            fprintf(out, ", \"kind\": \"%s\", \"used\": %llu, \"busy_s\": ", kind,
                    (unsigned long long)g->used);
            json_num(out, g->busy);
            fputs(", \"utilisation\": ", out);
            json_num(out, ratio(g->busy, (double)g->used * ms));
            fputs("}", out);
        }
        if (!first)
            fputs("\n  ", out);
        rollup_free(&ru);
    }
    fputs("]", out);

    json_energy(out, r);

    fputs(",\n  \"resources\": [", out);
    char name[NAME_MAX_LEN];
    for (uint32_t i = 0; i < p->nres; i++) {
        const plan_res *rs = &p->res[i];
        const ir_level *lv = res_level(p, rs);
        plan_res_name(p, i, name, sizeof name);
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
        json_str(out, name);
        fprintf(out, ", \"kind\": \"%s\", \"level\": ", res_kind_name(rs->kind));
        json_str(out, lv ? lv->name : "?");
        fputs(", \"element\": ", out);
        json_str(out, res_elem_name(lv, rs));
        fputs(", \"busy_s\": ", out);
        json_num(out, r->busy[i]);
        fputs(", \"utilisation\": ", out);
        json_num(out, ratio(r->busy[i], ms));
        fputs("}", out);
    }
    fputs(p->nres ? "\n  ]" : "]", out);
    json_memories(out, r);
    if (with_ops)
        ops_json(out, r);
    fputs("\n}\n", out);
}

void sim_report_json(FILE *out, const sim_result *r) {
    report_json(out, r, 0);
}

void sim_report_json_ops(FILE *out, const sim_result *r) {
    report_json(out, r, 1);
}

/* ------------------------------------------------------------------ */
/* Chrome trace                                                        */
/* ------------------------------------------------------------------ */

typedef struct trace_out {
    FILE *f;
    int first; /* no event written yet: no comma before the next */
} trace_out;

static void trace_sep(trace_out *t) {
    fputs(t->first ? "\n" : ",\n", t->f);
    t->first = 0;
}

/* A metadata event ("process_name", "thread_name", ...) with a string or
 * an integer argument. */
static void trace_meta(trace_out *t, const char *what, int64_t pid, int64_t tid,
                       const char *name) {
    trace_sep(t);
    /* process_labels carries "labels", the others "name" */
    fprintf(t->f, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%lld,\"tid\":%lld,\"args\":{\"%s\":",
            what, (long long)pid, (long long)tid, strcmp(what, "process_labels") == 0 ? "labels" : "name");
    json_str(t->f, name);
    fputs("}}", t->f);
}

static void trace_sort(trace_out *t, const char *what, int64_t pid, int64_t tid,
                       int64_t index) {
    trace_sep(t);
    fprintf(t->f, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%lld,\"tid\":%lld,"
            "\"args\":{\"sort_index\":%lld}}",
            what, (long long)pid, (long long)tid, (long long)index);
}

/* Seconds to whole picoseconds, clamped to what an int64 holds. */
static int64_t to_ps(double s) {
    const int64_t lim = INT64_C(9000000000000000000);
    double ps = s * 1e12;
    if (isnan(ps))
        return 0;
    if (ps > 9e18)
        return lim;
    if (ps < -9e18)
        return -lim;
    return (int64_t)llround(ps);
}

/* Picoseconds as trace microseconds ("%.6f" done in integers). */
static void trace_us(FILE *f, const char *key, int64_t ps) {
    uint64_t m = ps < 0 ? (uint64_t)0 - (uint64_t)ps : (uint64_t)ps;
    fprintf(f, ",\"%s\":%s%llu.%06llu", key, ps < 0 ? "-" : "",
            (unsigned long long)(m / 1000000u), (unsigned long long)(m % 1000000u));
}

/* ts and dur of an interval.  Both ends are rounded to picoseconds before
 * the duration is taken, so ts + dur is exactly the rounded end and
 * back-to-back uses of a resource never overlap by a rounding step. */
static void trace_span(FILE *f, double s0, double s1) {
    int64_t a = to_ps(s0), b = to_ps(s1);
    trace_us(f, "ts", a);
    trace_us(f, "dur", b > a ? b - a : 0);
}

/* A byte count as hardware moves it: whole bytes.  A tensor split over
 * units that do not divide it gets fractional shares in the plan (their
 * sum is exact); the trace shows each rounded to the nearest byte. */
static double whole_bytes(double b) {
    return b >= 0.5 ? floor(b + 0.5) : b;
}

static void trace_task_event(trace_out *t, const plan *p, uint32_t task,
                             int64_t pid, int64_t tid, double s0, double s1,
                             int step, char *name, size_t nname) {
    const plan_task *tk = &p->tasks[task];
    FILE *f = t->f;
    trace_sep(t);
    plan_task_name(p, task, name, nname);
    fputs("{\"name\":", f);
    json_str(f, name);
    fprintf(f, ",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%lld,\"tid\":%lld",
            task_kind_name(tk->kind), (long long)pid, (long long)tid);
    trace_span(f, s0, s1);
    fprintf(f, ",\"args\":{\"task\":%llu", (unsigned long long)task);
    switch (tk->kind) {
    case TASK_COMPUTE:
        fputs(",\"flops\":", f);
        json_num(f, tk->work);
        fputs(",\"bytes\":", f);
        json_num(f, whole_bytes(tk->bytes));
        fprintf(f, ",\"bound\":\"%s\"", tk->launch ? "launch" : tk->mem_bound ? "memory" : "compute");
        fprintf(f, ",\"piece\":%u", tk->piece);
        break;
    case TASK_TRANSFER:
        fputs(",\"bytes\":", f);
        json_num(f, whole_bytes(tk->work));
        if (step >= 0)
            fprintf(f, ",\"step\":%d", step);
        break;
    default:
        break;
    }
    fputs("}}", f);
}

typedef struct sync_item {
    double start;
    uint32_t task; /* task id */
    uint32_t k;    /* ordinal among the use-less tasks, in task order */
} sync_item;

static int sync_item_cmp(const void *a, const void *b) {
    const sync_item *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->task < y->task ? -1 : x->task > y->task;
}

/* A min-heap of lanes keyed by (end time, lane number). */
typedef struct lane_heap {
    double *end;
    uint32_t *id;
    uint32_t n;
} lane_heap;

static int lane_less(const lane_heap *h, uint32_t i, uint32_t j) {
    if (h->end[i] != h->end[j])
        return h->end[i] < h->end[j];
    return h->id[i] < h->id[j];
}

static void lane_swap(lane_heap *h, uint32_t i, uint32_t j) {
    double e = h->end[i];
    uint32_t d = h->id[i];
    h->end[i] = h->end[j];
    h->id[i] = h->id[j];
    h->end[j] = e;
    h->id[j] = d;
}

static void lane_up(lane_heap *h, uint32_t i) {
    while (i > 0 && lane_less(h, i, (i - 1) / 2)) {
        lane_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void lane_down(lane_heap *h, uint32_t i) {
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        if (l < h->n && lane_less(h, l, m)) m = l;
        if (l + 1 < h->n && lane_less(h, l + 1, m)) m = l + 1;
        if (m == i)
            return;
        lane_swap(h, i, m);
        i = m;
    }
}

/* Lanes for the n use-less tasks: greedy interval partitioning in (start,
 * task id) order, reusing the lane that frees earliest (optimal: as many
 * lanes as the most syncs in flight at once).  Fills lane[k] for the k-th
 * such task in task order; returns the number of lanes. */
static uint32_t assign_lanes(arena *a, const sim_result *r, uint32_t n,
                             uint32_t *lane) {
    const plan *p = r->p;
    sync_item *it = arena_alloc(a, sizeof *it * (size_t)n);
    uint32_t k = 0;
    for (uint32_t t = 0; t < p->ntasks; t++)
        if (p->tasks[t].nuse == 0) {
            it[k].start = r->start[t];
            it[k].task = t;
            it[k].k = k;
            k++;
        }
    qsort(it, n, sizeof *it, sync_item_cmp);

    lane_heap h = {arena_alloc(a, sizeof(double) * (size_t)n),
                   arena_alloc(a, sizeof(uint32_t) * (size_t)n), 0};
    uint32_t nlanes = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t = it[i].task;
        double s0 = r->start[t], s1 = r->end[t] > s0 ? r->end[t] : s0;
        if (h.n > 0 && h.end[0] <= s0) { /* reuse the earliest-free lane */
            lane[it[i].k] = h.id[0];
            h.end[0] = s1;
            lane_down(&h, 0);
        } else {
            lane[it[i].k] = nlanes;
            h.end[h.n] = s1;
            h.id[h.n] = nlanes++;
            lane_up(&h, h.n++);
        }
    }
    return nlanes;
}

/* The trace process of a level: its template's name without the
 * arguments ("PE", not "PE(macs=64, sram=1 MiB)"); when two used levels
 * share a template, " #2", " #3"... after the second and later (used
 * NULL: all levels count).  Returns 1 when the name was shortened (the
 * full one then goes to a label). */
static int trace_level_name(const plan *p, int l, const unsigned char *used, char *buf, size_t n) {
    const char *full = str_or(p->design->levels[l]->name, "?");
    size_t len = strcspn(full, "(");
    int k = 1;
    for (int o = 0; o < l; o++) {
        const char *other = str_or(p->design->levels[o]->name, "?");
        if ((!used || used[o]) && strcspn(other, "(") == len && strncmp(other, full, len) == 0) k++;
    }
    if (k > 1) snprintf(buf, n, "%.*s #%d", (int)len, full, k);
    else snprintf(buf, n, "%.*s", (int)len, full);
    return full[len] != 0 || k > 1;
}

/* Where a task's slices are, for flow arrows: the thread and start of its
 * first (first != 0) or last use; a sync's lane. */
typedef struct trace_at {
    const sim_result *r;
    const uint32_t *sync_k; /* task -> ordinal among the use-less tasks */
    const uint32_t *lane;   /* that ordinal -> lane */
    int64_t sync_pid, lane_tid0;
} trace_at;

static void trace_task_at(const trace_at *a, uint32_t t, int first, int64_t *pid, int64_t *tid, double *ts) {
    const plan *p = a->r->p;
    const plan_task *tk = &p->tasks[t];
    if (tk->nuse == 0) {
        *pid = a->sync_pid;
        *tid = a->lane_tid0 + a->lane[a->sync_k[t]];
        *ts = a->r->start[t];
        return;
    }
    uint64_t u = (uint64_t)tk->use0 + (first ? 0 : tk->nuse - 1);
    uint32_t rid = p->uses[u];
    *pid = rid < p->nres && res_level(p, &p->res[rid]) ? p->res[rid].level + 1 : a->sync_pid;
    *tid = (int64_t)rid + 1;
    *ts = a->r->use_start[u];
}

/* One end of a flow arrow: `ph` is its phase members ("s" starts it, "f"
 * with "bp":"e" ends it inside the enclosing slice). */
static void trace_flow_event(trace_out *t, const char *ph, uint64_t id, int64_t pid, int64_t tid, double ts) {
    trace_sep(t);
    fprintf(t->f, "{\"name\":\"dependency\",\"cat\":\"dependency\",%s,\"id\":%llu,\"pid\":%lld,\"tid\":%lld", ph,
            (unsigned long long)id, (long long)pid, (long long)tid);
    trace_us(t->f, "ts", to_ps(ts));
    fputs("}", t->f);
}

/* Flow arrows, one per dependency: from the last slice of the task waited
 * for to the first slice of the waiting task ("s" and "f" events bound to
 * the enclosing slices; id = the dependency's position + 1). */
static void trace_flows(trace_out *t, const trace_at *a) {
    const plan *p = a->r->p;
    for (uint32_t ti = 0; ti < p->ntasks; ti++) {
        const plan_task *tk = &p->tasks[ti];
        for (uint32_t k = 0; k < tk->ndep; k++) {
            uint64_t id = (uint64_t)tk->dep0 + k + 1;
            int64_t pid, tid;
            double ts;
            trace_task_at(a, p->deps[tk->dep0 + k], 0, &pid, &tid, &ts);
            trace_flow_event(t, "\"ph\":\"s\"", id, pid, tid, ts);
            trace_task_at(a, ti, 1, &pid, &tid, &ts);
            trace_flow_event(t, "\"ph\":\"f\",\"bp\":\"e\"", id, pid, tid, ts);
        }
    }
}

enum { TRACE_BUCKETS = 64 }; /* link-utilisation counter samples per run */

/* One counter track per network instance: the utilisation of its links
 * (busy time over links x interval) in TRACE_BUCKETS equal intervals of
 * the run, as "C" events in the network's level process. */
static void trace_link_counters(trace_out *t, const sim_result *r, arena *mem) {
    const plan *p = r->p;
    if (r->makespan <= 0) return;
    /* networks: links keyed by (level, instance, network); the first
     * link of each names it */
    uint32_t *net_of = arena_alloc(mem, sizeof *net_of * ((size_t)p->nres + 1));
    uint32_t *first = arena_alloc(mem, sizeof *first * ((size_t)p->nres + 1));
    uint32_t *nlinks = arena_alloc(mem, sizeof *nlinks * ((size_t)p->nres + 1));
    uint32_t nnet = 0;
    for (uint32_t i = 0; i < p->nres; i++) {
        const plan_res *rs = &p->res[i];
        net_of[i] = UINT32_MAX;
        if (rs->kind != RES_LINK) continue;
        uint32_t k = 0;
        while (k < nnet && !(p->res[first[k]].level == rs->level && p->res[first[k]].inst == rs->inst &&
                             p->res[first[k]].elem == rs->elem))
            k++;
        if (k == nnet) {
            first[nnet] = i;
            nlinks[nnet++] = 0;
        }
        net_of[i] = k;
        nlinks[k]++;
    }
    if (nnet == 0) return;
    double *busy = arena_alloc(mem, sizeof *busy * (size_t)nnet * TRACE_BUCKETS);
    memset(busy, 0, sizeof *busy * (size_t)nnet * TRACE_BUCKETS);
    double w = r->makespan / TRACE_BUCKETS;
    for (uint32_t ti = 0; ti < p->ntasks; ti++) {
        const plan_task *tk = &p->tasks[ti];
        for (uint32_t j = 0; j < tk->nuse; j++) {
            uint64_t u = (uint64_t)tk->use0 + j;
            uint32_t k = net_of[p->uses[u]];
            if (k == UINT32_MAX) continue;
            double s0 = r->use_start[u], s1 = sim_use_end(r, ti, j);
            int b0 = (int)(s0 / w), b1 = (int)(s1 / w);
            if (b1 >= TRACE_BUCKETS) b1 = TRACE_BUCKETS - 1;
            for (int b = b0 < 0 ? 0 : b0; b <= b1; b++) {
                double lo = b * w, hi = lo + w;
                double ov = (s1 < hi ? s1 : hi) - (s0 > lo ? s0 : lo);
                if (ov > 0) busy[(size_t)k * TRACE_BUCKETS + (size_t)b] += ov;
            }
        }
    }
    char name[NAME_MAX_LEN];
    for (uint32_t k = 0; k < nnet; k++) {
        const plan_res *rs = &p->res[first[k]];
        int64_t pid = res_level(p, rs) ? rs->level + 1 : (p->design ? p->design->nlevels : 0) + 1;
        plan_res_name(p, first[k], name, sizeof name);
        name[strcspn(name, " ")] = 0; /* "top.noc (a -> b)" -> "top.noc" */
        for (int b = 0; b <= TRACE_BUCKETS; b++) {
            double util = b < TRACE_BUCKETS ? busy[(size_t)k * TRACE_BUCKETS + (size_t)b] / (w * nlinks[k]) : 0;
            if (util > 1) util = 1; /* rounding at bucket edges */
            trace_sep(t);
            fputs("{\"name\":", t->f);
            char cn[NAME_MAX_LEN + 32];
            snprintf(cn, sizeof cn, "%s link utilisation", name);
            json_str(t->f, cn);
            fprintf(t->f, ",\"cat\":\"utilisation\",\"ph\":\"C\",\"pid\":%lld", (long long)pid);
            trace_us(t->f, "ts", to_ps(b * w));
            fputs(",\"args\":{\"util\":", t->f);
            json_num(t->f, floor(util * 1e6 + 0.5) / 1e6);
            fputs("}}", t->f);
        }
    }
}

/* The critical path as a track of its own (process `pid`, one thread):
 * its tasks, first to last, each a slice from its start to its end. */
static void trace_critical_path(trace_out *t, const sim_result *r, int64_t pid) {
    const plan *p = r->p;
    char name[NAME_MAX_LEN];
    trace_meta(t, "process_name", pid, 0, "critical path");
    trace_sort(t, "process_sort_index", pid, 0, pid);
    trace_meta(t, "thread_name", pid, 1, "critical path");
    for (uint32_t k = 0; k < r->ncrit; k++) {
        uint32_t ti = r->crit_tasks[k];
        trace_sep(t);
        plan_task_name(p, ti, name, sizeof name);
        fputs("{\"name\":", t->f);
        json_str(t->f, name);
        fprintf(t->f, ",\"cat\":\"critical\",\"ph\":\"X\",\"pid\":%lld,\"tid\":1", (long long)pid);
        trace_span(t->f, r->start[ti], r->end[ti]);
        fprintf(t->f, ",\"args\":{\"task\":%llu,\"cause\":\"%s\"}}", (unsigned long long)ti,
                sim_cause_name(sim_task_cause(p, ti)));
    }
}
static void trace_occupancy(trace_out *t, const sim_result *r, char *name, size_t nname);

void sim_trace(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    trace_out t = {out, 1};
    arena mem;
    arena_init(&mem);
    char name[NAME_MAX_LEN];
    int nl = p->design ? p->design->nlevels : 0;
    int64_t sync_pid = (int64_t)nl + 1; /* also resources of no known level */

    fputs("{\"traceEvents\":[", out);

    /* One process per level type owning a resource, in level id order. */
    int other = 0; /* some resource has no known level */
    if (nl > 0) {
        unsigned char *used = arena_alloc(&mem, (size_t)nl);
        for (uint32_t i = 0; i < p->nres; i++) {
            if (res_level(p, &p->res[i]))
                used[p->res[i].level] = 1;
            else
                other = 1;
        }
        for (uint32_t i = 0; r->occ && i < r->occ->nmems; i++) /* occupancy counters */
            if (r->occ->mems[i].level >= 0 && r->occ->mems[i].level < nl)
                used[r->occ->mems[i].level] = 1;
        for (int l = 0; l < nl; l++) {
            if (!used[l])
                continue;
            if (trace_level_name(p, l, used, name, sizeof name))
                trace_meta(&t, "process_labels", l + 1, 0, str_or(p->design->levels[l]->name, "?"));
            trace_meta(&t, "process_name", l + 1, 0, name);
            trace_sort(&t, "process_sort_index", l + 1, 0, l + 1);
        }
    } else if (p->nres > 0) {
        other = 1;
    }
    /* One thread per resource. */
    for (uint32_t i = 0; i < p->nres; i++) {
        int64_t pid = res_level(p, &p->res[i]) ? p->res[i].level + 1 : sync_pid;
        plan_res_name(p, i, name, sizeof name);
        trace_meta(&t, "thread_name", pid, (int64_t)i + 1, name);
        trace_sort(&t, "thread_sort_index", pid, (int64_t)i + 1, (int64_t)i + 1);
    }

    /* Tasks with no resource (syncs): their own process, one thread per
     * lane, numbered after the resources' tids. */
    uint32_t nfree = 0;
    for (uint32_t i = 0; i < p->ntasks; i++)
        if (p->tasks[i].nuse == 0)
            nfree++;
    uint32_t *lane = NULL, nlanes = 0;
    if (nfree)
        lane = arena_alloc(&mem, sizeof *lane * (size_t)nfree);
    if (nfree)
        nlanes = assign_lanes(&mem, r, nfree, lane);
    int64_t lane_tid0 = (int64_t)p->nres + 1;
    if (nfree || other) {
        trace_meta(&t, "process_name", sync_pid, 0, "syncs");
        trace_sort(&t, "process_sort_index", sync_pid, 0, sync_pid);
    }
    for (uint32_t l = 0; l < nlanes; l++) {
        char ln[32];
        snprintf(ln, sizeof ln, "sync lane %llu", (unsigned long long)l);
        trace_meta(&t, "thread_name", sync_pid, lane_tid0 + l, ln);
        trace_sort(&t, "thread_sort_index", sync_pid, lane_tid0 + l, lane_tid0 + l);
    }

    /* The events: task order, then use order. */
    uint32_t k = 0;
    for (uint32_t ti = 0; ti < p->ntasks; ti++) {
        const plan_task *tk = &p->tasks[ti];
        if (tk->nuse == 0) {
            trace_task_event(&t, p, ti, sync_pid, lane_tid0 + lane[k++], r->start[ti],
                             r->end[ti], -1, name, sizeof name);
            continue;
        }
        for (uint32_t j = 0; j < tk->nuse; j++) {
            uint64_t u = (uint64_t)tk->use0 + j;
            uint32_t rid = p->uses[u];
            int64_t pid = rid < p->nres && res_level(p, &p->res[rid])
                              ? p->res[rid].level + 1 : sync_pid;
            trace_task_event(&t, p, ti, pid, (int64_t)rid + 1, r->use_start[u],
                             sim_use_end(r, ti, j), tk->kind == TASK_TRANSFER ? (int)j : -1,
                             name, sizeof name);
        }
    }

    /* dependencies, link utilisation, the critical path */
    uint32_t *sync_k = arena_alloc(&mem, sizeof *sync_k * ((size_t)p->ntasks + 1));
    for (uint32_t ti = 0, kk = 0; ti < p->ntasks; ti++) sync_k[ti] = p->tasks[ti].nuse == 0 ? kk++ : 0;
    trace_at at = {r, sync_k, lane, sync_pid, lane_tid0};
    trace_flows(&t, &at);
    trace_link_counters(&t, r, &mem);
    trace_critical_path(&t, r, sync_pid + 1);

    trace_occupancy(&t, r, name, sizeof name);
    fputs(t.first ? "],\"displayTimeUnit\":\"ns\"}\n" : "\n],\"displayTimeUnit\":\"ns\"}\n", out);
    arena_free(&mem);
}

/* ------------------------------------------------------------------ */
/* Per-operator account (--ops, --ops-csv, "operators" in JSON)        */
/* ------------------------------------------------------------------ */

/* Element names of the memories a row touched, joined by '+'. */
static void ops_mems(const plan *p, const acct_row *x, char *buf, size_t n) {
    size_t l = 0;
    buf[0] = 0;
    for (int i = 0; i < x->nmem && l < n; i++) {
        const ir_level *lv = p->design && x->mem[i].level >= 0 && x->mem[i].level < p->design->nlevels
                                 ? p->design->levels[x->mem[i].level] : NULL;
        const char *e = lv && x->mem[i].elem < lv->nelems ? lv->elems[x->mem[i].elem].name : "?";
        l += (size_t)snprintf(buf + l, n - l, "%s%s", i ? "+" : "", e);
    }
    if (!buf[0])
        snprintf(buf, n, "-");
}

static const char *ops_row_name(const plan *p, const acct_row *x) {
    return x->op >= 0 ? p->map->wl->ops[x->op].name : ir_opkind_name((ir_opkind)x->kind);
}

/* The GEMM kernel an operator row ran (plan.kernels of its first place
 * action that has one), or NULL: kind rows, operators without a kernel. */
static const plan_kernel *ops_kernel(const plan *p, const acct_row *x) {
    for (int64_t i = 0; x->op >= 0 && p->kernels && i < p->map->nactions; i++) {
        const ir_action *a = &p->map->actions[i];
        if (a->kind == ACT_PLACE && a->op == x->op && p->kernels[i].tm > 0) return &p->kernels[i];
    }
    return NULL;
}

/* A kernel as "TMxTN" (output tile), with "/kS" for a split-K factor S > 1; "-" for none. */
static void ops_kernel_name(const plan *p, const acct_row *x, char *buf, size_t n) {
    const plan_kernel *k = ops_kernel(p, x);
    if (!k) snprintf(buf, n, "-");
    else if (k->splitk > 1) snprintf(buf, n, "%lldx%lld/k%lld", (long long)k->tm, (long long)k->tn, (long long)k->splitk);
    else snprintf(buf, n, "%lldx%lld", (long long)k->tm, (long long)k->tn);
}

/* One line of the text table; kinds print "ops" where operators print
 * their span. */
static void ops_text_row(FILE *out, const sim_result *r, const acct_row *x, int wn) {
    const plan *p = r->p;
    char st[48], en[48], bu[48], la[48], fl[48], rd[48], wr[48], mem[128], kn[64];
    units_dim flop = units_base(UNIT_FLOP), byte = units_base(UNIT_B);
    fmt_time(x->busy, bu, sizeof bu);
    fmt_time(x->launch, la, sizeof la);
    units_format_value(x->flops, flop, fl, sizeof fl);
    units_format_value(x->rd, byte, rd, sizeof rd);
    units_format_value(x->wr, byte, wr, sizeof wr);
    ops_mems(p, x, mem, sizeof mem);
    ops_kernel_name(p, x, kn, sizeof kn);
    if (x->op >= 0) {
        fmt_time(x->start, st, sizeof st);
        fmt_time(x->end, en, sizeof en);
        fprintf(out, "  %-*s  %-11s  %5u  %-12s  %-12s", wn, ops_row_name(p, x),
                ir_opkind_name((ir_opkind)x->kind), x->units, st, en);
    } else {
        fprintf(out, "  %-*s  %5u  %5u", wn, ops_row_name(p, x), x->ops, x->units);
    }
    fprintf(out, "  %-12s  %-12s  %-14s  %-12s  %-12s  %-8s  %-8s  %5.1f%%", bu, la, fl, rd, wr, mem,
            acct_bound_name(acct_row_bound(x)), 100.0 * ratio(x->crit, r->makespan));
    if (x->op >= 0) fprintf(out, "  %s", kn);
    fputc('\n', out);
}

void sim_ops_text(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    acct *a = acct_build(r);
    int wn = (int)strlen("operator");
    for (int i = 0; i < a->nrows; i++) {
        int l = (int)strlen(ops_row_name(p, &a->rows[i]));
        if (l > wn) wn = l;
    }
    fprintf(out, "\noperators (busy: compute elements held, summed over units, launch included; "
                 "critical: share of the critical path; kernel: a GEMM's output tile and split-K):\n");
    fprintf(out, "  %-*s  %-11s  %5s  %-12s  %-12s  %-12s  %-12s  %-14s  %-12s  %-12s  %-8s  %-8s  %6s  %s\n", wn,
            "operator", "kind", "units", "start", "end", "busy", "launch", "FLOPs", "read", "written", "memory",
            "bound", "critical", "kernel");
    for (int i = 0; i < a->nrows; i++)
        ops_text_row(out, r, &a->rows[i], wn);
    int wk = (int)strlen("kind");
    for (int k = 0; k < OPK_COUNT; k++) {
        int l = (int)strlen(ir_opkind_name((ir_opkind)k));
        if (a->kinds[k].ops && l > wk) wk = l;
    }
    fprintf(out, "\noperators by kind:\n");
    fprintf(out, "  %-*s  %5s  %5s  %-12s  %-12s  %-14s  %-12s  %-12s  %-8s  %-8s  %6s\n", wk, "kind", "ops",
            "units", "busy", "launch", "FLOPs", "read", "written", "memory", "bound", "critical");
    for (int k = 0; k < OPK_COUNT; k++)
        if (a->kinds[k].ops)
            ops_text_row(out, r, &a->kinds[k], wk);
    acct_free(a);
}

static void ops_json_row(FILE *out, const sim_result *r, const acct_row *x, int first) {
    const plan *p = r->p;
    fputs(first ? "\n    {" : ",\n    {", out);
    if (x->op >= 0) {
        fputs("\"name\": ", out);
        json_str(out, ops_row_name(p, x));
        fputs(", ", out);
    }
    fprintf(out, "\"kind\": \"%s\", ", ir_opkind_name((ir_opkind)x->kind));
    if (x->op < 0)
        fprintf(out, "\"operators\": %u, ", x->ops);
    fprintf(out, "\"units\": %u, \"pieces\": %u", x->units, x->pieces);
    const char *keys[] = {"start_s", "end_s", "busy_s", "launch_s", "compute_bound_s", "memory_bound_s", "wait_s",
                          "flops", "read_bytes", "written_bytes", "critical_s"};
    double v[] = {x->start, x->end, x->busy, x->launch, x->t_compute, x->t_memory, x->wait,
                  x->flops, x->rd, x->wr, x->crit};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fprintf(out, ", \"%s\": ", keys[i]);
        json_num(out, v[i]);
    }
    fputs(", \"critical_share\": ", out);
    json_num(out, ratio(x->crit, r->makespan));
    fprintf(out, ", \"bound\": \"%s\", ", acct_bound_name(acct_row_bound(x)));
    if (x->op >= 0) {
        const plan_kernel *k = ops_kernel(p, x);
        if (k)
            fprintf(out, "\"kernel\": {\"tile_m\": %lld, \"tile_n\": %lld, \"split_k\": %lld}, ", (long long)k->tm,
                    (long long)k->tn, (long long)k->splitk);
        else
            fputs("\"kernel\": null, ", out);
    }
    fputs("\"memories\": [", out);
    for (int i = 0; i < x->nmem; i++) {
        const ir_level *lv = p->design && x->mem[i].level >= 0 && x->mem[i].level < p->design->nlevels
                                 ? p->design->levels[x->mem[i].level] : NULL;
        fputs(i ? ", {\"level\": " : "{\"level\": ", out);
        json_str(out, lv ? lv->name : "?");
        fputs(", \"element\": ", out);
        json_str(out, lv && x->mem[i].elem < lv->nelems ? lv->elems[x->mem[i].elem].name : "?");
        fputs(", \"read_bytes\": ", out);
        json_num(out, x->mem[i].rd);
        fputs(", \"written_bytes\": ", out);
        json_num(out, x->mem[i].wr);
        fputs("}", out);
    }
    fputs("]}", out);
}

static void ops_json(FILE *out, const sim_result *r) {
    acct *a = acct_build(r);
    fputs(",\n  \"operators\": [", out);
    for (int i = 0; i < a->nrows; i++)
        ops_json_row(out, r, &a->rows[i], i == 0);
    fputs(a->nrows ? "\n  ]" : "]", out);
    fputs(",\n  \"operator_kinds\": [", out);
    int first = 1;
    for (int k = 0; k < OPK_COUNT; k++)
        if (a->kinds[k].ops) {
            ops_json_row(out, r, &a->kinds[k], first);
            first = 0;
        }
    fputs(first ? "]" : "\n  ]", out);
    acct_free(a);
}

void sim_ops_csv(FILE *out, const sim_result *r) {
    const plan *p = r->p;
    acct *a = acct_build(r);
    fputs("row,name,kind,operators,units,pieces,start_s,end_s,busy_s,launch_s,compute_bound_s,memory_bound_s,"
          "wait_s,flops,read_bytes,written_bytes,memories,bound,critical_s,critical_share,kernel\n", out);
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? OPK_COUNT : a->nrows;
        for (int i = 0; i < n; i++) {
            const acct_row *x = pass ? &a->kinds[i] : &a->rows[i];
            if (!x->ops)
                continue;
            char mem[128], kn[64];
            ops_mems(p, x, mem, sizeof mem);
            ops_kernel_name(p, x, kn, sizeof kn);
            /* names are dotted paths with brackets: no commas or quotes */
            fprintf(out, "%s,%s,%s,%u,%u,%u", pass ? "kind" : "operator", ops_row_name(p, x),
                    ir_opkind_name((ir_opkind)x->kind), x->ops, x->units, x->pieces);
            double v[] = {x->start, x->end, x->busy, x->launch, x->t_compute, x->t_memory, x->wait,
                          x->flops, x->rd, x->wr};
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
                fprintf(out, ",%.10g", v[j]);
            fprintf(out, ",%s,%s,%.10g,%.6g,%s\n", mem, acct_bound_name(acct_row_bound(x)), x->crit,
                    ratio(x->crit, r->makespan), pass ? "" : kn);
        }
    }
    acct_free(a);
}

/* ------------------------------------------------------------------ */
/* Memory occupancy (occupancy.c)                                      */
/* ------------------------------------------------------------------ */

/* One row per memory element of a level type: how many instances held
 * anything, and the fullest of them (peak / capacity; ties: the first). */
static void text_memories(FILE *out, const sim_result *r) {
    const sim_occ *o = r->occ;
    if (!o || o->nmems == 0)
        return;
    const plan *p = r->p;
    arena mem;
    arena_init(&mem);
    uint32_t n = o->nmems, ng = 0;
    uint32_t *best = arena_alloc(&mem, sizeof *best * n), *cnt = arena_alloc(&mem, sizeof *cnt * n);
    for (uint32_t i = 0; i < n; i++) {
        const occ_mem *m = &o->mems[i];
        uint32_t g = 0;
        while (g < ng && !(o->mems[best[g]].level == m->level && o->mems[best[g]].mem.elem == m->mem.elem))
            g++;
        if (g == ng) {
            best[ng] = i;
            cnt[ng++] = 0;
        }
        cnt[g]++;
        if (ratio(m->peak, m->size) > ratio(o->mems[best[g]].peak, o->mems[best[g]].size))
            best[g] = i;
    }
    for (uint32_t a = 1; a < ng; a++) /* insertion sort by (level, element) */
        for (uint32_t b = a; b > 0; b--) {
            const occ_mem *x = &o->mems[best[b - 1]], *y = &o->mems[best[b]];
            if (x->level < y->level || (x->level == y->level && x->mem.elem <= y->mem.elem))
                break;
            uint32_t tb = best[b], tc = cnt[b];
            best[b] = best[b - 1];
            cnt[b] = cnt[b - 1];
            best[b - 1] = tb;
            cnt[b - 1] = tc;
        }
    char name[NAME_MAX_LEN];
    int wn = (int)strlen("fullest");
    for (uint32_t g = 0; g < ng; g++) {
        ir_unit_path(p->map->sys, o->mems[best[g]].mem, name, sizeof name);
        int l = (int)strlen(name);
        if (l > wn) wn = l;
    }
    fprintf(out, "\nmemory occupancy (per memory element: the instance that held the most at once):\n");
    fprintf(out, "  %-*s  %8s  %-12s  %-12s  %-12s  %6s\n", wn, "fullest", "used", "capacity", "peak", "at", "full");
    for (uint32_t g = 0; g < ng; g++) {
        const occ_mem *m = &o->mems[best[g]];
        char cap[64], pk[64], at[64];
        ir_unit_path(p->map->sys, m->mem, name, sizeof name);
        units_format_value(m->size, units_base(UNIT_B), cap, sizeof cap);
        units_format_value(m->peak, units_base(UNIT_B), pk, sizeof pk);
        fmt_time(m->peak_at, at, sizeof at);
        fprintf(out, "  %-*s  %8u  %-12s  %-12s  %-12s  %5.1f%%\n", wn, name, cnt[g], cap, pk, at,
                100.0 * ratio(m->peak, m->size));
    }
    arena_free(&mem);
}

static void json_memories(FILE *out, const sim_result *r) {
    const sim_occ *o = r->occ;
    const plan *p = r->p;
    char name[NAME_MAX_LEN];
    fputs(",\n  \"memories\": [", out);
    for (uint32_t i = 0; o && i < o->nmems; i++) {
        const occ_mem *m = &o->mems[i];
        const ir_level *lv = p->design && m->level >= 0 && m->level < p->design->nlevels ? p->design->levels[m->level] : NULL;
        ir_unit_path(p->map->sys, m->mem, name, sizeof name);
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
        json_str(out, name);
        fputs(", \"level\": ", out);
        json_str(out, lv ? lv->name : "?");
        fputs(", \"element\": ", out);
        json_str(out, lv && m->mem.elem < lv->nelems ? lv->elems[m->mem.elem].name : "?");
        fputs(", \"capacity_bytes\": ", out);
        json_num(out, m->size);
        fputs(", \"peak_bytes\": ", out);
        json_num(out, m->peak);
        fputs(", \"peak_s\": ", out);
        json_num(out, m->peak_at);
        fprintf(out, ", \"tensors\": %u}", m->tensors);
    }
    fputs(o && o->nmems ? "\n  ]" : "]", out);
}

/* One counter track per memory ("held NAME", in bytes), in the process of
 * its level type: a sample at every instant its contents change. */
static void trace_occupancy(trace_out *t, const sim_result *r, char *name, size_t nname) {
    const sim_occ *o = r->occ;
    const plan *p = r->p;
    int nl = p->design ? p->design->nlevels : 0;
    char cn[NAME_MAX_LEN + 8];
    for (uint32_t i = 0; o && i < o->nmems; i++) {
        const occ_mem *m = &o->mems[i];
        int64_t pid = m->level >= 0 && m->level < nl ? m->level + 1 : (int64_t)nl + 1;
        ir_unit_path(p->map->sys, m->mem, name, nname);
        snprintf(cn, sizeof cn, "held %s", name);
        for (uint64_t s = m->s0; s < m->s0 + m->ns; s++) {
            trace_sep(t);
            fputs("{\"name\":", t->f);
            json_str(t->f, cn);
            fprintf(t->f, ",\"ph\":\"C\",\"pid\":%lld", (long long)pid);
            trace_us(t->f, "ts", to_ps(o->steps[s].t));
            fputs(",\"args\":{\"bytes\":", t->f);
            json_num(t->f, floor(o->steps[s].bytes + 0.5)); /* whole bytes, float residue gone */
            fputs("}}", t->f);
        }
    }
}
