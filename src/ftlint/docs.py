"""Rule documentation. Built-in rules are documented by their page in ``rules/`` (shipped inside
the wheel); a plugin rule by its class docstring. Nothing else holds a rule's documentation."""

from __future__ import annotations

import inspect
import re
from importlib import resources
from pathlib import Path

from .rule import Rule

FENCE_RE = re.compile(r"^```(\w[\w-]*)?([^\n]*)\n(.*?)^```", re.S | re.M)


def pages_dir() -> Path | None:
    """Where the built-in rule pages are: inside the installed package, or in a source checkout."""
    try:
        packaged = resources.files("ftlint") / "_rule_pages"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, NotADirectoryError):  # pragma: no cover
        pass
    checkout = Path(__file__).resolve().parents[2] / "rules"
    return checkout if checkout.is_dir() else None


def page_path(code: str) -> Path | None:
    folder = pages_dir()
    if folder is None:
        return None
    path = folder / f"{code}.md"
    return path if path.is_file() else None


def rule_doc(cls: type[Rule]) -> str | None:
    """The full documentation of a rule, as Markdown."""
    path = page_path(cls.code)
    if path is not None:
        return path.read_text(encoding="utf-8")
    doc = inspect.getdoc(cls)
    if doc and doc != inspect.getdoc(Rule):
        return f"# {cls.code} {cls.name}\n\n{doc}\n"
    return None


def section(markdown: str, title: str) -> str:
    """The text under a ``## title`` heading, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    return match.group(1) if match else ""


def examples(markdown: str, title: str) -> list[tuple[str, dict[str, str], str]]:
    """The fenced blocks under a section: (language, settings, body). Settings are ``key=value``
    words after the language, e.g. ```` ```jsonl method=dpo ````, applied when the example is linted."""
    out = []
    for m in FENCE_RE.finditer(section(markdown, title)):
        settings = dict(word.split("=", 1) for word in m.group(2).split() if "=" in word)
        out.append((m.group(1) or "", settings, m.group(3)))
    return out
