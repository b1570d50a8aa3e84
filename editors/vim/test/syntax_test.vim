" Headless Vim test: `vim -Nu NONE -es -S editors/vim/test/syntax_test.vim`, run from the repo root.
" Loads the plugin from editors/vim, opens the all-constructs fixture, checks filetype, syntax groups
" of chosen words, comment settings and indentation; writes one line per check to $RWF_VIM_OUT.
set nocompatible
let s:root = getcwd()
execute 'set runtimepath^=' . fnameescape(s:root . '/editors/vim')
filetype plugin indent on
syntax on

let s:out = []
let s:failed = 0
function! s:Check(name, ok, detail) abort
  call add(s:out, (a:ok ? 'ok - ' : 'not ok - ') . a:name . (a:ok ? '' : ': ' . a:detail))
  if !a:ok
    let s:failed += 1
  endif
endfunction

" The syntax group at the first occurrence of `word` on the first line matching `line_re`.
function! s:GroupAt(line_re, word) abort
  let l:lnum = search(a:line_re, 'nw')
  if l:lnum == 0
    return '<no line ' . a:line_re . '>'
  endif
  let l:col = stridx(getline(l:lnum), a:word)
  if l:col < 0
    return '<no word ' . a:word . '>'
  endif
  return synIDattr(synID(l:lnum, l:col + 1, 1), 'name')
endfunction

