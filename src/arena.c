/* arena.c - chunked bump allocation.
 *
 * Chunks grow geometrically up to 1 MiB; a request larger than a chunk gets
 * a chunk of its own.  All chunks are released together by arena_free.
 * The memory guard (see arena.h) counts chunk bytes in one process-wide
 * total; explore workers are separate processes, each with its own count.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    max_align_t data[]; /* flexible, aligned for any type */
};

enum { ARENA_MIN = 4096, ARENA_MAX = 1 << 20 };

/* The guard's state: one per process (the library is single-threaded). */
static struct {
    size_t limit, used;
    const char *phase;
    mem_fail_fn fail;
    void *fail_ud;
    mem_driver_fn driver;
    void *driver_ud;
} mem;

void mem_set_limit(size_t bytes) { mem.limit = bytes; }
size_t mem_limit(void) { return mem.limit; }
size_t mem_in_use(void) { return mem.used; }
void mem_set_phase(const char *phase) { mem.phase = phase; }
const char *mem_phase(void) { return mem.phase ? mem.phase : "program"; }

void mem_on_fail(mem_fail_fn fn, void *ud) {
    mem.fail = fn;
    mem.fail_ud = ud;
}

void mem_set_driver(mem_driver_fn fn, void *ud) {
    mem.driver = fn;
    mem.driver_ud = ud;
}

int mem_would_exceed(size_t want) { return mem.limit && (want > mem.limit || mem.used > mem.limit - want); }

/* 1536 MiB -> "1.5 GiB" */
void mem_format_size(size_t b, char *buf, size_t n) {
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 6) v /= 1024, u++;
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void mem_describe(size_t want, char *buf, size_t n) {
    char w[32], used[32], lim[32], drv[400] = "";
    mem_format_size(want, w, sizeof w);
    mem_format_size(mem.used, used, sizeof used);
    mem_format_size(mem.limit, lim, sizeof lim);
    if (mem.driver) mem.driver(mem.driver_ud, drv, sizeof drv);
    if (!want)
        snprintf(buf, n, "out of memory in the %s: the system refused an allocation (%s in use)%s%s", mem_phase(),
                 used, drv[0] ? "; " : "", drv);
    else if (mem_would_exceed(want))
        snprintf(buf, n, "out of memory in the %s: %s more requested with %s in use passes the limit of %s%s%s "
                         "(raise it with --max-memory or MLDC_MAX_MEMORY)",
                 mem_phase(), w, used, lim, drv[0] ? "; " : "", drv);
    else
        snprintf(buf, n, "out of memory in the %s: the system refused %s (%s in use)%s%s", mem_phase(), w, used,
                 drv[0] ? "; " : "", drv);
}

_Noreturn void mem_fail(size_t want) {
    mem_fail_fn fn = mem.fail;
    if (fn) {
        mem.fail = NULL; /* a failure while reporting one aborts */
        fn(mem.fail_ud, want);
    }
    abort();
}

void arena_init(arena *a) { memset(a, 0, sizeof *a); }

void arena_free(arena *a) {
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *next = c->next;
        mem.used -= sizeof *c + c->size;
        free(c);
        c = next;
    }
    memset(a, 0, sizeof *a);
}

void *arena_alloc(arena *a, size_t n) {
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n == 0) n = align;
    if (!a->head || a->used + n > a->head->size) {
        size_t size = a->head ? a->head->size * 2 : ARENA_MIN;
        if (size > ARENA_MAX) size = ARENA_MAX;
        if (size < n) size = n;
        if (mem_would_exceed(sizeof(arena_chunk) + size)) mem_fail(sizeof(arena_chunk) + size);
        arena_chunk *c = malloc(sizeof *c + size);
        if (!c) mem_fail(sizeof *c + size);
        mem.used += sizeof *c + size;
        c->size = size;
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    void *p = (char *)a->head->data + a->used;
    a->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

arena_mark arena_get_mark(const arena *a) { return (arena_mark){a->head, a->used, a->total}; }

void arena_reset(arena *a, arena_mark m) {
    while (a->head != m.head) {
        arena_chunk *c = a->head;
        if (!c) abort(); /* a mark of another arena, or one already released */
        a->head = c->next;
        mem.used -= sizeof *c + c->size;
        free(c);
    }
    a->used = m.used;
    a->total = m.total;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(arena *a, const char *s) {
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ptrvec_push(arena *a, ptrvec *pv, void *p) {
    if (pv->n == pv->cap) {
        int cap = pv->cap ? pv->cap * 2 : 8;
        void **v = arena_alloc(a, (size_t)cap * sizeof *v);
        if (pv->n) memcpy(v, pv->v, (size_t)pv->n * sizeof *v);
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = p;
}
