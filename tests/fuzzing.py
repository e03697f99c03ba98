"""The fuzz harness: hostile datasets, configs-free, in-process and through the CLI.

A bounded run is part of the test suite (tests/test_fuzz.py). Before a release, run it long:

    python tests/fuzzing.py --inputs 300000 --cli 3000 --seed 1

It generates structure-aware mutations of valid examples of every format (a value anywhere
replaced by a hostile one: wrong types, nesting at and around the parsers' limits, integers beyond
64 bits and beyond Python's 4,300 digits, lone surrogates, escape sequences, hostile keys), whole
files of random bytes, other encodings and line endings, and checks what a user relies on: no
tool error, no exception, exit 0 or 1, machine output that parses, text output with no control
character but the newline, and every diagnostic at a line the file has.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

# A deep nesting, as written: orjson stops at 255 levels, Python's json near 1,000, the
# recursion limit near 1,000 frames.
DEPTHS = (254, 255, 256, 500, 990, 1000, 1023, 1024, 3000)
ESCAPES = ["\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "a\nfake.jsonl:9:1: FT000 error [forged] forged", "\r\x1b[1A",
           "\u202eevil\u202c", "\x00", "\x9b31m", "</details><img src=x onerror=alert(1)>", "| a | b |",
           "@someone [link](https://example.invalid) `code` **bold**", "a/b~c", "", " "]


def nested_literal(depth: int, rng: random.Random) -> str:
    inner = rng.choice(['"x"', "1", "NaN", '"\\ud800"', "[]", "{}"])
    if rng.random() < 0.5:
        return "[" * depth + inner + "]" * depth
    return '{"a":' * depth + inner + "}" * depth


def hostile_literal(rng: random.Random) -> str:
    """One JSON value, as text, that a rule may not expect."""
    pick = rng.randrange(20)
    if pick == 0:
        return nested_literal(rng.choice(DEPTHS), rng)
    if pick == 1:
        return "1" * rng.choice((20, 30, 4300, 4301, 5000))  # beyond 64 bits, beyond Python's limit
    if pick == 2:
        return rng.choice(["-9223372036854775809", "18446744073709551616", "1e400", "-1e400", "1E-400",
                           "NaN", "Infinity", "-Infinity", "1.0", "0.5", "-0", "1e2"])
    if pick == 3:
        return json.dumps(rng.choice(ESCAPES))
    if pick == 4:
        return rng.choice(['"\\ud83d"', '"\\ude00x"', '"a\\udfffb"', '"\\u0000"'])
    if pick == 5:
        return json.dumps("x" * rng.choice((0, 1, 65, 1000, 70_000)))
    if pick == 6:
        return json.dumps({rng.choice(ESCAPES): rng.choice([1, "v", None, [], {}])})
    if pick == 7:
        return json.dumps([rng.choice(ESCAPES), {"role": ["user"]}, {"type": {"a": 1}}])
    values = [None, True, False, 0, 1, -5, 2, 1.5, "", "user", "assistant", "tool", "function", "system",
              "developer", [], {}, [None], [1, 2], ["user"], {"role": "user"}, {"type": "text"},
              [{"type": "text", "text": 1}], [{"type": "image_url", "image_url": []}], {"name": {}},
              "function", "text", [{}], [[]], {"": ""}]
    return json.dumps(rng.choice(values))


def seeds() -> list[dict]:
    """Valid examples of every format, rich enough that every rule family looks at them."""
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                                                "parameters": {"type": "object", "properties": {
                                                    "city": {"type": "string", "enum": ["Paris", "Rome"]}},
                                                    "required": ["city"]}}}]
    return [
        {"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi there"},
                      {"role": "assistant", "content": "Hello.", "weight": 1}]},
        {"messages": [{"role": "user", "content": "Weather in Paris?"},
                      {"role": "assistant", "content": None, "tool_calls": [call]},
                      {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
                      {"role": "assistant", "content": "Sunny."}], "tools": tools, "parallel_tool_calls": False},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                                   {"type": "image_url", "image_url": {
                                                       "url": "https://example.invalid/a.png", "detail": "low"}}]},
                      {"role": "assistant", "content": "A cat.", "name": "bot"}]},
        {"messages": [{"role": "user", "content": "Old style"},
                      {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
                      {"role": "function", "name": "f", "content": "ok"},
                      {"role": "assistant", "content": "Done.", "refusal": None}],
         "functions": [{"name": "f", "parameters": {"type": "object", "properties": {}}}]},
        {"input": {"messages": [{"role": "user", "content": "Pick one"}], "tools": tools},
         "preferred_output": [{"role": "assistant", "content": "A"}],
         "non_preferred_output": [{"role": "assistant", "content": "B"}]},
        {"messages": [{"role": "developer", "content": "Solve it"}, {"role": "user", "content": "2+2"}],
         "answer": 4},
        {"prompt": "Q:", "completion": " A"},
        {"input": {"messages": [{"role": "user", "content": "x"}]}, "preferred_completion": "a",
         "non_preferred_completion": "b"},
    ]


_SLOT = "\x00SLOT\x00"


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _replace(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    holder = value
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return value


def mutate(example: dict, rng: random.Random) -> str:
    """One line: ``example`` with a value replaced, a key added or removed, or the text spliced."""
    paths = list(_paths(example))
    path = rng.choice(paths)
    op = rng.randrange(6)
    if op <= 2:  # replace the value at a path with a hostile literal
        text = json.dumps(_replace(example, path, _SLOT))
        return text.replace(json.dumps(_SLOT), hostile_literal(rng), 1)
    holder_path = path[:-1] if path else ()
    value = json.loads(json.dumps(example))
    holder = value
    for step in holder_path:
        holder = holder[step]
    if op == 3 and isinstance(holder, dict):  # a hostile key with a hostile value
        holder[rng.choice(ESCAPES)] = _SLOT
        return json.dumps(value).replace(json.dumps(_SLOT), hostile_literal(rng), 1)
    if op == 4 and isinstance(holder, (dict, list)) and path:  # remove
        del holder[path[-1]]
        return json.dumps(value)
    # splice: a duplicate key, a truncation or a stray byte
    text = json.dumps(value)
    cut = rng.randrange(len(text) + 1)
    return rng.choice([text[:cut], text[:cut] + rng.choice(["\x00", "\ufeff", "\\", '"', "\u2028"]) + text[cut:],
                       text[:-1] + ', "messages": 1}' if text.endswith("}") else text])


def random_file(rng: random.Random, base: list[dict]) -> bytes:
    """A whole file: mutated lines, random bytes, other encodings or line endings."""
    pick = rng.randrange(10)
    if pick == 0:
        return rng.randbytes(rng.randrange(400))
    lines = [mutate(rng.choice(base), rng) if rng.random() < 0.7 else json.dumps(rng.choice(base))
             for _ in range(rng.randrange(1, 6))]
    text = "\n".join(lines) + rng.choice(["\n", "", "\n\n", "\r\n"])
    data = text.encode("utf-8", "surrogatepass")
    if pick == 1:
        return text.encode(rng.choice(["utf-16", "utf-16-le", "utf-32", "utf-32-be"]), "surrogatepass")
    if pick == 2:
        return gzip.compress(data)
    if pick == 3:
        return data.replace(b"\n", b"\r")
    if pick == 4:
        return b"\xef\xbb\xbf" + data
    return data


FORMATS = ("text", "json", "sarif", "github")
MODELS = (None, None, "gpt-4o-2024-08-06", "gpt-3.5-turbo")
METHODS = ("auto", "auto", "sft", "dpo", "rft")


def _control(text: str) -> list[str]:
    return sorted({c for c in text if (c < " " and c != "\n") or "\x7f" <= c <= "\x9f"})


def check_report(report, data: bytes) -> list[str]:
    """What is wrong with an in-process report of ``data`` (empty: nothing)."""
    problems = [f"tool error {e.rule or e.kind} ({e.message.split(':')[0][:40]}): {e.describe()}"
                for e in report.errors]
    lines = max(1, data.count(b"\n") + (0 if data.endswith(b"\n") else 1))
    for d in report.diagnostics:
        if not 1 <= d.line <= max(lines, report.files[0].lines if report.files else 1):
            problems.append(f"impossible line {d.code}: {d.line}")
        for field in (d.path, d.pointer, d.message, d.fix or ""):
            if _control(field):
                problems.append(f"control characters in {d.code}: {_control(field)!r} in {field[:80]!r}")
    return problems


_SESSIONS: dict = {}


def run_in_process(data: bytes, rng: random.Random) -> list[str]:
    from ftlint.config import Config
    from ftlint.session import Session

    key = (rng.choice(METHODS), rng.choice(MODELS))
    session = _SESSIONS.get(key)
    if session is None:  # plugins load once per setting, as in a long-lived library user
        session = _SESSIONS[key] = Session.create(config=Config(method=key[0], model=key[1]))
    try:
        report = session.lint_bytes(data, "fuzz.jsonl")
    except Exception as exc:  # noqa: BLE001 - the harness reports whatever escapes
        return [f"exception {type(exc).__name__}: {str(exc)[:200]}"]
    return check_report(report, data)


def run_cli(data: bytes, rng: random.Random, folder: Path) -> list[str]:
    from click.testing import CliRunner

    from ftlint.cli import create_cli

    fmt = rng.choice(FORMATS)
    path = folder / "fuzz.jsonl"
    path.write_bytes(data)
    args = [str(path), "--isolated", "--format", fmt, "--jobs", str(rng.choice((1, 2))), "--no-progress"]
    model = rng.choice(MODELS)
    if model:
        args += ["--model", model]
    result = CliRunner().invoke(create_cli(), args, catch_exceptions=True)
    problems = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"exception {type(result.exception).__name__} through the CLI: {str(result.exception)[:200]}")
    if result.exit_code not in (0, 1):
        problems.append(f"exit {result.exit_code} through the CLI: {result.output[-300:]!r}")
    out = result.stdout
    if fmt in ("json", "sarif"):
        try:
            json.loads(out)
        except ValueError:
            problems.append(f"{fmt} output does not parse: {out[:200]!r}")
    elif fmt == "text" and _control(out):
        problems.append(f"control characters in the text output: {_control(out)!r}")
    return problems


def fuzz(inputs: int, cli: int, seed: int, out=sys.stdout, folder: Path | None = None) -> Counter:
    """Run ``inputs`` in-process cases and ``cli`` CLI cases; return the count of each failure kind."""
    import tempfile

    rng = random.Random(seed)
    base = seeds()
    failures: Counter = Counter()
    examples: dict[str, bytes] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(inputs + cli):
            data = random_file(rng, base)
            problems = run_in_process(data, rng) if i < inputs else run_cli(data, rng, Path(folder or tmp))
            for p in problems:
                kind = p.split(":")[0]  # what failed, without the data
                failures[kind] += 1
                examples.setdefault(kind, data)
    if out is not None:
        took = time.monotonic() - started
        print(f"{inputs:,} in-process and {cli:,} CLI inputs in {took:,.0f} s; "
              f"{sum(failures.values()):,} failures of {len(failures)} kinds", file=out)
        for kind, n in failures.most_common():
            print(f"{n:>8,}  {kind}\n          e.g. {examples[kind][:160]!r}", file=out)
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=5000, help="in-process inputs")
    parser.add_argument("--cli", type=int, default=200, help="inputs run through the CLI")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    failures = fuzz(args.inputs, args.cli, args.seed)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
