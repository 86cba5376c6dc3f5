// vscode_lsp.js - the VS Code extension's client code, without VS Code.
//
//   node tests/editors/vscode_lsp.js EXTENSION_DIR MLDC
//
// Loads editors/vscode/extension.js with stand-ins for the `vscode` and
// `vscode-languageclient/node` modules (which only exist inside VS Code and
// after npm install), activates it with settings, and checks that it starts
// a language client on `MLDC [--stdlib ...] [--set ...] lsp` for mld
// documents and restarts it when the settings change.  Then it runs that
// exact command and speaks the protocol to it (initialize, open a file,
// diagnostics, shutdown, exit), so the configured command is a working
// server.  Prints ok lines; exits 1 on a failure.
'use strict';
const Module = require('module');
const path = require('path');
const fs = require('fs');
const { spawn } = require('child_process');

const [extDir, mldc] = process.argv.slice(2);
let passed = 0;
function check(what, cond, detail) {
    if (!cond) {
        console.log('FAIL ' + what + (detail !== undefined ? ': ' + JSON.stringify(detail) : ''));
        process.exit(1);
    }
    passed++;
    console.log('ok   ' + what);
}

const settings = { path: mldc, stdlib: '', set: ['nop_bw=64 GB/s'] };
const clients = [];
let configListener = null;
const fakeVscode = {
    workspace: {
        getConfiguration: (section) => ({ get: (k) => (section === 'mldc' ? settings[k] : undefined) }),
        onDidChangeConfiguration: (fn) => { configListener = fn; return { dispose() {} }; },
    },
};
class FakeClient {
    constructor(id, name, server, client) {
        Object.assign(this, { id, name, server, client, started: 0, stopped: 0 });
        clients.push(this);
    }
    start() { this.started++; return Promise.resolve(); }
    stop() { this.stopped++; return Promise.resolve(); }
}
const realLoad = Module._load;
Module._load = function (request, parent, isMain) {
    if (request === 'vscode') return fakeVscode;
    if (request === 'vscode-languageclient/node') return { LanguageClient: FakeClient };
    return realLoad.call(this, request, parent, isMain);
};

function rpc(cmd, args, file) {
    return new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
        let buf = Buffer.alloc(0);
        const got = [];
        let err = '';
        const send = (m) => {
            const body = Buffer.from(JSON.stringify(Object.assign({ jsonrpc: '2.0' }, m)));
            p.stdin.write('Content-Length: ' + body.length + '\r\n\r\n');
            p.stdin.write(body);
        };
        p.stderr.on('data', (d) => { err += d; });
        p.stdout.on('data', (d) => {
            buf = Buffer.concat([buf, d]);
            for (;;) {
                const h = buf.indexOf('\r\n\r\n');
                if (h < 0) break;
                const n = +/Content-Length: (\d+)/i.exec(buf.slice(0, h).toString())[1];
                if (buf.length < h + 4 + n) break;
                const m = JSON.parse(buf.slice(h + 4, h + 4 + n).toString());
                buf = buf.slice(h + 4 + n);
                got.push(m);
                if (m.id === 1) {
                    const text = fs.readFileSync(file, 'utf8');
                    send({ method: 'initialized', params: {} });
                    send({ method: 'textDocument/didOpen', params: { textDocument:
                        { uri: 'file://' + path.resolve(file), languageId: 'mld', version: 1, text } } });
                } else if (m.method === 'textDocument/publishDiagnostics') {
                    send({ id: 2, method: 'shutdown' });
                } else if (m.id === 2) {
                    send({ method: 'exit' });
                }
            }
        });
        p.on('error', reject);
        p.on('close', (code) => resolve({ code, got, err }));
        setTimeout(() => { p.kill(); reject(new Error('the server did not finish in 20 s')); }, 20000).unref();
        send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, capabilities: {} } });
    });
}

(async () => {
    const ext = require(path.resolve(extDir, 'extension.js'));
    const subs = [];
    await ext.activate({ subscriptions: subs });
    check('activate starts one language client', clients.length === 1 && clients[0].started === 1, clients.length);
    const run = clients[0].server.run;
    check('the client runs mldc.path with --set from the settings, then lsp',
        run.command === mldc && JSON.stringify(run.args) === JSON.stringify(['--set', 'nop_bw=64 GB/s', 'lsp']), run);
    check('the client serves mld documents',
        clients[0].client.documentSelector.some((s) => s.language === 'mld'), clients[0].client.documentSelector);
    settings.stdlib = '/opt/mldc/stdlib';
    await configListener({ affectsConfiguration: (s) => s === 'mldc' });
    check('a settings change restarts the server with the new command',
        clients.length === 2 && clients[0].stopped === 1 && clients[1].started === 1 &&
        clients[1].server.run.args.slice(0, 2).join(' ') === '--stdlib /opt/mldc/stdlib', clients[1].server.run);
    await ext.deactivate();
    check('deactivate stops the client', clients[1].stopped === 1);
    settings.stdlib = '';
    const cmd = ext.serverCommand(fakeVscode.workspace.getConfiguration('mldc'));
    const r = await rpc(cmd.command, cmd.args, path.join(extDir, '..', '..', 'examples', 'chiplet.mld'));
    const init = r.got.find((m) => m.id === 1);
    check('the configured command answers initialize', init && init.result.capabilities.hoverProvider, init);
    const diag = r.got.find((m) => m.method === 'textDocument/publishDiagnostics');
    check('and publishes diagnostics for an opened file (none for chiplet.mld)',
        diag && diag.params.diagnostics.length === 0, diag);
    check('and exits 0 after shutdown and exit, nothing on stderr', r.code === 0 && r.err === '', r);
    console.log('vscode extension: ' + passed + ' checks passed');
})().catch((e) => { console.log('FAIL ' + e.stack); process.exit(1); });
