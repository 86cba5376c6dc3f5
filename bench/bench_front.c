/* bench_front.c - how fast the front end loads a design.
 *
 *   bench_front FILE [RUNS]
 *
 * Reads FILE once to count its lines and bytes, then times RUNS (default 5)
 * complete loads with mldc_load_file (read, scan, parse, imports, lowering,
 * checking, and freeing the result) and, separately, scanning and parsing
 * alone.  Prints the best time of each, the rate in lines and megabytes per
 * second, what the design holds, and the process's peak resident set size.
 * Exits 1 when the design has errors: timing a failed load measures nothing.
 *
 * The brief's bar: a 10,000-line design checks in well under a second.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mldc.h"
#include "parse.h"

typedef struct counts {
    int errors, shown;
} counts;

static void on_diag(void *ud, const mld_diag *d) {
    counts *c = ud;
    if (d->sev == DIAG_ERROR) c->errors++;
    if (c->shown < 10 && d->sev != DIAG_NOTE) {
        diag_render_text(stderr, d);
        c->shown++;
    }
}

static void quiet(void *ud, const mld_diag *d) {
    (void)ud;
    (void)d;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap);
    while (p) {
        if (n + 1 >= cap) {
            char *q = realloc(p, cap * 2);
            if (!q) break;
            p = q;
            cap *= 2;
        }
        size_t got = fread(p + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            p[n] = 0;
            *len = n;
            fclose(f);
            return p;
        }
    }
    free(p);
    fclose(f);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_front FILE [RUNS]\n");
        return 2;
    }
    const char *path = argv[1];
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1) runs = 1;

    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "bench_front: cannot read %s\n", path);
        return 2;
    }
    long lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    if (len && text[len - 1] != '\n') lines++;

    mldc_options o;
    memset(&o, 0, sizeof o);

    /* Full loads. */
    double best = 1e30, total = 0;
    int nlevels = 0, nops = 0, nparams = 0;
    long long nactions = 0;
    for (int r = 0; r < runs; r++) {
        counts c = {0, r == 0 ? 0 : 10};
        diag_ctx dc;
        diag_ctx_init(&dc, on_diag, &c);
        double t0 = now();
        ir_design *d = mldc_load_file(path, &o, &dc);
        if (r == 0) {
            nlevels = d->nlevels;
            nparams = d->nparams;
            for (int i = 0; i < d->nworkloads; i++) nops += d->workloads[i]->nops;
            for (int i = 0; i < d->nmappings; i++) nactions += d->mappings[i]->nactions;
        }
        ir_design_free(d);
        diag_ctx_free(&dc);
        double t = now() - t0;
        total += t;
        if (t < best) best = t;
        if (c.errors) {
            fprintf(stderr, "bench_front: %s has %d error(s); not timing it\n", path, c.errors);
            free(text);
            return 1;
        }
    }

    /* Scan and parse only. */
    double pbest = 1e30;
    mld_source src = {path, text, len};
    for (int r = 0; r < runs; r++) {
        diag_ctx dc;
        diag_ctx_init(&dc, quiet, NULL);
        arena a;
        arena_init(&a);
        double t0 = now();
        (void)parse_file(&src, &a, &dc);
        arena_free(&a);
        double t = now() - t0;
        diag_ctx_free(&dc);
        if (t < pbest) pbest = t;
    }

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    printf("file:            %s\n", path);
    printf("lines:           %ld\n", lines);
    printf("bytes:           %zu\n", len);
    printf("design:          %d params, %d level types, %d ops, %lld mapping actions\n",
           nparams, nlevels, nops, nactions);
    printf("load (best of %d): %.6f s   (mean %.6f s)\n", runs, best, total / runs);
    printf("  lines/s:       %.0f\n", (double)lines / best);
    printf("  MB/s:          %.2f\n", (double)len / best / 1e6);
    printf("parse only:      %.6f s   (%.0f lines/s)\n", pbest, (double)lines / pbest);
    printf("peak RSS:        %ld KiB\n", ru.ru_maxrss);
    printf("bar (< 1 s for 10,000 lines): %s\n",
           best * 10000.0 / (double)(lines ? lines : 1) < 1.0 ? "met" : "MISSED");
    free(text);
    return 0;
}
