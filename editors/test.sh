#!/usr/bin/env bash
# Editor support tests: TextMate snapshots and keyword drift (npm), the Vim plugin (headless vim),
# and packaging the VS Code extension into a .vsix. Last line: `editors: N passed, M failed`.
#
# It INSTALLS what it needs: the npm packages of editors/vscode (`npm ci` into editors/vscode/
# node_modules, from the npm registry) and, when `vim` or `nvim` is not on the PATH, `vim-nox` or
# `neovim` with apt-get (needs root). Each install is announced on stderr before it runs.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
passed=0
failed=0
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT

# Adds the counts of a `NAME: N passed, M failed` line; a step without one counts as one failure.
tally() {
  local name=$1 file=$2 status=$3 line
  line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$file" | tail -1)
  if [[ -n "$line" ]]; then
    passed=$((passed + $(sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
    if [[ $status -ne 0 && $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line") -eq 0 ]]; then
      failed=$((failed + 1))
    fi
  elif [[ $status -eq 0 ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
  if [[ $status -ne 0 ]]; then
    echo "editors: $name failed:" >&2
    tail -40 "$file" >&2
  else
    echo "editors: ${line:-$name: ok}"
  fi
}

cd "$here/vscode" || exit 2
echo "editors: installing the npm packages of editors/vscode (npm ci)" >&2
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund >"$log/npm-ci" 2>&1
else
  npm install --no-audit --no-fund >"$log/npm-ci" 2>&1
fi
tally "npm ci" "$log/npm-ci" $?

npm test --silent >"$log/textmate" 2>&1
tally "textmate" "$log/textmate" $?

if ! command -v vim >/dev/null 2>&1; then
  echo "editors: vim is not installed: installing vim-nox with apt-get" >&2
  (apt-get update -qq && apt-get install -y -qq vim-nox) >"$log/apt" 2>&1 \
    || (apt-get install -y -qq vim) >>"$log/apt" 2>&1
fi
cd "$root" || exit 2
RWF_VIM_OUT="$log/vim" vim -Nu NONE -es -S editors/vim/test/syntax_test.vim </dev/null >/dev/null 2>&1
status=$?
[[ -f "$log/vim" ]] || echo "vim: 0 passed, 1 failed (vim did not run)" >"$log/vim"
tally "vim" "$log/vim" $status

# The README's Neovim snippet, as written, with `rwf lsp` from this tree on the PATH.
if ! command -v nvim >/dev/null 2>&1; then
  echo "editors: neovim is not installed: installing neovim with apt-get" >&2
  (apt-get update -qq && apt-get install -y -qq neovim) >"$log/apt-nvim" 2>&1
fi
[[ -x "$root/target/debug/rwf" ]] || (cd "$root" && cargo build -q --bin rwf)
sed -n '/^  ```lua$/,/^  ```$/p' "$here/README.md" | sed -e '1d' -e '$d' -e 's/^  //' \
  -e "s#/path/to/rwf#$root#" >"$log/init.lua"
printf 'template t "T" version 1 {\n  checkpoint a "A" {\n    after nope\n  }\n}\n' >"$log/broken.rwf"
(cd "$log" && PATH="$root/target/debug:$PATH" RWF_NVIM_OUT="$log/nvim" RWF_NVIM_FILE="$log/broken.rwf" \
  timeout 60 nvim --headless -u "$log/init.lua" -c "luafile $here/vim/test/neovim_lsp.lua" \
  </dev/null >"$log/nvim-run" 2>&1)
status=$?
[[ -f "$log/nvim" ]] || { echo "neovim: 0 passed, 1 failed (nvim did not finish)"; cat "$log/nvim-run"; } >"$log/nvim"
tally "neovim" "$log/nvim" $status

cd "$here/vscode" || exit 2
out="$log/vsix"
mkdir -p "$out"
npx --no-install vsce package -o "$out/rwf.vsix" >"$log/vsce" 2>&1
status=$?
# The package must carry the grammar, the client and its runtime dependency, and no tests.
if [[ $status -eq 0 ]]; then
  unzip -l "$out/rwf.vsix" >"$log/vsix-list" 2>&1
  for want in extension/syntaxes/rwf.tmLanguage.json extension/extension.js \
    extension/snippets/rwf.json extension/language-configuration.json \
    extension/node_modules/vscode-languageclient/node.js; do
    grep -q "$want" "$log/vsix-list" || { echo "the .vsix lacks $want" >>"$log/vsce"; status=1; }
  done
  if grep -q 'extension/test/' "$log/vsix-list"; then
    echo "the .vsix contains the tests" >>"$log/vsce"
    status=1
  fi
  echo "vsce: $(ls -l "$out/rwf.vsix" | awk '{print $5}') bytes" >>"$log/vsce"
fi
tally "vsce package" "$log/vsce" $status

echo "editors: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
