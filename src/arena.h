/* arena.h - one bump allocator for every phase.
 *
 * Each compiler phase allocates into an arena and frees it in one call when
 * the phase's output is no longer needed; nothing in mldc frees individual
 * objects.
 *
 * The memory guard.  Every arena chunk is counted against one process-wide
 * limit (mem_set_limit; 0 = none).  An allocation that would pass the
 * limit, or that the system refuses, is not returned to the caller: it
 * calls mem_fail, which hands the request to the failure callback the
 * program installed (mem_on_fail).  That callback must not return; it
 * reports and ends the process (the command line: an error naming the
 * phase, the size and what drives it, exit 1; an explore worker: an error
 * row for its point).  Without a callback mem_fail aborts.  Other
 * allocations of the library (plan and simulation arrays) call mem_fail
 * when malloc returns NULL.  The phase (mem_set_phase) and a describer of
 * what is being built (mem_set_driver, e.g. "workload 'w' has 2,000,000
 * operators so far") make the message say where and why.
 */
#ifndef MLDC_ARENA_H
#define MLDC_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
    arena_chunk *head; /* most recent chunk; older ones follow ->next */
    size_t used;       /* bytes handed out from head */
    size_t total;      /* bytes handed out in all, for limits and stats */
} arena;

/* A point in an arena's life: arena_reset releases everything allocated
 * after it (chunks started since are freed), so scratch work can give its
 * memory back. */
typedef struct arena_mark {
    arena_chunk *head;
    size_t used, total;
} arena_mark;

void arena_init(arena *a);
arena_mark arena_get_mark(const arena *a);
void arena_reset(arena *a, arena_mark m);
void arena_free(arena *a);
/* Zeroed memory, aligned for any type. */
void *arena_alloc(arena *a, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
/* printf into the arena. */
char *arena_printf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A growable array of pointers whose storage lives in an arena. */
typedef struct ptrvec {
    void **v;
    int n, cap;
} ptrvec;
void ptrvec_push(arena *a, ptrvec *pv, void *p);

/* --- the memory guard --- */

/* Called on failure with the request; must not return. */
typedef void (*mem_fail_fn)(void *ud, size_t want);
/* Writes what is driving the allocation into buf ("" if nothing). */
typedef void (*mem_driver_fn)(void *ud, char *buf, size_t n);

void mem_set_limit(size_t bytes);
size_t mem_limit(void);
size_t mem_in_use(void);            /* bytes in arena chunks, all arenas */
void mem_on_fail(mem_fail_fn fn, void *ud);
/* The phase now running ("front end", "plan", ...); a static string. */
void mem_set_phase(const char *phase);
const char *mem_phase(void);
/* Install (or, with NULL, clear) the describer of the current work. */
void mem_set_driver(mem_driver_fn fn, void *ud);
/* 1610612736 -> "1.5 GiB" */
void mem_format_size(size_t bytes, char *buf, size_t n);
/* "out of memory in the PHASE: ..." for a request of want bytes. */
void mem_describe(size_t want, char *buf, size_t n);
/* Report a failed or refused allocation of want bytes; never returns. */
_Noreturn void mem_fail(size_t want);
/* Would want more bytes pass the limit?  For estimates made before a
 * large allocation. */
int mem_would_exceed(size_t want);

#endif
