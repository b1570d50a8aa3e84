" Vim filetype plugin for rwf release templates (.rwf)
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal comments=://
setlocal commentstring=//\ %s
setlocal shiftwidth=2 softtabstop=2 expandtab
setlocal iskeyword=a-z,A-Z,48-57,_
setlocal foldmethod=syntax
setlocal foldlevel=99
setlocal suffixesadd=.rwf
" `gq` and `=` stay Vim's; `:RwfFmt` saves, runs `rwf fmt` on the file and reloads it.
command! -buffer -bar RwfFmt update | execute 'silent !rwf fmt ' . shellescape(expand('%:p')) | edit | redraw!
" `:make` runs `rwf check --format short` on the file: one `file:line:col: error: CODE message` line
" per diagnostic, read into the quickfix list (`:copen`); the summary line is skipped.
setlocal makeprg=rwf\ check\ --format\ short\ %
setlocal errorformat=%f:%l:%c:\ %trror:\ %m,%f:%l:%c:\ %tarning:\ %m,%-G%.%#

let b:undo_ftplugin = 'setlocal comments< commentstring< shiftwidth< softtabstop< expandtab<'
      \ . ' iskeyword< foldmethod< foldlevel< suffixesadd< makeprg< errorformat<'
      \ . ' | delcommand RwfFmt'
