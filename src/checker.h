/* checker.h - the checker of a lowered design (check.c) and the two
 * connectivity/placement queries the plan builder shares with it.  Depends
 * only on the IR: lowering calls down into it, never the reverse. */
#ifndef MLDC_CHECKER_H
#define MLDC_CHECKER_H

#include <stddef.h>

#include "diag.h"
#include "ir.h"

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
