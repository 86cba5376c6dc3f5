/* cli.c - the mldc command line.
 *
 * The driver is a list of passes: read options, load (parse, lower, check)
 * each file, then do what the command asks with the result.  Only this file
 * prints.  Diagnostics arrive through a callback and are rendered as GNU
 * text on stderr or, with --diagnostics=json, as one JSON object per line.
 *
 * Exit status: 0 success, 1 errors in the input, 2 usage or I/O errors.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef MLDC_MPI
#include <mpi.h>
#endif

#include "ast.h"
#include "cli_lsp.h"
#include "mldc_api.h"
#include "mldc.h"
#include "parse.h"
#include "explore.h"
#include "fmt.h"
#include "plan.h"
#include "sim.h"
#include "util.h"

#ifndef MLDC_VERSION
#define MLDC_VERSION "0.0.0"
#endif

/* The command line is described by two tables: the options, each with a
 * bit, and the commands, each with the mask of the options it accepts.  Help
 * (global and per command) is generated from them, and an option given to a
 * command that does not take it is a usage error (GNU form, exit 2). */
enum {
    O_SET = 1u << 0, O_DIAG = 1u << 1, O_COLOR = 1u << 2, O_STDLIB = 1u << 3, O_MAXERR = 1u << 4,
    O_MAPPING = 1u << 5, O_JSON = 1u << 6, O_TRACE = 1u << 7, O_VERIFY = 1u << 8, O_OUT = 1u << 9,
    O_JOBS = 1u << 10, O_STRATEGY = 1u << 11, O_MAXPTS = 1u << 12, O_TLIMIT = 1u << 13, O_SEED = 1u << 14,
    O_RESUME = 1u << 15, O_SHARD = 1u << 16, O_SVG = 1u << 17, O_REPORT = 1u << 18, O_QUIET = 1u << 19,
    O_CHECK = 1u << 20, O_MAXMEM = 1u << 21, O_FORCE = 1u << 22, O_OPS = 1u << 23, O_OPSCSV = 1u << 24
};
/* every command reads designs with these (fmt: only the first three) */
#define O_COMMON (O_DIAG | O_COLOR | O_MAXERR | O_SET | O_STDLIB | O_MAXMEM)

typedef struct cli_opt {
    const char *name; /* spelling, without "=VALUE" */
    const char *arg;  /* the value's name in help, NULL for a flag */
    unsigned bit;
    const char *help; /* lines after the first start with '\n' */
} cli_opt;

static const cli_opt cli_opts[] = {
    {"--set", "NAME=VALUE", O_SET, "override a parameter (repeatable), e.g. --set hbm_bw=3.2TB/s"},
    {"--diagnostics", "=FMT", O_DIAG, "'text' (default, GNU style with source excerpts) or 'json'\n"
                                     "(one JSON object per line on stderr, nothing else there)"},
    {"--color", "=WHEN", O_COLOR, "colour diagnostics: 'auto' (default: on a terminal, unless\n"
                                 "NO_COLOR is set), 'always' or 'never'"},
    {"--stdlib", "DIR", O_STDLIB, "where import \"std/...\" looks (default: $MLDC_STDLIB, then\n"
                                  "the stdlib installed next to the program)"},
    {"--max-errors", "N", O_MAXERR, "stop after N errors (default 50)"},
    {"--max-memory", "SIZE", O_MAXMEM, "memory limit, e.g. 4G (default: $MLDC_MAX_MEMORY, else half\n"
                                       "of physical memory); reaching it is an error, exit 1"},
    {"--mapping", "NAME", O_MAPPING, "the mapping to run or dump (default: the first)"},
    {"--json", NULL, O_JSON, "run: print the report as JSON; explore: also write the\n"
                             "results as JSON next to the CSV (x.csv -> x.json)"},
    {"--trace", "FILE", O_TRACE, "write a Chrome trace-event timeline (Perfetto)"},
    {"--verify", NULL, O_VERIFY, "re-check the schedule against the hardware rules"},
    {"--ops", NULL, O_OPS, "add the per-operator account (a table, or with --json the\n"
                           "\"operators\" member)"},
    {"--ops-csv", "FILE", O_OPSCSV, "write the per-operator account as CSV"},
    {"-o", "FILE", O_OUT, "the results CSV (explore: default explore.csv)"},
    {"-j", "N", O_JOBS, "worker processes (default: all cores); the results do not\n"
                        "depend on N"},
    {"--strategy", "S", O_STRATEGY, "grid (default), random or guided"},
    {"--max-points", "N", O_MAXPTS, "evaluate at most N points (random and guided default\n"
                                    "to 100)"},
    {"--time-limit", "SEC", O_TLIMIT, "stop planning new points after SEC seconds"},
    {"--seed", "N", O_SEED, "seed of the random and guided strategies"},
    {"--resume", NULL, O_RESUME, "keep the rows already in the CSV and go on"},
    {"--force", NULL, O_FORCE, "with --resume: keep the rows even though the design, an\n"
                               "import or the explore block changed since"},
    {"--shard", "I/N", O_SHARD, "evaluate only points I, I+N, ... (then merge)"},
    {"--svg", "FILE", O_SVG, "plot of the Pareto front"},
    {"--report", "FILE", O_REPORT, "single-file HTML report"},
    {"--quiet", NULL, O_QUIET, "no progress line"},
    {"--check", NULL, O_CHECK, "change nothing; list the files that are not formatted\n"
                               "(\"FILE: not formatted\") and exit 1 if there are any"},
};
enum { NOPTS = (int)(sizeof cli_opts / sizeof cli_opts[0]) };

