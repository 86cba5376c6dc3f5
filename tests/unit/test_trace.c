/* test_trace.c - the Chrome trace of a run, parsed back with Jansson:
 * dependency flow arrows (one "s"/"f" pair per plan dependency, each bound
 * inside a slice of its thread), link-utilisation counters (their samples
 * add up to the links' busy time), the critical path as a track of its own
 * (its slices are the path's tasks), short process names for
 * parameterised levels, and whole byte counts on transfers that split a
 * tensor unevenly. */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "testutil.h"

/* Three cores on a ring: 64 rows split three ways give fractional shares. */
static const char *const design =
    "level Core(macs = 256) {\n"
    "    compute mac { rate = macs * 2 FLOP/cycle; clock = 1 GHz; ops = matrix }\n"
    "    compute vec { rate = 64 FLOP/cycle; clock = 1 GHz; ops = vector }\n"
    "    memory sram { size = 4 MiB; bandwidth = 256 GB/s; latency = 2 ns }\n"
    "}\n"
    "level Chip {\n"
    "    core: Core(macs = 512)[3]\n"
    "    memory dram { size = 1 GiB; bandwidth = 50 GB/s; latency = 80 ns }\n"
    "    network ring0 = ring(core) { bandwidth = 64 GB/s; hop = 2 ns }\n"
    "    attach dram to ring0 at core[0]\n"
    "}\n"
    "system top = Chip\n"
    "workload ffn {\n"
    "    input x : fp16[64][128]\n"
    "    weight w1 : fp16[128][512]\n"
    "    op up = matmul(x, w1)\n"
    "    op act = gelu(up)\n"
    "}\n"
    "workload w = ffn()\n"
    "mapping m on top for w {\n"
    "    store [w.x, w.w1] in top.dram\n"
    "    transfer w.x from top.dram to top.core[*].sram split rows\n"
    "    transfer w.w1 from top.dram to top.core[*].sram\n"
    "    place [w.up, w.act] on top.core[*] split rows\n"
    "    sync top.core[*] after w.act\n"
    "}\n";

typedef struct parsed_trace {
    simulated s;
    json_t *root, *ev;
} parsed_trace;

static void trace_of(parsed_trace *t) {
    simulate(&t->s, design, NULL);
    FILE *f = tmpfile();
    ck_assert(f != NULL);
    sim_trace(f, t->s.r);
    rewind(f);
    json_error_t err;
    t->root = json_loadf(f, 0, &err);
    fclose(f);
    ck_assert_msg(t->root != NULL, "trace is not JSON: %s (line %d)", err.text, err.line);
    t->ev = json_object_get(t->root, "traceEvents");
    ck_assert(json_is_array(t->ev));
}

static void trace_free(parsed_trace *t) {
    json_decref(t->root);
    unsimulate(&t->s);
}

static const char *ph(json_t *e) { return json_string_value(json_object_get(e, "ph")); }
static double num(json_t *e, const char *k) { return json_number_value(json_object_get(e, k)); }

/* Is there an "X" slice on (pid, tid) that contains ts? */
static int inside_slice(json_t *ev, json_int_t pid, json_int_t tid, double ts) {
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e) {
        if (strcmp(ph(e), "X") || json_integer_value(json_object_get(e, "pid")) != pid ||
            json_integer_value(json_object_get(e, "tid")) != tid)
            continue;
        double t0 = num(e, "ts"), d = num(e, "dur");
        if (ts >= t0 - 1e-6 && ts <= t0 + d + 1e-6) return 1;
    }
    return 0;
}

START_TEST(test_trace_flows) {
    parsed_trace t;
    trace_of(&t);
    const plan *p = t.s.p;
    uint32_t ndeps = 0;
    for (uint32_t i = 0; i < p->ntasks; i++) ndeps += p->tasks[i].ndep;
    ck_assert_uint_gt(ndeps, 0);
    size_t i, starts = 0, finishes = 0;
    json_t *e;
    json_int_t idsum_s = 0, idsum_f = 0;
    json_array_foreach(t.ev, i, e) {
        int s = strcmp(ph(e), "s") == 0, f = strcmp(ph(e), "f") == 0;
        if (!s && !f) continue;
        json_int_t pid = json_integer_value(json_object_get(e, "pid")), tid = json_integer_value(json_object_get(e, "tid"));
        ck_assert_msg(inside_slice(t.ev, pid, tid, num(e, "ts")), "flow %s at %g on %lld/%lld binds to no slice",
                      ph(e), num(e, "ts"), (long long)pid, (long long)tid);
        if (s) starts++, idsum_s += json_integer_value(json_object_get(e, "id"));
        if (f) {
            finishes++, idsum_f += json_integer_value(json_object_get(e, "id"));
            ck_assert_str_eq(json_string_value(json_object_get(e, "bp")), "e");
        }
    }
    ck_assert_uint_eq(starts, ndeps);
    ck_assert_uint_eq(finishes, ndeps);
    ck_assert(idsum_s == idsum_f); /* every arrow has both ends */
    trace_free(&t);
}
END_TEST

