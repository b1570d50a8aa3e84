" Vim indent file for rwf release templates: one level per open `{`, `[` or `(`.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=GetRwfIndent(v:lnum)
setlocal indentkeys=0},0],0),!^F,o,O
setlocal autoindent
let b:undo_indent = 'setlocal indentexpr< indentkeys< autoindent<'

if exists('*GetRwfIndent')
  finish
endif

" The brackets a line opens minus those it closes, ignoring strings and comments.
function! s:Balance(line) abort
  let l:text = substitute(a:line, '"\%([^"\\]\|\\.\)*"', '""', 'g')
  let l:text = substitute(l:text, '//.*$', '', '')
  let l:open = len(substitute(l:text, '[^{[(]', '', 'g'))
  let l:close = len(substitute(l:text, '[^}\])]', '', 'g'))
  " A line that starts with closers was already dedented for them.
  let l:leading = len(matchstr(l:text, '^\s*\zs[}\])]*'))
  return l:open - l:close + l:leading
endfunction

function! GetRwfIndent(lnum) abort
  let l:prev = prevnonblank(a:lnum - 1)
  if l:prev == 0
    return 0
  endif
  let l:ind = indent(l:prev) + shiftwidth() * (s:Balance(getline(l:prev)) > 0 ? 1 : s:Balance(getline(l:prev)) < 0 ? -1 : 0)
  let l:leading = len(matchstr(getline(a:lnum), '^\s*\zs[}\])]*'))
  let l:ind -= shiftwidth() * l:leading
  return l:ind < 0 ? 0 : l:ind
endfunction
