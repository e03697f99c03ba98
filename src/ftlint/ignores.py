"""Paths a folder walk leaves out, with git's meaning: ``.gitignore`` files (negation, anchoring,
``**``, folder-only patterns, a deeper file overriding a shallower one) and the patterns of the
``exclude`` and ``per-file-ignores`` settings. Matching is pathspec's, the library git-aware
Python tools share."""

from __future__ import annotations

import functools
import os

from pathspec import GitIgnoreSpec

from .fsutil import git_top


@functools.lru_cache(maxsize=64)
def spec(patterns: tuple[str, ...]) -> GitIgnoreSpec:
    """The patterns compiled, once per set of patterns (a run asks for each file)."""
    return GitIgnoreSpec.from_lines(patterns)


def matches(compiled: GitIgnoreSpec, rel: str, folder: bool = False) -> bool:
    """Whether ``rel`` (a '/'-separated path relative to the patterns' folder) is matched, with
    git's last-pattern-wins (a later ``!pattern`` takes a path back)."""
    return bool(compiled.match_file(rel + "/" if folder and not rel.endswith("/") else rel))


class GitIgnores:
    """The ``.gitignore`` files met by a walk, each applying to its own folder and below."""

    def __init__(self) -> None:
        self.specs: dict[str, GitIgnoreSpec] = {}

    @classmethod
    def above(cls, root: str) -> GitIgnores:
        """Those of the folders above ``root`` up to the top of its git repository (none when it is
        in no repository)."""
        found = cls()
        here = os.path.abspath(root)
        top = git_top(here)
        if top is not None and top != here:  # the walk's root's own file is met on the way down
            chain = []
            folder = os.path.dirname(here)
            while True:
                chain.append(folder)
                if folder == top:
                    break
                folder = os.path.dirname(folder)
            for folder in reversed(chain):
                found.enter(folder)
        return found

    def enter(self, folder: str) -> None:
        folder = os.path.abspath(folder)
        if folder in self.specs:
            return
        try:
            with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as fh:
                self.specs[folder] = GitIgnoreSpec.from_lines(fh.read().splitlines())
        except OSError:  # none, or unreadable: it ignores nothing
            pass

    def ignored(self, path: str, folder: bool = False) -> bool:
        full = os.path.abspath(path)
        verdict = False
        parts = []
        at = os.path.dirname(full)
        while True:  # the folders above the path, deepest first
            parts.append(at)
            parent = os.path.dirname(at)
            if parent == at:
                break
            at = parent
        for base in reversed(parts):
            compiled = self.specs.get(base)
            if compiled is None:
                continue
            rel = os.path.relpath(full, base).replace(os.sep, "/")
            result = compiled.check_file(rel + "/" if folder else rel)
            if result.include is not None:
                verdict = result.include
        return verdict
