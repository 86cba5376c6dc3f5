/* lower_int.h - internals shared by the lowering passes (lower.c builds the
 * IR; check.c checks the finished IR).  Not part of the library's API. */
#ifndef MLDC_LOWER_INT_H
#define MLDC_LOWER_INT_H

#include "ast.h"
#include "diag.h"
#include "ir.h"
#include "mldc.h"
#include "util.h"

/* Check a lowered design: placement, data movement, capacity,
 * connectivity, synchronisation.  Reports through dc. */
void check_design(ir_design *d, diag_ctx *dc);

/* Is there a network path between two element instances (elem may be -1 for
 * the level instance itself)?  On failure writes the reason into why and the
 * level that lacks the connection into where. */
int check_connected(const ir_system *s, ir_unit a, ir_unit b, char *why, size_t n, mld_loc *where);

/* The memory an element instance computes out of: the first memory of its
 * level, else of the nearest ancestor.  Returns 0 when there is none. */
int check_local_memory(const ir_system *s, ir_unit u, ir_unit *mem);

#endif