typedef struct cli_cmd {
    const char *name;
    const char *synopsis; /* after "mldc [options] " */
    const char *summary;  /* what it does; lines after the first start with '\n' */
    unsigned opts;        /* the options it accepts */
} cli_cmd;

static const cli_cmd cli_cmds[] = {
    {"check", "check FILE...", "parse, lower and check designs; report every error", O_COMMON},
    {"run", "run FILE", "simulate a mapping and report latency, throughput,\n"
                        "energy, utilisation and the critical path",
     O_COMMON | O_MAPPING | O_JSON | O_TRACE | O_VERIFY | O_OPS | O_OPSCSV | O_QUIET},
    {"explore", "explore FILE", "evaluate the design space of FILE's explore block;\n"
                                "stream every point to a CSV file, mark the Pareto front",
     O_COMMON | O_JSON | O_OUT | O_JOBS | O_STRATEGY | O_MAXPTS | O_TLIMIT | O_SEED | O_RESUME | O_FORCE | O_SHARD | O_SVG |
         O_REPORT | O_QUIET},
    {"merge", "merge FILE -o OUT.csv SHARD.csv...", "merge --shard result files of FILE's exploration", O_COMMON | O_OUT},
    {"dump", "dump tokens|ast|ir|plan FILE", "print the token stream, the syntax tree, the lowered\n"
                                             "and checked design or the simulation plan",
     O_COMMON | O_MAPPING},
    {"fmt", "fmt [--check] FILE...", "rewrite files in the canonical style", O_DIAG | O_COLOR | O_MAXERR | O_CHECK},
    {"lsp", "lsp", "serve the Language Server Protocol on stdin/stdout\n"
                   "(diagnostics as you type, hover, definitions, completion)",
     O_SET | O_STDLIB},
    {"help", "help [COMMAND]", "show this help, or a command's", 0},
};
enum { NCMDS = (int)(sizeof cli_cmds / sizeof cli_cmds[0]) };

static const cli_cmd *find_cmd(const char *name) {
    for (int i = 0; i < NCMDS; i++)
        if (strcmp(cli_cmds[i].name, name) == 0) return &cli_cmds[i];
    return NULL;
}

/* The option spelled by argument `a` ("--json", "--color=never"), or NULL. */
static const cli_opt *find_opt(const char *a) {
    size_t n = strcspn(a, "=");
    for (int i = 0; i < NOPTS; i++)
        if (strlen(cli_opts[i].name) == n && strncmp(cli_opts[i].name, a, n) == 0) return &cli_opts[i];
    return NULL;
}

/* Print `text` (lines separated by '\n') in a column from `col`, the first
 * line after `used` characters already written. */
static void put_column(FILE *f, int used, int col, const char *text) {
    for (;;) {
        fprintf(f, "%*s", used < col ? col - used : 1, "");
        size_t n = strcspn(text, "\n");
        fprintf(f, "%.*s\n", (int)n, text);
        if (!text[n]) return;
        text += n + 1;
        used = 0;
    }
}

static void put_option(FILE *f, const cli_opt *o) {
    /* an arg spelled "=X" is joined to the name (--color=WHEN) */
    int used = fprintf(f, "  %s%s%s", o->name, o->arg && o->arg[0] != '=' ? " " : "", o->arg ? o->arg : "");
    put_column(f, used, 22, o->help);
}

static const char stdin_note[] = "A FILE of '-' is read from standard input.\n";

/* mldc --help: every command and every option, with the commands each
 * option applies to when not all. */
static void help_global(FILE *f) {
    fputs("usage: ", f);
    for (int i = 0; i < NCMDS; i++) fprintf(f, "%smldc [options] %s\n", i ? "       " : "", cli_cmds[i].synopsis);
    fputs("\ncommands:\n", f);
    for (int i = 0; i < NCMDS; i++) {
        int used = fprintf(f, "  %s", cli_cmds[i].name);
        put_column(f, used, 22, cli_cmds[i].summary);
    }
    fputs("\noptions (the commands that take each, where not all):\n", f);
    for (int i = 0; i < NOPTS; i++) {
        put_option(f, &cli_opts[i]);
        char who[128] = "";
        int all = 1;
        for (int k = 0; k < NCMDS; k++)
            if (cli_cmds[k].opts && !(cli_cmds[k].opts & cli_opts[i].bit)) all = 0;
        for (int k = 0; k < NCMDS && !all; k++)
            if (cli_cmds[k].opts & cli_opts[i].bit)
                snprintf(who + strlen(who), sizeof who - strlen(who), "%s%s", who[0] ? ", " : "", cli_cmds[k].name);
        if (!all) fprintf(f, "%22s[%s]\n", "", who);
    }
    fputs("  -h, --help          show this help (after a command: that command's)\n"
          "  --version           show the version\n\n",
          f);
    fputs(stdin_note, f);
    fputs("'mldc help COMMAND' or 'mldc COMMAND --help' shows one command's options.\n"
          "exit status: 0 ok, 1 errors in the input, 2 usage or I/O errors\n",
          f);
}

