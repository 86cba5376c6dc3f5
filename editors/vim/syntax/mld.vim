" Vim syntax file
" Language:    mld (mldc hardware design files)
" Filenames:   *.mld
" Reference:   docs/language.md
"
" The word lists below mirror the compiler: reserved words are parse_keywords[]
" in src/lex.c, builtin names are the *_names[] tables in src/lower.c, units
" are the bases[] and prefixes[] tables in src/units.c.  tests/editors/run.sh
" checks that they stay in step.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_

" ---- Comments and strings -------------------------------------------------
syn keyword mldTodo contained TODO FIXME XXX NOTE
syn match   mldLineComment "//.*$" contains=mldTodo,@Spell
syn region  mldBlockComment start="/\*" end="\*/" contains=mldTodo,@Spell
syn match   mldEscape contained +\\.+
syn region  mldString start=+"+ skip=+\\.+ end=+"+ end=+$+ oneline contains=mldEscape

" ---- Reserved words (src/lex.c parse_keywords[]) ----------------------------
" Declarations that introduce a name.
syn keyword mldInclude   import
syn keyword mldStorage   param let nextgroup=mldDefName skipwhite
syn keyword mldStructure level nextgroup=mldLevelName skipwhite
syn keyword mldStructure workload mapping nextgroup=mldFuncName skipwhite
syn keyword mldStructure system nextgroup=mldDefName skipwhite
syn keyword mldStructure explore
syn keyword mldElement   compute memory network input weight cache op group nextgroup=mldDefName skipwhite
" Statements.
syn keyword mldStatement link sync place transfer store vary
syn keyword mldStatement attach nextgroup=mldParent skipwhite
syn keyword mldStatement split nextgroup=mldSplitDim skipwhite
syn keyword mldStatement require minimize maximize nextgroup=mldMetric skipwhite
syn keyword mldKeyword   to at on in from after step
syn keyword mldConditional if else
syn keyword mldRepeat    for

" Names being defined ('in' is excluded for "vary system in [...]").
syn match mldLevelName contained "\%(\<in\>\)\@!\<\h\w*"
syn match mldFuncName  contained "\%(\<in\>\)\@!\<\h\w*"
syn match mldDefName   contained "\%(\<in\>\)\@!\<\h\w*"

" ---- Builtin names (src/lower.c) -----------------------------------------
" dtype_names[]
syn keyword mldType fp32 bf16 fp16 fp8 int8 int4 int32
" topo_names[], opkind_names[], func_names[]: only where they are called.
syn match mldTopology "\<\%(mesh\|torus\|ring\|bus\|crossbar\|switch\|fully_connected\|tree\|custom\)\ze\s*("
syn match mldOperatorKind "\<\%(matmul\|bmm\|elementwise\|add\|mul\|gelu\|silu\|softmax\|layernorm\|rmsnorm\|attention\|embedding\|scatter_add\|append\|transpose\|split_heads\|merge_heads\|conv2d\|conv2d_dgrad\|conv2d_wgrad\|maxpool\|maxpool_backward\|avgpool\|avgpool_backward\|batchnorm\|batchnorm_backward\)\ze\s*("
syn match mldFunction "\<\%(min\|max\|ceil\|floor\|log2\|sqrt\|count\|hf_config\|pipeline_order\)\ze\s*("
" metric_names[]: after require, minimize and maximize ("minimize a, b").
syn keyword mldMetric contained latency throughput energy area power edp throughput_per_area throughput_per_watt nextgroup=mldMetricSep skipwhite
syn match   mldMetricSep contained "," nextgroup=mldMetric skipwhite skipnl
" Contextual names: split dimensions, operator classes, 'attach parent'.
syn keyword mldSplitDim contained rows cols heads batch
syn keyword mldParent contained parent
syn match   mldOpsClass "\%(\<ops\s*=\s*\)\@<=\<\%(matrix\|vector\|any\)\>"

" ---- Numbers and units (src/units.c) --------------------------------------
" A number takes a unit on the same line, with or without blanks: "1.6 TB/s",
" "16GiB", "2 FLOP/cycle", "800 mm2".  An atom is [prefix] base [2|3]; the
" prefixes each base accepts follow bases[].families.
syn match mldNumber "\<\d\+\%(\.\d\+\)\=\%([eE][-+]\=\d\+\)\=" nextgroup=mldUnit skipwhite
syn match mldUnit contained "\%(\%(Ki\|Mi\|Gi\|Ti\|Pi\|Ei\|[kMGTPEK]\)\=\%(B\|bit\)\|[kMGTPEmunpf]\=\%(s\|J\|W\|Hz\)\|[kMGTPEmunpfc]\=\%(m\)\|[kMGTPE]\=\%(FLOP\|cycles\|cycle\)\)[23]\=\%([/*]\%(\%(Ki\|Mi\|Gi\|Ti\|Pi\|Ei\|[kMGTPEK]\)\=\%(B\|bit\)\|[kMGTPEmunpf]\=\%(s\|J\|W\|Hz\)\|[kMGTPEmunpfc]\=\%(m\)\|[kMGTPE]\=\%(FLOP\|cycles\|cycle\)\)[23]\=\)*\>"

" ---- Operators ----------------------------------------------------------------
" (Longer forms are defined last so that they win where both match.)
syn match mldOperator "[-+*%!?<>=]"
syn match mldOperator "/\%([/*]\)\@!"
syn match mldOperator "==\|!=\|<=\|>=\|&&\|||"
syn match mldOperator "\.\.\|\.\*\|<->"

" Block comments may span many lines: look back for an unclosed "/*".
syn sync ccomment mldBlockComment minlines=50

" ---- Highlight links ----------------------------------------------------------
hi def link mldTodo         Todo
hi def link mldLineComment  Comment
hi def link mldBlockComment Comment
hi def link mldString       String
hi def link mldEscape       SpecialChar
hi def link mldInclude      Include
hi def link mldStorage      StorageClass
hi def link mldStructure    Structure
hi def link mldElement      Keyword
hi def link mldStatement    Statement
hi def link mldKeyword      Keyword
hi def link mldConditional  Conditional
hi def link mldRepeat       Repeat
hi def link mldLevelName    Type
hi def link mldFuncName     Function
hi def link mldDefName      Identifier
hi def link mldType         Type
hi def link mldTopology     Function
hi def link mldOperatorKind Function
hi def link mldFunction     Function
hi def link mldMetric       Constant
hi def link mldSplitDim     Constant
hi def link mldParent       Constant
hi def link mldOpsClass     Constant
hi def link mldNumber       Number
hi def link mldUnit         Special
hi def link mldOperator     Operator

let b:current_syntax = 'mld'

let &cpo = s:cpo_save
unlet s:cpo_save
