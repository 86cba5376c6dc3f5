#!/usr/bin/env python3
"""tmcheck.py - check the mld TextMate grammar without VS Code.

A small TextMate tokenizer (match and begin/end rules, captures, includes of
#repository entries and $self) on Python's `re`, used by tests/editors/run.sh
when vscode-textmate is not installed.  Oniguruma-only regex syntax is
translated where Python has an equivalent and reported otherwise.

    tmcheck.py GRAMMAR CLASSES SAMPLE EXPECT    check expected scopes
    tmcheck.py GRAMMAR --tokenize FILE...       tokenize (smoke test)

EXPECT has one expectation a line, "LINE COL LEN CLASS" (1-based line and
column): every character of the span must carry a scope that matches the
CLASS's regex in the CLASSES JSON file ("!CLASS" in EXPECT: none may).
Failures are printed one a line; the exit status is 1 if there are any.
"""
import json
import re
import sys


def translate(rx):
    """Oniguruma -> Python re, for the subset TextMate grammars use."""
    out = rx.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!")
    out = out.replace("\\h", "[0-9A-Fa-f]").replace("\\A", "^").replace("\\z", "\\Z")
    for bad in ("\\G", "*+", "++", "?+", "(?>", "\\p{", "(?~"):
        if bad in out:
            raise ValueError("unsupported oniguruma syntax %r in %r" % (bad, rx))
    return re.compile(out)


class Grammar:
    def __init__(self, path):
        with open(path) as f:
            self.g = json.load(f)
        self.repo = self.g.get("repository", {})
        self.cache = {}
        self.errors = []

    def rx(self, src):
        if src not in self.cache:
            try:
                self.cache[src] = translate(src)
            except (re.error, ValueError) as e:
                self.errors.append("regex %r: %s" % (src, e))
                self.cache[src] = re.compile(r"(?!)")
        return self.cache[src]

    def flatten(self, patterns, seen=None):
        """The concrete (match or begin) rules of a pattern list, in order."""
        seen = set() if seen is None else seen
        rules = []
        for p in patterns:
            inc = p.get("include")
            if inc is None:
                if "match" in p or "begin" in p:
                    rules.append(p)
                elif "patterns" in p:
                    rules.extend(self.flatten(p["patterns"], seen))
                continue
            if inc in ("$self", "$base"):
                key, target = inc, {"patterns": self.g["patterns"]}
            elif inc.startswith("#"):
                key, target = inc, self.repo.get(inc[1:])
                if target is None:
                    self.errors.append("include of unknown repository entry %s" % inc)
                    continue
            else:
                continue  # other grammars: not used by mld
            if key in seen:
                continue
            rules.extend(self.flatten([target], seen | {key}))
        return rules


def tokenize(gr, lines):
    """Scopes of every character: a list (per line) of lists of tuples."""
    root = {"patterns": gr.g["patterns"]}
    stack = [(root, None, gr.g["scopeName"])]   # (rule, end regex, scope names)
    result = []
    flat_cache = {}

    def rules_of(rule):
        k = id(rule)
        if k not in flat_cache:
            flat_cache[k] = gr.flatten(rule.get("patterns", []))
        return flat_cache[k]

    def scopes_of_stack():
        out = []
        for _, _, names in stack:
            out.extend(n for n in names.split("\0") if n)
        return tuple(out)

    for text in lines:
        line = text + "\n"
        scopes = [None] * len(line)
        pos = 0
        stuck = 0
        while pos <= len(line):
            rule, end_rx, _ = stack[-1]
            best = None
            if end_rx is not None:
                m = end_rx.search(line, pos)
                if m:
                    best = (m.start(), 0, "end", None, m)
            for i, r in enumerate(rules_of(rule)):
                m = gr.rx(r.get("match") or r.get("begin")).search(line, pos)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), i + 1, "begin" if "begin" in r else "match", r, m)
            base = scopes_of_stack()
            if best is None:
                for k in range(pos, len(line)):
                    scopes[k] = base
                break
            start, _, kind, r, m = best
            for k in range(pos, start):
                scopes[k] = base

            def paint(m, names, caps):
                for k in range(m.start(), m.end()):
                    scopes[k] = names
                for gi in sorted(caps, key=lambda x: int(x)):
                    n = caps[gi].get("name")
                    gi = int(gi)
                    if n and gi <= (m.re.groups) and m.start(gi) >= 0:
                        for k in range(m.start(gi), m.end(gi)):
                            scopes[k] = (scopes[k] or names) + (n,)

            if kind == "end":
                prule = stack[-1][0]
                caps = prule.get("endCaptures") or prule.get("captures") or {}
                paint(m, base, caps)
                stack.pop()
            elif kind == "match":
                names = base + ((r["name"],) if r.get("name") else ())
                paint(m, names, r.get("captures", {}))
            else:
                names = base + ((r["name"],) if r.get("name") else ())
                paint(m, names, r.get("beginCaptures") or r.get("captures") or {})
                inner = "\0".join(x for x in (r.get("name"), r.get("contentName")) if x)
                stack.append((r, gr.rx(r["end"]), inner))
            if m.end() == pos:
                stuck += 1
                if stuck > 3:           # no progress: give up on this line
                    for k in range(pos, len(line)):
                        scopes[k] = scopes[k] or scopes_of_stack()
                    break
            else:
                stuck = 0
            pos = m.end()
            if pos >= len(line):
                break
        result.append(scopes)
    return result


def main(argv):
    if len(argv) >= 3 and argv[2] == "--tokenize":
        gr = Grammar(argv[1])
        for f in argv[3:]:
            with open(f) as fh:
                tokenize(gr, fh.read().split("\n"))
        for e in gr.errors:
            print("FAIL grammar: %s" % e)
        return 1 if gr.errors else 0
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    gr = Grammar(argv[1])
    with open(argv[2]) as f:
        classes = {k: re.compile(v) for k, v in json.load(f).items()}
    with open(argv[3]) as f:
        lines = f.read().split("\n")
    toks = tokenize(gr, lines)
    fails = 0
    with open(argv[4]) as f:
        for e in f:
            if not e.strip():
                continue
            ln, col, n, cls = e.split()
            ln, col, n = int(ln), int(col), int(n)
            neg = cls.startswith("!")
            want = classes[cls.lstrip("!")]
            frag = lines[ln - 1][col - 1:col - 1 + n]
            for k in range(col - 1, col - 1 + n):
                sc = toks[ln - 1][k] or ()
                hit = any(want.search(s) for s in sc)
                if hit == neg:
                    print("FAIL %s:%d:%d: %r should %sbe %s, has scopes %s"
                          % (argv[3], ln, k + 1, frag, "not " if neg else "",
                             cls.lstrip("!"), " ".join(sc)))
                    fails += 1
                    break
    for e in gr.errors:
        print("FAIL grammar: %s" % e)
        fails += 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
