"""Plugins' entry points, read from the installed distributions' metadata folders.

``importlib.metadata`` does the same, but importing it (with the e-mail parser it reads METADATA
with) and asking for names and versions cost some 50-80 ms: a third of a small lint's start-up.
ftlint needs one group and two header fields, which a scan of ``sys.path`` reads in about 2 ms.
It follows ``importlib.metadata``'s rules: the first distribution of a name on ``sys.path``
wins, ``*.dist-info`` and ``*.egg-info`` folders are both read, and an entry point's value is
``module:attribute`` with optional extras in brackets.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EntryPoint:
    name: str
    value: str
    dist: str | None  # the distribution's name, as its metadata writes it
    version: str | None

    def load(self) -> Any:
        module, _, attribute = self.value.partition(":")
        obj = importlib.import_module(module.strip())
        for part in attribute.split("."):
            if part.strip():
                obj = getattr(obj, part.strip())
        return obj


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _header(folder: str) -> tuple[str | None, str | None]:
    """Name and Version from METADATA (or PKG-INFO), read up to the first blank line."""
    name = version = None
    for filename in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, filename), encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if not line.strip():
                        break
                    key, _, value = line.partition(":")
                    if key == "Name":
                        name = value.strip()
                    elif key == "Version":
                        version = value.strip()
            return name, version
        except OSError:
            continue
    return name, version


def _section(text: str, group: str) -> list[tuple[str, str]]:
    out = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            value = re.sub(r"\s*\[.*\]\s*$", "", value).strip()  # extras: not ftlint's business
            out.append((name.strip(), value))
    return out


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every distribution on ``sys.path``, the first of each name."""
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:  # a zip file or a folder that is gone
            continue
        for folder in names:
            if not folder.endswith((".dist-info", ".egg-info")):
                continue
            stem = folder.rsplit(".", 1)[0]
            key = _normal(stem.split("-")[0])
            if key in seen:
                continue
            seen.add(key)
            path = os.path.join(entry or ".", folder)
            try:
                with open(os.path.join(path, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                continue
            if f"[{group}]" not in text:
                continue
            dist, version = _header(path)
            found += [EntryPoint(name, value, dist, version) for name, value in _section(text, group)]
    return found
