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
" `gq` and `=` stay Vim's; `:RwfFmt` runs the canonical formatter over the buffer.
command! -buffer RwfFmt execute '%!rwf fmt --stdin'
" `:make` lints the file with the same checker as the language server.
setlocal makeprg=rwf\ check\ %
setlocal errorformat=%E%f:%l:%c:\ error[%*[^]]]:\ %m,%W%f:%l:%c:\ warning[%*[^]]]:\ %m,%-G%.%#

let b:undo_ftplugin = 'setlocal comments< commentstring< shiftwidth< softtabstop< expandtab<'
      \ . ' iskeyword< foldmethod< foldlevel< suffixesadd< makeprg< errorformat<'
      \ . ' | delcommand RwfFmt'
