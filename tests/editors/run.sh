#!/bin/sh
# tests/editors/run.sh - checks of the editor support in editors/.
#
#   sh tests/editors/run.sh [REPO-ROOT]
#
# 1. Coverage: every reserved word (src/lex.c parse_keywords[]), every builtin
#    name (src/lower_eval.c topo_names, dtype_names, metric_names, src/ir.c ir_opkind_names,
#    func_names) and every unit base (src/units.c bases[]) appears in the Vim
#    syntax, the Emacs mode and the TextMate grammar.  Then a generated sample
#    (one line per word, and every valid prefix+base unit spelling as well as
#    every invalid one, from the units.c tables) is highlighted by each editor
#    and each span is checked for the right class (Vim syntax groups, Emacs
#    faces, TextMate scopes) - so the grammars cannot drift from the compiler.
# 2. Indentation: Vim (gg=G) and Emacs (indent-region) follow `mldc fmt`:
#    each formatted file (examples, stdlib, tests/fmt/cases/*.expected,
#    tests/editors/indent.mld) re-indents to itself, also from a copy with
#    all indentation stripped; with an mldc that has fmt, fmt itself
#    re-indents the stripped indent.mld the same way.
# 3. Vim (vim -es): the examples load as filetype mld (syntax, ftplugin,
#    indent) with no errors; highlighting; the errorformat turns mldc output
#    into quickfix entries with the right file, line, column and type
#    (:cgetfile on a canned sample, :make with the real mldc).
# 4. Emacs (emacs --batch): the mode byte-compiles without warnings; the
#    examples open in mld-mode and font-lock without errors; faces; the
#    `mldc' compilation regexp parses mldc output; where eglot is installed,
#    eglot runs `mldc lsp' (tests/editors/eglot.el): a diagnostic arrives
#    and the buffer is formatted through the server.
# 5. VS Code: the JSON files parse and agree; the $mldc problem matcher
#    parses mldc output; the extension (extension.js) starts `mldc lsp` with
#    the command its settings give (tests/editors/vscode_lsp.js); the grammar tokenizes the sample and the examples
#    with the right scopes - with vscode-textmate + vscode-oniguruma when
#    node can get them (npm install into tests/editors/node, once;
#    MLD_EDITORS_NPM=0 never tries), else with the tokenizer in tmcheck.py.
#
# A check whose tool (vim, emacs, python3, node) is missing is skipped with
# the reason.  MLDC=path picks the mldc used for real diagnostics (default
# build/mldc, then mldc on PATH; skipped when there is none).
# Ends with "editors: N passed, N failed"; exits 1 on any failure.

START=$(pwd)
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT" || { echo "editors: cannot cd to $ROOT"; exit 2; }
ROOT=$(pwd)
T=tests/editors
VIMRT=$ROOT/editors/vim
EL=$ROOT/editors/emacs/mld-mode.el
TM=$ROOT/editors/vscode/syntaxes/mld.tmLanguage.json
PKG=$ROOT/editors/vscode/package.json
LCONF=$ROOT/editors/vscode/language-configuration.json
VIMSYN=$VIMRT/syntax/mld.vim

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mld-editors.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT INT TERM

npass=0 nfail=0 nskip=0
pass() { npass=$((npass + 1)); echo "ok   $1"; }
fail() {
    nfail=$((nfail + 1)); echo "FAIL $1"
    if [ -n "${2:-}" ] && [ -s "$2" ]; then sed -n '1,25s/^/     /p' "$2"; fi
}
skip() { nskip=$((nskip + 1)); echo "skip $1 ($2)"; }
have() { command -v "$1" >/dev/null 2>&1; }
# Run with a time limit where timeout(1) exists.
limit() { if have timeout; then timeout "$@"; else shift; "$@"; fi; }

# ---------------------------------------------------------------------------
# Word lists from the compiler sources
# ---------------------------------------------------------------------------

# The "..." strings of the C table whose line matches START (an ERE), up to
# the line that closes it with "};".
strings_of() {
    START=$2 awk '
        !on && $0 ~ ENVIRON["START"] { on = 1 }
        on {
            s = $0
            while (match(s, /"[^"]*"/)) {
                print substr(s, RSTART + 1, RLENGTH - 2)
                s = substr(s, RSTART + RLENGTH)
            }
            if ($0 ~ /};/) exit
        }' "$1"
}

# NAME FAMILY... for each row of a units.c table (bases[] or prefixes[]).
unit_rows() {
    START=$2 awk '
        !on && $0 ~ ENVIRON["START"] { on = 1; next }
        on && /^};/ { exit }
        on && /\{"/ {
            match($0, /"[^"]*"/); row = substr($0, RSTART + 1, RLENGTH - 2)
            s = $0
            while (match(s, /PF_[A-Z]+/)) {
                row = row " " substr(s, RSTART, RLENGTH)
                s = substr(s, RSTART + RLENGTH)
            }
            print row
        }' "$1"
}

strings_of src/lex.c 'parse_keywords\[\][ \t]*=' > "$TMP/keyword"
strings_of src/lower_eval.c 'topo_names\[[^]]*\][ \t]*=' > "$TMP/topology"
strings_of src/lower_eval.c 'dtype_names\[[^]]*\][ \t]*=' > "$TMP/dtype"
strings_of src/ir.c 'ir_opkind_names\[[^]]*\][ \t]*=' > "$TMP/operator"
strings_of src/lower_eval.c 'metric_names\[[^]]*\][ \t]*=' > "$TMP/metric"
strings_of src/lower_eval.c 'func_names\[[^]]*\][ \t]*=' > "$TMP/function"
unit_rows src/units.c 'bases\[\][ \t]*=' > "$TMP/bases"
unit_rows src/units.c 'prefixes\[\][ \t]*=' > "$TMP/prefixes"
cut -d' ' -f1 "$TMP/bases" > "$TMP/unit"

