/* gen_design.c - write a large, valid, realistic .mld design for benchmarks.
 *
 *   gen_design [LINES]      (default 10000) writes the design to stdout
 *
 * The design is built from "tiles" until it reaches LINES lines.  Each tile
 * adds what a real design has a lot of:
 *   - a few parameters with units,
 *   - a core level template (tensor and vector compute, SRAM; multi-line
 *     attribute blocks, arithmetic on parameters),
 *   - a cluster level template: a 4x4 mesh of those cores with an L2,
 *   - two instances of the cluster in the chip, on a crossbar,
 *   - two groups of a workload (layernorm, two matmuls, GELU, residual add),
 *   - the mapping of those groups onto a cluster: stores, split transfers,
 *     placements, a barrier, and the hand-off of the activations.
 * Around the tiles: the chip level, the system, a for-loop section in both the
 * workload and the mapping, and an explore block.  The output is
 * deterministic; it checks without errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable text buffer that counts its lines. */
typedef struct buf {
    char *p;
    size_t len, cap;
    long lines;
} buf;

static void out(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(buf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) abort();
        if (b->p && b->len + (size_t)n < b->cap) {
            for (int i = 0; i < n; i++) b->lines += b->p[b->len + (size_t)i] == '\n';
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) abort();
        b->p = q;
        b->cap = cap;
    }
}

static void append(buf *o, const buf *b) {
    if (b->len) out(o, "%.*s", (int)b->len, b->p);
}

enum { GROUPS_PER_TILE = 2, LOOP_LAYERS = 8 };

/* Sections of the output, in file order. */
static buf head, params, levels, chip_children, chip_ports, work, map;

static void tile(int k) {
    /* Parameters. */
    out(&params, "param sram_%d = %d KiB           // SRAM per core, cluster type %d\n", k,
        256 << (k % 3), k);
    out(&params, "param l2_%d = %d MiB\n", k, 2 + k % 4);

    /* A core template. */
    out(&levels,
        "// Core type %d: a %d-MAC tensor unit, a vector unit and a private SRAM.\n"
        "level Core%d(macs = %d) {\n"
        "    compute tensor {\n"
        "        rate = macs * 2 FLOP/cycle\n"
        "        clock = clock\n"
        "        energy = 0.%d pJ/FLOP\n"
        "        area = macs * 0.004 mm2\n"
        "        ops = matrix\n"
        "    }\n"
        "    compute vector {\n"
        "        rate = %d FLOP/cycle\n"
        "        clock = clock\n"
        "        energy = 1.2 pJ/FLOP\n"
        "        ops = vector\n"
        "    }\n"
        "    memory sram {\n"
        "        size = sram_%d\n"
        "        bandwidth = 64 B/cycle * clock\n"
        "        latency = %d ns\n"
        "        energy = 0.15 pJ/bit\n"
        "        area = 0.5 mm2\n"
        "    }\n"
        "    area = 0.1 mm2\n"
        "}\n\n",
        k, 64 << (k % 3), k, 64 << (k % 3), 3 + k % 6, 32 << (k % 2), k, 1 + k % 4);

    /* A cluster template. */
    out(&levels,
        "level Cluster%d {\n"
        "    core: Core%d(macs = %d)[4][4]\n"
        "    memory l2 {\n"
        "        size = l2_%d\n"
        "        bandwidth = 512 GB/s\n"
        "        latency = 10 ns\n"
        "        energy = 0.3 pJ/bit\n"
        "    }\n"
        "    network noc = mesh(core) {\n"
        "        bandwidth = 32 B/cycle * clock\n"
        "        hop = 1 ns\n"
        "        energy = 0.5 pJ/bit\n"
        "    }\n"
        "    attach l2 to noc at core[0][0]\n"
        "}\n\n",
        k, k, 64 << (k % 3), k);

    out(&chip_children, "    cl%d: Cluster%d[2]\n", k, k);
    out(&chip_ports, "%s        cl%d", k ? ",\n" : "", k);

    /* Workload groups and their mapping. */
    for (int j = 0; j < GROUPS_PER_TILE; j++) {
        int g = k * GROUPS_PER_TILE + j;
        char prev[64];
        if (g == 0) snprintf(prev, sizeof prev, "x");
        else snprintf(prev, sizeof prev, "g%d.out", g - 1);
        out(&work,
            "    group g%d {\n"
            "        weight w1 : fp16[d][d]\n"
            "        weight w2 : fp16[d][d]\n"
            "        op ln = layernorm(%s)\n"
            "        op mm1 = matmul(ln, w1)\n"
            "        op act = gelu(mm1)\n"
            "        op mm2 = matmul(act, w2)\n"
            "        op out = add(mm2, ln)\n"
            "    }\n",
            g, prev);

        char units[64], pu[64];
        snprintf(units, sizeof units, "top.cl%d[%d].core[*][*]", k, j);
        if (g == 0) snprintf(pu, sizeof pu, "top.dram");
        else snprintf(pu, sizeof pu, "top.cl%d[%d].core[*][*].sram",
                      (g - 1) / GROUPS_PER_TILE, (g - 1) % GROUPS_PER_TILE);
        out(&map,
            "    // g%d on cluster %d, instance %d\n"
            "    transfer w.%s from %s to %s.sram\n"
            "    transfer w.g%d.w1 from top.dram to %s.sram split cols\n"
            "    transfer w.g%d.w2 from top.dram to %s.sram split cols\n"
            "    place w.g%d.ln on %s split rows\n"
            "    sync %s after w.g%d.ln\n"
            "    transfer w.g%d.ln from %s.sram to %s.sram\n"
            "    place w.g%d.mm1 on %s split cols\n"
            "    place w.g%d.act on %s split cols\n"
            "    place w.g%d.mm2 on %s split cols\n"
            "    place w.g%d.out on %s split cols\n"
            "    sync %s after w.g%d.out\n",
            g, k, j, prev, pu, units, g, units, g, units, g, units, units, g, g, units,
            units, g, units, g, units, g, units, g, units, units, g);
    }
}