START_TEST(test_trace_counters_and_critical_path) {
    parsed_trace t;
    trace_of(&t);
    const plan *p = t.s.p;
    const sim_result *r = t.s.r;
    /* link utilisation: the samples, times the interval and the links,
     * add up to the links' busy time */
    double link_busy = 0;
    uint32_t nlinks = 0;
    for (uint32_t k = 0; k < p->nres; k++)
        if (p->res[k].kind == RES_LINK) link_busy += r->busy[k], nlinks++;
    ck_assert_uint_gt(nlinks, 0);
    size_t i, nc = 0;
    json_t *e;
    double util_sum = 0, crit_dur = 0;
    json_int_t crit_pid = -1;
    size_t ncrit = 0;
    json_array_foreach(t.ev, i, e) {
        if (strcmp(ph(e), "M") == 0 && strcmp(json_string_value(json_object_get(e, "name")), "process_name") == 0) {
            const char *n = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
            ck_assert_msg(strchr(n, '(') == NULL, "process name '%s' carries arguments", n);
            if (strcmp(n, "critical path") == 0) crit_pid = json_integer_value(json_object_get(e, "pid"));
        }
        const char *cat = json_string_value(json_object_get(e, "cat"));
        if (strcmp(ph(e), "C") == 0 && cat && strcmp(cat, "utilisation") == 0) { /* memories have counters too */
            ck_assert(strstr(json_string_value(json_object_get(e, "name")), "top.ring0 link utilisation") != NULL);
            double u = json_number_value(json_object_get(json_object_get(e, "args"), "util"));
            ck_assert(u >= 0 && u <= 1);
            util_sum += u;
            nc++;
        }
        json_t *bytes = json_object_get(json_object_get(e, "args"), "bytes");
        if (bytes) ck_assert_msg(json_number_value(bytes) == floor(json_number_value(bytes)), "%g bytes",
                                 json_number_value(bytes));
    }
    ck_assert_uint_eq(nc, 65); /* 64 intervals and a closing zero */
    ck_assert(near_rel(util_sum * (r->makespan / 64) * nlinks, link_busy, 1e-4));
    ck_assert(crit_pid > 0);
    json_array_foreach(t.ev, i, e) {
        if (strcmp(ph(e), "X") == 0 && json_integer_value(json_object_get(e, "pid")) == crit_pid) {
            ncrit++;
            crit_dur += num(e, "dur") * 1e-6;
        }
    }
    ck_assert_uint_eq(ncrit, r->ncrit);
    ck_assert_uint_gt(ncrit, 1);
    /* the path's slices cover the makespan but for the time spent waiting */
    ck_assert(near_rel(crit_dur, r->makespan - r->crit[CAUSE_WAIT], 1e-6));
    ck_assert_uint_eq(r->crit_tasks[r->ncrit - 1] < p->ntasks, 1);
    trace_free(&t);
}
END_TEST

/* The level Core(macs = 512) is named "Core", its arguments in a label. */
START_TEST(test_trace_short_names) {
    parsed_trace t;
    trace_of(&t);
    size_t i;
    json_t *e;
    int named = 0, labelled = 0;
    json_array_foreach(t.ev, i, e) {
        if (strcmp(ph(e), "M")) continue;
        const char *what = json_string_value(json_object_get(e, "name"));
        json_t *args = json_object_get(e, "args");
        const char *n = json_string_value(json_object_get(args, "name"));
        const char *lab = json_string_value(json_object_get(args, "labels"));
        if (strcmp(what, "process_name") == 0 && strcmp(n, "Core") == 0) named = 1;
        if (strcmp(what, "process_labels") == 0 && lab && strcmp(lab, "Core(macs=512)") == 0) labelled = 1;
    }
    ck_assert(named && labelled);
    trace_free(&t);
}
END_TEST

Suite *trace_suite(void) {
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, test_trace_flows);
    tcase_add_test(tc, test_trace_counters_and_critical_path);
    tcase_add_test(tc, test_trace_short_names);
    suite_add_tcase(s, tc);
    return s;
}
