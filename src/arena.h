/* arena.h - one bump allocator for every phase.
 *
 * Each compiler phase allocates into an arena and frees it in one call when
 * the phase's output is no longer needed; nothing in mldc frees individual
 * objects.  Allocation failure aborts: it is not a user error we can report.
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

void arena_init(arena *a);
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

#endif
