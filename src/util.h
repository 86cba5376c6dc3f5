/* util.h - small shared helpers: a string-keyed hash map in an arena, and
 * "did you mean" suggestions. */
#ifndef MLDC_UTIL_H
#define MLDC_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include "arena.h"

typedef struct strmap_entry strmap_entry;
struct strmap_entry {
    const char *key;
    void *val;
    strmap_entry *next;
};

typedef struct strmap {
    strmap_entry **b; /* buckets */
    int nb;           /* bucket count, a power of two */
    int n;            /* entries */
} strmap;

void *strmap_get(const strmap *m, const char *key);
/* Insert key; returns the previous value (and keeps it) when key exists. */
void *strmap_put(arena *a, strmap *m, const char *key, void *val);

/* Edit distance between a and b, capped at cap + 1. */
int util_edit_distance(const char *a, const char *b, int cap);

/* Tracks the closest candidate to a misspelt name. */
typedef struct suggest {
    const char *want;
    const char *best;
    int dist;
} suggest;
void suggest_init(suggest *s, const char *want);
void suggest_add(suggest *s, const char *cand);
/* "; did you mean 'x'?" or "" */
const char *suggest_text(const suggest *s, char *buf, size_t n);

/* Read all of f into a NUL-terminated buffer the caller frees; NULL with
 * errno set on a read error, or EFBIG when it holds limit bytes or more. */
char *util_read_all(FILE *f, size_t limit, size_t *len);

#endif
