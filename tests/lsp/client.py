#!/usr/bin/env python3
"""client.py - a scripted editor session against `mldc lsp`.

    python3 tests/lsp/client.py MLDC

Starts the server, plays the part of an editor over stdio (Content-Length
framing, JSON-RPC) and checks each reply: diagnostics before and after
edits (debounced, and re-published for a file that imports an edited,
unsaved buffer), hover with evaluated values and units, go to definition
into the stdlib, document symbols, completion (names, units after a number,
operators, stdlib templates), formatting, malformed input, and a clean
shutdown.  Prints one line per check and exits 1 on the first failure.
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def uri(path):
    return "file://" + path


class Server:
    def __init__(self, mldc):
        self.p = subprocess.Popen([mldc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=ROOT)
        self.buf = b""
        self.next_id = 1
        self.notes = []  # notifications received, oldest first

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def send_raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def read(self, timeout=10.0):
        end = time.time() + timeout
        while True:
            head = self.buf.find(b"\r\n\r\n")
            if head >= 0:
                n = None
                for line in self.buf[:head].split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                assert n is not None, "reply without Content-Length"
                if len(self.buf) >= head + 4 + n:
                    body = self.buf[head + 4:head + 4 + n]
                    self.buf = self.buf[head + 4 + n:]
                    return json.loads(body)
            left = end - time.time()
            if left <= 0:
                raise AssertionError("no message from the server within %.0f s" % timeout)
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError("the server closed its output (exit %s)" % self.p.poll())
                self.buf += chunk

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == rid and "method" not in m:
                return m
            self.notes.append(m)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, u, timeout=10.0):
        """The next diagnostics published for uri u."""
        for i, m in enumerate(self.notes):
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == u:
                del self.notes[i]
                return m["params"]["diagnostics"]
        end = time.time() + timeout
        while True:
            m = self.read(max(0.1, end - time.time()))
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == u:
                return m["params"]["diagnostics"]
            self.notes.append(m)


passed = 0


def check(what, cond, detail=""):
    global passed
    if not cond:
        print("FAIL %s%s" % (what, (": " + str(detail)[:2000]) if detail else ""))
        sys.exit(1)
    passed += 1
    print("ok   %s" % what)


def pos_of(text, needle, nth=0, plus=0):
    """Protocol position of the nth occurrence of needle (plus chars)."""
    off = -1
    for _ in range(nth + 1):
        off = text.index(needle, off + 1)
    off += plus
    line = text.count("\n", 0, off)
    col = off - (text.rfind("\n", 0, off) + 1)
    return {"line": line, "character": col}


def main():
    mldc = os.path.abspath(sys.argv[1])
    s = Server(mldc)
    r = s.request("initialize", {"processId": None, "rootUri": uri(ROOT), "capabilities": {}})
    caps = r["result"]["capabilities"]
    check("initialize: capabilities", caps.get("hoverProvider") and caps.get("definitionProvider")
          and caps.get("documentFormattingProvider") and "completionProvider" in caps, caps)
    s.notify("initialized", {})

    # --- an example opens clean ---
    path = os.path.join(ROOT, "examples", "chiplet.mld")
    text = open(path).read()
    u = uri(path)
    s.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "mld", "version": 1, "text": text}})
    d = s.diagnostics(u)
    check("open examples/chiplet.mld: no diagnostics", d == [], d)

    # --- an edit that breaks a dimension, in three keystrokes (debounced) ---
    p = pos_of(text, "nop_bw = 100 GB/s", plus=13)
    for k, ch in enumerate(["n", "s", ""]):
        # type "ns" over "GB/s" in pieces: 100 nGB/s -> 100 nsGB/s -> 100 ns
        if ch:
            start = {"line": p["line"], "character": p["character"] + k}
            s.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2 + k},
                                                "contentChanges": [{"range": {"start": start, "end": start},
                                                                    "text": ch}]})
        else:
            a = {"line": p["line"], "character": p["character"] + 2}
            b = {"line": p["line"], "character": p["character"] + 6}
            s.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 4},
                                                "contentChanges": [{"range": {"start": a, "end": b}, "text": ""}]})
    d = s.diagnostics(u)
    msgs = [x["message"] for x in d]
    check("edit nop_bw to 100 ns: one check after the burst, an error naming both dimensions",
          any(x["severity"] == 1 and "bandwidth" in x["message"] and "time" in x["message"] for x in d), d)
    extra = [m for m in s.notes if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == u]
    time.sleep(0.5)
    check("debounce: no diagnostics for the intermediate keystrokes", not extra, extra)
    line = d[0]["range"]["start"]["line"]
    check("the error points into the file", 0 <= line < text.count("\n") + 1, d[0])
    s.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 5},
                                        "contentChanges": [{"text": text}]})
    d = s.diagnostics(u)
    check("undo the edit: diagnostics cleared", d == [], d)

    # --- hover ---
    r = s.request("textDocument/hover", {"textDocument": {"uri": u}, "position": pos_of(text, "nop_bw", plus=2)})
    hv = r["result"]["contents"]["value"]
    check("hover param nop_bw: kind and value with units", "param" in hv and "100 GB/s" in hv, hv)
    r = s.request("textDocument/hover", {"textDocument": {"uri": u}, "position": pos_of(text, "level Chiplet", plus=8)})
    hv = r["result"]["contents"]["value"]
    check("hover level Chiplet: instance count and per-instance rates",
          "4 instances in system `top`" in hv and "256 GFLOP/s" in hv and "8 MiB" in hv, hv)
    r = s.request("textDocument/hover", {"textDocument": {"uri": u}, "position": pos_of(text, "level PE", plus=7)})
    hv = r["result"]["contents"]["value"]
    check("hover level PE: 64 instances, 128 GFLOP/s MACs", "64 instances" in hv and "128 GFLOP/s" in hv, hv)
    r = s.request("textDocument/hover", {"textDocument": {"uri": u}, "position": pos_of(text, "workload w", plus=9)})
    hv = r["result"]["contents"]["value"]
    check("hover workload w: operators and FLOPs", "operators" in hv and "FLOP" in hv, hv)

    # --- definition, into the stdlib ---
    r = s.request("textDocument/definition", {"textDocument": {"uri": u}, "position": pos_of(text, "gpt2(", plus=1)})
    loc = r["result"]
    check("definition of gpt2: std/llm.mld", loc and loc["uri"].endswith("/stdlib/std/llm.mld"), loc)
    target = open(loc["uri"][7:]).read().split("\n")[loc["range"]["start"]["line"]]
    check("definition of gpt2: the template's line", target.startswith("workload gpt2("), target)
    r = s.request("textDocument/definition", {"textDocument": {"uri": u}, "position": pos_of(text, "mesh(pe)", plus=6)})
    loc = r["result"]
    check("definition of pe (in mesh(pe)): the space matrix in the same file",
          loc and loc["uri"] == u and text.split("\n")[loc["range"]["start"]["line"]].strip().startswith("pe: PE"), loc)

    # --- document symbols ---
    r = s.request("textDocument/documentSymbol", {"textDocument": {"uri": u}})
    names = [x["name"] for x in r["result"]]
    check("document symbols: levels, system, workload, mapping, params",
          all(n in names for n in ["PE", "Chiplet", "Package", "top", "w", "layer_per_chiplet", "pkg_x"]), names)
    chiplet = [x for x in r["result"] if x["name"] == "Chiplet"][0]
    check("document symbols: a level's elements as children",
          {"gbuf", "gpe", "pe", "noc"} <= {c["name"] for c in chiplet["children"]}, chiplet)

    # --- completion ---
    scratch = tempfile.mkdtemp(prefix="mldc-lsp-")
    cu = uri(os.path.join(scratch, "draft.mld"))
    draft = 'import "std/llm"\nparam pkg_count = 4\nparam bw = 3 G\nlet z = pkg\nworkload q = gp\n'
    s.notify("textDocument/didOpen", {"textDocument": {"uri": cu, "languageId": "mld", "version": 1, "text": draft}})
    r = s.request("textDocument/completion", {"textDocument": {"uri": cu}, "position": pos_of(draft, "3 G", plus=3)})
    labels = [x["label"] for x in r["result"]["items"]]
    check("completion after a number: units", "GB/s" in labels and "GHz" in labels and "pkg_count" not in labels, labels)
    r = s.request("textDocument/completion", {"textDocument": {"uri": cu}, "position": pos_of(draft, "= pkg", plus=5)})
    labels = [x["label"] for x in r["result"]["items"]]
    check("completion of names in scope", "pkg_count" in labels, labels)
    r = s.request("textDocument/completion", {"textDocument": {"uri": cu}, "position": pos_of(draft, "= gp", plus=4)})
    labels = [x["label"] for x in r["result"]["items"]]
    check("completion of imported stdlib templates", "gpt2" in labels and "gpt2_decode" in labels, labels)
    s.notify("textDocument/didChange", {"textDocument": {"uri": cu, "version": 2},
                                        "contentChanges": [{"text": "param a = 1\nlet b = ma"}]})
    r = s.request("textDocument/completion", {"textDocument": {"uri": cu}, "position": {"line": 1, "character": 10}})
    labels = [x["label"] for x in r["result"]["items"]]
    check("completion: operators and keywords", "matmul" in labels and "mapping" in labels, labels)
    s.notify("textDocument/didChange", {"textDocument": {"uri": cu, "version": 3},
                                        "contentChanges": [{"text": "level X { }\nlet b = Tpu"}]})
    r = s.request("textDocument/completion", {"textDocument": {"uri": cu}, "position": {"line": 1, "character": 11}})
    items = {x["label"]: x for x in r["result"]["items"]}
    check("completion: stdlib templates not yet imported, with their module",
          "TpuV4" in items and "std/tpu" in items["TpuV4"].get("detail", ""), list(items))

    # --- formatting ---
    ugly = "param  x=1\nlevel L{\ncompute c{rate=x*1 FLOP/cycle;clock=1GHz}\n}\n"
    s.notify("textDocument/didChange", {"textDocument": {"uri": cu, "version": 4}, "contentChanges": [{"text": ugly}]})
    r = s.request("textDocument/formatting", {"textDocument": {"uri": cu}, "options": {"tabSize": 4, "insertSpaces": True}})
    edits = r["result"]
    want = subprocess.run([mldc, "fmt", "-"], input=ugly.encode(), capture_output=True).stdout.decode()
    check("formatting: one edit with mldc fmt's text", len(edits) == 1 and edits[0]["newText"] == want
          and want.startswith("param x = 1\n"), edits)

    # --- an unsaved change to an imported file re-checks its importer ---
    lib = os.path.join(scratch, "lib.mld")
    main_ = os.path.join(scratch, "main.mld")
    with open(lib, "w") as f:
        f.write("param bw = 10 GB/s\n")
    main_text = 'import "lib"\nparam t = 1 GB / bw\n'
    with open(main_, "w") as f:
        f.write(main_text)
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri(main_), "languageId": "mld", "version": 1,
                                                       "text": main_text}})
    d = s.diagnostics(uri(main_))
    check("importer opens clean", d == [], d)
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri(lib), "languageId": "mld", "version": 1,
                                                       "text": "param bw = 10 GB/s\n"}})
    s.diagnostics(uri(lib))
    d = s.diagnostics(uri(main_))
    check("opening the imported file re-checks its importer (its buffer now stands for the file)", d == [], d)
    s.notify("textDocument/didChange", {"textDocument": {"uri": uri(lib), "version": 2},
                                        "contentChanges": [{"text": "param bandwidth = 10 GB/s\n"}]})
    d = s.diagnostics(uri(main_))
    check("edit the imported buffer (unsaved): the importer gets 'bw' unknown",
          any("bw" in x["message"] for x in d), d)
    r = s.request("textDocument/definition", {"textDocument": {"uri": uri(main_)},
                                              "position": pos_of(main_text, "lib", plus=1)})
    check("definition on an import: the imported file", r["result"] and r["result"]["uri"] == uri(lib), r)

    # --- half-typed and malformed input never crash it ---
    for k, t in enumerate(["level X {", "level X { compute c { rate = ", "mapping m on", "\x00\xff{{{[[[(((",
                           "param p = 1 GB/", "import \"", "workload w = gpt2(layers = "]):
        s.notify("textDocument/didChange", {"textDocument": {"uri": cu, "version": 10 + k},
                                            "contentChanges": [{"text": t}]})
        r = s.request("textDocument/hover", {"textDocument": {"uri": cu}, "position": {"line": 0, "character": len(t)}})
        s.request("textDocument/completion", {"textDocument": {"uri": cu}, "position": {"line": 0, "character": 3}})
        s.request("textDocument/documentSymbol", {"textDocument": {"uri": cu}})
    d = s.diagnostics(cu)
    check("half-typed text: a syntax error published", any(x["severity"] == 1 for x in d), d)
    s.notify("textDocument/didChange", {"textDocument": {"uri": cu, "version": 99},
                                        "contentChanges": [{"range": {"start": {"line": 50, "character": 9},
                                                                      "end": {"line": -3, "character": 0}},
                                                            "text": "x"}]})
    s.send_raw(b"Content-Length: 9\r\n\r\nnot json!")
    r = s.read()
    check("malformed JSON: a parse error reply", r.get("error", {}).get("code") == -32700, r)
    r = s.request("textDocument/nonsense", {})
    check("unknown method: method not found", r.get("error", {}).get("code") == -32601, r)
    r = s.request("textDocument/hover", [1, 2])
    check("bad params: invalid params", r.get("error", {}).get("code") == -32602, r)

    # --- shutdown ---
    r = s.request("shutdown", None)
    check("shutdown", "result" in r and r["result"] is None, r)
    s.notify("exit", None)
    rc = s.p.wait(timeout=10)
    err = s.p.stderr.read()
    check("exit status 0, nothing on stderr", rc == 0 and not err, (rc, err))
    print("lsp: %d checks passed" % passed)


if __name__ == "__main__":
    main()
