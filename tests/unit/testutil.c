/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void copy(char *dst, const char *src) {
    snprintf(dst, REC_MSG, "%s", src ? src : "");
}

void rec_fn(void *ud, const mld_diag *d) {
    recorder *r = ud;
    if (d->sev == DIAG_ERROR) r->nerrors++;
    if (d->sev == DIAG_WARNING) r->nwarnings++;
    if (r->n < REC_MAX) {
        rec_diag *x = &r->d[r->n];
        memset(x, 0, sizeof *x);
        x->sev = d->sev;
        x->line = d->loc.line;
        x->col = d->loc.col;
        x->end_line = d->loc.end_line;
        x->end_col = d->loc.end_col;
        copy(x->msg, d->msg);
        for (const mld_diag *n = d->notes; n; n = n->next) {
            if (x->nnotes == 0) {
                copy(x->note, n->msg);
                x->note_line = n->loc.line;
                x->note_col = n->loc.col;
            }
            x->nnotes++;
        }
    }
    r->n++;
}

void load_sets(loaded *l, const char *text, const char *const *sets, int nsets) {
    memset(l, 0, sizeof *l);
    diag_ctx_init(&l->dc, rec_fn, &l->rec);
    mldc_options o;
    memset(&o, 0, sizeof o);
    o.sets = sets;
    o.nsets = nsets;
    l->ir = mldc_load_buffer("test.mld", text, strlen(text), &o, &l->dc);
}

void load(loaded *l, const char *text) { load_sets(l, text, NULL, 0); }

void unload(loaded *l) {
    ir_design_free(l->ir);
    diag_ctx_free(&l->dc);
    l->ir = NULL;
}

const ir_param *find_param(const ir_design *d, const char *name) {
    for (int i = 0; d && i < d->nparams; i++)
        if (d->params[i].name && strcmp(d->params[i].name, name) == 0) return &d->params[i];
    return NULL;
}

int rec_find(const recorder *r, const char *part) {
    for (int i = 0; i < r->n && i < REC_MAX; i++)
        if (strstr(r->d[i].msg, part)) return i;
    return -1;
}

const char *rec_dump(const recorder *r) {
    static char buf[REC_MAX * (REC_MSG + 32)];
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < r->n && i < REC_MAX; i++) {
        const rec_diag *x = &r->d[i];
        int k = snprintf(buf + len, sizeof buf - len, "\n  %d:%d: %s: %s", x->line, x->col,
                         x->sev == DIAG_ERROR ? "error" : x->sev == DIAG_WARNING ? "warning" : "note",
                         x->msg);
        if (k < 0 || (size_t)k >= sizeof buf - len) break;
        len += (size_t)k;
    }
    if (r->n == 0) snprintf(buf, sizeof buf, " (no diagnostics)");
    return buf;
}

void simulate_sets(simulated *s, const char *text, const char *mapping, const char *const *sets, int nsets) {
    memset(s, 0, sizeof *s);
    load_sets(&s->l, text, sets, nsets);
    ck_assert_msg(s->l.rec.nerrors == 0, "the design does not check:%s", rec_dump(&s->l.rec));
    const ir_design *d = s->l.ir;
    ck_assert_msg(d && d->nmappings > 0, "the design has no mapping");
    s->m = d->mappings[0];
    if (mapping) {
        s->m = NULL;
        for (int i = 0; i < d->nmappings; i++)
            if (strcmp(d->mappings[i]->name, mapping) == 0) s->m = d->mappings[i];
        ck_assert_msg(s->m != NULL, "the design has no mapping '%s'", mapping);
    }
    s->p = plan_build(d, s->m, &s->l.dc);
    ck_assert_msg(s->p != NULL, "plan_build failed:%s", rec_dump(&s->l.rec));
    s->r = sim_run(s->p, &s->l.dc);
    ck_assert_msg(s->r != NULL, "sim_run failed:%s", rec_dump(&s->l.rec));
    int bad = sim_verify(s->r, &s->l.dc);
    ck_assert_msg(bad == 0, "sim_verify found %d violation(s):%s", bad, rec_dump(&s->l.rec));
}

void simulate(simulated *s, const char *text, const char *mapping) { simulate_sets(s, text, mapping, NULL, 0); }

void unsimulate(simulated *s) {
    sim_free(s->r);
    plan_free(s->p);
    unload(&s->l);
    s->r = NULL;
    s->p = NULL;
}

int near_rel(double a, double b, double rel) { return fabs(a - b) <= rel * fabs(b) + 1e-30; }