/* mldc help CMD, mldc CMD --help: the command and its options only. */
static void help_command(FILE *f, const cli_cmd *c) {
    fprintf(f, "usage: mldc [options] %s\n\n", c->synopsis);
    const char *s = c->summary;
    fputc((unsigned char)toupper((unsigned char)s[0]), f);
    for (s++; *s; s++) fputc(*s == '\n' ? ' ' : *s, f);
    fputs(".\n", f);
    if (c->opts && strstr(c->synopsis, "FILE")) fputs(stdin_note, f);
    fputs("\noptions:\n", f);
    for (int i = 0; i < NOPTS; i++)
        if (c->opts & cli_opts[i].bit) put_option(f, &cli_opts[i]);
    fputs("  -h, --help          show this help\n", f);
}

/* The progress line of `run`: shown on a terminal (stderr), unless --quiet,
 * once the work has taken a second, redrawn at most ten times a second,
 * and erased when the run ends. */
typedef struct cli_progress {
    int on;           /* a terminal and not --quiet */
    double t0, drawn; /* start; last redraw (s) */
    int shown;        /* something is on the line */
} cli_progress;

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress_cb(void *ud, const char *phase, double done, double total) {
    cli_progress *pg = ud;
    if (!pg->on) return;
    double t = mono_s();
    if (t - pg->t0 < 1.0 || t - pg->drawn < 0.1) return;
    pg->drawn = t;
    pg->shown = 1;
    if (total > 0)
        fprintf(stderr, "\r\033[Kmldc: %s %.0f%% (%.0f of %.0f), %.1f s", phase, 100 * done / total, done, total,
                t - pg->t0);
    else
        fprintf(stderr, "\r\033[Kmldc: %s, %.1f s", phase, t - pg->t0);
    fflush(stderr);
}

static void progress_end(cli_progress *pg) {
    if (pg->shown) fputs("\r\033[K", stderr);
    pg->shown = 0;
}

typedef struct cli {
    ex_options ex;   /* explore's options */
    const char *out; /* -o */
    int json;        /* diagnostics as JSON */
    int color;       /* diagnostics in colour */
    int io_error;
    int report_json; /* run --json */
    int verify;      /* run --verify */
    const char *trace;
    const char *mapping;
    cli_progress progress; /* run's progress line */
    int api_errors;  /* errors reported through the public API */
    int ops;         /* run --ops: the per-operator account */
    const char *ops_csv; /* run --ops-csv FILE */
} cli;

/* The mapping to run: --mapping NAME, else the first.  NULL after an
 * error message. */
static const ir_mapping *pick_mapping(const ir_design *d, const cli *c, diag_ctx *dc) {
    mld_loc none = {0};
    if (d->nmappings == 0) {
        diag_error(dc, none, "the design has no mapping to run");
        return NULL;
    }
    if (!c->mapping) return d->mappings[0];
    for (int i = 0; i < d->nmappings; i++)
        if (strcmp(d->mappings[i]->name, c->mapping) == 0) return d->mappings[i];
    diag_error(dc, none, "--mapping: the design has no mapping '%s'", c->mapping);
    return NULL;
}

/* mldc dump plan: load, plan, print the plan. */
static void dump_plan(const char *path, const mldc_options *opts, cli *c, diag_ctx *dc) {
    ir_design *d = mldc_load_file(path, opts, dc);
    if (d->failed_io) c->io_error = 1;
    const ir_mapping *m = dc->nerrors ? NULL : pick_mapping(d, c, dc);
    mem_set_phase("plan builder");
    plan *p = m ? plan_build(d, m, dc) : NULL;
    if (p) plan_dump(stdout, p);
    plan_free(p);
    ir_design_free(d);
}

/* Diagnostics of designs loaded through the public API (mldc run). */
static void on_api_diag(void *ud, const mldc_diagnostic *d) {
    cli *c = ud;
    progress_end(&c->progress); /* a message never lands on the progress line */
    mldc_diagnostic_write(stderr, d, c->json ? MLDC_WRITE_JSON : c->color ? MLDC_WRITE_COLOR : 0);
    if (d->severity == MLDC_SEV_ERROR) c->api_errors++;
}

/* mldc run: a client of the public API (mldc_api.h) like any other
 * program: load, run (simulate, verify) with a progress line, write the
 * report and trace. */
