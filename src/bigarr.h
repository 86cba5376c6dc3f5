/* bigarr.h - allocation of the plan's and the simulator's big arrays.
 *
 * Plans and schedules of millions of tasks live in a handful of flat
 * arrays, each written once from start to end.  What such an array costs
 * is mostly the first touch of each page: on virtual machines a 4 KiB page
 * fault costs microseconds, more than the simulator spends on a task.  So
 * every array that may grow past BIG_HUGE bytes is allocated through these
 * functions, which ask the kernel for transparent huge pages there
 * (madvise(MADV_HUGEPAGE): one fault per 2 MiB; a hint, ignored where the
 * kernel does not support it).  Failure goes to mem_fail (arena.h), as for
 * every allocation of the library; the memory is released with free().
 */
#ifndef MLDC_BIGARR_H
#define MLDC_BIGARR_H

#include <stddef.h>

enum { BIG_HUGE = 4 << 20 }; /* arrays from this size on get the hint */

/* n bytes, uninitialised. */
void *big_alloc(size_t n);
/* n bytes, zeroed. */
void *big_calloc(size_t n);
/* p resized to n bytes (p may be NULL), contents kept. */
void *big_realloc(void *p, size_t n);

#endif