# Every spelling prefix+base that units.c accepts, and every one it rejects.
awk 'FNR == NR { pn[++np] = $1; pf[np] = $2; next }
     {
         split("", ok); for (i = 2; i <= NF; i++) ok[$i] = 1
         print "valid", $1
         for (j = 1; j <= np; j++) print ((pf[j] in ok) ? "valid" : "invalid"), pn[j] $1
     }' "$TMP/prefixes" "$TMP/bases" > "$TMP/spellings"
awk '$1 == "valid" { print $2 }' "$TMP/spellings" | sort -u > "$TMP/uvalid"
awk '$1 == "invalid" { print $2 }' "$TMP/spellings" | sort -u | comm -23 - "$TMP/uvalid" > "$TMP/uinvalid"

: > "$TMP/extract.err"
for l in keyword topology dtype operator metric function unit; do
    n=$(wc -l < "$TMP/$l")
    [ "$n" -gt 0 ] || echo "no $l names extracted" >> "$TMP/extract.err"
done
[ -s "$TMP/uinvalid" ] || echo "no unit prefix families extracted" >> "$TMP/extract.err"
if [ -s "$TMP/extract.err" ]; then
    fail "extract word lists from src/lex.c, src/lower_eval.c, src/units.c" "$TMP/extract.err"
else
    pass "extract word lists ($(wc -l < "$TMP/keyword") keywords, $(cat "$TMP/topology" "$TMP/dtype" "$TMP/operator" "$TMP/metric" "$TMP/function" | wc -l) builtins, $(wc -l < "$TMP/unit") unit bases, $(wc -l < "$TMP/uvalid") unit spellings)"
fi

# ---------------------------------------------------------------------------
# 1. Every word appears in every grammar (as a whole word)
# ---------------------------------------------------------------------------

# Where each grammar must name the words: the Vim syntax without comments,
# the word lists of the Emacs mode, the TextMate JSON; and each grammar's
# unit definitions, for the unit bases.
grep -v '^[ 	]*"' "$VIMSYN" > "$TMP/vim.words"
awk '/^;;;; Word lists/ { on = 1 } /^;;;; Font lock/ { on = 0 } on' "$EL" > "$TMP/el.words"
cp "$TM" "$TMP/tm.words"
grep 'mldUnit' "$VIMSYN" > "$TMP/vim.units"
awk '/^\(defconst mld--unit-atom-re/ { on = 1 } on { print } on && /"Regexp matching/ { exit }' "$EL" > "$TMP/el.units"
awk '/"quantity"/ { on = 1 } on && /"match"/ { print; exit }' "$TM" > "$TMP/tm.units"

# words_in LIST FILE: the words of LIST not in FILE as a whole word (a unit
# preceded by a backslash, as in the regex escape "\s", does not count).
words_in() {
    while read -r w; do
        W=$w awk 'BEGIN { w = ENVIRON["W"]; found = 0 }
            {
                s = $0
                while ((i = index(s, w)) > 0) {
                    before = i > 1 ? substr(s, i - 1, 1) : ""
                    after = substr(s, i + length(w), 1)
                    if (before !~ /[A-Za-z0-9_\\]/ && after !~ /[A-Za-z0-9_]/) { found = 1; exit }
                    s = substr(s, i + 1)
                }
            }
            END { exit !found }' "$2" || echo "$w"
    done < "$1"
}

