/* testutil.h - helpers shared by the unit tests: a diagnostic recorder and
 * one-call loading of a design from a string. */
#ifndef MLDC_TESTUTIL_H
#define MLDC_TESTUTIL_H

#include <stddef.h>

#include "diag.h"
#include "ir.h"
#include "mldc.h"
#include "plan.h"
#include "sim.h"

enum { REC_MAX = 64, REC_MSG = 256 };

/* Every diagnostic a load produced, copied out of the diag_ctx. */
typedef struct rec_diag {
    diag_sev sev;
    int line, col, end_line, end_col;
    char msg[REC_MSG];
    int nnotes;
    char note[REC_MSG]; /* the first note's message */
    int note_line, note_col;
} rec_diag;

typedef struct recorder {
    int n;        /* diagnostics seen (also beyond REC_MAX) */
    int nerrors, nwarnings;
    rec_diag d[REC_MAX];
} recorder;

/* A diag_fn that appends to the recorder passed as user data. */
void rec_fn(void *ud, const mld_diag *d);

/* The result of loading a source text. */
typedef struct loaded {
    ir_design *ir;
    diag_ctx dc;
    recorder rec;
} loaded;

/* Load text (named "test.mld") with optional --set overrides; the result
 * must be released with unload(). */
void load_sets(loaded *l, const char *text, const char *const *sets, int nsets);
void load(loaded *l, const char *text);
void unload(loaded *l);

/* A param of the loaded design by name, or NULL. */
const ir_param *find_param(const ir_design *d, const char *name);

/* Index of the first recorded diagnostic whose message contains `part`,
 * or -1. */
int rec_find(const recorder *r, const char *part);
/* All recorded messages, one per line, for failure messages (static). */
const char *rec_dump(const recorder *r);

/* A design loaded, planned and simulated: simulate() loads `text` (with
 * optional --set overrides), requires it to check without errors, builds
 * the plan of the mapping named `mapping` (NULL: the first), runs it, and
 * requires sim_verify() to find no violation; each failure is a Check
 * failure with the diagnostics.  Release with unsimulate(). */
typedef struct simulated {
    loaded l;
    const ir_mapping *m;
    plan *p;
    sim_result *r;
} simulated;

void simulate_sets(simulated *s, const char *text, const char *mapping, const char *const *sets, int nsets);
void simulate(simulated *s, const char *text, const char *mapping);
void unsimulate(simulated *s);

/* |a - b| <= rel * |b| (and a tiny absolute slack for b == 0). */
int near_rel(double a, double b, double rel);

#endif
