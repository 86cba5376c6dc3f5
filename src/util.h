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

/* FNV-1a, 64 bits, of n bytes, continuing from h (start with
 * UTIL_HASH_START): names inputs for change detection, not security. */
#define UTIL_HASH_START 14695981039346656037ull
unsigned long long util_hash64(const void *p, size_t n, unsigned long long h);

/* Read all of f into a NUL-terminated buffer the caller frees; NULL with
 * errno set on a read error, or EFBIG when it holds limit bytes or more. */
char *util_read_all(FILE *f, size_t limit, size_t *len);

/* Open an input file for reading ("rb").  A FIFO is opened without
 * blocking and waited on for at most UTIL_FIFO_WAIT seconds for its first
 * data (or its writer's end), so that a FIFO nobody writes to is an error
 * (errno ETIMEDOUT) instead of a hang.  NULL with errno set on failure. */
enum { UTIL_FIFO_WAIT = 10 };
FILE *util_open_input(const char *path);

/* Safe output files.  util_out_open(o, path) opens what util_out_close
 * then commits:
 *   - a regular file or an absent path: a temporary file next to it (same
 *     permissions as the file it replaces, 0644 for a new one), renamed
 *     over it by util_out_close, so the file is whole or untouched;
 *   - anything else (a character device such as /dev/full or /dev/stdout,
 *     a FIFO, a socket): the path itself, written in place;
 *   - a symbolic link is followed: its final target is what is replaced,
 *     and the link stays a link.
 * util_out_close flushes, syncs a regular file, closes and renames, and
 * checks each step; on any failure it removes the temporary file and
 * returns -1 with errno set (the file at path is then as it was).
 * util_out_discard abandons the output.  util_out_open returns 0, or -1
 * with errno set. */
typedef struct util_out {
    FILE *f;
    char *target; /* the path written in the end (symlinks resolved) */
    char *tmp;    /* the temporary file, or NULL when written in place */
} util_out;
int util_out_open(util_out *o, const char *path);
int util_out_close(util_out *o);
void util_out_discard(util_out *o);

#endif
