// tmcheck.js - check the mld TextMate grammar with VS Code's own tokenizer
// (vscode-textmate + vscode-oniguruma, installed by tests/editors/run.sh
// under tests/editors/node).  Same interface and output as tmcheck.py:
//
//   node tmcheck.js NODEDIR GRAMMAR CLASSES SAMPLE EXPECT
//   node tmcheck.js NODEDIR GRAMMAR --tokenize FILE...
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

async function main(argv) {
    const req = createRequire(path.join(path.resolve(argv[0]), 'package.json'));
    const vsctm = req('vscode-textmate');
    const onig = req('vscode-oniguruma');
    const wasm = fs.readFileSync(path.join(path.dirname(req.resolve('vscode-oniguruma')), 'onig.wasm'));
    const onigLib = onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
        createOnigScanner: (p) => new onig.OnigScanner(p),
        createOnigString: (s) => new onig.OnigString(s),
    }));
    const gpath = argv[1];
    const registry = new vsctm.Registry({
        onigLib,
        loadGrammar: async (scope) =>
            scope === 'source.mld' ? vsctm.parseRawGrammar(fs.readFileSync(gpath, 'utf8'), gpath) : null,
    });
    const grammar = await registry.loadGrammar('source.mld');
    if (!grammar) throw new Error('grammar source.mld did not load');

    // Scopes of every character of every line.
    function tokenize(text) {
        let stack = vsctm.INITIAL;
        return text.split('\n').map((line) => {
            const r = grammar.tokenizeLine(line, stack);
            stack = r.ruleStack;
            const scopes = new Array(line.length + 1).fill(null);
            for (const t of r.tokens)
                for (let k = t.startIndex; k < Math.min(t.endIndex, scopes.length); k++) scopes[k] = t.scopes;
            return scopes;
        });
    }

    if (argv[2] === '--tokenize') {
        for (const f of argv.slice(3)) tokenize(fs.readFileSync(f, 'utf8'));
        return 0;
    }
    const classes = {};
    for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(argv[2], 'utf8')))) classes[k] = new RegExp(v);
    const sample = fs.readFileSync(argv[3], 'utf8');
    const lines = sample.split('\n');
    const toks = tokenize(sample);
    let fails = 0;
    for (const e of fs.readFileSync(argv[4], 'utf8').split('\n')) {
        if (!e.trim()) continue;
        const [ln, col, n, cls0] = e.trim().split(/\s+/);
        const neg = cls0.startsWith('!');
        const cls = cls0.replace(/^!/, '');
        const want = classes[cls];
        const l = +ln, c = +col, len = +n;
        const frag = lines[l - 1].substr(c - 1, len);
        for (let k = c - 1; k < c - 1 + len; k++) {
            const sc = toks[l - 1][k] || [];
            const hit = sc.some((s) => want.test(s));
            if (hit === neg) {
                console.log(`FAIL ${argv[3]}:${l}:${k + 1}: '${frag}' should ${neg ? 'not ' : ''}be ${cls}, has scopes ${sc.join(' ')}`);
                fails++;
                break;
            }
        }
    }
    return fails ? 1 : 0;
}

main(process.argv.slice(2)).then((rc) => process.exit(rc), (err) => {
    console.log('FAIL ' + (err && err.stack || err));
    process.exit(1);
});
