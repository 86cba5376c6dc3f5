/* units.h - the dimension algebra behind mldc's quantities.
 *
 * Every value in a .mld file is a double with a dimension: a vector of small
 * integer exponents over six base dimensions (bytes, seconds, FLOP, joules,
 * metres, cycles).  Unit names such as "GB/s", "pJ/FLOP", "mm2" or "GHz" are
 * parsed into a scale factor (to base units) and a dimension.
 */
#ifndef MLDC_UNITS_H
#define MLDC_UNITS_H

#include <stddef.h>
#include <stdint.h>

enum { UNIT_B, UNIT_S, UNIT_FLOP, UNIT_J, UNIT_M, UNIT_CYCLE, UNIT_NDIM };

typedef struct units_dim {
    int8_t e[UNIT_NDIM]; /* exponent of each base dimension */
} units_dim;

/* The dimensionless dimension (all exponents zero). */
units_dim units_none(void);
/* One base dimension raised to the first power. */
units_dim units_base(int which);
/* A dimension from its exponents: bytes, seconds, FLOP, joules, metres, cycles. */
units_dim units_make(int b, int s, int flop, int j, int m, int cyc);
units_dim units_mul(units_dim a, units_dim b);
units_dim units_div(units_dim a, units_dim b);
int units_eq(units_dim a, units_dim b);
int units_is_none(units_dim a);

/* Parse a unit expression such as "GB/s", "pJ/FLOP", "FLOP/cycle", "mm2",
 * "KiB", "GHz", "bit".  Atoms are joined by '/' (divide) or '*' (multiply),
 * left to right.  On success returns 0 and sets *scale (multiply a number in
 * this unit by *scale to get base units) and *dim.  On failure returns -1 and
 * writes a one-line message into err (e.g. "unknown unit 'GBs'; did you mean
 * 'GB'?"). */
int units_parse(const char *text, size_t len, double *scale, units_dim *dim,
                char *err, size_t errlen);

/* Write a dimension in unit notation: "B/s", "FLOP/s", "J", "m2", "1/s",
 * "B*s", or "1" when dimensionless.  Named derived units are used where they
 * read better: J/s -> "W", 1/s -> "Hz". */
void units_format_dim(units_dim d, char *buf, size_t n);

/* A short human name for common dimensions ("bandwidth", "time", "size",
 * "energy", "area", "power", "frequency", "compute rate", "energy per FLOP",
 * ...), or NULL when there is none. */
const char *units_dim_name(units_dim d);

/* Write a value (in base units) with the best-reading prefix, deterministic
 * and locale-independent, e.g. 1.6e12 B/s -> "1.6 TB/s", 1048576 B ->
 * "1 MiB" (binary prefixes for exact powers of 1024 of bytes, else SI),
 * 2e-9 s -> "2 ns", 3 (dimensionless) -> "3".  At most 6 significant
 * digits, trailing zeros trimmed. */
void units_format_value(double v, units_dim d, char *buf, size_t n);

#endif