/* The whole design with `ntiles` tiles and `npad` spare parameters. */
static void build(int ntiles, int npad, buf *o) {
    buf *all[] = {&head, &params, &levels, &chip_children, &chip_ports, &work, &map};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        all[i]->len = 0;
        all[i]->lines = 0;
    }
    o->len = 0;
    o->lines = 0;

    out(&head,
        "// Generated by bench/gen_design.c for `make bench` - do not edit.\n"
        "//\n"
        "// A chip of many heterogeneous clusters (each a 4x4 mesh of cores with\n"
        "// its own L2) on a crossbar with DRAM, running a deep residual MLP\n"
        "// mapped group by group onto the clusters.\n\n");

    out(&params, "param clock = 1 GHz\n");
    out(&params, "param dram_bw = 400 GB/s\n");
    out(&params, "param hidden = 256\n");
    out(&params, "param tokens = 64\n");

    int k;
    for (k = 0; k < ntiles; k++) tile(k);
    for (int i = 0; i < npad; i++)
        out(&params, "param spare_%d = %d MiB           // unused, for sweeps\n", i, i + 1);
    int groups = k * GROUPS_PER_TILE;

    append(o, &head);
    append(o, &params);
    out(o, "\n");
    append(o, &levels);

    out(o, "level Chip {\n");
    append(o, &chip_children);
    out(o, "    memory dram {\n"
           "        size = 64 GiB\n"
           "        bandwidth = dram_bw\n"
           "        latency = 100 ns\n"
           "        energy = 4 pJ/bit\n"
           "        ports = 8\n"
           "    }\n"
           "    network xbar = crossbar(\n");
    append(o, &chip_ports);
    out(o, "\n    ) {\n"
           "        bandwidth = 256 GB/s\n"
           "        hop = 10 ns\n"
           "        energy = 1 pJ/bit\n"
           "    }\n"
           "    attach dram to xbar\n"
           "    area = 20 mm2\n"
           "}\n\n"
           "system top = Chip\n\n");

    out(o, "workload deep(t = 64, d = 256, reps = %d) {\n"
           "    input x : fp16[t][d]\n",
           LOOP_LAYERS);
    append(o, &work);
    out(o, "    // A repeated tail, written as a loop.\n"
           "    for l in 0 .. reps {\n"
           "        group rep[l] {\n"
           "            weight w : fp16[d][d]\n"
           "            let inp = l == 0 ? g%d.out : rep[l - 1].out\n"
           "            op mm = matmul(inp, w)\n"
           "            op out = gelu(mm)\n"
           "        }\n"
           "    }\n"
           "}\n\n"
           "workload w = deep(t = tokens, d = hidden)\n\n",
           groups - 1);

    out(o, "mapping grouped on top for w {\n"
           "    store w.inputs in top.dram\n"
           "    store w.weights in top.dram\n\n");
    append(o, &map);
    out(o, "\n    // The tail: every layer on the first cluster.\n"
           "    for l in 0 .. w.reps {\n"
           "        let c = top.cl%d[0]\n"
           "        transfer w.rep[l].w from top.dram to c.core[*][*].sram split cols\n"
           "        if l == 0 {\n"
           "            transfer w.g%d.out from top.cl%d[%d].core[*][*].sram to c.core[*][*].sram\n"
           "        } else {\n"
           "            sync c.core[*][*] after w.rep[l - 1].out\n"
           "        }\n"
           "        place w.rep[l].mm on c.core[*][*] split cols\n"
           "        place w.rep[l].out on c.core[*][*] split cols\n"
           "        sync c.core[*][*] after w.rep[l].out\n"
           "    }\n"
           "    transfer w.rep[w.reps - 1].out from top.cl%d[0].core[*][*].sram to top.dram\n"
           "}\n\n",
           0, groups - 1, (groups - 1) / GROUPS_PER_TILE, (groups - 1) % GROUPS_PER_TILE, 0);

    out(o, "explore {\n"
           "    vary clock in [0.8 GHz, 1 GHz, 1.2 GHz]\n"
           "    vary dram_bw in 200 GB/s .. 801 GB/s step 200 GB/s\n"
           "    vary sram_0 in [256 KiB, 512 KiB, 1 MiB]\n"
           "    require power < 500 W\n"
           "    minimize latency, energy\n"
           "}\n");
}

int main(int argc, char **argv) {
    long want = argc > 1 ? atol(argv[1]) : 10000;
    if (want < 300) want = 300;
    /* Add tiles while the design stays within the target, then top it up to
     * exactly `want` lines with spare parameters. */
    buf o = {0};
    int ntiles = 1;
    for (;;) {
        build(ntiles + 1, 0, &o);
        if (o.lines > want) break;
        ntiles++;
    }
    build(ntiles, 0, &o);
    build(ntiles, (int)(want - o.lines), &o);
    fwrite(o.p, 1, o.len, stdout);
    buf *all[] = {&o, &head, &params, &levels, &chip_children, &chip_ports, &work, &map};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]->p);
    return 0;
}
