/* units.c - the dimension algebra behind mldc's quantities.
 *
 * Design
 * ------
 * A dimension is a vector of six small signed exponents (see units.h).  The
 * algebra (mul/div/eq) is plain element-wise integer arithmetic; units_mul
 * and units_div saturate at the int8_t range instead of wrapping, and it is
 * units_parse that enforces the language limit of [-8, 8] per exponent.
 *
 * Parsing.  A unit expression is a sequence of atoms separated by '/' or
 * '*', applied left to right ("FLOP/s/W" is (FLOP/s)/W).  An atom is
 *
 *     [prefix] base [exponent]          or the literal "1" (dimensionless)
 *
 * where base is one of B, bit (= B/8), s, FLOP, J, W (= J/s), m, cycle or
 * cycles, Hz (= cycle/s, so that FLOP/cycle * GHz is FLOP/s); the exponent is a single trailing digit 2 or 3
 * ("mm2" = (1e-3 m)^2).  Prefixes are SI (k M G T P E, m u n p f), the
 * alias K = k (bytes and bits only, the language rule "1 KB = 1000 B"),
 * centi c (metres only, for "cm2") and binary Ki..Ei (bytes and bits only).
 * Each base lists which prefix families it accepts: fractional prefixes make
 * no sense on B, bit, FLOP or cycle, so "mB" is rejected (and then suggests
 * "MB").  An atom is matched first as a bare base name, then as prefix +
 * base; no base name is itself a prefix + base, so the split is unique
 * ("m" is metres, "mm" millimetres, "ms" milliseconds, "PB" petabytes,
 * "pJ" picojoules).  Matching is case-sensitive.
 *
 * Errors.  For an unknown atom the message is "unknown unit 'ATOM'" and,
 * when a candidate (every accepted prefix + base spelling, generated in a
 * fixed order) is close, "; did you mean 'CAND'?" is appended.  "Close"
 * means a case-insensitive exact match, or a Levenshtein distance of at
 * most 2 that is smaller than the atom's length (so "op" or "x" get no
 * arbitrary suggestion).  Candidates are ranked by: case-insensitive match
 * first, then edit distance, then case-insensitive edit distance, then the
 * fixed generation order - fully deterministic.
 *
 * Formatting.  units_format_dim writes the positive exponents first, then
 * the negative ones, each group in the fixed base order
 *
 *     FLOP, B, J, m, cycle, s
 *
 * (so rates read "per second" last: "B/s", "FLOP/cycle", "B*s", "J/FLOP").
 * units_format_value picks a prefix for the first atom of that notation so
 * the mantissa lies in [1, 1000), printed with "%.6g"; bytes use "KB"
 * (uppercase K) and, when the dimension is exactly B and the value is an
 * exact multiple of a power of 1024 but not of the matching power of 1000,
 * binary prefixes ("1 MiB").  Only snprintf is used for number output; the
 * program never calls setlocale, so the decimal point is always '.'.
 */
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Language limit on any single exponent produced by units_parse. */
#define UNITS_EXP_LIMIT 8

/* ------------------------------------------------------------------ */
/* Algebra                                                             */
/* ------------------------------------------------------------------ */

units_dim units_none(void) {
    units_dim d;
    memset(&d, 0, sizeof d);
    return d;
}

units_dim units_base(int which) {
    units_dim d = units_none();
    if (which >= 0 && which < UNIT_NDIM)
        d.e[which] = 1;
    return d;
}

/* Clamp an intermediate exponent into int8_t instead of wrapping. */
static int8_t sat8(int v) {
    if (v > INT8_MAX)
        return INT8_MAX;
    if (v < INT8_MIN)
        return INT8_MIN;
    return (int8_t)v;
}

units_dim units_mul(units_dim a, units_dim b) {
    units_dim r;
    for (int i = 0; i < UNIT_NDIM; i++)
        r.e[i] = sat8((int)a.e[i] + (int)b.e[i]);
    return r;
}

units_dim units_div(units_dim a, units_dim b) {
    units_dim r;
    for (int i = 0; i < UNIT_NDIM; i++)
        r.e[i] = sat8((int)a.e[i] - (int)b.e[i]);
    return r;
}

int units_eq(units_dim a, units_dim b) {
    for (int i = 0; i < UNIT_NDIM; i++)
        if (a.e[i] != b.e[i])
            return 0;
    return 1;
}