static void run_design(const char *path, const mldc_options *opts, cli *c, int max_errors) {
    cli_progress *pg = &c->progress;
    pg->t0 = mono_s();
    pg->on = !c->ex.quiet && isatty(STDERR_FILENO);
    mldc_load_options lo = {opts->sets, opts->nsets, opts->stdlib_dir, max_errors, on_api_diag, c};
    mldc_design *d = strcmp(path, "-") == 0 && opts->stdin_text
                         ? mldc_design_load_text("<stdin>", opts->stdin_text, opts->stdin_len, &lo)
                         : mldc_design_load(path, &lo);
    if (mldc_design_io_failed(d)) c->io_error = 1;
    mldc_run_options ro = {c->mapping, c->verify};
    mldc_result *r = mldc_design_errors(d) ? NULL : mldc_design_run_progress(d, &ro, progress_cb, pg);
    progress_end(pg);
    if (r) {
        mldc_metrics m;
        mldc_result_metrics(r, &m);
        if (m.violations == 0 && !c->json)
            fprintf(stderr, "mldc: schedule verified: %llu tasks, no violation\n", (unsigned long long)m.tasks);
    }
    if (r && !mldc_design_errors(d)) {
        if (c->trace) {
            util_out out;
            int bad = util_out_open(&out, c->trace) != 0;
            if (!bad) {
                mldc_result_write(out.f, r, MLDC_TRACE);
                bad = util_out_close(&out) != 0;
            }
            if (bad) {
                fprintf(stderr, "mldc: error: cannot write '%s': %s\n", c->trace, strerror(errno));
                c->io_error = 1;
            }
        }
        if (c->ops_csv) {
            util_out out;
            int bad = util_out_open(&out, c->ops_csv) != 0;
            if (!bad) {
                mldc_result_write(out.f, r, MLDC_OPS_CSV);
                bad = util_out_close(&out) != 0;
            }
            if (bad) {
                fprintf(stderr, "mldc: error: cannot write '%s': %s\n", c->ops_csv, strerror(errno));
                c->io_error = 1;
            }
        }
        mldc_result_write(stdout, r, c->report_json ? (c->ops ? MLDC_JSON_OPS : MLDC_JSON) : MLDC_TEXT);
        if (c->ops && !c->report_json) mldc_result_write(stdout, r, MLDC_OPS_TEXT);
    }
    mldc_result_free(r);
    mldc_design_free(d);
}

static void on_diag(void *ud, const mld_diag *d) {
    cli *c = ud;
    progress_end(&c->progress); /* a message never lands on the progress line */
    if (c->json) diag_render_json(stderr, d);
    else diag_render_text_color(stderr, d, c->color);
}

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "mldc: %s%s%s%s\nTry 'mldc --help'.\n", msg, arg[0] ? " '" : "", arg, arg[0] ? "'" : "");
    return 2;
}

/* --color=WHEN against the environment: NO_COLOR (any value) turns 'auto'
 * off, CLICOLOR_FORCE (not "0") turns it on; 'auto' colours a terminal. */
static int want_color(const char *when) {
    if (strcmp(when, "always") == 0) return 1;
    if (strcmp(when, "never") == 0) return 0;
    const char *no = getenv("NO_COLOR");
    if (no && *no) return 0;
    const char *force = getenv("CLICOLOR_FORCE");
    if (force && *force && strcmp(force, "0") != 0) return 1;
    const char *term = getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

/* The stdlib installed next to the running program: `make install` puts
 * the binary in PREFIX/bin and the stdlib in PREFIX/share/mldc/stdlib, so
 * the pair can be moved together.  Written into `buf`; NULL when the
 * program's path is unknown or no stdlib lies there (then the library's
 * default applies: the source tree it was built from). */
static const char *installed_stdlib(char *buf, size_t size) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = 0; /* PREFIX/bin */
    int len = snprintf(buf, size, "%s/../share/mldc/stdlib", exe);
    if (len < 0 || (size_t)len >= size) return NULL;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/std", buf);
    struct stat st;
    return stat(probe, &st) == 0 && S_ISDIR(st.st_mode) ? buf : NULL;
}

/* Read standard input once for the commands that load a design named "-"
 * (explore loads it again for every point). Returns 0 or an exit status. */
static int read_stdin_once(mldc_options *o, char **keep) {
    size_t len = 0;
    char *text = util_read_all(stdin, MLDC_MAX_FILE, &len);
    if (!text) {
        fprintf(stderr, "mldc: error: cannot read '<stdin>': %s\n",
                errno == EFBIG ? "larger than the 32 MiB limit" : strerror(errno));
        return 2;
    }
    o->stdin_text = text;
    o->stdin_len = len;
    *keep = text;
    return 0;
}

/* Option values are read strictly: the whole text must be the number, in
 * plain decimal (no sign, no blanks, no hex, no trailing text such as "5k"
 * or "1h").  cli_digits: 1 with *out set when text is such a whole number
 * within [min, max]; cli_uint also says what is wrong (GNU style, naming
 * the option and the text) and returns 2 for the usage error. */
static int cli_digits(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    const char *t = text;
    while (*t >= '0' && *t <= '9') t++;
    if (t == text || *t) return 0;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno == ERANGE || v < min || v > max) return 0;
    *out = v;
    return 1;
}

static int cli_uint(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    if (cli_digits(text, min, max, out)) return 0;
    fprintf(stderr, "mldc: invalid value '%s' for %s: expected a whole number from %llu to %llu\n"
                    "Try 'mldc --help'.\n",
            text, opt, (unsigned long long)min, (unsigned long long)max);
    return 2;
}

/* A decimal number with an optional fraction and exponent ("1.5", "2e3"):
 * the length of that prefix of text, 0 when there is none. */
