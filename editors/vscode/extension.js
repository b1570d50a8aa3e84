// rwf for VS Code: highlighting and snippets always; diagnostics, navigation, hover, completion,
// formatting and the outline through `rwf lsp` when the rwf executable can be found.
'use strict';
const vscode = require('vscode');
const { execFile } = require('child_process');

let client;

/** Resolves with the version line when `<cmd> --version` runs, rejects with the reason otherwise. */
function probe(command) {
  return new Promise((resolve, reject) => {
    execFile(command, ['--version'], { timeout: 5000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(String(stdout).trim());
    });
  });
}

async function activate(context) {
  const output = vscode.window.createOutputChannel('rwf');
  context.subscriptions.push(output);
  const command = vscode.workspace.getConfiguration('rwf').get('path') || 'rwf';
  try {
    const version = await probe(command);
    output.appendLine(`starting ${command} lsp (${version})`);
  } catch (err) {
    const why =
      err && err.code === 'ENOENT'
        ? `\`${command}\` is not on the PATH`
        : `\`${command} --version\` failed: ${err && err.message}`;
    output.appendLine(`rwf: highlighting only: ${why}. Install rwf or set "rwf.path" for diagnostics.`);
    vscode.window.showInformationMessage(
      `rwf: syntax highlighting only — ${why}. Install rwf or set "rwf.path" to get live diagnostics.`,
    );
    return;
  }
  const { LanguageClient, TransportKind } = require('vscode-languageclient/node');
  const server = { command, args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient(
    'rwf',
    'rwf language server',
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: 'file', language: 'rwf' }, { scheme: 'untitled', language: 'rwf' }],
      outputChannel: output,
    },
  );
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