execute 'edit ' . fnameescape(s:root . '/editors/vscode/test/fixtures/all-constructs.rwf')
call s:Check('filetype is rwf', &filetype ==# 'rwf', &filetype)
call s:Check('syntax is loaded', get(b:, 'current_syntax', '') ==# 'rwf', get(b:, 'current_syntax', ''))
call s:Check('commentstring', &commentstring ==# '// %s', &commentstring)

for [s:line, s:word, s:group] in [
      \ ['^\s*agent draft_blog', 'agent', 'rwfStep'],
      \ ['^\s*agent draft_blog', 'draft_blog', 'rwfTaskName'],
      \ ['^\s*wait cool_down', 'wait', 'rwfStep'],
      \ ['^\s*event ci_green', 'event', 'rwfStep'],
      \ ['^\s*event ci_green', 'ci_green', 'rwfTaskName'],
      \ ['on "ci.finished" where', 'where', 'rwfSchedule'],
      \ ['timeout 2 days then continue', 'then', 'rwfSchedule'],
      \ ['timeout 2 days then continue', 'continue', 'rwfValue'],
      \ ['^template ', 'template', 'rwfDeclaration'],
      \ ['^\s*include app_store as ios', 'include', 'rwfField'],
      \ ['^\s*include app_store as ios', 'as ios', 'rwfDeclaration'],
      \ ['after ios, ios.review', 'ios.review', 'rwfTaskRef'],
      \ ['^template ', 'product_launch', 'rwfDeclName'],
      \ ['^template ', 'version', 'rwfDeclaration'],
      \ ['^use std/policies', 'use', 'rwfDeclaration'],
      \ ['^\s*param product', 'string', 'rwfType'],
      \ ['at release - 6 weeks', 'release', 'rwfRelease'],
      \ ['at release - 6 weeks', 'weeks', 'rwfUnit'],
      \ ['at release - 6 weeks', '09:00', 'rwfTime'],
      \ ['at release - 14 business', '- 14', 'rwfOperator'],
      \ ['at release - 14 business', 'business', 'rwfUnit'],
      \ ['covers 2025', '2025-01-01', 'rwfDate'],
      \ ['param release: datetime =', '2026-09-15T09:00', 'rwfDate'],
      \ ['param owner: scope', 'organization', 'rwfScopeFn'],
      \ ['weekend saturday', 'saturday', 'rwfValue'],
      \ ['after legal, draft_blog on any', 'legal', 'rwfTaskRef'],
      \ ['after legal, draft_blog on any', 'draft_blog', 'rwfTaskRef'],
      \ ['after legal, draft_blog on any', 'any', 'rwfValue'],
      \ ['before release.due', 'due', 'rwfAnchorPoint'],
      \ ['at retro.end', 'retro', 'rwfTaskAnchor'],
      \ ['at retro.end', 'end', 'rwfAnchorPoint'],
      \ ['at tuesday on or before', 'or', 'rwfAlign'],
      \ ['^\s*horizon 18', 'horizon', 'rwfDeclaration'],
      \ ['at first monday of month', 'first', 'rwfAlign'],
      \ ['at first monday of month after release', 'release', 'rwfRelease'],
      \ ['at end of month of freeze', 'end', 'rwfAlign'],
      \ ['after start of week', 'start', 'rwfAlign'],
      \ ['hook input shape_input', 'input', 'rwfHookPoint'],
      \ ['hook input shape_input', 'shape_input', 'rwfHookFn'],
      \ ['hook retry business', 'retry', 'rwfHookPoint'],
      \ ['on_reject needs', 'needs_revision', 'rwfValue'],
      \ ['approvers team', 'team', 'rwfScopeFn'],
      \ ['approvers team', 'quorum', 'rwfField'],
      \ ['Kick-off: \${product}', 'Kick-off', 'rwfString'],
      \ ['Kick-off: \${product}', 'product}', 'rwfInterpName'],
      \ ['Kick-off: \${product}', '${', 'rwfInterpDelim'],
      \ ['instructions "Run', '\"', 'rwfEscape'],
      \ ['^// Every construct', 'Every', 'rwfComment'],
      \ ['rwf-ignore RWF012', 'rwf-ignore', 'rwfIgnore'],
      \ ['jitter 0.2', '0.2', 'rwfNumber'],
      \ ['jitter 0.2', 'exponential', 'rwfValue'],
      \ ['^\s*blackout 2026-12-28', 'blackout', 'rwfField'],
      \ ['^\s*blackout 2026-12-28', '2026-12-31', 'rwfDate'],
      \ ['^\s*on_blackout move before', 'on_blackout', 'rwfField'],
      \ ['^\s*on_blackout move before', 'move', 'rwfValue'],
      \ ['on_blackout warn', 'warn', 'rwfValue'],
      \ ['include germany_berlin, acme', 'include', 'rwfField'],
      \ ]
  let s:got = s:GroupAt(s:line, s:word)
  call s:Check('syntax of "' . s:word . '" in /' . s:line . '/ is ' . s:group, s:got ==# s:group, 'got ' . s:got)
endfor

" Indentation: flatten the fixture, reindent with =, expect the original back.
let s:want = getline(1, '$')
silent %s/^\s\+//e
silent normal! gg=G
let s:got = getline(1, '$')
let s:bad = filter(range(len(s:want)), 's:want[v:val] !=# s:got[v:val]')
call s:Check('gg=G restores the fixture indentation', empty(s:bad),
      \ empty(s:bad) ? '' : 'line ' . (s:bad[0] + 1) . ': ' . string(s:got[s:bad[0]]))

" Folding: the template block folds.
call s:Check('blocks fold', foldlevel(search('^\s*agent draft_blog', 'nw') + 1) >= 2,
      \ 'foldlevel ' . foldlevel(search('^\s*agent draft_blog', 'nw') + 1))

" Every template keeps its indentation under gg=G, and its filetype is detected.
for s:file in glob(s:root . '/templates/*.rwf', 0, 1)
  execute 'edit! ' . fnameescape(s:file)
  let s:want = getline(1, '$')
  silent %s/^\s\+//e
  silent normal! gg=G
  let s:got = getline(1, '$')
  let s:bad = filter(range(len(s:want)), 's:want[v:val] !=# s:got[v:val]')
  call s:Check('indent of ' . fnamemodify(s:file, ':t'), &filetype ==# 'rwf' && empty(s:bad),
        \ empty(s:bad) ? &filetype : 'line ' . (s:bad[0] + 1) . ': ' . string(s:got[s:bad[0]]))
  silent edit!
endfor

" Conditions (`when`): the field, its connectives and its names.
execute 'edit! ' . fnameescape(s:root . '/editors/vscode/test/fixtures/conditions.rwf')
for [s:line, s:word, s:group] in [
      \ ['when beta  after', 'when', 'rwfField'],
      \ ['when beta and not', 'and', 'rwfCondition'],
      \ ['when beta and not', 'not', 'rwfCondition'],
      \ ['when "de" in locales or', 'or', 'rwfAlign'],
      \ ['when "de" in locales or', 'in', 'rwfSchedule'],
      \ ['when "de" in locales or', '"de"', 'rwfString'],
      \ ]
  let s:got = s:GroupAt(s:line, s:word)
  call s:Check('syntax of "' . s:word . '" in /' . s:line . '/ is ' . s:group, s:got ==# s:group, 'got ' . s:got)
endfor

" Expansions (`for each`, `repeat`, `occurrence`) and `when` on a phase.
execute 'edit! ' . fnameescape(s:root . '/editors/vscode/test/fixtures/expansions.rwf')
for [s:line, s:word, s:group] in [
      \ ['for each locale in', 'each', 'rwfSchedule'],
      \ ['for each locale in', 'in locales', 'rwfSchedule'],
      \ ['^\s*repeat every', 'repeat', 'rwfDeclaration'],
      \ ['^\s*repeat every', 'every', 'rwfSchedule'],
      \ ['^\s*repeat every', 'from', 'rwfSchedule'],
      \ ['^\s*repeat on', 'fri', 'rwfValue'],
      \ ['at occurrence', 'occurrence', 'rwfRelease'],
      \ ['^\s*when beta', 'when', 'rwfField'],
      \ ]
  let s:got = s:GroupAt(s:line, s:word)
  call s:Check('syntax of "' . s:word . '" in /' . s:line . '/ is ' . s:group, s:got ==# s:group, 'got ' . s:got)
endfor

" `for each` over an upstream's output.
execute 'edit! ' . fnameescape(s:root . '/editors/vscode/test/fixtures/fanout.rwf')
for [s:line, s:word, s:group] in [
      \ ['for each platform in', 'each', 'rwfSchedule'],
      \ ['for each platform in', 'build', 'rwfOutputTask'],
      \ ['for each platform in', 'output', 'rwfOutputWord'],
      \ ]
  let s:got = s:GroupAt(s:line, s:word)
  call s:Check('syntax of "' . s:word . '" in /' . s:line . '/ is ' . s:group, s:got ==# s:group, 'got ' . s:got)
endfor

" `:make` reads `rwf check --format short` into the quickfix list (the format tests/check.rs pins):
" file, line, column and type of each diagnostic; the summary line is not an entry.
execute 'edit! ' . fnameescape(s:root . '/templates/product_launch.rwf')
call s:Check('makeprg is rwf check --format short', &l:makeprg =~# 'rwf check --format short', &l:makeprg)
let &g:errorformat = &l:errorformat   " :cgetexpr reads the global value; :make the local one
cgetexpr ['templates/product_launch.rwf:66:13: error: RWF130 agent `faq-writer` is not configured in rwf.toml',
      \ 'templates/product_launch.rwf:4:9: warning: RWF018 param `budget` is never used',
      \ 'checked 1 file: 1 error, 1 warning']
let s:qf = getqflist()
call s:Check('quickfix has one entry per diagnostic', len(s:qf) == 2, string(s:qf))
if len(s:qf) == 2
  call s:Check('quickfix entry points at file:line:col',
        \ fnamemodify(bufname(s:qf[0].bufnr), ':p') ==# s:root . '/templates/product_launch.rwf'
        \ && s:qf[0].lnum == 66
        \ && s:qf[0].col == 13 && s:qf[0].type ==# 'e' && s:qf[0].text =~# '^RWF130 ',
        \ string(s:qf[0]))
  call s:Check('warnings are warnings', s:qf[1].type ==# 'w', string(s:qf[1]))
endif

call add(s:out, printf('vim: %d passed, %d failed', len(s:out) - s:failed, s:failed))
call writefile(s:out, empty($RWF_VIM_OUT) ? '/dev/stdout' : $RWF_VIM_OUT)
execute s:failed ? 'cquit' : 'qall!'
