" Vim syntax file
" Language: rwf release templates (.rwf)
" Keyword lists must match src/lsp/keywords.rs and grammar/rwf.pest (checked by the editor tests).
if exists('b:current_syntax')
  finish
endif
syn case match
syn iskeyword a-z,A-Z,48-57,_

" Steps: each starts a task; the key after it is the task's name.
syn keyword rwfStep checkpoint agent approval manual notification wait event nextgroup=rwfTaskName skipwhite
syn match rwfTaskName /\<[a-z_][a-z0-9_]*\>/ contained

syn keyword rwfDeclaration use version description target hooks defaults horizon repeat
syn keyword rwfDeclaration template policy calendar phase param as nextgroup=rwfDeclName skipwhite
syn match rwfDeclName /\<[a-z_][a-z0-9_]*\>/ contained

syn keyword rwfField uses input at window timeout retry labels risk approvers quorum deadline remind
syn keyword rwfField on_reject on_expire instructions assignee optional required pre_release to message
syn keyword rwfField for until on_failure on_missed on_cancel attempts backoff initial factor cap jitter
syn keyword rwfField weekend covers include holiday blackout on_blackout when
syn keyword rwfField after not_author_of nextgroup=rwfTaskRef skipwhite
syn keyword rwfField hook nextgroup=rwfHookPoint skipwhite
syn match rwfTaskRef /\%(\<\%(start\|end\|first\|second\|third\|fourth\|last\|release\)\>\)\@!\<[a-z_][a-z0-9_.]*\>\%(\s*,\s*[a-z_][a-z0-9_.]*\>\)*/ contained contains=rwfTaskRefSep
syn match rwfTaskRefSep /,/ contained
syn match rwfHookPoint /\<\%(retry\|missed\|gate\|approvers\|input\|notification\)\>/ contained nextgroup=rwfHookFn skipwhite
syn match rwfHookFn /\<[a-z_][a-z0-9_]*\>/ contained

syn keyword rwfRelease release occurrence
syn keyword rwfSchedule before in every on each from where then
syn keyword rwfAlign first second third fourth last of or
syn keyword rwfCondition and not
syn match rwfAlign /\.\@1<!\<\%(start\|end\)\>\ze\s\+of\>/
syn match rwfAnchorPoint /\.\@1<=\<\%(start\|due\|end\)\>/
syn match rwfTaskAnchor /\<[a-z_][a-z0-9_]*\ze\.\%(start\|due\|end\)\>/
" An upstream's output (`for each platform in build.output.platforms`, `when rc1.output.flag`).
syn match rwfOutputTask /\<[a-z_][a-z0-9_]*\ze\.output\>/
syn match rwfOutputWord /\.\@1<=\<output\>/
syn keyword rwfUnit minute minutes hour hours day days week weeks month months business

syn keyword rwfValue fixed exponential block skip fire_asap require_manual_decision fail abort drain
syn keyword rwfValue needs_revision cancel continue escalate reject low medium high critical
syn keyword rwfValue success failed skipped any true false warn move mon tue wed thu fri sat sun
syn keyword rwfValue monday tuesday wednesday thursday friday saturday sunday
syn keyword rwfType string datetime timezone list scope number bool date duration
syn match rwfScopeFn /\<\%(team\|user\|org\|organization\|channel\)\>\ze\s*(/

" Later definitions win at the same position: numbers first, then dates and times.
syn match rwfNumber /\<\d\+\%(\.\d\+\)\=\>/
syn match rwfDate /\<\d\{4}-\d\{2}-\d\{2}\%(T\d\{2}:\d\{2}\)\=\>/
syn match rwfTime /\<\d\{1,2}:\d\{2}\>/
syn match rwfOperator /[-+=]/
syn match rwfOperator /!=/

syn region rwfString start=/"/ skip=/\\\\\|\\"/ end=/"/ end=/$/ contains=rwfEscape,rwfInterp oneline
syn match rwfEscape /\\[\\"nt]/ contained
syn region rwfInterp matchgroup=rwfInterpDelim start=/\${/ end=/}/ contained contains=rwfInterpName oneline
syn match rwfInterpName /\<[a-z_][a-z0-9_]*\>/ contained

syn match rwfComment "//.*$" contains=rwfIgnore,rwfTodo
syn match rwfIgnore /\<rwf-ignore\s\+RWF\d\{3}\>/ contained
syn keyword rwfTodo TODO FIXME XXX contained

syn region rwfBlock start=/{/ end=/}/ transparent fold

hi def link rwfStep Structure
hi def link rwfTaskName Function
hi def link rwfDeclaration Keyword
hi def link rwfDeclName Identifier
hi def link rwfField Statement
hi def link rwfTaskRef Identifier
hi def link rwfTaskAnchor Identifier
hi def link rwfOutputTask Identifier
hi def link rwfOutputWord Special
hi def link rwfHookPoint Constant
hi def link rwfHookFn Function
hi def link rwfRelease Special
hi def link rwfSchedule Keyword
hi def link rwfAlign Keyword
hi def link rwfCondition Operator
hi def link rwfAnchorPoint Special
hi def link rwfUnit Type
hi def link rwfValue Constant
hi def link rwfType Type
hi def link rwfScopeFn Function
hi def link rwfDate Number
hi def link rwfTime Number
hi def link rwfNumber Number
hi def link rwfOperator Operator
hi def link rwfString String
hi def link rwfEscape SpecialChar
hi def link rwfInterpDelim Delimiter
hi def link rwfInterpName Identifier
hi def link rwfComment Comment
hi def link rwfIgnore PreProc
hi def link rwfTodo Todo

let b:current_syntax = 'rwf'