static size_t cli_decimal(const char *text) {
    const char *t = text;
    int digits = 0;
    for (t = text; *t >= '0' && *t <= '9'; t++) digits++;
    if (*t == '.')
        for (t++; *t >= '0' && *t <= '9'; t++) digits++;
    if (!digits) return 0;
    if (*t == 'e' || *t == 'E') {
        const char *e = t + 1;
        if (*e == '+' || *e == '-') e++;
        if (*e >= '0' && *e <= '9') {
            while (*e >= '0' && *e <= '9') e++;
            t = e;
        }
    }
    return (size_t)(t - text);
}

/* --time-limit: a decimal number of seconds, finite and greater than 0. */
static int cli_seconds(const char *opt, const char *text, double *out) {
    size_t n = cli_decimal(text);
    double v = n && !text[n] ? strtod(text, NULL) : 0;
    if (!n || text[n] || !isfinite(v) || v <= 0) {
        fprintf(stderr, "mldc: invalid value '%s' for %s: expected a number of seconds greater than 0\n"
                        "Try 'mldc --help'.\n",
                text, opt);
        return 2;
    }
    *out = v;
    return 0;
}

/* A memory size: a decimal number and an optional unit, B, K/KiB, M/MiB,
 * G/GiB, T/TiB (powers of 1024) or kB/KB, MB, GB, TB (powers of 1000), as
 * "4G", "512MiB", "1.5 GB".  1 with *out set, 0 when text is no size or
 * one under 1 MiB. */
static int cli_size_value(const char *text, uint64_t *out) {
    static const struct {
        const char *unit;
        double mult;
    } units[] = {{"", 1},          {"B", 1},          {"K", 0x1p10},   {"KiB", 0x1p10}, {"kB", 1e3}, {"KB", 1e3},
                 {"M", 0x1p20},    {"MiB", 0x1p20},   {"MB", 1e6},     {"G", 0x1p30},   {"GiB", 0x1p30},
                 {"GB", 1e9},      {"T", 0x1p40},     {"TiB", 0x1p40}, {"TB", 1e12}};
    size_t n = cli_decimal(text);
    if (!n) return 0;
    const char *u = text + n;
    while (*u == ' ') u++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(u, units[i].unit) == 0) {
            double v = strtod(text, NULL) * units[i].mult;
            if (!isfinite(v) || v < 0x1p20 || v >= 0x1p63) return 0;
            *out = (uint64_t)v;
            return 1;
        }
    return 0;
}

/* The memory guard's limit: --max-memory, else $MLDC_MAX_MEMORY, else half
 * of physical memory; never more than 3/4 of an address-space limit
 * (ulimit -v) already in force, so the guard speaks before the system
 * refuses.  0, or 2 after a usage error. */
