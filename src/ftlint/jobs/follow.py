"""Following a job: its new events once each and in order, a progress line from its metrics,
status changes, and what to tell the user when it ends."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

TERMINAL = ("succeeded", "failed", "cancelled")
PROGRESS_STEP = 10  # a progress line each time training passes another 10 %
QUIET_POLLS_BACKOFF = 15  # a quiet job is polled up to 15 times less often than the base interval


def new_events(client: Any, job_id: str, seen: set[str]) -> list[Any]:
    """The job's events not in ``seen``, oldest first. The service lists newest first, a page at
    a time; pages are read only until a seen event turns up, so a job that logged more than a
    page since the last poll loses none and a quiet one costs one short request."""
    fresh = []
    for event in client.fine_tuning.jobs.list_events(job_id, limit=100):  # pages on by itself
        if event.id in seen:
            break
        fresh.append(event)
    seen.update(e.id for e in fresh)
    return fresh[::-1]


def _clock(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class Progress:
    """Training progress from the metrics events: step of total, loss, and an estimated finish
    (the service's own when it gives one, else from the pace of the steps so far)."""

    first: tuple[int, float] | None = None  # (step, time) of the first metrics seen
    last: dict[str, Any] = field(default_factory=dict)
    last_at: float = 0.0
    said: int = -1  # the last 10 % mark a line was printed for

    def add(self, event: Any) -> None:
        data = getattr(event, "data", None) or {}
        step = data.get("step")
        if not isinstance(step, int) or isinstance(step, bool):
            return
        if self.first is None:
            self.first = (step, float(event.created_at))
        self.last, self.last_at = data, float(event.created_at)

    def eta(self, job: Any) -> float | None:
        finish = getattr(job, "estimated_finish", None)
        if finish:
            return float(finish)
        total, step = self.last.get("total_steps"), self.last.get("step")
        if not self.first or not isinstance(total, int) or step is None or step <= self.first[0]:
            return None
        pace = (self.last_at - self.first[1]) / (step - self.first[0])
        return self.last_at + pace * (total - step)

    def line(self, job: Any) -> str | None:
        """A line when training passed another mark since the last one (None otherwise)."""
        step, total = self.last.get("step"), self.last.get("total_steps")
        if step is None:
            return None
        share = int(100 * step / total) if isinstance(total, int) and total > 0 else None
        mark = (share or 0) // PROGRESS_STEP if share is not None else step
        if mark == self.said:
            return None
        self.said = mark
        parts = [f"step {step}/{total}" if total else f"step {step}"]
        if share is not None:
            parts[0] += f" ({share}%)"
        loss = self.last.get("train_loss")
        if isinstance(loss, (int, float)):
            parts.append(f"loss {loss:.4f}")
        valid = self.last.get("valid_loss")
        if isinstance(valid, (int, float)):
            parts.append(f"validation loss {valid:.4f}")
        eta = self.eta(job)
        if eta is not None and step != total:
            parts.append(f"finishes about {_clock(eta)}")
        return "  " + ", ".join(parts)


def follow(client: Any, job_id: str, interval: float, say) -> Any:
    """Poll the job until it ends: each new message event once, in order; a progress line as
    training passes each 10 %; each status change. A quiet job is polled less and less often,
    up to 15 times the base interval."""
    seen: set[str] = set()
    progress = Progress()
    status = None
    delay = interval
    while True:
        job = client.fine_tuning.jobs.retrieve(job_id)
        fresh = new_events(client, job_id, seen)
        for event in fresh:
            if getattr(event, "type", None) == "metrics":
                progress.add(event)
            else:
                say(f"  {event.message}")
        line = progress.line(job)
        if line:
            say(line)
        changed = job.status != status
        if changed:
            status = job.status
            say(f"{job_id}: {status}")
        if status in TERMINAL:
            return job
        delay = interval if fresh or changed else min(delay * 2, interval * QUIET_POLLS_BACKOFF)
        time.sleep(delay)


def success_lines(client: Any, job: Any, estimate: Any | None, azure_resource: str | None) -> list[str]:
    """What a user wants once a job succeeded: the model, the trained tokens and what they cost
    next to the estimate, the checkpoints, and on Azure how to deploy it."""
    lines = [f"fine-tuned model: {job.fine_tuned_model}"]
    trained = getattr(job, "trained_tokens", None)
    if trained:
        text = f"trained tokens: {trained:,}"
        model = estimate.model if estimate is not None else None
        if model is not None and model.price is not None and model.price_unit == "1M tokens":
            text += f" ≈ ${trained / 1e6 * model.price:,.2f} at ${model.price:g}/1M"
            if estimate.cost is not None:
                text += f" (estimated ${estimate.cost:,.2f} for {estimate.billed_tokens:,} tokens)"
        lines.append(text)
    try:
        checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id))
    except Exception as exc:  # the job succeeded; a listing that fails must not say otherwise
        lines.append(f"checkpoints: not listed ({type(exc).__name__})")
        checkpoints = []
    for c in sorted(checkpoints, key=lambda c: c.step_number):
        loss = (c.metrics.train_loss if c.metrics is not None else None)
        lines.append(f"  checkpoint step {c.step_number}: {c.fine_tuned_model_checkpoint}"
                     + (f" (loss {loss:.4f})" if isinstance(loss, (int, float)) else ""))
    if azure_resource is not None:
        lines.append("Azure OpenAI serves a fine-tuned model once it is deployed, a separate step, e.g.: "
                     f"az cognitiveservices account deployment create -g RESOURCE_GROUP -n {azure_resource} "
                     f"--deployment-name NAME --model-name {job.fine_tuned_model} --model-version 1 "
                     "--model-format OpenAI --sku-name Standard --sku-capacity 1")
    return lines


def failure_lines(job: Any, paths: dict[str, str] | None = None) -> list[str]:
    """The job's own error, and where to look when it blames a file (``paths``: the local file
    for "training_file" and "validation_file", where known)."""
    error = getattr(job, "error", None)
    if error is None or not getattr(error, "message", None):
        return [f"job {job.id} {job.status}"]
    lines = [f"job {job.id} {job.status}: {error.code}: {error.message}"
             + (f" (param {error.param})" if error.param else "")]
    if error.param in ("training_file", "validation_file"):
        path = (paths or {}).get(error.param) or "FILE"
        lines.append(f"the service rejected the {error.param.replace('_', ' ')}: run `ftlint check {path}` with "
                     "the same --model and --target, and fix what it reports")
    return lines
