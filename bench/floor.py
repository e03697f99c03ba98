"""The floors a lint is measured against (issue 13): what the least work on a file costs in CPU.

    python bench/floor.py --file bench/data/sft-100mb-seed1-p75.jsonl --jobs 1 [--parse-only]

- tokenizer floor: each process reads its newline-aligned share of the file, parses every line
  with orjson and encodes every message's text content with tiktoken's o200k_base (ordinary
  encoding), memoising strings of 256 characters or more in a dict of 4,096 entries;
- parse floor (``--parse-only``): the same without the tokenizer.

It prints one JSON line: CPU seconds of all processes, wall seconds, lines, and tokens counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import orjson


def _share(path: str, start: int, end: int, parse_only: bool) -> tuple[int, int]:
    encode = None
    if not parse_only:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
        from ftlint.tokens import get_encoding  # ftlint's shipped vocabulary: no network

        encode = get_encoding("o200k_base").encode_ordinary
    memo: dict[str, int] = {}
    lines = tokens = 0
    with open(path, "rb") as fh:
        fh.seek(start)
        pos = start
        for raw in fh:
            if pos >= end:
                break
            pos += len(raw)
            lines += 1
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            if encode is None or type(data) is not dict:
                continue
            for m in data.get("messages") or ():
                content = m.get("content") if type(m) is dict else None
                if type(content) is not str:
                    continue
                if len(content) >= 256:
                    n = memo.get(content)
                    if n is None:
                        if len(memo) >= 4096:
                            memo.clear()
                        n = memo[content] = len(encode(content))
                else:
                    n = len(encode(content))
                tokens += n
    return lines, tokens


def _bounds(path: str, jobs: int) -> list[tuple[int, int]]:
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as fh:
        for i in range(1, jobs):
            fh.seek(size * i // jobs)
            fh.readline()
            cuts.append(fh.tell())
    cuts.append(size)
    return list(zip(cuts, cuts[1:]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--parse-only", action="store_true")
    args = ap.parse_args(argv)
    wall = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    bounds = _bounds(args.file, args.jobs)
    if args.jobs == 1:
        results = [_share(args.file, *bounds[0], args.parse_only)]
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(_share, [args.file] * args.jobs, *zip(*bounds), [args.parse_only] * args.jobs))
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
    print(json.dumps({"floor": "parse" if args.parse_only else "tokenizer", "cpu_s": round(cpu, 2),
                      "wall_s": round(time.perf_counter() - wall, 2), "lines": sum(r[0] for r in results),
                      "tokens": sum(r[1] for r in results), "jobs": args.jobs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