static int cli_memory_limit(const char *opt_value, uint64_t *out) {
    uint64_t v = 0;
    const char *env = getenv("MLDC_MAX_MEMORY");
    if (opt_value) {
        if (!cli_size_value(opt_value, &v)) {
            fprintf(stderr, "mldc: invalid value '%s' for --max-memory: expected a size of at least 1 MiB, "
                            "e.g. 4G or 512MiB\nTry 'mldc --help'.\n", opt_value);
            return 2;
        }
    } else if (env && env[0]) {
        if (!cli_size_value(env, &v)) {
            fprintf(stderr, "mldc: invalid MLDC_MAX_MEMORY '%s': expected a size of at least 1 MiB, e.g. 4G\n", env);
            return 2;
        }
    } else {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
        v = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 2 : (uint64_t)4 << 30;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && v > rl.rlim_cur / 4 * 3)
        v = rl.rlim_cur / 4 * 3;
    *out = v;
    return 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define CLI_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CLI_SANITIZED 1
#endif

/* The guard counts the front end's arenas exactly; the plan builder's and
 * simulator's arrays are plain malloc.  An address-space limit of twice the
 * guard's (plus room for code and libraries) makes a runaway allocation
 * there fail, and so report through mem_fail, instead of paging the
 * machine to a halt or waking the kernel's OOM killer.  Not under
 * sanitizers (their shadow memory is address space) nor MPI. */
static void cli_backstop(uint64_t limit) {
#if !defined(CLI_SANITIZED) && !defined(MLDC_MPI)
    struct rlimit rl;
    uint64_t want = limit * 2 + ((uint64_t)256 << 20);
    if (limit && getrlimit(RLIMIT_AS, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > want)) {
        rl.rlim_cur = (rlim_t)want;
        setrlimit(RLIMIT_AS, &rl);
    }
#else
    (void)limit;
#endif
}

/* The memory guard's report: the phase, the size and what drives it. */
static void cli_out_of_memory(void *ud, size_t want) {
    cli *c = ud;
    char msg[1024];
    mem_describe(want, msg, sizeof msg);
    fflush(stdout);
    if (c->json) {
        fputs("{\"severity\":\"error\",\"message\":\"", stderr);
        for (const char *p = msg; *p; p++) {
            if (*p == '"' || *p == '\\') fputc('\\', stderr);
            fputc(*p, stderr);
        }
        fputs("\"}\n", stderr);
    } else {
        fprintf(stderr, "mldc: error: %s\n", msg);
    }
    fflush(stderr);
    _exit(1);
}

static int cli_main(int argc, char **argv);

int main(int argc, char **argv) {
#ifdef MLDC_MPI
    MPI_Init(&argc, &argv);
    int rc = cli_main(argc, argv);
    MPI_Finalize();
    return rc;
#else
    return cli_main(argc, argv);
#endif
}

static int cli_main(int argc, char **argv) {
    cli c = {0};
    mldc_options opts = {0};
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) mem_fail(0);
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) mem_fail(0);
    int nargs = 0, max_errors = 0;
    int fmt_check = 0; /* fmt --check */
    const char *max_memory = NULL; /* --max-memory SIZE */
    int help = 0;      /* -h, --help: after the command is known */
    const char *color = "auto";
    /* the options given, by their index in cli_opts: checked against the
     * command once it is known */
    const char *given[NOPTS] = {0};

    /* pass 1: options */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const cli_opt *known = a[0] == '-' ? find_opt(a) : NULL;
        if (known && !given[known - cli_opts]) given[known - cli_opts] = known->name;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help = 1;
        } else if (strcmp(a, "--color") == 0 || strncmp(a, "--color=", 8) == 0) {
            color = a[7] == '=' ? a + 8 : "always";
            if (strcmp(color, "auto") != 0 && strcmp(color, "always") != 0 && strcmp(color, "never") != 0) {
                free(sets);
                free(args);
                return usage_error("--color is auto, always or never, not", color);
            }
        } else if (strcmp(a, "--version") == 0) {
            printf("mldc %s\n", MLDC_VERSION);
            free(sets);
            free(args);
            return 0;
        } else if (strcmp(a, "--set") == 0 || strncmp(a, "--set=", 6) == 0) {
            const char *v = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !strchr(v, '=')) {
                free(sets);
                free(args);
                return usage_error("--set needs NAME=VALUE", "");
            }
            sets[opts.nsets++] = v;
        } else if (strcmp(a, "--diagnostics=json") == 0) {
            c.json = 1;
        } else if (strcmp(a, "--diagnostics=text") == 0) {
            c.json = 0;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            c.out = argv[++i];
        } else if (strcmp(a, "-j") == 0 && i + 1 < argc) {
            uint64_t v;
            if (cli_uint("-j", argv[++i], 1, 4096, &v)) {
                free(sets);
                free(args);
                return 2;
            }
            c.ex.jobs = (int)v;
        } else if (strcmp(a, "--strategy") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "grid") == 0) c.ex.strategy = EX_GRID;
            else if (strcmp(v, "random") == 0) c.ex.strategy = EX_RANDOM;
            else if (strcmp(v, "guided") == 0) c.ex.strategy = EX_GUIDED;
            else {
                free(sets);
                free(args);
                return usage_error("--strategy is grid, random or guided, not", v);
            }
        } else if (strcmp(a, "--max-points") == 0 && i + 1 < argc) {
            if (cli_uint("--max-points", argv[++i], 1, UINT64_MAX, &c.ex.max_points)) {
                free(sets);
                free(args);
                return 2;
            }
        } else if (strcmp(a, "--time-limit") == 0 && i + 1 < argc) {
            if (cli_seconds("--time-limit", argv[++i], &c.ex.time_limit)) {
                free(sets);
                free(args);
                return 2;
            }
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            if (cli_uint("--seed", argv[++i], 0, UINT64_MAX, &c.ex.seed)) {
                free(sets);
                free(args);
                return 2;
            }
        } else if (strcmp(a, "--force") == 0) {
            c.ex.force = 1;
        } else if (strcmp(a, "--resume") == 0) {
            c.ex.resume = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            c.ex.quiet = 1;
        } else if (strcmp(a, "--check") == 0) {
            fmt_check = 1;
        } else if (strcmp(a, "--svg") == 0 && i + 1 < argc) {
            c.ex.svg = argv[++i];
        } else if (strcmp(a, "--report") == 0 && i + 1 < argc) {
            c.ex.report = argv[++i];
        } else if (strcmp(a, "--shard") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            char num[32];
            const char *slash = strchr(v, '/');
            uint64_t si = 0, sn = 0;
            int bad = !slash || (size_t)(slash - v) >= sizeof num;
            if (!bad) {
                snprintf(num, sizeof num, "%.*s", (int)(slash - v), v);
                bad = !cli_digits(num, 0, 1u << 20, &si) || !cli_digits(slash + 1, 1, 1u << 20, &sn);
            }
            if (bad || si >= sn) {
                free(sets);
                free(args);
                return usage_error("--shard needs I/N with 0 <= I < N, not", v);
            }
            c.ex.shard_i = (int)si;
            c.ex.shard_n = (int)sn;
        } else if (strcmp(a, "--json") == 0) {
            c.report_json = 1;
        } else if (strcmp(a, "--ops") == 0) {
            c.ops = 1;
        } else if (strcmp(a, "--ops-csv") == 0 && i + 1 < argc) {
            c.ops_csv = argv[++i];
        } else if (strcmp(a, "--verify") == 0) {
            c.verify = 1;
        } else if (strcmp(a, "--ops") == 0) {
            c.ops = 1;
        } else if (strcmp(a, "--ops-csv") == 0 && i + 1 < argc) {
            c.ops_csv = argv[++i];
        } else if (strcmp(a, "--trace") == 0 && i + 1 < argc) {
            c.trace = argv[++i];
        } else if (strcmp(a, "--mapping") == 0 && i + 1 < argc) {
            c.mapping = argv[++i];
        } else if (strcmp(a, "--stdlib") == 0 && i + 1 < argc) {
            opts.stdlib_dir = argv[++i];
        } else if (strcmp(a, "--max-memory") == 0 && i + 1 < argc) {
            max_memory = argv[++i];
        } else if (strcmp(a, "--max-errors") == 0 && i + 1 < argc) {
            uint64_t v;
            if (cli_uint("--max-errors", argv[++i], 1, 1000000, &v)) {
                free(sets);
                free(args);
                return 2;
            }
            max_errors = (int)v;
        } else if (a[0] == '-' && a[1]) {
            int rc = usage_error("unknown option", a);
            free(sets);
            free(args);
            return rc;
        } else {
            args[nargs++] = a;
        }
    }
    opts.sets = sets;
    uint64_t limit;
    if (cli_memory_limit(max_memory, &limit)) {
        free(sets);
        free(args);
        return 2;
    }
    mem_set_limit((size_t)limit);
    mem_on_fail(cli_out_of_memory, &c);
    cli_backstop(limit);
    c.ex.max_memory = (size_t)limit;
    c.color = want_color(color);
    char stdlib_buf[4096];
    const char *env_stdlib = getenv("MLDC_STDLIB");
    if (!opts.stdlib_dir && !(env_stdlib && *env_stdlib))
        opts.stdlib_dir = installed_stdlib(stdlib_buf, sizeof stdlib_buf);
    const cli_cmd *command = nargs ? find_cmd(args[0]) : NULL;
    if (nargs == 0 || (help && !command) || (command && strcmp(command->name, "help") == 0 && nargs == 1)) {
        help_global(nargs || help ? stdout : stderr);
        free(sets);
        free(args);
        return nargs || help ? 0 : 2;
    }
    if (!command) {
        int rc = usage_error("unknown command", args[0]);
        free(sets);
        free(args);
        return rc;
    }
    if (strcmp(command->name, "help") == 0) { /* mldc help CMD */
        const cli_cmd *about = find_cmd(args[1]);
        int rc = about ? 0 : usage_error("help: unknown command", args[1]);
        if (about) help_command(stdout, about);
        free(sets);
        free(args);
        return rc;
    }
    if (help) {
        help_command(stdout, command);
        free(sets);
        free(args);
        return 0;
    }
    for (int k = 0; k < NOPTS; k++)
        if (given[k] && !(command->opts & cli_opts[k].bit)) {
            fprintf(stderr, "mldc: option '%s' does not apply to '%s'\nTry 'mldc help %s'.\n", given[k], command->name,
                    command->name);
            free(sets);
            free(args);
            return 2;
        }
    /* a design on standard input: read once, loaded as often as needed */
    char *stdin_text = NULL;
    for (int k = 1; k < nargs && strcmp(command->name, "fmt") != 0 && !stdin_text; k++)
        if (strcmp(args[k], "-") == 0 && read_stdin_once(&opts, &stdin_text) != 0) {
            free(sets);
            free(args);
            return 2;
        }

    /* pass 2: the command */
    const char *cmd = args[0];
    int rc = 0;
    diag_ctx dc;
    diag_ctx_init(&dc, on_diag, &c);
    dc.max_errors = max_errors;
    if (strcmp(cmd, "check") == 0) {
        if (nargs < 2) rc = usage_error("check needs at least one FILE", "");
        for (int i = 1; i < nargs && rc != 2; i++) {
            ir_design *d = mldc_load_file(args[i], &opts, &dc);
            if (d->failed_io) c.io_error = 1;
            ir_design_free(d);
        }
    } else if (strcmp(cmd, "explore") == 0) {
        if (nargs != 2) {
            rc = usage_error("explore needs exactly one FILE", "");
        } else {
            c.ex.path = args[1];
            c.ex.base = &opts;
            c.ex.csv = c.out ? c.out : "explore.csv";
            char json[4096];
            if (c.report_json) { /* --json: results.csv -> results.json */
                size_t n = strlen(c.ex.csv);
                int csv = n > 4 && strcmp(c.ex.csv + n - 4, ".csv") == 0;
                snprintf(json, sizeof json, "%.*s.json", (int)(csv ? n - 4 : n), c.ex.csv);
                c.ex.json = json;
            }
            if (!c.ex.jobs) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                c.ex.jobs = n > 0 ? (int)n : 1;
            }
            c.ex.summary = stdout;
            ex_summary sum;
#ifdef MLDC_MPI
            /* Under mpirun each rank takes one shard into a file of its
             * own; rank 0 then merges them into the one result file. */
            int rank = 0, size = 1;
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);
            MPI_Comm_size(MPI_COMM_WORLD, &size);
            char part[4096];
            if (size > 1) {
                snprintf(part, sizeof part, "%s.rank%d", c.ex.csv, rank);
                c.ex.shard_i = rank;
                c.ex.shard_n = size;
                c.ex.csv = part;
                c.ex.svg = c.ex.report = c.ex.json = NULL;
                if (rank) c.ex.summary = NULL, c.ex.quiet = 1;
            }
            int r = explore_run(&c.ex, &dc, &sum);
            if (size > 1) {
                int mine = r, worst = 0;
                MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
                if (rank == 0 && worst == 0) {
                    const char *out = c.out ? c.out : "explore.csv";
                    char **parts = calloc((size_t)size, sizeof *parts);
                    if (!parts) mem_fail(0);
                    for (int k = 0; k < size; k++) {
                        parts[k] = malloc(strlen(out) + 32);
                        if (!parts[k]) mem_fail(0);
                        sprintf(parts[k], "%s.rank%d", out, k);
                    }
                    r = explore_merge(args[1], &opts, out, (const char *const *)parts, size, &dc);
                    if (r == 0) {
                        for (int k = 0; k < size; k++) {
                            char rec[4200];
                            snprintf(rec, sizeof rec, "%s.inputs", parts[k]);
                            remove(parts[k]);
                            remove(rec);
                        }
                        printf("mpi: %d ranks, results merged into %s\n", size, out);
                    }
                    for (int k = 0; k < size; k++) free(parts[k]);
                    free(parts);
                }
            }
