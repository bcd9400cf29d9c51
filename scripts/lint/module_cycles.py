#!/usr/bin/env python3
"""Fails when the modules of a Rust crate import each other in a cycle.

The crate graph already enforces the direction between crates (cargo
refuses cyclic dependencies); this does the same between the modules
inside each crate. A module is a source file; an edge is any path through
`crate::`, `super::` or a child module's name (`rules::RuleSet` where
`mod rules;` is declared). Test modules are included: they import, nobody
imports them.

usage: module_cycles.py CRATE_DIR...
"""
import re
import sys
from pathlib import Path

PATH = re.compile(r"(?<![\w:])(crate|super|self)::(\{[^{}]*\}|\w+(?:::\w+)*)")
MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.M)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def modules(src):
    """Module path (tuple) -> file, for every .rs file under src."""
    found = {}
    for file in src.rglob("*.rs"):
        parts = list(file.relative_to(src).with_suffix("").parts)
        if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
            parts = parts[:-1]
        found[tuple(parts)] = file
    return found


REEXPORT = re.compile(r"^\s*pub use (\w+)::(\{[^{}]*\}|\w+)\s*;", re.M)


def reexports(root_file):
    """Names the crate root re-exports from its modules: name -> module.
    `crate::Stack` then means the module that defines it, not the root."""
    found = {}
    for module, items in REEXPORT.findall(strip_comments(root_file.read_text())):
        for item in items.strip("{}").split(","):
            name = item.strip().split(" as ")[-1].split("::")[-1]
            if name:
                found[name] = (module,)
    return found


def resolve(path, known, aliases):
    """The deepest known module a path (tuple of names) lies in."""
    if path and path[0] in aliases:
        path = aliases[path[0]] + path
    for end in range(len(path), -1, -1):
        if path[:end] in known:
            return path[:end]
    return ()


def edges(module, file, known, aliases):
    text = strip_comments(file.read_text())
    out = set()
    for base, rest in PATH.findall(text):
        start = {"crate": (), "super": module[:-1], "self": module}[base]
        items = rest[1:-1].split(",") if rest.startswith("{") else [rest]
        for item in items:
            names = tuple(n for n in item.strip().split("::") if n and n != "*" and n != "self")
            out.add(resolve(start + names, known, aliases if not start else {}))
    for child in MOD.findall(text):
        if re.search(rf"(?<![\w:]){child}::", text):
            out.add(module + (child,))
    out.discard(module)
    return out


def cycle(graph):
    """One cycle as a list of modules, or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def main(crates):
    failed = False
    for crate in crates:
        src = Path(crate) / "src"
        known = modules(src)
        aliases = reexports(known[()]) if () in known else {}
        graph = {m: edges(m, f, known, aliases) for m, f in known.items()}
        found = cycle(graph)
        name = lambda m: "::".join(("crate",) + m)
        if found:
            failed = True
            print(f"{crate}: import cycle: {' -> '.join(map(name, found))}", file=sys.stderr)
        else:
            print(f"{crate}: {len(known)} modules, no import cycle")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
