// extension.js - the mld extension's client side: starts `mldc lsp` for .mld
// files through vscode-languageclient, so VS Code shows mldc's diagnostics as
// you type, hovers with evaluated values, goes to definitions (into the
// stdlib), completes names, units and templates, and formats documents.
//
// Settings (package.json, "mldc.*"): the mldc program (mldc.path), its
// stdlib directory (mldc.stdlib) and parameter overrides (mldc.set, each
// "name=value", passed as --set).  Changing them restarts the server.  The
// syntax highlighting and the $mldc problem matcher need none of this.
'use strict';

const vscode = require('vscode');

let client = null;
let LanguageClient = null;
try {
    ({ LanguageClient } = require('vscode-languageclient/node'));
} catch (e) {
    LanguageClient = null; // not installed: highlighting and $mldc still work
}

// The command line that starts the server, from the "mldc" settings.
function serverCommand(cfg) {
    const args = [];
    const stdlib = cfg.get('stdlib');
    if (stdlib) args.push('--stdlib', stdlib);
    for (const s of cfg.get('set') || []) args.push('--set', s);
    args.push('lsp');
    return { command: cfg.get('path') || 'mldc', args };
}

function start() {
    const cfg = vscode.workspace.getConfiguration('mldc');
    const run = serverCommand(cfg);
    client = new LanguageClient('mldc', 'mldc language server', { run, debug: run }, {
        documentSelector: [{ scheme: 'file', language: 'mld' }, { scheme: 'untitled', language: 'mld' }],
    });
    return client.start();
}

function activate(context) {
    if (!LanguageClient) {
        vscode.window.showWarningMessage('mld: run `npm install` in the extension folder for the mldc language server');
        return undefined;
    }
    context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
        if (!e.affectsConfiguration('mldc')) return;
        if (client) await client.stop();
        await start();
    }));
    return start();
}

function deactivate() {
    return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverCommand };
