/* util.c - hash map and spelling suggestions.
 *
 * The map chains entries in buckets that double when the load passes 1; it
 * never deletes (scopes and symbol tables only grow, then die with their
 * arena).  Suggestions use Levenshtein distance with a cap that grows with
 * the name's length, so "x" never suggests "y".
 */
#define _DEFAULT_SOURCE /* realpath */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned hash(const char *s) {
    unsigned h = 2166136261u;
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

void *strmap_get(const strmap *m, const char *key) {
    if (!m->nb) return NULL;
    for (strmap_entry *e = m->b[hash(key) & (unsigned)(m->nb - 1)]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e->val;
    return NULL;
}

static void grow(arena *a, strmap *m) {
    int nb = m->nb ? m->nb * 2 : 16;
    strmap_entry **b = arena_alloc(a, (size_t)nb * sizeof *b);
    for (int i = 0; i < m->nb; i++) {
        strmap_entry *e = m->b[i];
        while (e) {
            strmap_entry *next = e->next;
            unsigned h = hash(e->key) & (unsigned)(nb - 1);
            e->next = b[h];
            b[h] = e;
            e = next;
        }
    }
    m->b = b;
    m->nb = nb;
}

void *strmap_put(arena *a, strmap *m, const char *key, void *val) {
    void *old = strmap_get(m, key);
    if (old) return old;
    if (m->n >= m->nb) grow(a, m);
    strmap_entry *e = arena_alloc(a, sizeof *e);
    e->key = key;
    e->val = val;
    unsigned h = hash(key) & (unsigned)(m->nb - 1);
    e->next = m->b[h];
    m->b[h] = e;
    m->n++;
    return NULL;
}

unsigned long long util_hash64(const void *p, size_t n, unsigned long long h) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

int util_edit_distance(const char *a, const char *b, int cap) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return cap + 1;
    if ((la > lb ? la - lb : lb - la) > (size_t)cap) return cap + 1;
    /* optimal string alignment: Levenshtein plus adjacent transpositions,
     * so "sarm" is one edit from "sram" */
    int d[66][66];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

void suggest_init(suggest *s, const char *want) {
    s->want = want;
    s->best = NULL;
    s->dist = 1000;
}

void suggest_add(suggest *s, const char *cand) {
    if (!cand || strcmp(cand, s->want) == 0) return;
    int len = (int)strlen(s->want);
    int cap = len <= 2 ? 0 : len <= 5 ? 1 : 2;
    if (len >= 3 && cap < 1) cap = 1;
    int d = util_edit_distance(s->want, cand, cap);
    if (d <= cap && (d < s->dist || (d == s->dist && strcmp(cand, s->best) < 0))) {
        s->best = cand;
        s->dist = d;
    }
}

const char *suggest_text(const suggest *s, char *buf, size_t n) {
    if (!s->best) return "";
    snprintf(buf, n, "; did you mean '%s'?", s->best);
    return buf;
}

/* Read all of f; see util.h. */
char *util_read_all(FILE *f, size_t limit, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap);
    if (!p) mem_fail(0);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > limit) {
                free(p);
                errno = EFBIG;
                return NULL;
            }
            cap *= 2;
            char *q = realloc(p, cap);
            if (!q) mem_fail(0);
            p = q;
        }
        size_t got = fread(p + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(p);
        errno = e;
        return NULL;
    }
    if (n >= limit) {
        free(p);
        errno = EFBIG;
        return NULL;
    }
    p[n] = 0;
    *len = n;
    return p;
}

/* ---- safe output files -------------------------------------------------- */

static char *util_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) mem_fail(n);
    return memcpy(p, s, n);
}

/* The path a chain of symbolic links at path ends in, for a link whose
 * target does not exist yet (realpath() fails there); malloc'd. */
static char *util_link_end(const char *path) {
    char *cur = util_strdup(path);
    for (int depth = 0; depth < 40; depth++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) break;
        char to[4096];
        ssize_t n = readlink(cur, to, sizeof to - 1);
        if (n <= 0) break;
        to[n] = 0;
        const char *slash = strrchr(cur, '/');
        size_t dir = to[0] != '/' && slash ? (size_t)(slash - cur + 1) : 0;
        char *next = malloc(dir + (size_t)n + 1);
        if (!next) mem_fail(dir + (size_t)n + 1);
        memcpy(next, cur, dir);
        memcpy(next + dir, to, (size_t)n + 1);
        free(cur);
        cur = next;
    }
    return cur;
}

int util_out_open(util_out *o, const char *path) {
    memset(o, 0, sizeof *o);
    char *real = realpath(path, NULL); /* NULL for an absent file */
    o->target = real ? util_strdup(real) : util_link_end(path);
    free(real);
    struct stat st;
    int exists = stat(o->target, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) { /* a device, FIFO, ...: in place */
        o->f = fopen(o->target, "w");
        if (!o->f) {
            int e = errno;
            util_out_discard(o);
            errno = e;
            return -1;
        }
        return 0;
    }
    size_t n = strlen(o->target) + 16;
    o->tmp = malloc(n);
    if (!o->tmp) mem_fail(n);
    snprintf(o->tmp, n, "%s.tmp-XXXXXX", o->target);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        util_out_discard(o);
        errno = e;
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask) != 0 || !(o->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        util_out_discard(o);
        errno = e;
        return -1;
    }
    return 0;
}

int util_out_close(util_out *o) {
    int e = 0;
    if (!o->f) e = EBADF;
    if (!e && (ferror(o->f) || fflush(o->f) != 0)) e = errno ? errno : EIO;
    if (!e && o->tmp && fsync(fileno(o->f)) != 0) e = errno;
    if (o->f && fclose(o->f) != 0 && !e) e = errno ? errno : EIO;
    o->f = NULL;
    if (!e && o->tmp && rename(o->tmp, o->target) != 0) e = errno;
    if (e) {
        util_out_discard(o);
        errno = e;
        return -1;
    }
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof *o);
    return 0;
}

void util_out_discard(util_out *o) {
    if (o->f) fclose(o->f);
    if (o->tmp) remove(o->tmp);
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof *o);
}

/* ---- input files -------------------------------------------------------- */

FILE *util_open_input(const char *path) {
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
        struct pollfd pf = {fd, POLLIN, 0};
        int r;
        while ((r = poll(&pf, 1, UTIL_FIFO_WAIT * 1000)) < 0 && errno == EINTR) {}
        if (r == 0) {
            close(fd);
            errno = ETIMEDOUT;
            return NULL;
        }
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