int units_is_none(units_dim a) {
    return units_eq(a, units_none());
}

/* ------------------------------------------------------------------ */
/* Unit tables                                                         */
/* ------------------------------------------------------------------ */

/* Prefix families; a base accepts the families in its mask. */
enum {
    PF_LARGE = 1, /* k M G T P E */
    PF_SMALL = 2, /* m u n p f */
    PF_K = 4,     /* K, alias of k (bytes and bits only) */
    PF_CENTI = 8, /* c (metres only) */
    PF_BIN = 16   /* Ki Mi Gi Ti Pi Ei (bytes and bits only) */
};

typedef struct prefix_def {
    const char *name;
    double factor;
    int family;
} prefix_def;

/* The order is the generation order of suggestion candidates (a base's
 * bare name first, then its prefixes from large to small, then binary);
 * for parsing it does not matter, because every split is unique. */
static const prefix_def prefixes[] = {
    {"E", 1e18, PF_LARGE},
    {"P", 1e15, PF_LARGE},
    {"T", 1e12, PF_LARGE},
    {"G", 1e9, PF_LARGE},
    {"M", 1e6, PF_LARGE},
    {"K", 1e3, PF_K},
    {"k", 1e3, PF_LARGE},
    {"c", 1e-2, PF_CENTI},
    {"m", 1e-3, PF_SMALL},
    {"u", 1e-6, PF_SMALL},
    {"n", 1e-9, PF_SMALL},
    {"p", 1e-12, PF_SMALL},
    {"f", 1e-15, PF_SMALL},
    {"Ki", 1024.0, PF_BIN},
    {"Mi", 1048576.0, PF_BIN},
    {"Gi", 1073741824.0, PF_BIN},
    {"Ti", 1099511627776.0, PF_BIN},
    {"Pi", 1125899906842624.0, PF_BIN},
    {"Ei", 1152921504606846976.0, PF_BIN},
};
#define NPREFIX (sizeof prefixes / sizeof prefixes[0])

typedef struct base_def {
    const char *name;
    double scale;              /* one of these, in base units */
    int8_t e[UNIT_NDIM];       /* its dimension */
    int families;              /* accepted prefix families */
} base_def;

/* Exponent order in e[]: B, s, FLOP, J, m, cycle.  The order of this table
 * is the suggestion order (bytes first, so "GBs" suggests "GB"). */
static const base_def bases[] = {
    {"B", 1.0, {1, 0, 0, 0, 0, 0}, PF_LARGE | PF_K | PF_BIN},
    {"bit", 0.125, {1, 0, 0, 0, 0, 0}, PF_LARGE | PF_K | PF_BIN},
    {"s", 1.0, {0, 1, 0, 0, 0, 0}, PF_LARGE | PF_SMALL},
    {"FLOP", 1.0, {0, 0, 1, 0, 0, 0}, PF_LARGE},
    {"J", 1.0, {0, 0, 0, 1, 0, 0}, PF_LARGE | PF_SMALL},
    {"W", 1.0, {0, -1, 0, 1, 0, 0}, PF_LARGE | PF_SMALL},
    {"m", 1.0, {0, 0, 0, 0, 1, 0}, PF_LARGE | PF_SMALL | PF_CENTI},
    {"cycle", 1.0, {0, 0, 0, 0, 0, 1}, PF_LARGE},
    {"cycles", 1.0, {0, 0, 0, 0, 0, 1}, PF_LARGE},
    {"Hz", 1.0, {0, -1, 0, 0, 0, 1}, PF_LARGE | PF_SMALL},
};
#define NBASE (sizeof bases / sizeof bases[0])

/* Indices into bases[] used by the formatter. */
enum { BI_B = 0, BI_S = 2, BI_FLOP = 3, BI_J = 4, BI_W = 5, BI_M = 6,
       BI_CYCLE = 7, BI_HZ = 9 };

/* Display order of base dimensions in units_format_dim. */
static const int dim_order[UNIT_NDIM] = {UNIT_FLOP, UNIT_B, UNIT_J, UNIT_M,
                                         UNIT_CYCLE, UNIT_S};

/* Display name and bases[] index of each base dimension (by UNIT_*). */
static const char *const dim_names[UNIT_NDIM] = {"B", "s", "FLOP",
                                                 "J", "m", "cycle"};