for g in vim emacs textmate; do
    case $g in
        vim) f=$VIMSYN words=$TMP/vim.words units=$TMP/vim.units ;;
        emacs) f=$EL words=$TMP/el.words units=$TMP/el.units ;;
        textmate) f=$TM words=$TMP/tm.words units=$TMP/tm.units ;;
    esac
    for l in keyword topology dtype operator metric function unit; do
        src=$words where=${f#"$ROOT"/}
        [ $l = unit ] && src=$units where="the unit regexp of ${f#"$ROOT"/}"
        words_in "$TMP/$l" "$src" > "$TMP/missing"
        if [ -s "$TMP/missing" ]; then
            echo "missing from $where: $(tr '\n' ' ' < "$TMP/missing")" > "$TMP/missing.msg"
            fail "$g grammar has every $l name" "$TMP/missing.msg"
        else
            pass "$g grammar has every $l name ($(wc -l < "$TMP/$l"))"
        fi
    done
done

# The Vim indent file keeps its own list of reserved words (a newline after
# one ends no statement); mld-mode.el uses mld-keywords, checked above.
grep -v '^[ \t]*"' "$VIMRT/indent/mld.vim" > "$TMP/vimind.words"
words_in "$TMP/keyword" "$TMP/vimind.words" > "$TMP/missing"
if [ -s "$TMP/missing" ]; then
    echo "missing from editors/vim/indent/mld.vim: $(tr '\n' ' ' < "$TMP/missing")" > "$TMP/missing.msg"
    fail "vim indent has every keyword name" "$TMP/missing.msg"
else
    pass "vim indent has every keyword name ($(wc -l < "$TMP/keyword"))"
fi

# ---------------------------------------------------------------------------
# The generated sample and what each span of it must be
# ---------------------------------------------------------------------------
# EXPECT lines: LINE COL LEN CLASS (1-based); "!CLASS": must not be CLASS.

awk -v sample="$TMP/sample.mld" -v expect="$TMP/sample.expect" '
function line(s) { print s > sample; n++; cur = s; from = 1 }
function want(classes, frag,   i, k, c, nc) {
    i = index(substr(cur, from), frag)
    if (i == 0) { print "sample: no \"" frag "\" in: " cur > "/dev/stderr"; bad = 1; return }
    i += from - 1
    nc = split(classes, c, " ")
    for (k = 1; k <= nc; k++) print n, i, length(frag), c[k] > expect
    from = i + length(frag)
}
BEGIN {
    line("// a line comment: level mesh(x) 1 GB");           want("comment", "// a line comment: level mesh(x) 1 GB")
    line("/* a block comment");                               want("comment", "/* a block comment")
    line("   param 2 ns fp16 */ param q = 1");                want("comment", "   param 2 ns fp16 */"); want("keyword", "param"); want("number", "1")
    line("import \"std/llm\"");                               want("keyword", "import"); want("string", "\"std/llm\"")
    line("let s = \"a \\\"b\\\" c\" + 1 s");                  want("string", "\"a \\\"b\\\" c\""); want("unit", "s")
    line("param bw = 1.6 TB/s");                              want("keyword", "param"); want("def", "bw"); want("number", "1.6"); want("unit", "TB/s")
    line("let rate = 2e9 FLOP/cycle * 1.41 GHz");             want("number", "2e9"); want("unit", "FLOP/cycle"); want("number", "1.41"); want("unit", "GHz")
    line("let size = 16GiB");                                 want("number", "16"); want("unit", "GiB")
    line("let a = 800 mm2 + 3 cm2 - 1.2e-3 um2");             want("unit", "mm2"); want("unit", "cm2"); want("number", "1.2e-3"); want("unit", "um2")
    line("let eff = 3 FLOP/s/W * 2 B*s");                     want("unit", "FLOP/s/W"); want("unit", "B*s")
    line("let r = 0 .. 8 step 2");                            want("number", "0"); want("op", ".."); want("number", "8"); want("keyword !unit", "step")
    line("let m = min(1, 2) + max(3, 4) * sqrt(4 mm2)");      want("function", "min"); want("function", "max"); want("function", "sqrt")
    line("let d = 7 KB / 2");                                 want("unit", "KB"); want("!unit", "2")
    line("let x2 = fp16");                                    want("!number", "2"); want("dtype", "fp16")
    line("level Chip(n = 4) {");                              want("keyword", "level"); want("def", "Chip")
    line("    core: Core[2][2]");                             want("!keyword", "core")
    line("    compute mac { rate = 512 FLOP/cycle; ops = matrix }"); want("keyword", "compute"); want("def", "mac"); want("const", "matrix")
    line("    network noc = mesh(core) { bandwidth = 64 GB/s }"); want("keyword", "network"); want("def", "noc"); want("topology", "mesh"); want("unit", "GB/s")
    line("    link n[0] <-> n[1]");                           want("keyword", "link"); want("op", "<->")
    line("    attach parent to noc at core[0][0]");           want("keyword", "attach"); want("const", "parent"); want("keyword", "to"); want("keyword", "at")
    line("}");
    line("workload gemm(m = 512) {");                         want("keyword", "workload"); want("def", "gemm")
    line("    input x : fp16[m][m]");                         want("keyword", "input"); want("def", "x"); want("dtype", "fp16")
    line("    op add = add(x, x)");                           want("keyword", "op"); want("def", "add"); want("operator", "add")
    line("    op mesh = matmul(add, x)");                     want("!topology", "mesh"); want("operator", "matmul")
    line("}");
    line("mapping rows on top for w {");                      want("keyword", "mapping"); want("def", "rows"); want("keyword", "on"); want("keyword", "for")
    line("    place w.* on top.core[*][*] split rows");       want("keyword", "place"); want("op", ".*"); want("keyword", "split"); want("const", "rows")
    line("}");
    line("explore {");                                        want("keyword", "explore")
    line("    vary mapping in [rows]");                       want("keyword", "vary"); want("keyword", "mapping"); want("keyword", "in")
    line("    require power <= 400 W");                       want("keyword", "require"); want("metric", "power"); want("unit", "W")
    line("    minimize latency,");                            want("keyword", "minimize"); want("metric", "latency")
    line("        energy");                                   want("metric", "energy")
    line("}");
    line("let area = 1 mm2");                                 want("!metric", "area")
}
FILENAME ~ /\/keyword$/  { line($1);                          want("keyword", $1) }
FILENAME ~ /\/topology$/ { line("network n = " $1 "(c)");     want("topology", $1) }
FILENAME ~ /\/operator$/ { line("op y = " $1 "(x)");          want("operator", $1) }
FILENAME ~ /\/function$/ { line("let v = " $1 "(1)");         want("function", $1) }
FILENAME ~ /\/dtype$/    { line("input x : " $1 "[4]");       want("dtype", $1) }
FILENAME ~ /\/metric$/   { line("require " $1 " < 1");        want("metric", $1)
                           line("maximize latency, " $1);     want("metric", $1) }
FILENAME ~ /\/uvalid$/   { line("param p = 1 " $1);           want("number", "1"); want("unit", $1)
                           line("param p = 2" $1);            want("number", "2"); want("unit", $1)
                           line("param p = 3 " $1 "2/" $1);   want("unit", $1 "2/" $1) }
FILENAME ~ /\/uinvalid$/ { line("param p = 1 " $1);           want("!unit", $1) }
END { exit bad }
' "$TMP/keyword" "$TMP/topology" "$TMP/operator" "$TMP/function" "$TMP/dtype" "$TMP/metric" \
  "$TMP/uvalid" "$TMP/uinvalid" 2> "$TMP/sample.err"
if [ $? -ne 0 ] || [ -s "$TMP/sample.err" ]; then
    fail "generate the highlighting sample" "$TMP/sample.err"
fi

# Known tokens of examples/chiplet.mld: FILE|LINE-ERE|FRAGMENT|CLASS.  A line
# the example no longer has is reported as skipped.
cat > "$TMP/known" <<'EOF'
examples/chiplet.mld|^// chiplet\.mld|// chiplet.mld|comment
examples/chiplet.mld|^import "std/llm"|import|keyword
examples/chiplet.mld|^import "std/llm"|"std/llm"|string
examples/chiplet.mld|^param pe_sram = 1 MiB|pe_sram|def
examples/chiplet.mld|^param pe_sram = 1 MiB|MiB|unit
examples/chiplet.mld|^level PE\(|PE|def
examples/chiplet.mld|rate = macs \* 2 FLOP/cycle|FLOP/cycle|unit
examples/chiplet.mld|energy = 0\.5 pJ/FLOP|0.5|number
examples/chiplet.mld|energy = 0\.5 pJ/FLOP|pJ/FLOP|unit
examples/chiplet.mld|area = 0\.3 mm2|mm2|unit
examples/chiplet.mld|ops = matrix|matrix|const
examples/chiplet.mld|network noc = mesh\(pe\)|mesh|topology
examples/chiplet.mld|bandwidth = 64 B/cycle \* clock|B/cycle|unit
examples/chiplet.mld|bandwidth = 64 B/cycle \* clock|clock|!unit
examples/chiplet.mld|attach parent to noc|parent|const
examples/chiplet.mld|^workload w = gpt2\(|workload|keyword
examples/chiplet.mld|for l in 0 \.\. w\.layers|..|op
examples/chiplet.mld|place L\.attn on pes split heads|heads|const
examples/chiplet.mld|sync pes after L\.act|after|keyword
examples/chiplet.mld|vary nop_bw in \[|GB/s|unit
examples/chiplet.mld|require area < 200 mm2|area|metric
examples/chiplet.mld|minimize latency, energy|energy|metric
EOF
: > "$TMP/chiplet.expect"; : > "$TMP/chiplet.missing"
while IFS='|' read -r file re frag cls; do
    RE=$re FRAG=$frag CLS=$cls awk '
        $0 ~ ENVIRON["RE"] && (i = index($0, ENVIRON["FRAG"])) > 0 {
            print NR, i, length(ENVIRON["FRAG"]), ENVIRON["CLS"]; found = 1; exit }
        END { exit !found }' "$file" >> "$TMP/chiplet.expect" ||
        echo "$file: no line /$re/ with '$frag'" >> "$TMP/chiplet.missing"
done < "$TMP/known"
if [ -s "$TMP/chiplet.missing" ]; then
    skip "$(wc -l < "$TMP/chiplet.missing") known tokens of examples/chiplet.mld" "the example changed: $(head -1 "$TMP/chiplet.missing")"
fi

# Diagnostics: a canned sample (every form mldc prints) and what each
# editor must make of it (FILE LINE COL TYPE, in order).
cat > "$TMP/diag.txt" <<'EOF'
examples/gpu.mld:3:26: error: 'rate' must be greater than zero
    3 |     compute alu { rate = 0 TFLOP/s }
      |                          ^~~~~~~~~
tests/golden/diag/cap-store-overflow.mld:3:12: note: memory 'sram' is declared here
    3 |     memory sram { size = 2 MiB; bandwidth = 256 GB/s; latency = 2 ns }
      |            ^~~~
sub/dir/x.mld:10:5: warning: this explore block has no objective ('minimize' or 'maximize')
   10 | explore {
      | ^~~~~~~~~
x.mld: error: source file is larger than 32 MiB
mldc: error: cannot open 'nope.mld'
EOF
cat > "$TMP/diag.want" <<'EOF'
examples/gpu.mld 3 26 e
tests/golden/diag/cap-store-overflow.mld 3 12 n
sub/dir/x.mld 10 5 w
EOF

# Real mldc output, when there is an mldc: an error with a note, a warning.
MLDC=${MLDC:-}
case $MLDC in
    "") if [ -x build/mldc ]; then MLDC=$ROOT/build/mldc; elif have mldc; then MLDC=$(command -v mldc); fi ;;
    /*) ;;
    */*) MLDC=$START/$MLDC ;;
    *) MLDC=$(command -v "$MLDC") ;;
esac
if [ -n "$MLDC" ] && [ ! -x "$MLDC" ]; then
    echo "MLDC=$MLDC is not an executable" > "$TMP/mldc.msg"
    fail "find mldc" "$TMP/mldc.msg"
    MLDC=
fi
mkdir -p "$TMP/real"
cat > "$TMP/real/dup.mld" <<'EOF'
level Core { compute c { rate = 1 TFLOP/s }; memory m { size = 1 MiB; bandwidth = 1 GB/s } }
level Core { compute c { rate = 1 TFLOP/s } }
system top = Core
EOF
cat > "$TMP/real/warn.mld" <<'EOF'
level Core { compute c { rate = 1 TFLOP/s }; memory m { size = 1 MiB; bandwidth = 1 GB/s } }
system top = Core
param p = 1
workload g(n = 4) {
    input x : fp16[n][n]
    op y = gelu(x)
}
workload w = g()
mapping mm on top for w {
    store w.x in top.m
    place w.y on top
}
explore {
    vary p in [1, 2]
}
EOF
REAL=
if [ -n "$MLDC" ]; then
    (cd "$TMP/real" && "$MLDC" check dup.mld; "$MLDC" check warn.mld) > "$TMP/real.txt" 2>&1
    sed -n 's/^\([^ :][^:]*\):\([0-9][0-9]*\):\([0-9][0-9]*\): \([ewn]\)[a-z]*: .*/\1 \2 \3 \4/p' \
        "$TMP/real.txt" > "$TMP/real.want"
    if grep -q ' e$' "$TMP/real.want" && grep -q ' n$' "$TMP/real.want" && grep -q ' w$' "$TMP/real.want"; then
        REAL=1
    else
        echo "mldc printed:" > "$TMP/real.msg"; cat "$TMP/real.txt" >> "$TMP/real.msg"
        fail "mldc prints an error, a note and a warning for the diagnostic samples" "$TMP/real.msg"
    fi
fi

# ---------------------------------------------------------------------------
# 2. Vim
# ---------------------------------------------------------------------------

# vim_run SCRIPT: run a Vim script headless with editors/vim on 'rtp'.
vim_run() {
    limit 60 vim -Nu NONE -i NONE -es --cmd "set rtp^=$VIMRT" -S "$1" > "$TMP/vim.log" 2>&1 < /dev/null
}

# The indentation corpus: formatted files (what `mldc fmt` prints), which
# Vim and Emacs must re-indent to themselves, also from a copy with every
# line's indentation stripped (except inside block comments, which keep
# their layout).  With an mldc that has `fmt`, a file it would change is
# left out, and fmt itself must agree with $T/indent.mld.
FMT=
if [ -n "$MLDC" ] && "$MLDC" fmt - < /dev/null > /dev/null 2>&1; then FMT=1; fi
: > "$TMP/corpus"; : > "$TMP/corpus.left"
for f in examples/*.mld stdlib/std/*.mld "$T/indent.mld" tests/fmt/cases/*.expected; do
    [ -f "$f" ] || continue
    if [ -n "$FMT" ] && ! "$MLDC" fmt --check "$f" > /dev/null 2>&1; then
        echo "$f" >> "$TMP/corpus.left"; continue
    fi
    echo "$f" >> "$TMP/corpus"
done
if [ -s "$TMP/corpus.left" ]; then
    skip "indentation of $(wc -l < "$TMP/corpus.left") unformatted files" "mldc fmt --check fails: $(tr '\n' ' ' < "$TMP/corpus.left")"
fi
# flatten FILE: strip the indentation of every line that does not start
# inside a block comment.
flatten() {
    awk '{
        line = $0
        if (!inc) sub(/^[ \t]+/, "", line)
        print line
        s = $0
        while (s != "") {
            if (inc) {
                i = index(s, "*/"); if (!i) break
                inc = 0; s = substr(s, i + 2)
            } else if (match(s, /\/\/|\/\*|"/)) {
                tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                if (tok == "//") break
                if (tok == "/*") inc = 1
                else { if (match(s, /^([^"\\]|\\.)*"/)) s = substr(s, RLENGTH + 1); else break }
            } else break
        }
    }' "$1"
}
mkdir -p "$TMP/flat"
n=0
while read -r f; do
    n=$((n + 1))
    flatten "$f" > "$TMP/flat/$n.mld"
done < "$TMP/corpus"
if [ -n "$FMT" ]; then
    flatten "$T/indent.mld" > "$TMP/flat-indent.mld"
    "$MLDC" fmt - < "$TMP/flat-indent.mld" > "$TMP/fmt-indent.mld" 2>&1
    if diff "$T/indent.mld" "$TMP/fmt-indent.mld" > "$TMP/diff" 2>&1; then
        pass "mldc fmt indents $T/indent.mld (stripped) as the editors do"
    else
        fail "mldc fmt indents $T/indent.mld (stripped) as the editors do" "$TMP/diff"
    fi
else
    skip "mldc fmt agrees with $T/indent.mld" "no mldc with fmt (set MLDC=...)"
fi

if ! have vim; then
    skip "vim checks" "vim not installed"
else
    # Each example: filetype mld, syntax mld, and no error message.
    for f in examples/*.mld stdlib/std/*.mld "$T/indent.mld"; do
        cat > "$TMP/load.vim" <<EOF
filetype plugin indent on
syntax on
let v:errmsg = ''
edit $ROOT/$f
let s:r = [&filetype, get(b:, 'current_syntax', ''), &shiftwidth, &expandtab, &commentstring, &makeprg, &indentexpr]
call add(s:r, synIDattr(synID(1, 1, 1), 'name'))
call add(s:r, v:errmsg)
call writefile([string(s:r)], '$TMP/load.out')
qa!
EOF
        : > "$TMP/load.out"
        vim_run "$TMP/load.vim"
        if grep -q "^\['mld', 'mld', 4, 1, '// %s', 'mldc check %', 'GetMldIndent(v:lnum)', '[^']*', ''\]$" "$TMP/load.out"; then
            pass "vim loads $f (filetype, syntax, ftplugin, indent, no errors)"
        else
            cat "$TMP/load.out" "$TMP/vim.log" > "$TMP/load.msg"
            fail "vim loads $f (filetype, syntax, ftplugin, indent, no errors)" "$TMP/load.msg"
        fi
    done

    # Highlighting of the sample and of examples/chiplet.mld.
    for s in sample chiplet; do
        case $s in sample) file=$TMP/sample.mld ;; chiplet) file=$ROOT/examples/chiplet.mld ;; esac
        cat > "$TMP/hl.vim" <<EOF
let g:sample = '$file'
let g:expect = '$TMP/$s.expect'
let g:out = '$TMP/vim-hl.out'
source $ROOT/$T/check.vim
EOF
        echo "FAIL vim did not finish" > "$TMP/vim-hl.out"
        vim_run "$TMP/hl.vim"
        if [ -s "$TMP/vim-hl.out" ]; then
            fail "vim highlights the $s ($(wc -l < "$TMP/$s.expect") spans)" "$TMP/vim-hl.out"
        else
            pass "vim highlights the $s ($(wc -l < "$TMP/$s.expect") spans)"
        fi
    done

    # Indentation: gg=G leaves each corpus file unchanged and rebuilds it
    # from its stripped copy.
    : > "$TMP/vim-indent.msg"
    n=0
    while read -r f; do
        n=$((n + 1))
        for src in "$ROOT/$f" "$TMP/flat/$n.mld"; do
            cat > "$TMP/ind.vim" <<EOF
filetype plugin indent on
syntax on
edit $src
set filetype=mld
normal! gg=G
write! $TMP/reindented.mld
qa!
EOF
            rm -f "$TMP/reindented.mld"
            vim_run "$TMP/ind.vim"
            if ! diff "$f" "$TMP/reindented.mld" > "$TMP/diff" 2>&1; then
                case $src in "$TMP"/*) echo "$f (stripped):" ;; *) echo "$f:" ;; esac >> "$TMP/vim-indent.msg"
                cat "$TMP/diff" >> "$TMP/vim-indent.msg"
            fi
        done
    done < "$TMP/corpus"
    what="vim indentation (gg=G) of $(wc -l < "$TMP/corpus") formatted files, as is and stripped"
    if [ -s "$TMP/vim-indent.msg" ]; then
        fail "$what" "$TMP/vim-indent.msg"
    else
        pass "$what"
    fi

    # errorformat: the canned sample through :cgetfile (which, like :make,
    # uses the buffer's 'errorformat'; :cgetexpr would use the global one),
    # and real mldc output through :make itself (makeprg "mldc check %").
    for d in diag real; do
        if [ $d = real ] && [ -z "$REAL" ]; then
            skip "vim :make with mldc" "no mldc built (set MLDC=...)"
            continue
        fi
        if [ $d = diag ]; then
            what="vim errorformat parses mldc diagnostics (:cgetfile: file, line, column, type)"
            dir=$ROOT
            cat > "$TMP/efm.vim" <<EOF
filetype plugin on
edit examples/gpu.mld
cgetfile $TMP/diag.txt
let s:qf = getqflist()
EOF
        else
            what="vim :make runs mldc check and lists its diagnostics (file, line, column, type)"
            dir=$TMP/real
            mkdir -p "$TMP/bin"
            ln -sf "$MLDC" "$TMP/bin/mldc"
            cat > "$TMP/efm.vim" <<EOF
filetype plugin on
let \$PATH = '$TMP/bin:' . \$PATH
edit dup.mld
silent make
let s:qf = getqflist()
edit warn.mld
silent make
let s:qf += getqflist()
EOF
        fi
        cat >> "$TMP/efm.vim" <<EOF
let s:out = []
for s:e in s:qf
  if s:e.valid && s:e.bufnr > 0 && s:e.lnum > 0
    call add(s:out, printf('%s %d %d %s', fnamemodify(bufname(s:e.bufnr), ':.'), s:e.lnum, s:e.col, s:e.type))
  endif
endfor
call writefile(s:out, '$TMP/vim-efm.out')
qa!
EOF
        : > "$TMP/vim-efm.out"
        (cd "$dir" && vim_run "$TMP/efm.vim")
        if diff "$TMP/$d.want" "$TMP/vim-efm.out" > "$TMP/diff" 2>&1; then
            pass "$what"
        else
            fail "$what" "$TMP/diff"
        fi
    done
fi

# ---------------------------------------------------------------------------
# 3. Emacs
# ---------------------------------------------------------------------------

emacs_run() { limit 60 emacs --batch -Q "$@" < /dev/null; }

if ! have emacs; then
    skip "emacs checks" "emacs not installed"
else
    # Byte-compiles cleanly (in a copy: no .elc in the tree).
    cp "$EL" "$TMP/mld-mode.el"
    if emacs_run --eval '(setq byte-compile-error-on-warn t)' -f batch-byte-compile "$TMP/mld-mode.el" > "$TMP/el.log" 2>&1; then
        pass "emacs byte-compiles mld-mode.el without warnings"
    else
        fail "emacs byte-compiles mld-mode.el without warnings" "$TMP/el.log"
    fi

    # Each corpus file: mld-mode via auto-mode-alist, font-lock-ensure
    # without error; indent-region leaves it unchanged and rebuilds it from
    # its stripped copy.
    cat > "$TMP/load.el" <<'EOF'
(defun mldt-reindent (file)
  "FILE re-indented in mld-mode, as a string."
  (with-current-buffer (find-file-noselect file)
    (unless (eq major-mode 'mld-mode) (mld-mode))
    (font-lock-ensure)
    (let ((inhibit-message t)) (indent-region (point-min) (point-max)))
    (prog1 (buffer-substring-no-properties (point-min) (point-max))
      (set-buffer-modified-p nil) (kill-buffer))))
(defun mldt-first-diff (a b)
  (let ((a (split-string a "\n")) (b (split-string b "\n")) (n 1))
    (while (and a (equal (car a) (car b))) (setq a (cdr a) b (cdr b) n (1+ n)))
    (format "line %d: %S became %S" n (car a) (car b))))
(let* ((file (pop command-line-args-left))
       (flat (pop command-line-args-left))
       (want (with-temp-buffer (insert-file-contents file) (buffer-string)))
       (fails 0))
  (condition-case err
      (progn
        (when (string-suffix-p ".mld" file)
          (with-current-buffer (find-file-noselect file)
            (unless (eq major-mode 'mld-mode) (error "major mode is %s, not mld-mode" major-mode))))
        (dolist (src (list file flat))
          (let ((got (mldt-reindent src)))
            (unless (string= want got)
              (setq fails (1+ fails))
              (princ (format "FAIL %s: indent-region: %s\n"
                             (if (eq src flat) (concat file " (stripped)") file)
                             (mldt-first-diff want got)))))))
    (error (setq fails (1+ fails))
           (princ (format "FAIL %s: %s\n" file (error-message-string err)))))
  (kill-emacs (if (> fails 0) 1 0)))
EOF
    n=0
    while read -r f; do
        n=$((n + 1))
        what="emacs visits $f (mld-mode, font-lock, indent-region as is and stripped)"
        if emacs_run -l "$EL" -l "$TMP/load.el" "$f" "$TMP/flat/$n.mld" > "$TMP/el.log" 2>&1; then
            pass "$what"
        else
            fail "$what" "$TMP/el.log"
        fi
    done < "$TMP/corpus"

    # Faces of the sample and of examples/chiplet.mld.
    for s in sample chiplet; do
        case $s in sample) file=$TMP/sample.mld ;; chiplet) file=examples/chiplet.mld ;; esac
        if emacs_run -l "$EL" -l "$T/check.el" "$file" "$TMP/$s.expect" > "$TMP/el.log" 2>&1; then
            pass "emacs highlights the $s ($(wc -l < "$TMP/$s.expect") spans)"
        else
            fail "emacs highlights the $s ($(wc -l < "$TMP/$s.expect") spans)" "$TMP/el.log"
        fi
    done

    # The `mldc' compilation regexp: compilation-mode with only that entry
    # finds each diagnostic with its file, line, column and level.
    cat > "$TMP/comp.el" <<'EOF'
(require 'compile)
(let* ((file (car command-line-args-left))
       (compilation-error-regexp-alist '(mldc))
       (out nil))
  (setq command-line-args-left nil)
  (unless (assq 'mldc compilation-error-regexp-alist-alist)
    (error "no mldc entry in compilation-error-regexp-alist-alist"))
  (with-current-buffer (get-buffer-create "*mldc*")
    (insert-file-contents file)
    (compilation-mode)
    (if (fboundp 'compilation--ensure-parse)
        (compilation--ensure-parse (point-max))
      (font-lock-ensure))
    (let ((pos (point-min)))
      (while pos
        (let ((msg (get-text-property pos 'compilation-message)))
          (when msg
            (let ((loc (compilation--message->loc msg))
                  (type (compilation--message->type msg)))
              (push (format "%s %d %d %s"
                            (caar (compilation--loc->file-struct loc))
                            (compilation--loc->line loc)
                            (compilation--loc->col loc)
                            (cdr (assq type '((2 . "e") (1 . "w") (0 . "n")))))
                    out))))
        (setq pos (next-single-property-change pos 'compilation-message)))))
  (princ (mapconcat #'identity (nreverse out) "\n"))
  (princ "\n"))
EOF
    for d in diag real; do
        if [ $d = real ] && [ -z "$REAL" ]; then
            skip "emacs compilation regexp on real mldc output" "no mldc built (set MLDC=...)"
            continue
        fi
        emacs_run -l "$EL" -l "$TMP/comp.el" "$TMP/$d.txt" > "$TMP/el-comp.out" 2> "$TMP/el.log"
        sed '/^$/d' "$TMP/el-comp.out" > "$TMP/el-comp.got"
        if diff "$TMP/$d.want" "$TMP/el-comp.got" > "$TMP/diff" 2>&1; then
            pass "emacs compilation regexp 'mldc' parses $d mldc diagnostics (file, line, column, level)"
        else
            cat "$TMP/el.log" >> "$TMP/diff"
            fail "emacs compilation regexp 'mldc' parses $d mldc diagnostics (file, line, column, level)" "$TMP/diff"
        fi
    done
    # The language server through eglot: a diagnostic arrives, formatting works.
    if [ -z "$REAL" ]; then
        skip "emacs eglot with mldc lsp" "no mldc built (set MLDC=...)"
    else
        sed 's/^param nop_bw = 100 GB\/s/param nop_bw = 100 ns/' examples/chiplet.mld > "$TMP/eglot.mld"
        emacs_run -l "$EL" -l "$T/eglot.el" "$MLDC" "$TMP/eglot.mld" > "$TMP/eglot.out" 2> "$TMP/el.log"
        rc=$?
        if [ $rc -eq 3 ]; then
            skip "emacs eglot with mldc lsp" "$(cat "$TMP/eglot.out")"
        elif [ $rc -eq 0 ] && [ "$(grep -c '^ok' "$TMP/eglot.out")" -eq 3 ]; then
            pass "emacs eglot with mldc lsp: connects, shows the diagnostic, formats"
        else
            cat "$TMP/el.log" >> "$TMP/eglot.out"
            fail "emacs eglot with mldc lsp: connects, shows the diagnostic, formats" "$TMP/eglot.out"
        fi
    fi
fi

# ---------------------------------------------------------------------------
# 4. VS Code
# ---------------------------------------------------------------------------

if have python3; then JSON=python3; elif have node; then JSON=node; else JSON=; fi

if [ -z "$JSON" ]; then
    skip "VS Code JSON checks" "neither python3 nor node installed"
else
    # The JSON files parse; package.json points at the grammar and the
    # language configuration; the $mldc matcher parses mldc diagnostics.
    for d in diag real; do
        if [ $d = real ] && [ -z "$REAL" ]; then
            skip "VS Code \$mldc problem matcher on real mldc output" "no mldc built (set MLDC=...)"
            continue
        fi
        if [ $JSON = python3 ]; then
            python3 - "$PKG" "$LCONF" "$TM" "$TMP/$d.txt" > "$TMP/vsc.out" 2>&1 <<'EOF'
import json, os, re, sys
pkg, lconf, tm, diag = sys.argv[1:5]
p = json.load(open(pkg)); lc = json.load(open(lconf)); g = json.load(open(tm))
base = os.path.dirname(pkg)
c = p["contributes"]
lang = [l for l in c["languages"] if l["id"] == "mld"][0]
assert ".mld" in lang["extensions"], "no .mld extension"
assert os.path.exists(os.path.join(base, lang["configuration"])), "no language configuration"
gr = [x for x in c["grammars"] if x["language"] == "mld"][0]
assert gr["scopeName"] == g["scopeName"] == "source.mld", "scopeName"
assert os.path.samefile(os.path.join(base, gr["path"]), tm), "grammar path"
assert lc["comments"] == {"lineComment": "//", "blockComment": ["/*", "*/"]}, "comments"
m = [x for x in c["problemMatchers"] if x["name"] == "mldc"][0]
pat = m["pattern"]; rx = re.compile(pat["regexp"])
for line in open(diag).read().split("\n"):
    mm = rx.search(line)
    if mm:
        sev = mm.group(pat["severity"])
        print(mm.group(pat["file"]), int(mm.group(pat["line"])), int(mm.group(pat["column"])), sev[0])
EOF
        else
            node - "$PKG" "$LCONF" "$TM" "$TMP/$d.txt" > "$TMP/vsc.out" 2>&1 <<'EOF'
const fs = require('fs'), path = require('path');
const [pkg, lconf, tm, diag] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(pkg, 'utf8')), lc = JSON.parse(fs.readFileSync(lconf, 'utf8'));
const g = JSON.parse(fs.readFileSync(tm, 'utf8'));
const c = p.contributes, base = path.dirname(pkg);
const lang = c.languages.find((l) => l.id === 'mld');
if (!lang.extensions.includes('.mld')) throw new Error('no .mld extension');
if (!fs.existsSync(path.join(base, lang.configuration))) throw new Error('no language configuration');
const gr = c.grammars.find((x) => x.language === 'mld');
if (gr.scopeName !== g.scopeName || g.scopeName !== 'source.mld') throw new Error('scopeName');
if (path.resolve(base, gr.path) !== path.resolve(tm)) throw new Error('grammar path');
if (lc.comments.lineComment !== '//' || lc.comments.blockComment.join(' ') !== '/* */') throw new Error('comments');
const m = c.problemMatchers.find((x) => x.name === 'mldc'), pat = m.pattern, rx = new RegExp(pat.regexp);
for (const line of fs.readFileSync(diag, 'utf8').split('\n')) {
    const mm = rx.exec(line);
    if (mm) console.log(mm[pat.file], +mm[pat.line], +mm[pat.column], mm[pat.severity][0]);
}
EOF
        fi
        if diff "$TMP/$d.want" "$TMP/vsc.out" > "$TMP/diff" 2>&1; then
            pass "VS Code package.json is consistent and \$mldc parses $d mldc diagnostics ($JSON)"
        else
            fail "VS Code package.json is consistent and \$mldc parses $d mldc diagnostics ($JSON)" "$TMP/diff"
        fi
    done
