// The rflow extension: starts `rflow lsp` and connects VS Code to it over stdio.
// Everything else (diagnostics, hover, completion, formatting …) comes from the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('rflow').get('path') || 'rflow';
  const server = { command, args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient(
    'rflow',
    'rflow language server',
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: 'file', language: 'rflow' }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.rflow') },
    });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
