/* fuzz_csv.c - libFuzzer harness for reading exploration results back.
 *
 * Each input is the text of a results CSV of tests/fuzz/csv_design.mld's
 * exploration (FUZZ_CSV_DESIGN names it).  The harness writes it to a
 * file and merges it (explore_merge, which reads rows back as --resume
 * does) into another file.  Any crash, leak or sanitizer report is a bug;
 * so is an outcome outside the contract: 0 (merged) or 2 (refused, with an
 * error), nothing else, and never an error with status 0.  Seeds:
 * tests/fuzz/seeds_csv.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"

#ifndef FUZZ_CSV_DESIGN
#define FUZZ_CSV_DESIGN "tests/fuzz/csv_design.mld"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ud, const mld_diag *d) {
    int *errors = ud;
    if (d->sev == DIAG_ERROR) ++*errors;
}

static char dir[64], in[128], out[128];

/* The scratch directory goes when the process ends. */
static void cleanup(void) {
    char rec[160];
    snprintf(rec, sizeof rec, "%s.inputs", out);
    remove(in);
    remove(out);
    remove(rec);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/mldc-fuzz-csv.XXXXXX", tmp && strlen(tmp) < 30 ? tmp : "/tmp");
        if (!mkdtemp(dir)) abort();
        snprintf(in, sizeof in, "%s/in.csv", dir);
        snprintf(out, sizeof out, "%s/out.csv", dir);
        atexit(cleanup);
    }
    FILE *f = fopen(in, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f) != 0) abort();
    int errors = 0;
    diag_ctx dc;
    diag_ctx_init(&dc, count, &errors);
    mldc_options o;
    memset(&o, 0, sizeof o);
    const char *const shards[] = {in};
    int rc = explore_merge(FUZZ_CSV_DESIGN, &o, out, shards, 1, &dc);
    diag_ctx_free(&dc);
    if (rc != 0 && rc != 2) abort();
    if (rc == 0 && errors) abort();
    if (rc == 2 && !errors) abort();
    return 0;
}
