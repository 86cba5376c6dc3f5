" Vim indent file
" Language:    mld (mldc hardware design files)
"
" The rules of "mldc fmt" (src/fmt.c), so that re-indenting formatted text
" changes nothing (the same as editors/emacs/mld-mode.el):
"  - one level ('shiftwidth', 4 in the ftplugin) per open '{'; a line that
"    starts with '}' is dedented once per leading '}';
"  - inside an open '(' or '[', one level more than the line that opened the
"    innermost one; a line that starts with ')' or ']' lines up with the line
"    that opened the bracket it closes;
"  - a line that continues a statement (the code before it ends with an
"    operator, ',', ':' or a reserved word: a newline there ends no
"    statement) is indented one level;
"  - lines inside a block comment are left as they are.

if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=GetMldIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O
setlocal autoindent nolisp nosmartindent nocindent

let b:undo_indent = 'setlocal indentexpr< indentkeys< autoindent< lisp< smartindent< cindent<'

if exists('*GetMldIndent')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Reserved words (src/lex.c parse_keywords[]): a newline after one of them
" ends no statement.
let s:keywords = ['import', 'param', 'let', 'level', 'system', 'compute',
      \ 'memory', 'network', 'link', 'attach', 'to', 'at', 'workload', 'input',
      \ 'weight', 'cache', 'op', 'group', 'mapping', 'on', 'for', 'in', 'place',
      \ 'split', 'transfer', 'from', 'store', 'sync', 'after', 'explore', 'vary',
      \ 'require', 'minimize', 'maximize', 'if', 'else', 'step']

function! s:InComment(lnum, col) abort
  return synIDattr(synID(a:lnum, a:col, 0), 'name') =~# 'Comment\|Todo'
endfunction

" Skip expression for searchpairpos(): brackets in comments and strings.
" Asking the syntax engine is slow in long blocks, so a line without '"' or
" '/' is known to hold neither when the buffer has no block comment
" (s:noblock, set by s:Context).
let s:noblock = 0
function! s:Skip() abort
  if s:noblock && getline('.') !~# '["/]'
    return 0
  endif
  return synIDattr(synID(line('.'), col('.'), 0), 'name') =~# 'Comment\|Todo\|String\|Escape'
endfunction

" The nearest line before lnum that starts a top-level declaration (these
" reserved words start a statement only outside any block), where every
" bracket is closed: the searches below stop there.  0 if none.
function! s:SyncLine(lnum) abort
  let save = getcurpos()
  call cursor(a:lnum, 1)
  let l = 0
  while 1
    let l = search('^\s*\%(level\|workload\|mapping\|explore\|system\|import\)\>', 'bW')
    if l == 0 || !s:InComment(l, match(getline(l), '\S') + 1)
      break
    endif
  endwhile
  call setpos('.', save)
  return l
endfunction

" [depth, brackets] at the start of lnum: the number of open '{', and the
" positions of the '(' and '[' opened since the innermost '{', innermost
" first.
function! s:Context(lnum) abort
  let save = getcurpos()
  let skip = 's:Skip()'
  let s:noblock = search('/\*', 'nw') == 0
  let stop = s:SyncLine(a:lnum)
  call cursor(a:lnum, 1)
  let brace = searchpairpos('{', '', '}', 'bW', skip, stop)
  let depth = 0
  let p = brace
  while p[0] > 0
    let depth += 1
    let p = searchpairpos('{', '', '}', 'bW', skip, stop)
  endwhile
  let brackets = []
  let stop = max([stop, brace[0]])
  call cursor(a:lnum, 1)
  while 1
    let a = searchpairpos('(', '', ')', 'bnW', skip, stop)
    let b = searchpairpos('\[', '', '\]', 'bnW', skip, stop)
    let q = (a[0] > b[0] || (a[0] == b[0] && a[1] > b[1])) ? a : b
    if q[0] == 0 || q[0] < brace[0] || (q[0] == brace[0] && q[1] < brace[1])
      break
    endif
    call add(brackets, q)
    call cursor(q[0], q[1])
  endwhile
  call setpos('.', save)
  return [depth, brackets]
endfunction

" The column of the last code character of line lnum (not blank, not in a
" comment), or 0.
function! s:LastCode(lnum) abort
  let line = getline(a:lnum)
  let n = len(line)
  let i = match(line, '\S')
  if i < 0
    return 0
  endif
  if strpart(line, i) !~# '^/[*/]' && s:InComment(a:lnum, i + 1)
    " The line starts inside a block comment.
    let e = stridx(line, '*/')
    if e < 0
      return 0
    endif
    let i = e + 2
  endif
  let last = 0
  while i < n
    let j = match(line, '["/]', i)
    let j = j < 0 ? n : j
    let k = match(strpart(line, i, j - i), '\S\s*$')
    if k >= 0
      let last = i + k + 1
    endif
    if j >= n
      break
    elseif line[j] ==# '"'
      let i = matchend(line, '"\%([^"\\]\|\\.\)*"\=', j)
      let last = i
    elseif line[j + 1] ==# '/'
      break
    elseif line[j + 1] ==# '*'
      let e = stridx(line, '*/', j + 2)
      if e < 0
        break
      endif
      let i = e + 2
    else
      let last = j + 1
      let i = j + 1
    endif
  endwhile
  return last
endfunction

" Does a newline after the code before lnum end a statement?  As in the
" scanner: the last token is a name, a number (with or without its unit), a
" string, ')', ']', '}' or '.*'; or ';', '{' or nothing at all.
function! s:StatementEnded(lnum) abort
  let l = a:lnum - 1
  while l > 0
    let c = s:LastCode(l)
    if c > 0
      let line = getline(l)
      let ch = line[c - 1]
      if ch =~# '[;{})\]"]'
        return 1
      elseif ch ==# '*'
        return c > 1 && line[c - 2] ==# '.'
      elseif ch =~# '\w'
        return index(s:keywords, matchstr(strpart(line, 0, c), '\w\+$')) < 0
      endif
      return 0
    endif
    let l -= 1
  endwhile
  return 1
endfunction

function! GetMldIndent(lnum) abort
  let sw = shiftwidth()
  let cur = getline(a:lnum)
  " Inside a block comment: leave the line alone.
  let first = match(cur, '\S') + 1
  if first > 0 && cur !~# '^\s*/[/*]' && s:InComment(a:lnum, first)
    return -1
  endif
  let [depth, brackets] = s:Context(a:lnum)
  let lead_brace = len(substitute(matchstr(cur, '^\%(\s*}\)*'), '\s', '', 'g'))
  if lead_brace > 0
    return sw * max([0, depth - lead_brace])
  endif
  let lead_close = len(substitute(matchstr(cur, '^\%(\s*[)\]]\)*'), '\s', '', 'g'))
  let nopen = len(brackets)
  if lead_close > 0 && nopen > 0
    return indent(brackets[min([lead_close, nopen]) - 1][0])
  elseif nopen > 0
    return indent(brackets[0][0]) + sw
  endif
  return sw * depth + (s:StatementEnded(a:lnum) ? 0 : sw)
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
