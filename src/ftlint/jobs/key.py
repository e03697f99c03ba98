"""The identity of a submission: what makes two runs of ``submit`` the same submission."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

#: The metadata key that carries the submission key on the server (jobs take up to 16 pairs,
#: keys of up to 64 characters and values of up to 512).
METADATA_KEY = "ftlint_key"


def file_digest(path: str) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of a file, read as it is on disk: the bytes that go up."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def submission_key(files: Iterable[tuple[str, str]], spec: dict[str, Any], target: str, endpoint: str) -> str:
    """A short stable key over the files' digests (by role), the job spec (model, method,
    hyperparameters, suffix, seed...), the target and the endpoint. The same data and settings
    give the same key on any machine, so a fresh CI runner finds the job an earlier run created."""
    doc = {"files": sorted(files), "spec": spec, "target": target, "endpoint": endpoint.rstrip("/")}
    return "ftl1-" + hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()[:40]


def upload_name(path: str, digest: str) -> str:
    """The file name to upload under: it carries the digest, since files have no metadata and the
    server's file list is the only place to find an earlier upload of the same bytes."""
    import os

    stem = os.path.basename(path)
    return f"ftlint-{digest[:24]}-{stem}"
