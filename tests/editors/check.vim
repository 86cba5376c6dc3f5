" check.vim - run by tests/editors/run.sh inside "vim -es":
"   vim -Nu NONE -i NONE -es --cmd 'let g:sample=...|let g:expect=...|let g:out=...' -S check.vim
" Loads g:sample with the editors/vim runtime (the caller puts it on 'rtp'),
" and checks every "LINE COL LEN CLASS" of g:expect against the syntax group
" under each character.  Failures go to g:out, one a line.
let s:want = {
      \ 'keyword': '^mld\%(Include\|Storage\|Structure\|Element\|Statement\|Keyword\|Conditional\|Repeat\)$',
      \ 'def': '^mld\%(LevelName\|FuncName\|DefName\)$',
      \ 'dtype': '^mldType$',
      \ 'topology': '^mldTopology$',
      \ 'operator': '^mldOperatorKind$',
      \ 'function': '^mldFunction$',
      \ 'metric': '^mldMetric$',
      \ 'const': '^mld\%(SplitDim\|Parent\|OpsClass\)$',
      \ 'number': '^mldNumber$',
      \ 'unit': '^mldUnit$',
      \ 'comment': '^mld\%(LineComment\|BlockComment\|Todo\)$',
      \ 'string': '^mld\%(String\|Escape\)$',
      \ 'op': '^mldOperator$',
      \ }
let s:fails = []
filetype plugin indent on
syntax on
execute 'edit ' . fnameescape(g:sample)
if &filetype !=# 'mld' || get(b:, 'current_syntax', '') !=# 'mld'
  call add(s:fails, 'FAIL filetype/syntax not mld: ft=' . &filetype)
endif
for s:e in readfile(g:expect)
  if s:e =~# '^\s*$'
    continue
  endif
  let [s:l, s:c, s:n, s:cls] = split(s:e)
  let s:neg = s:cls =~# '^!'
  let s:cls = substitute(s:cls, '^!', '', '')
  for s:k in range(str2nr(s:c), str2nr(s:c) + str2nr(s:n) - 1)
    let s:name = synIDattr(synID(str2nr(s:l), s:k, 1), 'name')
    if (s:name =~# s:want[s:cls]) == s:neg
      call add(s:fails, printf("FAIL %s:%d:%d: '%s' should %sbe %s, has group '%s'", g:sample, s:l, s:k,
            \ strpart(getline(s:l), s:c - 1, s:n), s:neg ? 'not ' : '', s:cls, s:name))
      break
    endif
  endfor
endfor
call writefile(s:fails, g:out)
qa!
