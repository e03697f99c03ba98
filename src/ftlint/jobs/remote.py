"""Idempotent operations on the service: upload a file once, create a job once, whatever
connection drops, timeouts and 5xx answers come in between.

The client retries POSTs by itself and sends no idempotency key, so a connection dropped after
the server stored a job makes it store a second one. Here every creating call is made with the
client's retries off; after an uncertain outcome (no answer, a timeout, 408, 409, 429, 5xx), the
server is asked whether the object exists before the call is tried again."""

from __future__ import annotations

import time
from typing import Any

from .key import METADATA_KEY, upload_name
from .uploads import PartPlan, complete, file_md5, upload_parts

ATTEMPTS = 5  # tries of one creating call, discovery before each retry


class RemoteError(Exception):
    """The service refused or stayed unreachable after the retries; the message is safe to show."""


class NotFound(RemoteError):
    """The service has no such object."""


def guarded(what: str, secrets: tuple[str, ...], fn, *args, **kw):
    """``fn(*args, **kw)``, its API errors turned into :class:`NotFound` or :class:`RemoteError`
    with messages that name ``what`` and hold no secret."""
    import openai

    from .client import redact

    try:
        return fn(*args, **kw)
    except openai.NotFoundError:
        raise NotFound(f"{what}: no such object") from None
    except openai.APIError as exc:
        raise RemoteError(redact(f"{what}: {_describe(exc)}", *secrets)) from None


def _uncertain(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError)):
        return True
    if getattr(exc, "code", None) == "daily_rate_limit_exceeded":
        return False  # a 429 that retrying will not clear before tomorrow
    status = getattr(exc, "status_code", None)
    return status in (408, 409, 429) or (status is not None and status >= 500)


def _wait(exc: BaseException, attempt: int, interval: float) -> None:
    after = None
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            after = float(response.headers.get("retry-after"))
        except (TypeError, ValueError):
            after = None
    time.sleep(min(after, 120) if after is not None else interval * (2 ** attempt))


def _describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{status}: {text}" if status else text


def find_file(client: Any, path: str, digest: str, size: int) -> Any | None:
    """A file this submission uploaded earlier: same digest-carrying name, same size, not failed."""
    name = upload_name(path, digest)
    for f in client.files.list(purpose="fine-tune"):
        if f.filename == name and f.bytes == size and getattr(f, "status", None) != "error":
            return f
    return None


def ensure_file(client: Any, path: str, digest: str, size: int, known: str | None, interval: float,
                parts: PartPlan | None = None) -> Any:
    """The uploaded file for ``path``: the one the state knows, else one the server has, else a
    new upload of the bytes as they are on disk. ``parts`` sends
    it through the Uploads API instead, resuming the upload ``record`` holds (see uploads.py)."""
    import openai


    if known:
        try:
            f = client.files.retrieve(known)
            if f.bytes == size and getattr(f, "status", None) != "error":
                return f
        except openai.NotFoundError:
            pass
    name = upload_name(path, digest)
    once = client.with_options(max_retries=0)
    md5 = None
    for attempt in range(ATTEMPTS):
        found = find_file(client, path, digest, size)
        if found is not None:
            return found
        resumed = bool(parts and parts.record.get("id"))
        try:
            if parts is None:
                with open(path, "rb") as fh:
                    return once.files.create(file=(name, fh), purpose="fine-tune")
            upload_parts(client, path, name, digest, size, parts)
            md5 = md5 or file_md5(path)
            made = complete(once, parts.record, md5)
            parts.record.clear()  # used up: a later run finds the file itself
            parts.save()
            return made
        except openai.APIError as exc:
            status = getattr(exc, "status_code", None)
            if resumed and status in (400, 404):  # the recorded upload expired or is gone: start again
                parts.forget(_describe(exc))
                continue
            if not _uncertain(exc) or attempt == ATTEMPTS - 1:
                raise RemoteError(f"uploading {path} failed: {_describe(exc)}") from None
            _wait(exc, attempt, interval)
    raise RemoteError(f"uploading {path} failed {ATTEMPTS} times")


def find_job(client: Any, key: str, training_file: str, model: str) -> Any | None:
    """The newest job of this submission: by its metadata key, or, where an endpoint ignores the
    metadata filter, by its training file and model."""
    for job in client.fine_tuning.jobs.list(metadata={METADATA_KEY: key}, limit=100):
        metadata = job.metadata or {}
        if metadata.get(METADATA_KEY) == key or (
                not metadata and job.training_file == training_file and job.model.startswith(model)):
            return job
    return None


def ensure_job(client: Any, key: str, spec: dict, known: str | None, interval: float,
               new: bool = False) -> tuple[Any, bool]:
    """(job, created now) for the submission: the job the state knows, else the newest one the
    server has for the key, else a new one. With ``new``, a failed or cancelled job found is passed
    over and a new one created (without, the caller decides what to do with it). ``spec`` holds the
    arguments of ``jobs.create``; its metadata carries the key."""
    import openai

    if known:
        try:
            job = client.fine_tuning.jobs.retrieve(known)
            if not (new and job.status in ("failed", "cancelled")):
                return job, False
        except openai.NotFoundError:
            pass
    once = client.with_options(max_retries=0)
    for attempt in range(ATTEMPTS):
        found = find_job(client, key, spec["training_file"], spec["model"])
        if found is not None and not (new and found.status in ("failed", "cancelled")):
            return found, False
        try:
            return once.fine_tuning.jobs.create(**spec), True
        except openai.APIError as exc:
            if not _uncertain(exc) or attempt == ATTEMPTS - 1:
                raise RemoteError(f"creating the job failed: {_describe(exc)}") from None
            _wait(exc, attempt, interval)
    raise AssertionError("unreachable")
