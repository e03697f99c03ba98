"""Dataset splits told by their file names: ``training_set.jsonl``, ``valid.jsonl``,
``chat_validation.jsonl``, ``sft_test.jsonl``. A folder that holds a training split and others is
linted as one dataset: the others become validation or test data, checked for leakage from
training and not held to a training file's size."""

from __future__ import annotations

import functools
import os
import re

#: The words of a file name (split at anything but letters and digits) that name its split.
SPLIT_WORDS = {
    "train": "train", "training": "train", "trainset": "train",
    "valid": "validation", "validation": "validation", "val": "validation", "dev": "validation",
    "eval": "validation", "evaluation": "validation", "validset": "validation",
    "test": "test", "testing": "test", "testset": "test", "holdout": "test",
}


@functools.lru_cache(maxsize=1024)  # asked once per example by the size rules
def split_of(path: str) -> str | None:
    """train, validation or test as the file's name says, or None when it names none or two."""
    stem = os.path.basename(path).lower()
    for suffix in (".jsonl", ".ndjson", ".json"):
        stem = stem.removesuffix(suffix)
    found = {SPLIT_WORDS[w] for w in re.split(r"[^a-z0-9]+", stem) if w in SPLIT_WORDS}
    return found.pop() if len(found) == 1 else None


def paired_roles(paths: list[str]) -> dict[str, str]:
    """The role of each path that a training split beside it makes validation or test data:
    {path: "validation" | "test"} for files in a folder with a training split among ``paths``."""
    by_folder: dict[str, list[tuple[str, str | None]]] = {}
    for p in paths:
        by_folder.setdefault(os.path.dirname(os.path.abspath(p)), []).append((p, split_of(p)))
    out: dict[str, str] = {}
    for members in by_folder.values():
        if any(split == "train" for _, split in members):
            out.update({p: split for p, split in members if split in ("validation", "test")})
    return out
