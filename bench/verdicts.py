"""Verdicts on the real-shaped corpus (bench/realshape.py): false errors, warnings per 1,000
examples, misses and forbidden findings, for this checkout or another (``--src`` of a worktree,
e.g. ``git worktree add /tmp/base REV``).

    python bench/verdicts.py [--src PATH] [--corpus DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import realshape  # noqa: E402


def lint(folder: Path, target: str, src: str | None) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=src) if src else dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "ftlint", "check", str(folder), "--isolated", "--target", target,
                           "--format", "json", "--no-progress"], capture_output=True, text=True, env=env,
                          cwd=folder.parent)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"ftlint failed on {folder}: {proc.stderr[-500:]}")
    return json.loads(proc.stdout)["diagnostics"]


def measure(corpus: Path, src: str | None) -> dict:
    manifest = json.loads((corpus / "manifest.json").read_text())
    found: dict[str, list[dict]] = {}
    for folder, target in sorted({(m["path"].split("/")[0], m["target"]) for m in manifest}):
        for d in lint(corpus / folder, target, src):
            found.setdefault(os.path.relpath(os.path.join(corpus, folder, os.path.basename(d["path"])), corpus),
                             []).append(d)
    out = {"examples": 0, "false_errors": [], "warnings": 0, "unexpected_warnings": 0, "misses": [],
           "forbidden": [], "by_code": Counter()}
    for m in manifest:
        diags = found.get(m["path"], [])
        out["examples"] += m["examples"]
        codes = Counter(d["code"] for d in diags)
        out["by_code"].update(codes)
        for d in diags:
            if d["severity"] == "error" and d["code"] not in m["expect"]:
                out["false_errors"].append(f"{m['path']}:{d['line']} {d['code']} {d['message'][:80]}")
            if d["severity"] == "warning":
                out["warnings"] += 1
                out["unexpected_warnings"] += d["code"] not in m["expect"]
        out["misses"] += [f"{m['path']}: {c}" for c in m["expect"] if c not in codes]
        out["forbidden"] += [f"{m['path']}: {c} x{codes[c]}" for c in m["forbid"] if c in codes]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", help="the src folder of another checkout to measure instead of this one")
    ap.add_argument("--corpus", help="an existing corpus folder (default: written afresh to a temporary one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(args.corpus) if args.corpus else Path(tmp)
        if not args.corpus:
            realshape.write(corpus)
        result = measure(corpus, args.src)
    per_k = 1000 / result["examples"]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['examples']:,} examples in {len(realshape.CORPUS)} files")
    print(f"false errors: {len(result['false_errors'])}")
    for e in result["false_errors"][:20]:
        print(f"  {e}")
    print(f"warnings: {result['warnings']:,} ({result['warnings'] * per_k:.1f} per 1,000 examples); "
          f"not expected: {result['unexpected_warnings']:,} ({result['unexpected_warnings'] * per_k:.1f} per 1,000)")
    print(f"misses: {len(result['misses'])}  " + "; ".join(result["misses"]))
    print(f"forbidden findings: {len(result['forbidden'])}  " + "; ".join(result["forbidden"]))
    print("by code: " + ", ".join(f"{c} {n}" for c, n in sorted(result["by_code"].items())))


if __name__ == "__main__":
    main()