static const int dim_base_index[UNIT_NDIM] = {BI_B, BI_S, BI_FLOP,
                                              BI_J, BI_M, BI_CYCLE};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Bounded string builder: never overflows, always NUL-terminates when
 * n > 0, silently truncates. */
typedef struct sbuf {
    char *p;
    size_t n, len;
} sbuf;

static void sb_puts(sbuf *b, const char *s) {
    for (; *s; s++) {
        if (b->n > 0 && b->len + 1 < b->n)
            b->p[b->len++] = *s;
    }
    if (b->n > 0)
        b->p[b->len] = '\0';
}

static void sb_exp(sbuf *b, int e) {
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%d", e);
    sb_puts(b, tmp);
}

/* Write a message into err (if any room). */
static void set_err(char *err, size_t errlen, const char *msg) {
    if (err && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

static int streq_n(const char *s, size_t n, const char *lit) {
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int lower_ascii(int c) {
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Longest atom considered for suggestions; longer ones get none. */
#define LEV_MAX 32

/* Levenshtein distance between a[0..an) and the C string b, optionally
 * ignoring ASCII case.  Both lengths must be <= LEV_MAX. */
static int levenshtein(const char *a, size_t an, const char *b, int fold) {
    size_t bn = strlen(b);
    int row[LEV_MAX + 1], prev[LEV_MAX + 1];
    for (size_t j = 0; j <= bn; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= an; i++) {
        row[0] = (int)i;
        for (size_t j = 1; j <= bn; j++) {
            int ca = (unsigned char)a[i - 1], cb = (unsigned char)b[j - 1];
            if (fold) {
                ca = lower_ascii(ca);
                cb = lower_ascii(cb);
            }
            int best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
        }
        memcpy(prev, row, (bn + 1) * sizeof row[0]);
    }
    return prev[bn];
}

/* Find the closest known spelling to the atom core s[0..n).  On success
 * copies it into out and returns 1.  See the file comment for ranking. */
static int suggest(const char *s, size_t n, char *out, size_t outlen) {
    if (n == 0 || n > LEV_MAX)
        return 0;
    int found = 0, best_key[3] = {0, 0, 0};
    for (size_t bi = 0; bi < NBASE; bi++) {
        /* k == 0 is the bare base name; k > 0 is prefixes[k - 1]. */
        for (size_t k = 0; k <= NPREFIX; k++) {
            char cand[24];
            if (k == 0) {
                snprintf(cand, sizeof cand, "%s", bases[bi].name);
            } else {
                const prefix_def *p = &prefixes[k - 1];
                if (!(bases[bi].families & p->family))
                    continue;
                snprintf(cand, sizeof cand, "%s%s", p->name, bases[bi].name);
            }
            if (strlen(cand) > LEV_MAX)
                continue;
            int d = levenshtein(s, n, cand, 0);
            int dci = levenshtein(s, n, cand, 1);
            if (!(dci == 0 || (d <= 2 && (size_t)d < n)))
                continue;
            int key[3] = {dci != 0, d, dci};
            int better = !found;
            for (int i = 0; !better && i < 3; i++) {
                if (key[i] != best_key[i]) {
                    better = key[i] < best_key[i];
                    break;
                }
            }
            if (better) {
                found = 1;
                memcpy(best_key, key, sizeof key);
                snprintf(out, outlen, "%s", cand);
            }
        }
    }
    return found;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

/* Outcome of matching one atom core (without exponent digit). */
enum { ATOM_OK, ATOM_UNKNOWN, ATOM_BAD_BINARY };

/* Match s[0..n) as base or prefix+base.  On ATOM_OK sets *scale and *bi;
 * on ATOM_BAD_BINARY sets *pi and *bi of the offending combination. */
static int match_core(const char *s, size_t n, double *scale, size_t *bi,
                      size_t *pi) {
    for (size_t b = 0; b < NBASE; b++) {
        if (streq_n(s, n, bases[b].name)) {
            *scale = bases[b].scale;
            *bi = b;
            return ATOM_OK;
        }
    }
    /* A one-letter prefix that is the start of a binary one ("M" of "Mi")
     * leaves a remainder that is no base name, so order does not matter. */
    for (size_t p = 0; p < NPREFIX; p++) {
        size_t pl = strlen(prefixes[p].name);
        if (pl >= n || memcmp(s, prefixes[p].name, pl) != 0)
            continue;
        for (size_t b = 0; b < NBASE; b++) {
            if (!streq_n(s + pl, n - pl, bases[b].name))
                continue;
            if (bases[b].families & prefixes[p].family) {
                *scale = prefixes[p].factor * bases[b].scale;
                *bi = b;
                return ATOM_OK;
            }
            if (prefixes[p].family == PF_BIN) {
                *bi = b;
                *pi = p;
                return ATOM_BAD_BINARY;
            }
        }
    }
    return ATOM_UNKNOWN;
}

/* Parse one atom s[0..n) into a scale and exponent vector (as ints, so the
 * caller can range-check before narrowing).  Returns 0 or -1 with err. */
static int parse_atom(const char *s, size_t n, double *scale, int e[UNIT_NDIM],
                      char *err, size_t errlen) {
    char msg[160];
    for (int i = 0; i < UNIT_NDIM; i++)
        e[i] = 0;
    if (streq_n(s, n, "1")) { /* dimensionless factor, as in "1/s" */
        *scale = 1.0;
        return 0;
    }
    /* Optional exponent digit: only after a letter, so "m22" is unknown. */
    size_t core = n;
    int power = 1;
    if (n >= 2 && (s[n - 1] == '2' || s[n - 1] == '3') &&
        ((s[n - 2] >= 'a' && s[n - 2] <= 'z') ||
         (s[n - 2] >= 'A' && s[n - 2] <= 'Z'))) {
        power = s[n - 1] - '0';
        core = n - 1;
    }
    double one = 0.0;
    size_t bi = 0, pi = 0;
    int r = match_core(s, core, &one, &bi, &pi);
    if (r == ATOM_OK) {
        *scale = 1.0;
        for (int k = 0; k < power; k++)
            *scale *= one;
        for (int i = 0; i < UNIT_NDIM; i++)
            e[i] = bases[bi].e[i] * power;
        return 0;
    }
    int shown = n > 64 ? 64 : (int)n; /* keep messages one short line */
    if (r == ATOM_BAD_BINARY) {
        snprintf(msg, sizeof msg,
                 "binary prefix '%s' is only allowed on B and bit, "
                 "not on '%s'", prefixes[pi].name, bases[bi].name);
        set_err(err, errlen, msg);
        return -1;
    }
    char cand[32];
    if (suggest(s, core, cand, sizeof cand)) {
        if (core < n) /* keep the user's exponent digit */
            snprintf(cand + strlen(cand), sizeof cand - strlen(cand), "%c",
                     s[n - 1]);
        snprintf(msg, sizeof msg, "unknown unit '%.*s'; did you mean '%s'?",
                 shown, s, cand);
    } else {
        snprintf(msg, sizeof msg, "unknown unit '%.*s'", shown, s);
    }
    set_err(err, errlen, msg);
    return -1;
}

int units_parse(const char *text, size_t len, double *scale, units_dim *dim,
                char *err, size_t errlen) {
    if (err && errlen > 0)
        err[0] = '\0';
    if (!text || len == 0) {
        set_err(err, errlen, "malformed unit");
        return -1;
    }
    double acc = 1.0;
    int tot[UNIT_NDIM] = {0};
    char op = '*';
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && text[i] != '/' && text[i] != '*')
            i++;
        if (i == start) { /* empty atom: leading, doubled or trailing op */
            set_err(err, errlen, "malformed unit");
            return -1;
        }
        double sc;
        int e[UNIT_NDIM];
        if (parse_atom(text + start, i - start, &sc, e, err, errlen) != 0)
            return -1;
        for (int k = 0; k < UNIT_NDIM; k++) {
            tot[k] += op == '*' ? e[k] : -e[k];
            if (tot[k] < -UNITS_EXP_LIMIT || tot[k] > UNITS_EXP_LIMIT) {
                set_err(err, errlen, "unit exponent out of range");
                return -1;
            }
        }
        acc = op == '*' ? acc * sc : acc / sc;
        if (i == len)
            break;
        op = text[i++];
    }
    if (scale)
        *scale = acc;
    if (dim)
        for (int k = 0; k < UNIT_NDIM; k++)
            dim->e[k] = (int8_t)tot[k];
    return 0;
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */
/* ------------------------------------------------------------------ */

units_dim units_make(int b, int s, int flop, int j, int m, int cyc) {
    units_dim d;
    d.e[UNIT_B] = (int8_t)b;
    d.e[UNIT_S] = (int8_t)s;
    d.e[UNIT_FLOP] = (int8_t)flop;
    d.e[UNIT_J] = (int8_t)j;
    d.e[UNIT_M] = (int8_t)m;
    d.e[UNIT_CYCLE] = (int8_t)cyc;
    return d;
}

/* The bases[] index of a dimension that has a special name (W, Hz), or -1. */
static int special_name(units_dim d) {
    if (units_eq(d, units_make(0, -1, 0, 1, 0, 0)))
        return BI_W;
    if (units_eq(d, units_make(0, -1, 0, 0, 0, 1)))
        return BI_HZ;
    return -1;
}

void units_format_dim(units_dim d, char *buf, size_t n) {
    sbuf b = {buf, n, 0};
    if (!buf || n == 0)
        return;
    buf[0] = '\0';
    int sp = special_name(d);
    if (sp >= 0) {
        sb_puts(&b, bases[sp].name);
        return;
    }
    int npos = 0;
    for (int k = 0; k < UNIT_NDIM; k++) {
        int i = dim_order[k];
        if (d.e[i] <= 0)
            continue;
        if (npos++)
            sb_puts(&b, "*");
        sb_puts(&b, dim_names[i]);
        if (d.e[i] > 1)
            sb_exp(&b, d.e[i]);
    }
    if (npos == 0)
        sb_puts(&b, "1");
    for (int k = 0; k < UNIT_NDIM; k++) {
        int i = dim_order[k];
        if (d.e[i] >= 0)
            continue;
        sb_puts(&b, "/");
        sb_puts(&b, dim_names[i]);
        if (d.e[i] < -1)
            sb_exp(&b, -d.e[i]);
    }
}

const char *units_dim_name(units_dim d) {
    static const struct {
        int8_t e[UNIT_NDIM]; /* B, s, FLOP, J, m, cycle */
        const char *name;
    } names[] = {
        {{0, 0, 0, 0, 0, 0}, "number"},
        {{1, 0, 0, 0, 0, 0}, "size"},
        {{0, 1, 0, 0, 0, 0}, "time"},
        {{0, 0, 1, 0, 0, 0}, "work"},
        {{0, 0, 0, 1, 0, 0}, "energy"},
        {{0, 0, 0, 0, 1, 0}, "length"},
        {{0, 0, 0, 0, 2, 0}, "area"},
        {{0, 0, 0, 0, 3, 0}, "volume"},
        {{0, 0, 0, 0, 0, 1}, "cycles"},
        {{1, -1, 0, 0, 0, 0}, "bandwidth"},
        {{0, -1, 1, 0, 0, 0}, "compute rate"},
        {{0, 0, 1, 0, 0, -1}, "rate per cycle"},
        {{1, 0, 0, 0, 0, -1}, "bytes per cycle"},
        {{0, -1, 0, 0, 0, 1}, "frequency"},
        {{0, -1, 0, 1, 0, 0}, "power"},
        {{0, 0, -1, 1, 0, 0}, "energy per FLOP"},
        {{-1, 0, 0, 1, 0, 0}, "energy per byte"},
        {{-1, 0, 1, 0, 0, 0}, "arithmetic intensity"},
        {{0, 0, 1, -1, 0, 0}, "energy efficiency"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        units_dim x;
        memcpy(x.e, names[i].e, sizeof x.e);
        if (units_eq(d, x))
            return names[i].name;
    }
    return NULL;
}

/* SI prefix steps by index i (power 1000^i), i in [-5, 6]. */
static const double pow1000[12] = {1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1.0,
                                   1e3,   1e6,   1e9,  1e12, 1e15, 1e18};
static const char *const si_names[12] = {"f", "p", "n", "u", "m", "",
                                         "k", "M", "G", "T", "P", "E"};
#define SI_ZERO 5 /* index of the empty prefix in the tables above */

/* 2^63 as a double: values below it convert exactly to long long / u64. */
#define TWO63 9223372036854775808.0

/* Binary form for a byte count a > 0 (see file comment); writes into
 * buf and returns 1, or returns 0 to fall back to SI. */
static int format_binary_bytes(const char *sign, double a, char *buf,
                               size_t n) {
    static const char *const bin_names[7] = {"", "Ki", "Mi", "Gi",
                                             "Ti", "Pi", "Ei"};
    if (a < 1024.0 || a >= TWO63)
        return 0;
    unsigned long long u = (unsigned long long)a;
    if ((double)u != a)
        return 0; /* not an integer */
    int j = 0;
    unsigned long long p = 1, p10 = 1;
    while (j < 6 && u % (p * 1024u) == 0) {
        p *= 1024u;
        p10 *= 1000u;
        j++;
    }
    if (j == 0 || u % p10 == 0)
        return 0;
    double m = (double)(u / p);
    /* "1536 KiB" reads better as "1.5 MiB" when that is still exact. */
    if (m >= 1024.0 && j < 6) {
        double up = m / 1024.0, milli = up * 1000.0;
        if (up < 1000.0 && milli == (double)(unsigned long long)milli) {
            m = up;
            j++;
        }
    }
    if (m >= 1024.0)
        return 0; /* "402056 KiB" reads worse than "411.705 MB" */
    snprintf(buf, n, "%s%.6g %sB", sign, m, bin_names[j]);
    return 1;
}

void units_format_value(double v, units_dim d, char *buf, size_t n) {
    char dim[96], num[48];
    if (!buf || n == 0)
        return;
    units_format_dim(d, dim, sizeof dim);
    if (units_is_none(d)) {
        if (v == 0.0)
            snprintf(buf, n, "0");
        else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
            snprintf(buf, n, "%lld", (long long)v);
        else
            snprintf(buf, n, "%.6g", v);
        return;
    }
    if (isnan(v) || isinf(v)) {
        snprintf(buf, n, "%g %s", v, dim);
        return;
    }
    if (v == 0.0) { /* also -0.0 */
        snprintf(buf, n, "0 %s", dim);
        return;
    }
    const char *sign = v < 0 ? "-" : "";
    double a = v < 0 ? -v : v;

    if (units_eq(d, units_base(UNIT_B)) &&
        format_binary_bytes(sign, a, buf, n))
        return;

    /* Find the atom the prefix attaches to: the special name itself, or
     * the first positive exponent in display order. */
    int bi = special_name(d), power = 1;
    if (bi < 0) {
        for (int k = 0; k < UNIT_NDIM && bi < 0; k++) {
            int i = dim_order[k];
            if (d.e[i] > 0) {
                bi = dim_base_index[i];
                power = d.e[i];
            }
        }
    }
    if (bi < 0 || (power != 1 && !(bi == BI_M && power == 2))) {
        snprintf(buf, n, "%s%.6g %s", sign, a, dim);
        return;
    }

    if (power == 2) {
        /* Area: m2 from 1 m2 up, um2 below 0.001 mm2, else mm2 (the unit
         * chip architects think in: "0.95 mm2", not "950000 um2"). */
        static const double steps[3] = {1.0, 1e-6, 1e-12};
        static const char *const names[3] = {"", "m", "u"};
        int i = a >= 1.0 ? 0 : a >= 1e-9 ? 1 : 2;
        snprintf(num, sizeof num, "%.6g", a / steps[i]);
        if (i > 0 && strcmp(num, "1e+06") == 0) { /* rounded up a step */
            i--;
            snprintf(num, sizeof num, "%.6g", a / steps[i]);
        }
        snprintf(buf, n, "%s%s %s%s", sign, num, names[i], dim);
        return;
    }

    /* SI prefix range allowed on this base (same rule as the parser). */
    int lo = (bases[bi].families & PF_SMALL) ? 0 : SI_ZERO;
    int hi = (bases[bi].families & PF_LARGE) ? 11 : SI_ZERO;
    int i = hi;
    while (i > lo && a < pow1000[i])
        i--;
    snprintf(num, sizeof num, "%.6g", a / pow1000[i]);
    if (i < hi && strcmp(num, "1000") == 0) { /* 999.9996 -> next prefix */
        i++;
        snprintf(num, sizeof num, "%.6g", a / pow1000[i]);
    }
    const char *pfx = si_names[i];
    if (bi == BI_B && i == SI_ZERO + 1)
        pfx = "K"; /* the language spells kilobytes "KB" */
    snprintf(buf, n, "%s%s %s%s", sign, num, pfx, dim);
}
