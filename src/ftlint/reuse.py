"""Reusing what an earlier run found for a part of a file: the key that says when a stored result
still holds, and a stored result moved to where the part sits now.

A part's result depends on its bytes and on everything that decides what linting finds there:
ftlint's code and version, Python's, tiktoken's and orjson's, every rule in force (its code, class, options,
severity and the file it is defined in), the configuration, the model, the observers, and where
the part belongs (its file's name and role, whether it starts the file). All of that goes into
the key; where the part sits in its file does not: line numbers move (see :class:`~ftlint.rule.Move`).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
from typing import TYPE_CHECKING, Any

from xxhash import xxh3_128

from .__about__ import __version__
from .config import Config
from .rule import DatasetRule, FileRule, Move, Rule

if TYPE_CHECKING:
    from .engine import ChunkResult, Linter
    from .inputs import Chunk

_NOT_IN_KEY = {"source", "root", "jobs", "submit", "validation", "baseline", "ignore_examples",
               "respect_gitignore"}  # decide nothing a part's lint finds (the last three act after it)


def _stamp(path: str | None) -> tuple:
    try:
        st = os.stat(path)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return (path,)
    return (path, st.st_size, st.st_mtime_ns)


def _code_stamps() -> list[tuple]:
    """ftlint's own source files by size and time: an edited checkout is another version."""
    root = os.path.dirname(os.path.abspath(__file__))
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        out += [_stamp(os.path.join(folder, f)) for f in sorted(files) if f.endswith(".py")]
    return out


def _library_stamps() -> list[tuple]:
    """The installed tokenizer and parser, by their files (found, not imported: importing
    tiktoken costs more than a cached run): another version may count or parse otherwise."""
    import importlib.util

    out = []
    for name in ("tiktoken", "orjson"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        out.append(_stamp(spec.origin if spec is not None else None))
    return out


def _rule_stamp(rule: Rule, severity: Any) -> tuple:
    cls = type(rule)
    module = sys.modules.get(cls.__module__)
    return (rule.code, cls.__module__, cls.__qualname__, rule.plugin, repr(sorted(rule.opts.items())),
            str(severity), _stamp(getattr(module, "__file__", None)))


def run_key(config: Config, linter: Linter) -> bytes | None:
    """What every part's key shares, or None when the run cannot be cached (an observer that
    does not say what it measures)."""
    observers = []
    for o in linter.observers:
        said = o.fingerprint()
        if said is None:
            return None
        observers.append((o.name, said))
    settings = [(f.name, getattr(config, f.name)) for f in dataclasses.fields(config) if f.name not in _NOT_IN_KEY]
    rules = [_rule_stamp(r, linter.ruleset.severities.get(r.code)) for r in linter.ruleset.rules]
    h = xxh3_128()
    for piece in (__version__, sys.version_info[:2], _code_stamps(), _library_stamps(), rules, repr(settings),
                  repr(linter.model), observers, linter.has_validation):
        h.update(repr(piece).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.digest()


def part_key(run: bytes, chunk: Chunk, codes: frozenset[str]) -> bytes:
    # the split a file's name says follows from the name and the configuration, both in the key
    where = repr((chunk.display, chunk.role, chunk.start == 0, sorted(codes)))
    return run + chunk.digest + where.encode("utf-8", "surrogatepass")  # type: ignore[operator]


def stored_form(result: ChunkResult) -> dict | None:
    """What is kept of a part's result: nothing when a rule or the reader failed on it (a
    failure may not happen again) or its states do not pickle, else the result with the place
    it was linted at. The result is pickled on its own inside the entry: a rerun plans with each
    entry's place and line count, and reads the result itself only at its turn, so planning
    unpickles no rule's state."""
    if result.errors or result.crashes or result.chunk.digest is None:
        return None
    try:
        body = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a plugin's state that does not pickle: that part is not cached
        return None
    first = result.chunk.first_line
    return {"result": body, "first": first, "index": result.chunk.file_index,
            "count": max(result.ctx.lines - first + 1, 0)}


def is_entry(stored: Any) -> bool:
    return isinstance(stored, dict) and isinstance(stored.get("result"), bytes) and \
        isinstance(stored.get("count"), int) and isinstance(stored.get("first"), int)


def moved_result(stored: dict, chunk: Chunk, linter: Linter) -> ChunkResult | None:
    """A stored result where ``chunk`` sits now, or None when a rule's state cannot move there."""
    from .engine import ChunkResult

    try:  # signed by this user's runs (see store.py), so unpickling it runs no one else's code
        old = pickle.loads(stored["result"])
    except Exception:  # signed, yet unreadable (a class that changed shape): lint the part again
        return None
    if not isinstance(old, ChunkResult):
        return None
    ctx = linter.context(chunk)
    for name in ("size", "examples", "bom", "encoding", "encoding_bom", "compression", "cr_lines", "crlf_lines",
                 "decompressed", "damaged"):
        setattr(ctx, name, getattr(old.ctx, name))
    move = Move(stored["first"], chunk.first_line, chunk.count, stored["index"], chunk.file_index, ctx)
    ctx.lines = old.ctx.lines + move.shift
    ctx = dataclasses.replace(ctx, accounting=None)
    same = move.shift == 0 and move.index == move.old_index
    try:
        file_states = _moved(linter, old.file_states, move, FileRule, same)
        dataset_states = _moved(linter, old.dataset_states, move, DatasetRule, same)
    except Exception:  # NotImplementedError, or a plugin's relocate that failed: lint the part again
        return None
    diagnostics = old.diagnostics if same else [dataclasses.replace(d, line=d.line + move.shift)
                                                 for d in old.diagnostics]
    linter.texts.share(diagnostics)  # unpickled from the cache: each part's texts are copies
    return ChunkResult(chunk, diagnostics, ctx, old.formats, old.observed, file_states, dataset_states, [], {})


def movable(linter: Linter) -> bool:
    """Whether every file and dataset rule in force can move its state (overrides ``relocate``):
    else a stored part is used only where it was linted."""
    return all(type(rule).relocate is not base.relocate for rule in linter.by_code.values()
               for base in (FileRule, DatasetRule) if isinstance(rule, base))


def _moved(linter: Linter, states: list, move: Move, kind: type, same: bool) -> list:
    """Every state through its rule's ``relocate``, even where the part did not move: the run
    rules take this run's date there. A rule without one keeps its state only where it was."""
    out = []
    for code, state in states:
        rule = linter.by_code.get(code)
        if not isinstance(rule, kind):
            raise NotImplementedError(code)
        try:
            state = rule.relocate(state, move)
        except NotImplementedError:
            if not same:
                raise
        out.append((code, state))
    return out
