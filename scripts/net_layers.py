#!/usr/bin/python3
"""net_layers.py: check that src/net/ calls one way (docs/architecture.md).

Reads every .c file of src/net/, finds the wh_/wh__ functions and tables each
defines (not static) and the wh_/wh__ names each one uses, and draws an edge
A -> B when A uses a name B defines. Then it fails (exit 1, naming the files)
  - on any cycle of edges (a file that calls, through others, its caller);
  - when a path file (one that defines a `const wh__net_ops` table) uses the
    dispatcher (network.c) or another path file;
  - when a shared file (any other) uses the dispatcher or a path file;
  - when a file other than network.c reads a network's kind (`net->kind`).
Usage: net_layers.py SRC_NET_DIR [--print]   (--print lists the edges by layer)
"""
import pathlib
import re
import sys

DISPATCHER = "network.c"
NAME = re.compile(r"\bwh_{1,2}[A-Za-z0-9_]+")
DEFINITION = re.compile(r"^(?!static\b)(?:const\s+)?[A-Za-z_][\w \*]*?\b(wh_{1,2}\w+)\s*(?:\(|=)",
                        re.M)
TABLE = re.compile(r"^const wh__net_ops (wh__\w+)", re.M)


def strip(text):
    """The code without comments and string literals."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def graph(folder):
    code = {p.name: strip(p.read_text()) for p in sorted(folder.glob("*.c"))}
    defines = {name: set(DEFINITION.findall(text)) for name, text in code.items()}
    owner = {sym: name for name, syms in defines.items() for sym in syms}
    edges = {name: set() for name in code}
    for name, text in code.items():
        for sym in set(NAME.findall(text)) - defines[name]:
            if sym in owner:
                edges[name].add(owner[sym])
    paths = {name for name, text in code.items() if TABLE.search(text)}
    return code, edges, paths


def cycle(edges):
    """One cycle as a list of files, or None."""
    state = {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def layer(name, paths):
    return "dispatcher" if name == DISPATCHER else ("path" if name in paths else "shared")


def main():
    folder = pathlib.Path(sys.argv[1])
    code, edges, paths = graph(folder)
    faults = []
    found = cycle(edges)
    if found:
        faults.append("a circle of calls: " + " -> ".join(found))
    for a in sorted(edges):
        for b in sorted(edges[a]):
            if b == DISPATCHER or (b in paths and a != DISPATCHER):
                faults.append(f"{a} ({layer(a, paths)}) uses {b} ({layer(b, paths)})")
    for name, text in code.items():
        if name != DISPATCHER and re.search(r"net->kind\b", text):
            faults.append(f"{name} reads net->kind: only {DISPATCHER} chooses by circuit")
    if not paths:
        faults.append("no file defines a const wh__net_ops table")
    if "--print" in sys.argv:
        for kind in ("dispatcher", "path", "shared"):
            for a in sorted(n for n in edges if layer(n, paths) == kind):
                print(f"{kind:10} {a:22} -> {', '.join(sorted(edges[a])) or '(src/core only)'}")
    for fault in faults:
        print("net_layers: " + fault, file=sys.stderr)
    if not faults:
        print(f"net_layers: {len(edges)} files, {sum(map(len, edges.values()))} edges, "
              f"{len(paths)} path tables, no circle")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
