// The extension's activation with stand-ins for `vscode` and `vscode-languageclient/node`: without
// rwf it stays highlight-only and says why; with rwf it starts `rwf lsp` over stdio for rwf files.
'use strict';
const Module = require('module');
const path = require('path');
const fs = require('fs');

function load(rwfPath) {
  const seen = { messages: [], lines: [], clients: [] };
  const vscode = {
    window: {
      createOutputChannel: () => ({ appendLine: (l) => seen.lines.push(l), dispose() {} }),
      showInformationMessage: (m) => seen.messages.push(m),
    },
    workspace: { getConfiguration: () => ({ get: () => rwfPath }) },
  };
  const languageclient = {
    TransportKind: { stdio: 0 },
    LanguageClient: class {
      constructor(id, name, server, options) {
        seen.clients.push({ id, name, server, options });
      }
      start() { seen.started = true; return Promise.resolve(); }
      stop() { return Promise.resolve(); }
      dispose() {}
    },
  };
  const original = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') return languageclient;
    return original.call(this, request, parent, isMain);
  };
  const file = path.join(__dirname, '..', 'extension.js');
  delete require.cache[require.resolve(file)];
  const ext = require(file);
  return { ext, seen, restore: () => { Module._load = original; } };
}

module.exports = async function (check, assert) {
  {
    const { ext, seen, restore } = load('/nonexistent/rwf-missing');
    const context = { subscriptions: [] };
    await ext.activate(context).finally(restore);
    await check('without rwf: highlight-only and says why', () => {
      assert(seen.clients.length === 0, 'no language client');
      assert(seen.messages.length === 1 && /highlighting only/.test(seen.messages[0]), seen.messages.join('|'));
      assert(/not on the PATH/.test(seen.messages[0]), seen.messages[0]);
    });
  }
  const built = path.resolve(__dirname, '..', '..', '..', 'target', 'debug', 'rwf');
  const rwf = fs.existsSync(built) ? built : process.execPath; // node also answers --version
  {
    const { ext, seen, restore } = load(rwf);
    const context = { subscriptions: [] };
    await ext.activate(context).finally(restore);
    await check('with rwf: starts `rwf lsp` over stdio for rwf documents', () => {
      assert(seen.clients.length === 1, 'one client');
      const c = seen.clients[0];
      assert(c.server.run.command === rwf, c.server.run.command);
      assert(JSON.stringify(c.server.run.args) === '["lsp"]', JSON.stringify(c.server.run.args));
      assert(c.options.documentSelector.some((s) => s.language === 'rwf'), 'selector');
      assert(seen.started, 'client started');
      assert(seen.messages.length === 0, seen.messages.join('|'));
    });
    await ext.deactivate();
  }
};
