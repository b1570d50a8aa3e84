-- Run by editors/test.sh after the README's Neovim snippet (loaded as init.lua): opens a template with
-- an unknown dependency and waits for `rwf lsp` to report it. Writes `neovim: N passed, M failed` to
-- $RWF_NVIM_OUT, then quits.
local function finish(line)
  local f = assert(io.open(os.getenv('RWF_NVIM_OUT'), 'w'))
  f:write(line .. '\n')
  f:close()
  vim.cmd('qa!')
end

vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('RWF_NVIM_FILE')))
local got = vim.wait(20000, function()
  return #vim.diagnostic.get(0) > 0
end, 100)
if not got then
  finish(string.format('neovim: 0 passed, 1 failed (no diagnostic; filetype %q, %d LSP client(s))',
    vim.bo.filetype, #vim.lsp.get_active_clients()))
  return
end
local seen = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  if d.lnum == 2 and d.message:find('nope', 1, true) then
    finish('neovim: 1 passed, 0 failed')
    return
  end
  table.insert(seen, string.format('line %d: %s', d.lnum + 1, d.message))
end
finish('neovim: 0 passed, 1 failed (no diagnostic about `nope` on line 3: ' .. table.concat(seen, '; ') .. ')')
