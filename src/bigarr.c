/* bigarr.c - big arrays hinted for transparent huge pages (see bigarr.h).
 *
 * glibc serves requests this large with their own mmap, so the hint covers
 * the array's pages alone; for a block from the heap it marks that part of
 * the heap, which is harmless.  The hint is repeated after each realloc,
 * since growing may move the block to a fresh mapping.
 */
#define _DEFAULT_SOURCE /* madvise */
#include "bigarr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

static void hint(void *p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (n < BIG_HUGE) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)p & ~(page - 1), b = ((uintptr_t)p + n) & ~(page - 1);
    if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#else
    (void)p;
    (void)n;
#endif
}

void *big_alloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) mem_fail(n);
    hint(p, n);
    return p;
}

void *big_calloc(size_t n) {
    void *p = big_alloc(n);
    /* zeroed after the hint, so the first touch already takes huge pages */
    memset(p, 0, n);
    return p;
}

void *big_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) mem_fail(n);
    hint(q, n);
    return q;
}
