/* fuzz_gen.c - libFuzzer harness that builds valid designs from its input.
 *
 * fuzz_sim.c mutates .mld text, and nearly every mutation breaks the
 * design, so the fuzzer rarely gets past the front end.  Here the input
 * bytes are not text but choices: a small grammar turns them into a design
 * that is correct by construction, so most inputs reach the plan builder,
 * the simulator and sim_verify (the oracle: no violation allowed), under
 * every check of fuzz_sim.c (this file includes it).  The grammar:
 *
 *   hierarchy  a level PE (a matrix and a vector compute element, an SRAM)
 *              in a matrix PE[R][C], R and C in 1..4, with a DRAM
 *   topology   mesh, torus, ring, crossbar, bus, fully_connected or tree
 *              over the PEs, the DRAM attached at one of them
 *   workload   1..8 operators in a chain over [T][D] activations:
 *              matmul with a fresh weight, gelu, silu, add (with the
 *              input), layernorm, softmax
 *   mapping    inputs and weights stored in the DRAM; each operator placed
 *              on one PE, on all PEs, on a row or on a column (split rows
 *              or cols, or not), with an explicit weight transfer or a sync
 *              now and then; what is not moved the checker infers
 *
 * Each choice takes one byte (modulo the number of options); when the
 * input runs out every further choice is 0, so any input is a design.
 * Rates, sizes, bandwidths and latencies come from the bytes too.  With
 * MLDC_FUZZ_GEN_PRINT=1 the generated text is printed to stdout (to read
 * a crash's design, or to turn inputs into .mld seeds).
 */
#define FUZZ_SIM_NO_ENTRY
#include <stdarg.h>

#include "fuzz_sim.c"

typedef struct gen {
    const uint8_t *p, *end;
    char *out;
    size_t len, cap;
} gen;

/* The next choice in [0, n). */
static unsigned take(gen *g, unsigned n) {
    if (g->p >= g->end || n == 0) return 0;
    return *g->p++ % n;
}

__attribute__((format(printf, 2, 3))) static void emit(gen *g, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(g->out + g->len, g->cap - g->len, fmt, ap);
        va_end(ap);
        if (n < 0) abort();
        if (g->len + (size_t)n < g->cap) {
            g->len += (size_t)n;
            return;
        }
        g->cap = g->cap * 2 + (size_t)n;
        g->out = realloc(g->out, g->cap);
        if (!g->out) abort();
    }
}

/* A target for a place: one PE, all, a row or a column; *parts is how
 * many PEs it spans. */
static void target(gen *g, int R, int C, char *buf, size_t n, int *parts) {
    int r = (int)take(g, (unsigned)R), c = (int)take(g, (unsigned)C);
    switch (take(g, 4)) {
    case 0: snprintf(buf, n, "top.pe[%d][%d]", r, c); *parts = 1; break;
    case 1: snprintf(buf, n, "top.pe[*][*]"); *parts = R * C; break;
    case 2: snprintf(buf, n, "top.pe[%d][*]", r); *parts = C; break;
    default: snprintf(buf, n, "top.pe[*][%d]", c); *parts = R; break;
    }
}

static char *generate(const uint8_t *data, size_t size, size_t *len) {
    gen g = {data, data + size, NULL, 0, 4096};
    g.out = malloc(g.cap);
    if (!g.out) abort();
    g.out[0] = 0;
    static const char *const topo[] = {"mesh", "torus", "ring", "crossbar", "bus", "fully_connected", "tree"};
    int R = 1 + (int)take(&g, 4), C = 1 + (int)take(&g, 4);
    emit(&g, "level PE {\n");
    emit(&g, "    compute mac { rate = %u FLOP/cycle; clock = %u GHz; energy = 0.%u pJ/FLOP; ops = matrix }\n",
         64u << take(&g, 6), 1 + take(&g, 3), 1 + take(&g, 9));
    emit(&g, "    compute vec { rate = %u FLOP/cycle; clock = 1 GHz; ops = vector }\n", 8u << take(&g, 5));
    emit(&g, "    memory sram { size = %u MiB; bandwidth = %u GB/s; latency = %u ns; ports = %u }\n",
         1u << take(&g, 4), 32u << take(&g, 5), 1 + take(&g, 20), 1 + take(&g, 2));
    emit(&g, "}\n\nlevel Chip {\n    pe: PE[%d][%d]\n", R, C);
    emit(&g, "    memory dram { size = 4 GiB; bandwidth = %u GB/s; latency = %u ns }\n", 10 * (1 + take(&g, 20)),
         20 + 10 * take(&g, 10));
    emit(&g, "    network noc = %s(pe) { bandwidth = %u GB/s; hop = %u ns }\n", topo[take(&g, 7)], 8u << take(&g, 6),
         1 + take(&g, 8));
    emit(&g, "    attach dram to noc at pe[%u][%u]\n}\n\nsystem top = Chip\n\n", take(&g, (unsigned)R),
         take(&g, (unsigned)C));
    unsigned T = 16u << take(&g, 4), D = 16u << take(&g, 4);
    int nops = 1 + (int)take(&g, 8);
    int kind[8];
    emit(&g, "workload k(t = %u, d = %u) {\n    input x : fp16[t][d]\n", T, D);
    for (int i = 0; i < nops; i++) {
        const char *prev = i ? NULL : "x";
        char pb[16];
        if (!prev) {
            snprintf(pb, sizeof pb, "o%d", i - 1);
            prev = pb;
        }
        kind[i] = (int)take(&g, 6);
        switch (kind[i]) {
        case 0:
            emit(&g, "    weight w%d : fp16[d][d]\n    op o%d = matmul(%s, w%d)\n", i, i, prev, i);
            break;
        case 1: emit(&g, "    op o%d = gelu(%s)\n", i, prev); break;
        case 2: emit(&g, "    op o%d = silu(%s)\n", i, prev); break;
        case 3: emit(&g, "    op o%d = add(%s, x)\n", i, prev); break;
        case 4: emit(&g, "    op o%d = layernorm(%s)\n", i, prev); break;
        default: emit(&g, "    op o%d = softmax(%s)\n", i, prev); break;
        }
    }
    emit(&g, "}\nworkload w = k()\n\nmapping m on top for w {\n    store w.x in top.dram\n");
    for (int i = 0; i < nops; i++)
        if (kind[i] == 0) emit(&g, "    store w.w%d in top.dram\n", i);
    static const char *const split[] = {"", " split rows", " split cols"};
    for (int i = 0; i < nops; i++) {
        char where[64];
        int parts;
        target(&g, R, C, where, sizeof where, &parts);
        if (kind[i] == 0 && take(&g, 3) == 0)
            emit(&g, "    transfer w.w%d from top.dram to %s.sram\n", i, where);
        emit(&g, "    place w.o%d on %s%s\n", i, where, parts > 1 ? split[take(&g, 3)] : "");
        if (take(&g, 5) == 0) emit(&g, "    sync top.pe[*][*] after w.o%d\n", i);
    }
    emit(&g, "}\n");
    *len = g.len;
    return g.out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t len;
    char *text = generate(data, size, &len);
    const char *print = getenv("MLDC_FUZZ_GEN_PRINT");
    if (print && *print && strcmp(print, "0") != 0) fputs(text, stdout);
    int simulated = sim_text(text, len);
    free(text);
    return simulated ? 0 : -1;
}