fi

# The grammar itself: vscode-textmate when available, else tmcheck.py.
NODEDIR=$ROOT/$T/node
TMENGINE=
if have node; then
    if [ ! -d "$NODEDIR/node_modules/vscode-textmate" ] || [ ! -d "$NODEDIR/node_modules/vscode-oniguruma" ]; then
        if [ "${MLD_EDITORS_NPM:-1}" = 0 ]; then
            echo "note: MLD_EDITORS_NPM=0: not installing vscode-textmate"
        elif [ -e "$NODEDIR/.npm-failed" ]; then
            echo "note: an earlier npm install failed (rm $T/node/.npm-failed to retry)"
        elif have npm; then
            mkdir -p "$NODEDIR"
            echo "note: npm install vscode-textmate vscode-oniguruma into $T/node (once)"
            if ! limit 30 npm install --prefix "$NODEDIR" --no-audit --no-fund --fetch-retries=0 \
                    --fetch-timeout=15000 vscode-textmate@9 vscode-oniguruma@2 > "$TMP/npm.log" 2>&1; then
                date > "$NODEDIR/.npm-failed"; cat "$TMP/npm.log" >> "$NODEDIR/.npm-failed"
                echo "note: npm install failed ($(tail -1 "$TMP/npm.log")); using tmcheck.py"
            fi
        fi
    fi
    if [ -d "$NODEDIR/node_modules/vscode-textmate" ] && [ -d "$NODEDIR/node_modules/vscode-oniguruma" ]; then
        TMENGINE=node
    fi
