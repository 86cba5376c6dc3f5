" Vim filetype plugin
" Language:    mld (mldc hardware design files)
"
" :make runs "mldc check" on the current file and jumps to its diagnostics,
" which are GNU style:
"
"   file:line:col: error: message
"      12 |     size = 4 ns
"         |            ^~~~
"   file:line:col: note: message

if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal comments=s1:/*,mb:*,ex:*/,://
setlocal commentstring=//\ %s
setlocal formatoptions-=t formatoptions+=croql

" Four spaces per level, never tabs.
setlocal expandtab shiftwidth=4 softtabstop=4 tabstop=8

setlocal suffixesadd=.mld
setlocal include=^\\s*import\\>

setlocal makeprg=mldc\ check\ %
" Errors, warnings and notes with a line and column; the same without a
" position ("file: error: ..."); tool-level messages ("mldc: error: ...").
" The source excerpt and caret lines under each diagnostic are dropped.
setlocal errorformat=%f:%l:%c:\ %trror:\ %m
setlocal errorformat+=%f:%l:%c:\ %tarning:\ %m
setlocal errorformat+=%f:%l:%c:\ %tote:\ %m
setlocal errorformat+=%+Gmldc:\ %.%#
setlocal errorformat+=%f:\ %trror:\ %m
setlocal errorformat+=%f:\ %tarning:\ %m
setlocal errorformat+=%f:\ %tote:\ %m
setlocal errorformat+=%-G%*[\ ]%*[0-9]\ \|%.%#
setlocal errorformat+=%-G%*[\ ]\|%.%#

let b:undo_ftplugin = 'setlocal comments< commentstring< formatoptions< expandtab< shiftwidth<'
      \ . ' softtabstop< tabstop< suffixesadd< include< makeprg< errorformat<'

let &cpo = s:cpo_save
unlet s:cpo_save
