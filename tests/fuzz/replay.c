/* replay.c - run the fuzz harness over files, without libFuzzer.
 *
 *   fuzz_replay FILE...
 *
 * Feeds each file to LLVMFuzzerTestOneInput, so the seed corpus (and any
 * crash file a fuzzing run left) can be replayed with gcc or clang, with or
 * without sanitizers.  Prints one line per file with -v, and a summary.
 * Exits 2 when a file cannot be read; a bug in the library shows up as a
 * crash or a sanitizer report.  fuzz_replay_current names the file being
 * replayed, for a harness's own messages (fuzz_sim.c, built with
 * -DMLDC_FUZZ_REPLAY).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const char *fuzz_replay_current;
const char *fuzz_replay_current;

static int read_file(const char *path, uint8_t **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0;
    uint8_t *p = malloc(cap);
    if (!p) {
        fclose(f);
        return -1;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                fclose(f);
                return -1;
            }
            p = q;
            cap *= 2;
        }
        size_t got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(p);
        return -1;
    }
    *buf = p;
    *len = n;
    return 0;
}

int main(int argc, char **argv) {
    int verbose = 0, nfiles = 0, first = 1;
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        verbose = 1;
        first = 2;
    }
    size_t bytes = 0;
    for (int i = first; i < argc; i++) {
        uint8_t *buf;
        size_t len;
        if (read_file(argv[i], &buf, &len) != 0) {
            fprintf(stderr, "fuzz_replay: cannot read %s\n", argv[i]);
            return 2;
        }
        if (verbose) fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", argv[i], len);
        fuzz_replay_current = argv[i];
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        bytes += len;
        nfiles++;
    }
    const char *me = strrchr(argv[0], '/');
    printf("seeds (%s): %d inputs, %zu bytes replayed, no crash\n", me ? me + 1 : argv[0], nfiles, bytes);
    return 0;
}