fi
if [ -z "$TMENGINE" ] && have python3; then TMENGINE=python3; fi

tm_run() {
    if [ "$TMENGINE" = node ]; then
        limit 60 node "$T/tmcheck.js" "$NODEDIR" "$TM" "$@"
    else
        limit 60 python3 "$T/tmcheck.py" "$TM" "$@"
    fi
}

if [ -z "$TMENGINE" ]; then
    skip "TextMate grammar checks" "neither node nor python3 installed"
else
    case $TMENGINE in node) engine=vscode-textmate ;; *) engine=tmcheck.py ;; esac
    if tm_run --tokenize examples/*.mld stdlib/std/*.mld "$T/indent.mld" > "$TMP/tm.out" 2>&1; then
        pass "TextMate grammar tokenizes the examples ($engine)"
    else
        fail "TextMate grammar tokenizes the examples ($engine)" "$TMP/tm.out"
    fi
    for s in sample chiplet; do
        case $s in sample) file=$TMP/sample.mld ;; chiplet) file=examples/chiplet.mld ;; esac
        if tm_run "$T/tm-classes.json" "$file" "$TMP/$s.expect" > "$TMP/tm.out" 2>&1; then
            pass "TextMate grammar scopes the $s ($(wc -l < "$TMP/$s.expect") spans, $engine)"
        else
            fail "TextMate grammar scopes the $s ($(wc -l < "$TMP/$s.expect") spans, $engine)" "$TMP/tm.out"
        fi
    done
    # Both engines agree, when both are here.
    if [ "$TMENGINE" = node ] && have python3; then
        if python3 "$T/tmcheck.py" "$TM" "$T/tm-classes.json" "$TMP/sample.mld" "$TMP/sample.expect" > "$TMP/tm.out" 2>&1; then
            pass "TextMate grammar scopes the sample (tmcheck.py too)"
        else
            fail "TextMate grammar scopes the sample (tmcheck.py too)" "$TMP/tm.out"
        fi
    fi
fi

# The extension's client code starts `mldc lsp` from its settings
# (tests/editors/vscode_lsp.js, with stand-ins for the VS Code modules).
if ! have node; then
    skip "VS Code extension starts mldc lsp" "node not installed"
elif [ -z "$REAL" ]; then
    skip "VS Code extension starts mldc lsp" "no mldc built (set MLDC=...)"
elif limit 60 node "$T/vscode_lsp.js" "$ROOT/editors/vscode" "$MLDC" > "$TMP/vsc-lsp.out" 2>&1; then
    pass "VS Code extension starts mldc lsp from its settings ($(grep -c '^ok' "$TMP/vsc-lsp.out") checks)"
else
    fail "VS Code extension starts mldc lsp from its settings" "$TMP/vsc-lsp.out"
fi

[ "$nskip" -gt 0 ] && echo "editors: $nskip skipped"
echo "editors: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