#else
            int r = explore_run(&c.ex, &dc, &sum);
#endif
            if (r == 2) c.io_error = 1;
        }
    } else if (strcmp(cmd, "merge") == 0) {
        if (nargs < 3 || !c.out) {
            rc = usage_error("merge needs FILE, -o OUT.csv and at least one shard file", "");
        } else {
            int r = explore_merge(args[1], &opts, c.out, args + 2, nargs - 2, &dc);
            if (r == 2) c.io_error = 1;
        }
    } else if (strcmp(cmd, "run") == 0) {
        if (nargs != 2) rc = usage_error("run needs exactly one FILE", "");
        else run_design(args[1], &opts, &c, max_errors);
    } else if (strcmp(cmd, "dump") == 0) {
        if (nargs != 3) {
            rc = usage_error("dump needs a stage (tokens, ast, ir, plan) and one FILE", "");
        } else if (strcmp(args[1], "plan") == 0) {
            dump_plan(args[2], &opts, &c, &dc);
        } else if (strcmp(args[1], "ir") == 0) {
            ir_design *d = mldc_load_file(args[2], &opts, &dc);
            if (d->failed_io) c.io_error = 1;
            else if (!dc.nerrors) ir_dump(stdout, d);
            ir_design_free(d);
        } else if (strcmp(args[1], "tokens") == 0 || strcmp(args[1], "ast") == 0) {
            /* read through the library so limits and messages are the same */
            int is_stdin = strcmp(args[2], "-") == 0;
            FILE *f = is_stdin ? stdin : util_open_input(args[2]);
            if (!f) {
                fprintf(stderr, "mldc: error: cannot open '%s': %s\n", args[2], strerror(errno));
                c.io_error = 1;
            } else {
                arena a;
                arena_init(&a);
                size_t len = 0;
                char *buf = is_stdin ? NULL : util_read_all(f, MLDC_MAX_FILE, &len);
                if (is_stdin && (buf = malloc(opts.stdin_len + 1)) != NULL) {
                    memcpy(buf, opts.stdin_text, opts.stdin_len);
                    buf[len = opts.stdin_len] = 0;
                }
                if (!is_stdin) fclose(f);
                if (!buf) {
                    fprintf(stderr, "mldc: error: cannot read '%s': %s\n", args[2],
                            errno == EFBIG ? "larger than the 32 MiB limit" : strerror(errno));
                    c.io_error = 1;
                } else {
                    mld_source src = {is_stdin ? "<stdin>" : args[2], buf, len};
                    if (args[1][0] == 't') {
                        parse_dump_tokens(stdout, &src, &dc);
                    } else {
                        ast *root = parse_file(&src, &a, &dc);
                        ast_dump(stdout, root);
                    }
                }
                free(buf);
                arena_free(&a);
            }
        } else {
            rc = usage_error("unknown dump stage (expected tokens, ast, ir or plan):", args[1]);
        }
    } else if (strcmp(cmd, "lsp") == 0) {
        if (nargs != 1) rc = usage_error("lsp takes no FILE", "");
        else rc = cli_lsp(opts.sets, opts.nsets, opts.stdlib_dir);
    } else if (strcmp(cmd, "fmt") == 0) {
        if (nargs < 2) {
            rc = usage_error("fmt needs at least one FILE ('-' for stdin)", "");
        } else {
            fmt_options fo = {fmt_check, stdout};
            int r = fmt_files(args + 1, nargs - 1, &fo, &dc);
            if (r == 2) c.io_error = 1;
            else if (r == 1) rc = 1;
        }
    } else {
        rc = usage_error("unknown command", cmd);
    }
    /* everything printed must have reached stdout (a full disk, a closed
     * pipe): checked once, at the end, where it is flushed */
    int out_error = ferror(stdout);
    if (fflush(stdout) != 0) out_error = 1;
    if (out_error) {
        fprintf(stderr, "mldc: error: cannot write to standard output: %s\n", strerror(errno ? errno : EIO));
        c.io_error = 1;
        if (rc == 1) rc = 2;
    }
    if (rc == 0 && c.io_error) rc = 2;
    if (rc == 0 && (dc.nerrors || c.api_errors)) rc = 1;
    diag_ctx_free(&dc);
    free(stdin_text);
    free(sets);
    free(args);
    return rc;
}
