/* lower.c - from syntax trees to the typed IR: the driver.
 *
 * Lowering is a compile-time interpreter.  This file reads the root file and
 * its imports (depth first, each file once, cycles reported with the chain),
 * registers every template and mapping by name, then evaluates the design in
 * source order: parameters and lets, systems (which instantiate level
 * templates, lower_hw.c), workload instances (lower_wl.c), mappings and the
 * explore block (lower_map.c); expressions are evaluated by lower_eval.c.
 * Limits (instances, template depth, evaluation steps) turn absurd inputs
 * into errors instead of hangs or memory exhaustion.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checker.h"
#include "hf.h"
#include "lower_int.h"
#include "parse.h"
#include "parser.h"

/* ------------------------------------------------------------------ */
/* Files and imports                                                   */
/* ------------------------------------------------------------------ */

const char *mldc_stdlib_dir(const mldc_options *o) {
    if (o && o->stdlib_dir) return o->stdlib_dir;
    const char *env = getenv("MLDC_STDLIB");
    if (env && *env) return env;
#ifdef MLDC_STDLIB_DIR
    return MLDC_STDLIB_DIR;
#else
    return "stdlib";
#endif
}

/* Read a whole file with a size limit.  Returns NULL and sets *why. */
static mld_source *read_source(lower *L, const char *path, const char **why) {
    size_t olen = 0;
    const char *over = L->opts && L->opts->overlay ? L->opts->overlay(L->opts->overlay_ud, path, &olen) : NULL;
    if (over) { /* an editor's buffer stands for the file */
        mld_source *src = arena_alloc(&L->tmp, sizeof *src);
        src->path = arena_strdup(&L->tmp, path);
        src->text = arena_strndup(&L->tmp, over, olen);
        src->len = olen;
        return src;
    }
    FILE *f = util_open_input(path);
    if (!f) {
        *why = errno == ETIMEDOUT ? arena_printf(&L->tmp, "cannot read '%s': it is a FIFO and nothing was written to it within %d s", path, UTIL_FIFO_WAIT)
                                  : arena_printf(&L->tmp, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        *why = arena_printf(&L->tmp, "'%s' is a directory", path);
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && st.st_size > MLDC_MAX_FILE) {
        fclose(f);
        *why = arena_printf(&L->tmp, "'%s' is %.1f MiB; the limit is %d MiB", path,
                            (double)st.st_size / 1048576.0, MLDC_MAX_FILE >> 20);
        return NULL;
    }
    size_t len = 0;
    char *text = util_read_all(f, MLDC_MAX_FILE, &len);
    fclose(f);
    if (!text) {
        *why = errno == EFBIG ? arena_printf(&L->tmp, "'%s' is larger than the limit of %d MiB", path, MLDC_MAX_FILE >> 20)
                              : arena_printf(&L->tmp, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (memchr(text, 0, len)) {
        free(text);
        *why = arena_printf(&L->tmp, "'%s' is not a text file (it contains NUL bytes)", path);
        return NULL;
    }
    mld_source *src = arena_alloc(&L->tmp, sizeof *src);
    src->path = arena_strdup(&L->tmp, path);
    char *copy = arena_strndup(&L->tmp, text, len);
    free(text);
    src->text = copy;
    src->len = len;
    return src;
}

static void load_file(lower *L, mld_source *src);

const char *mldc_resolve_import(arena *a, const mldc_options *o, const char *from, const char *name) {
    const char *file = name;
    size_t n = strlen(name);
    if (n < 4 || strcmp(name + n - 4, ".mld") != 0) file = arena_printf(a, "%s.mld", name);
    if (strncmp(name, "std/", 4) == 0) return arena_printf(a, "%s/%s", mldc_stdlib_dir(o), file);
    if (file[0] == '/') return file;
    const char *slash = strrchr(from, '/');
    if (!slash) return file;
    return arena_printf(a, "%.*s%s", (int)(slash - from + 1), from, file);
}

static const char *resolve_import(lower *L, const mld_source *from, const char *name) {
    return mldc_resolve_import(&L->tmp, L->opts, from->path, name);
}

static void do_import(lower *L, const mld_source *from, const ast *imp) {
    if (!imp->name[0]) return; /* an unterminated or empty string: the scanner said so */
    const char *path = resolve_import(L, from, imp->name);
    for (int i = 0; i < L->stack.n; i++) {
        mld_source *s = L->stack.v[i];
        if (strcmp(s->path, path) == 0) {
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, imp->loc, "import cycle: '%s' imports itself", path);
            for (int j = i; j < L->stack.n; j++) {
                mld_source *t = L->stack.v[j];
                mld_loc at = {0, 0, 0, 0, t};
                diag_note(L->dc, dg, at, "'%s' is on the import chain", t->path);
            }
            diag_emit(L->dc, dg);
            return;
        }
    }
    for (int i = 0; i < L->files.n; i++)
        if (strcmp(((mld_source *)L->files.v[i])->path, path) == 0) return; /* once */
    if (L->files.n >= MLDC_MAX_IMPORTS) {
        ERR(L, imp->loc, "more than %d files imported", MLDC_MAX_IMPORTS);
        return;
    }
    const char *why = NULL;
    mld_source *src = read_source(L, path, &why);
    if (!src) {
        ERR(L, imp->loc, "cannot import '%s': %s", imp->name, why);
        return;
    }
    load_file(L, src);
}

static void load_file(lower *L, mld_source *src) {
    ptrvec_push(&L->tmp, &L->files, src);
    ptrvec_push(&L->tmp, &L->stack, src);
    ast *root = parse_file(src, &L->tmp, L->dc);
    for (int i = 0; i < root->list.n; i++) {
        ast *it = root->list.v[i];
        if (it->kind == AST_IMPORT) do_import(L, src, it);
        else ptrvec_push(&L->tmp, &L->items, it);
    }
    L->stack.n--;
}

/* ------------------------------------------------------------------ */
/* The top level                                                       */
/* ------------------------------------------------------------------ */

/* Parse --set values and apply them to params (by name) before evaluation.
 * When a name is set more than once the last setting wins (an explore
 * point's value after the command line's). */
static int set_value(lower *L, const char *name, value *out) {
    for (int i = L->opts->nsets - 1; i >= 0; i--) {
        const char *s = L->opts->sets[i];
        const char *eq = strchr(s, '=');
        if (!eq || (size_t)(eq - s) != strlen(name) || strncmp(s, name, (size_t)(eq - s)) != 0) continue;
        mld_source *src = arena_alloc(&L->tmp, sizeof *src);
        src->path = arena_printf(&L->tmp, "--set %s", name);
        src->text = arena_strdup(&L->tmp, eq + 1);
        src->len = strlen(eq + 1);
        ast *e = parse_expr(src, &L->tmp, L->dc);
        if (!e) return -1;
        *out = lower_eval(L, L->globals, e);
        return out->k == V_ERR ? -1 : 1;
    }
    return 0;
}

static void top_param(lower *L, const ast *st) {
    value v = lower_eval(L, L->globals, st->a);
    value sv;
    int r = set_value(L, st->name, &sv);
    ir_design *d = L->d;
    int overridden = 0;
    if (r > 0 && v.k == V_NUM) {
        if (sv.k != V_NUM || !units_eq(sv.dim, v.dim)) {
            mld_loc none = {0};
            mld_diag *dg = diag_new(L->dc, DIAG_ERROR, none, "--set %s: the parameter is %s, but the value is %s",
                                    st->name, lower_dim_text(L, v.dim), sv.k == V_NUM ? lower_dim_text(L, sv.dim) : lower_vkind_name(sv.k));
            diag_note(L->dc, dg, st->b->loc, "'%s' is declared here", st->name);
            diag_emit(L->dc, dg);
        } else {
            v = sv;
            overridden = 1;
        }
    }
    if (v.k != V_NUM && v.k != V_ERR) {
        ERR(L, st->a->loc, "a parameter must be a number or a quantity, found %s", lower_vkind_name(v.k));
        v = verr();
    }
    lower_define(L, L->globals, st->name, v, st->b->loc, "parameter");
    if (v.k != V_NUM) return;
    GROW(L, d->params, d->nparams, L->cap_params);
    ir_param *p = &d->params[d->nparams++];
    p->name = arena_strdup(L->mem, st->name);
    p->loc = st->b->loc;
    p->value = v.num;
    p->dim = v.dim;
    p->is_int = v.is_int;
    p->overridden = overridden;
}

static void top_system(lower *L, const ast *st) {
    value t = lower_eval(L, L->globals, st->a);
    if (t.k == V_ERR) return;
    if (t.k != V_LEVELT) {
        ERR(L, st->a->loc, "a system is a level, found %s", lower_vkind_name(t.k));
        return;
    }
    ir_level *root = lower_instantiate_level(L, t, st->a->loc);
    if (!root) return;
    ir_design *d = L->d;
    /* systems are referenced by pointer from hardware values: allocate each */
    ir_system *sys = arena_alloc(L->mem, sizeof *sys);
    sys->name = arena_strdup(L->mem, st->name);
    sys->loc = st->b->loc;
    sys->root = root;
    ir_system **ns = arena_alloc(L->mem, sizeof(ir_system *) * (size_t)(d->nsystems + 1));
    if (d->nsystems) memcpy(ns, d->systems, sizeof(ir_system *) * (size_t)d->nsystems);
    ns[d->nsystems++] = sys;
    d->systems = ns;
    hwsel *h = arena_alloc(&L->tmp, sizeof *h);
    h->sys = sys;
    h->start = h->end = root;
    h->elem = -1;
    h->net = -1;
    lower_define(L, L->globals, st->name, lower_vhw(h), st->b->loc, "system");
}

static void top_mapping(lower *L, const ast *st) {
    value sv = lower_eval(L, L->globals, st->a);
    value wv = lower_eval(L, L->globals, st->list.v[0]);
    if (sv.k == V_ERR || wv.k == V_ERR) return;
    if (sv.k != V_HW || !sv.hw->sys || sv.hw->nsteps || sv.hw->elem >= 0) {
        ERR(L, st->a->loc, "'on' takes a system, found %s", lower_vkind_name(sv.k));
        return;
    }
    wbuild *wb = NULL;
    if (wv.k == V_WLT) {
        const char *nm = wv.decl->name;
        for (wbuild *x = L->wbs; x; x = x->next)
            if (strcmp(x->w->name, nm) == 0 && !wv.call) wb = x;
        if (!wb) wb = lower_instantiate_workload(L, nm, wv);
        if (!wb) return;
    } else if (wv.k == V_WL && wv.wl->kind == WS_WORKLOAD) {
        wb = wv.wl->wb;
    } else {
        ERR(L, ((const ast *)st->list.v[0])->loc, "'for' takes a workload, found %s", lower_vkind_name(wv.k));
        return;
    }
    ir_mapping *m = arena_alloc(L->mem, sizeof *m);
    m->name = arena_strdup(L->mem, st->name);
    m->loc = st->b->loc;
    m->sys = sv.hw->sys;
    m->wl = wb->w;
    ir_mapping *saved = L->map;
    L->map = m;
    scope *ms = lower_scope_new(L, L->globals);
    /* `for gpt2` with a template: the name means the instance here */
    const ast *wn = st->list.v[0];
    if (wv.k == V_WLT && wn->kind == AST_IDENT) lower_define(L, ms, wn->name, lower_vwl(L, wb, WS_WORKLOAD, "", -1), wn->loc, "workload");
    lower_body(L, ms, st->c, lower_map_stmt);
    L->map = saved;
    GROW(L, L->d->mappings, L->d->nmappings, L->cap_mappings);
    L->d->mappings[L->d->nmappings++] = m;
}

static void register_names(lower *L) {
    for (int i = 0; i < L->items.n; i++) {
        const ast *st = L->items.v[i];
        value v;
        memset(&v, 0, sizeof v);
        v.decl = st;
        switch (st->kind) {
        case AST_LEVEL:
            v.k = V_LEVELT;
            lower_define(L, L->globals, st->name, v, st->b->loc, "level");
            break;
        case AST_WORKLOAD:
            if (st->op != '=') {
                v.k = V_WLT;
                lower_define(L, L->globals, st->name, v, st->b->loc, "workload");
            }
            break;
        case AST_MAPPING:
            v.k = V_MAPNAME;
            v.str = st->name;
            lower_define(L, L->globals, st->name, v, st->b->loc, "mapping");
            break;
        case AST_MAPTMPL:
            v.k = V_MAPT;
            lower_define(L, L->globals, st->name, v, st->b->loc, "mapping template");
            break;
        default:
            break;
        }
    }
}

static void lower_all(lower *L) {
    register_names(L);
    /* params, lets, systems and workload instances, in order */
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        switch (st->kind) {
        case AST_PARAM: top_param(L, st); break;
        case AST_LET: lower_control(L, L->globals, st, NULL); break;
        case AST_SYSTEM: top_system(L, st); break;
        case AST_WORKLOAD:
            if (st->op == '=') {
                value t = lower_eval(L, L->globals, st->a);
                if (t.k == V_ERR) break;
                if (t.k != V_WLT) {
                    ERR(L, st->a->loc, "expected a workload template, found %s", lower_vkind_name(t.k));
                    break;
                }
                wbuild *wb = lower_instantiate_workload(L, st->name, t);
                if (wb) lower_define(L, L->globals, st->name, lower_vwl(L, wb, WS_WORKLOAD, "", -1), st->b->loc, "workload");
            }
            break;
        case AST_LEVEL: case AST_MAPPING: case AST_MAPTMPL: case AST_EXPLORE:
            break;
        case AST_FOR: case AST_IF:
            ERR(L, st->loc, "'%s' belongs inside a level, workload or mapping", st->kind == AST_FOR ? "for" : "if");
            break;
        default:
            lower_misplaced(L, st, "at the top level");
            break;
        }
    }
    /* level templates of the root file that nothing instantiated are still
     * checked, with their defaults */
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        if (st->kind != AST_LEVEL || st->loc.src != L->files.v[0]) continue;
        int used = 0, defaults = 1;
        for (int k = 0; k < L->d->nlevels && !used; k++) used = strcmp(L->d->levels[k]->tmpl, st->name) == 0;
        for (int k = 0; st->a && k < st->a->list.n; k++) defaults &= ((const ast *)st->a->list.v[k])->a != NULL;
        if (used || !defaults) continue;
        value t;
        memset(&t, 0, sizeof t);
        t.k = V_LEVELT;
        t.decl = st;
        lower_instantiate_level(L, t, st->loc);
    }
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        if (st->kind == AST_MAPPING) top_mapping(L, st);
    }
    for (int i = 0; i < L->items.n && !diag_full(L->dc); i++) {
        const ast *st = L->items.v[i];
        if (st->kind != AST_EXPLORE) continue;
        if (L->d->explore) {
            ERR(L, st->loc, "a design has one explore block");
            continue;
        }
        L->ex = arena_alloc(L->mem, sizeof *L->ex);
        L->ex->loc = st->loc;
        L->d->explore = L->ex;
        lower_body(L, lower_scope_new(L, L->globals), st->c, lower_ex_stmt);
    }
    /* --set names that match no parameter */
    for (int i = 0; i < L->opts->nsets; i++) {
        const char *s = L->opts->sets[i];
        const char *eq = strchr(s, '=');
        mld_loc none = {0};
        if (!eq) {
            ERR(L, none, "--set '%s': expected name=value", s);
            continue;
        }
        char *name = arena_strndup(&L->tmp, s, (size_t)(eq - s));
        int found = 0;
        for (int j = 0; j < L->d->nparams; j++) found |= strcmp(L->d->params[j].name, name) == 0;
        binding *b = strmap_get(&L->globals->map, name);
        if (!found && !(b && b->v.k == V_ERR)) {
            suggest sg;
            suggest_init(&sg, name);
            for (int j = 0; j < L->d->nparams; j++) suggest_add(&sg, L->d->params[j].name);
            char buf[120];
            ERR(L, none, "--set: the design has no parameter '%s'%s", name, suggest_text(&sg, buf, sizeof buf));
        }
    }
}

