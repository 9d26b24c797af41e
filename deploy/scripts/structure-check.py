#!/usr/bin/env python3
"""Checks the shape of every crate in the workspace: modules in layers, files of a readable size.

Two rules (../shared/DESIGN.md, "Layout"; issue 23):

1. No module cycle. Within each crate, the modules that share a parent (the crate's top-level
   modules, the capability modules under `ops/`, …) may use each other in one direction only.
   A reference is any `crate::…`, `super::…` or `self::…` path in a file's code (its
   `#[cfg(test)]` part aside); a reference into a sibling's subtree counts as a use of that
   sibling. A parent using its children (declaring and re-exporting them) and children using
   their parent are containment, not layering, and are not counted.
2. No source file of a service, library or tool holds more than 800 lines before its
   `#[cfg(test)]` module (the same count as the before-stop hook). Integration tests under
   `tests/` directories and benches are exempt from the count, not from rule 1.

Usage: structure-check.py [--max-lines N] [workspace root]. Prints each finding and exits 1
when there is one; prints a one-line summary otherwise.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MAX_LINES = 800
CRATE_DIRS = ["libs/*", "services/*", "tools/*", "deploy/devtool", "tests"]
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PATH_START = re.compile(r"\b(crate|super|self)::")


def code_part(text: str) -> str:
    """The file up to its `#[cfg(test)]` line, with comments and string literals blanked."""
    cut = text.split("\n#[cfg(test)]", 1)[0]
    out = []
    for line in cut.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("//"):
            continue
        out.append(re.sub(r'"(?:[^"\\]|\\.)*"', '""', line.split("//")[0] if "://" not in line else line))
    return "\n".join(out)


def lines_before_tests(text: str) -> int:
    n = 0
    for line in text.splitlines():
        if line.startswith("#[cfg(test)]"):
            break
        n += 1
    return n


def parse_tree(src: str, i: int) -> tuple[list[list[str]], int]:
    """Parses a use-tree starting at src[i]; returns the paths it names and the end index."""
    paths: list[list[str]] = []
    segs: list[str] = []
    while i < len(src):
        while i < len(src) and src[i] in " \t\n":
            i += 1
        if i < len(src) and src[i] == "{":
            i += 1
            while True:
                while i < len(src) and src[i] in " \t\n,":
                    i += 1
                if i >= len(src) or src[i] == "}":
                    i += 1
                    break
                sub, i = parse_tree(src, i)
                paths.extend(segs + p for p in sub)
            return paths, i
        m = IDENT.match(src, i)
        if not m:
            break
        segs.append(m.group(0))
        i = m.end()
        if src.startswith("::", i):
            i += 2
            continue
        break
    paths.append(segs)
    return paths, i


class Crate:
    def __init__(self, root: Path):
        self.root = root
        self.src = root / "src"
        self.modules: dict[tuple[str, ...], Path] = {}
        for f in sorted(self.src.rglob("*.rs")):
            rel = f.relative_to(self.src)
            parts = list(rel.with_suffix("").parts)
            if parts[0] == "bin":
                continue  # binaries are crates of their own
            if parts[-1] == "mod":
                parts = parts[:-1]
            if parts in (["lib"], ["main"]):
                parts = []
            self.modules[tuple(parts)] = f

    def resolve(self, here: tuple[str, ...], path: list[str]) -> tuple[str, ...] | None:
        if not path:
            return None
        head, rest = path[0], path[1:]
        if head == "crate":
            base: tuple[str, ...] = ()
        elif head == "self":
            base = here
        elif head == "super":
            base = here
            while rest and rest[0] == "super":
                rest = rest[1:]
                base = base[:-1]
            base = base[:-1]
        else:
            return None
        target = base
        for seg in rest:
            if target + (seg,) in self.modules:
                target = target + (seg,)
            else:
                break
        return target

    def edges(self) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
        found = set()
        for mod, f in self.modules.items():
            src = code_part(f.read_text(encoding="utf-8"))
            for m in PATH_START.finditer(src):
                for p in parse_tree(src, m.start())[0]:
                    t = self.resolve(mod, p)
                    if t is not None and t != mod:
                        found.add((mod, t))
        return found


def sccs(nodes: list[str], graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


def cycles(crate: Crate) -> list[str]:
    findings = []
    edges = crate.edges()
    parents = {m[:-1] for m in crate.modules if m}
    for parent in sorted(parents):
        children = sorted({m[len(parent)] for m in crate.modules if len(m) > len(parent) and m[: len(parent)] == parent})
        graph: dict[str, set[str]] = {}
        for a, b in edges:
            if len(a) > len(parent) and len(b) > len(parent) and a[: len(parent)] == parent and b[: len(parent)] == parent:
                ca, cb = a[len(parent)], b[len(parent)]
                if ca != cb:
                    graph.setdefault(ca, set()).add(cb)
        for comp in sccs(children, graph):
            where = "::".join(parent) or "crate root"
            findings.append(f"{crate.root}: module cycle under {where}: {' <-> '.join(comp)}")
    return findings


def main(argv: list[str]) -> int:
    global MAX_LINES
    args = list(argv)
    if "--max-lines" in args:
        i = args.index("--max-lines")
        MAX_LINES = int(args[i + 1])
        del args[i : i + 2]
    top = Path(args[0]) if args else Path(__file__).resolve().parents[2]
    crates = []
    for pattern in CRATE_DIRS:
        for d in sorted(top.glob(pattern)):
            if (d / "Cargo.toml").exists() and (d / "src").is_dir():
                crates.append(Crate(d.relative_to(top) if d.is_relative_to(Path.cwd()) else d))
    findings = []
    files = 0
    for crate in crates:
        findings += cycles(crate)
        for f in crate.modules.values():
            files += 1
            n = lines_before_tests(f.read_text(encoding="utf-8"))
            if n > MAX_LINES:
                findings.append(f"{f}: {n} lines before its tests (at most {MAX_LINES}): split it by capability")
    for line in findings:
        print(line)
    if findings:
        return 1
    print(f"structure: {len(crates)} crates, {files} source files: no module cycle, none over {MAX_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