/* "12,345,678" */
static void thousands(long long v, char *buf, size_t n) {
    char d[32];
    int len = snprintf(d, sizeof d, "%lld", v), o = 0;
    for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
        if (i && d[i] != '-' && (len - i) % 3 == 0 && d[i - 1] != '-') buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = 0;
}

/* The memory guard's describer: what the front end is building when an
 * allocation fails or passes the limit. */
static void lower_driver(void *ud, char *buf, size_t n) {
    const lower *L = ud;
    char a[32], b[32];
    if (L->map) {
        thousands(L->map->nactions, a, sizeof a);
        snprintf(buf, n, "mapping '%s' has %s statements so far", L->map->name, a);
    } else if (L->wb) {
        thousands(L->wb->w->nops, a, sizeof a);
        thousands(L->wb->w->ntensors, b, sizeof b);
        snprintf(buf, n, "workload '%s' has %s operators and %s tensors so far", L->wb->w->name, a, b);
    } else if (L->lb) {
        snprintf(buf, n, "building level '%s'", L->lb->lv->name);
    } else {
        snprintf(buf, n, "%s", "");
    }
}

static ir_design *load(mld_source *src, const mldc_options *o, diag_ctx *dc, int own_src) {
    static const mldc_options none;
    lower L;
    memset(&L, 0, sizeof L);
    ir_design *d = calloc(1, sizeof *d);
    if (!d) mem_fail(0);
    arena_init(&d->mem);
    arena_init(&L.tmp);
    L.mem = &d->mem;
    L.dc = dc;
    L.d = d;
    L.opts = o ? o : &none;
    L.globals = lower_scope_new(&L, NULL);
    L.group = -1;
    if (own_src) {
        mld_source *copy = arena_alloc(&L.tmp, sizeof *copy);
        copy->path = arena_strdup(&L.tmp, src->path);
        copy->text = arena_strndup(&L.tmp, src->text, src->len);
        copy->len = src->len;
        src = copy;
    }
    int before = dc->nerrors;
    if (dc->capped) dc->capped = 0; /* a new file starts a new count of its own */
    const char *phase = mem_phase();
    mem_set_phase("front end");
    mem_set_driver(lower_driver, &L);
    load_file(&L, src);
    if (dc->nerrors == before) {
        lower_all(&L);
        mem_set_driver(NULL, NULL);
        if (dc->nerrors == before) check_design(d, dc);
    }
    mem_set_driver(NULL, NULL);
    mem_set_phase(phase);
    /* what the design was built from, for explore --resume */
    d->inputs = arena_alloc(&d->mem, sizeof *d->inputs * (size_t)(L.files.n + L.hf_inputs.n + 1));
    for (int i = 0; i < L.files.n; i++) {
        const mld_source *fs = L.files.v[i];
        d->inputs[d->ninputs++] = (ir_input){arena_strdup(&d->mem, fs->path), util_hash64(fs->text, fs->len, UTIL_HASH_START)};
    }
    for (int i = 0; i < L.hf_inputs.n; i++) {
        const ir_input *in = L.hf_inputs.v[i];
        d->inputs[d->ninputs++] = (ir_input){arena_strdup(&d->mem, in->path), in->hash};
    }
    /* Diagnostics point into sources held by L.tmp: hand the arena to the
     * design so they stay valid while the caller renders them. */
    d->tmp = L.tmp;
    return d;
}

/* The design on standard input: the caller's copy when it read it already
 * (o->stdin_text), else read here.  NULL and *why on failure. */
static mld_source *read_stdin(lower *L, const mldc_options *o, const char **why) {
    mld_source *src = arena_alloc(&L->tmp, sizeof *src);
    src->path = "<stdin>";
    if (o && o->stdin_text) {
        src->text = arena_strndup(&L->tmp, o->stdin_text, o->stdin_len);
        src->len = o->stdin_len;
        return src;
    }
    size_t len = 0;
    char *text = util_read_all(stdin, MLDC_MAX_FILE, &len);
    if (!text) {
        *why = errno == EFBIG ? arena_printf(&L->tmp, "'<stdin>' is larger than the limit of %d MiB", MLDC_MAX_FILE >> 20)
                              : arena_printf(&L->tmp, "cannot read '<stdin>': %s", strerror(errno));
        return NULL;
    }
    src->text = arena_strndup(&L->tmp, text, len);
    src->len = len;
    free(text);
    if (memchr(src->text, 0, len)) {
        *why = "'<stdin>' is not a text file (it contains NUL bytes)";
        return NULL;
    }
    return src;
}

ir_design *mldc_load_file(const char *path, const mldc_options *o, diag_ctx *dc) {
    lower L0;
    memset(&L0, 0, sizeof L0);
    arena_init(&L0.tmp);
    L0.dc = dc;
    const char *why = NULL;
    mld_source *src = strcmp(path, "-") == 0 ? read_stdin(&L0, o, &why) : read_source(&L0, path, &why);
    if (!src) {
        mld_loc none = {0};
        diag_error(dc, none, "%s", why);
        ir_design *d = calloc(1, sizeof *d);
        if (!d) mem_fail(0);
        arena_init(&d->mem);
        d->tmp = L0.tmp;
        d->failed_io = 1;
        return d;
    }
    ir_design *d = load(src, o, dc, 1);
    arena_free(&L0.tmp);
    return d;
}

ir_design *mldc_load_buffer(const char *name, const char *text, size_t len, const mldc_options *o, diag_ctx *dc) {
    mld_source src = {name, text, len};
    return load(&src, o, dc, 1);
}
