"""``ftlint submit``: lint, price, upload once, create once, follow.

Each phase says what it did on ``say`` (the CLI's standard error for text, nothing for JSON) and
fills :class:`Outcome`, which the CLI prints as JSON; the exit code tells how it ended."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from ..__about__ import __version__
from ..diagnostics import Severity
from .client import ClientError, endpoint_for, make_client, poll_interval, redact, secrets_in
from .follow import failure_lines, follow, success_lines
from .key import METADATA_KEY, file_digest, submission_key, upload_name
from .remote import RemoteError, ensure_file, ensure_job
from .state import StateStore
from .uploads import PART_SIZE, PartPlan

EXIT_OK, EXIT_LINT, EXIT_USAGE, EXIT_FAILED, EXIT_BUDGET, EXIT_API, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 5, 130
METHOD_TYPES = {"sft": "supervised", "dpo": "dpo"}


class SubmitError(Exception):
    """Stops the submission with an exit code; the message is safe to show."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Request:
    """What the user asked for."""

    train: str
    validation: str | None = None
    method: str = "sft"  # sft | dpo
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    base_url: str | None = None
    training_type: str | None = None  # Azure OpenAI: GlobalStandard, Standard, Developer
    max_cost: float | None = None
    yes: bool = False
    detach: bool = False
    dry_run: bool = False
    new: bool = False
    force: bool = False
    uploads_above: int | None = None  # bytes; larger files go through the Uploads API (None: the target's)
    part_size: int | None = None  # bytes per Uploads part (None: PART_SIZE)


@dataclass
class Outcome:
    """What happened, for the JSON document."""

    lint: dict[str, int] = field(default_factory=dict)
    estimate: dict[str, Any] | None = None
    key: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    job: dict[str, Any] | None = None
    resumed: bool = False


def _spec(request: Request, model_name: str) -> dict[str, Any]:
    """The job's identity as the key sees it: what it trains on, and how."""
    hyper = {k: v for k, v in (("n_epochs", request.epochs), ("batch_size", request.batch_size),
                               ("learning_rate_multiplier", request.learning_rate_multiplier),
                               ("beta", request.beta if request.method == "dpo" else None)) if v is not None}
    return {"model": model_name, "method": METHOD_TYPES[request.method], "hyperparameters": hyper,
            "suffix": request.suffix, "seed": request.seed, "training_type": request.training_type}


def check_metadata(pairs: dict[str, str]) -> None:
    """The API's limits on job metadata: 16 pairs, keys of 64 characters, values of 512."""
    if len(pairs) > 16:
        raise SubmitError(f"jobs take at most 16 metadata pairs; with ftlint's own this submission has "
                          f"{len(pairs)}", EXIT_USAGE)
    for k, v in pairs.items():
        if len(k) > 64 or len(v) > 512:
            raise SubmitError(f"metadata {k!r}: keys take at most 64 characters and values 512", EXIT_USAGE)


def lint_gate(session, request: Request, say, outcome: Outcome) -> Any:
    """Lint the files as ``check`` would, with the model set; errors stop the submission before
    any request (``--force`` goes on, and the job's metadata says so)."""
    report = session.lint([request.train], validation=[request.validation] if request.validation else [])
    if report.errors:
        raise SubmitError("; ".join(e.describe() for e in report.errors), EXIT_USAGE)
    errors = report.count(Severity.ERROR)
    outcome.lint = {"errors": errors, "warnings": report.count(Severity.WARNING), "examples": report.examples}
    if errors:
        say(session.render(report, "text", color=False, statistics=False, quiet=False).rstrip("\n"))
    if errors and not request.force:
        raise SubmitError(f"the data has {errors} error(s); fix them (`ftlint check`) or submit with --force",
                          EXIT_LINT)
    return report


def refuse_ended(session, today: dt.date) -> None:
    model = session.model
    if model is not None and model.training_until is not None and today >= model.training_until:
        alive = [m.name for m in session.registry.catalog.for_target(session.config.target)
                 if "supervised" in m.methods and (m.training_until is None or today < m.training_until)]
        raise SubmitError(f"{session.config.target} takes no new training jobs for {model.name} since "
                          f"{model.training_until.isoformat()}; models that still train there: "
                          f"{', '.join(alive) or 'none'} (or another --target)", EXIT_USAGE)


def check_request(request: Request, target, model) -> str | None:
    """Settings the service would refuse after the upload, refused before it. Returns the Azure
    training tier to send (the model's only one when it has one and none was asked for)."""
    azure = target.api is not None and target.api.kind == "azure-openai"
    if request.suffix is not None and (len(request.suffix) > 64 or (azure and "." in request.suffix)):
        raise SubmitError(f"--suffix {request.suffix!r}: at most 64 characters" + (", and no dots on Azure OpenAI"
                                                                                   if azure else ""), EXIT_USAGE)
    if request.training_type and not azure:
        raise SubmitError(f"--training-type is Azure OpenAI's; target {target.name} has no training tiers", EXIT_USAGE)
    tiers = model.training_types
    if tiers and request.training_type and request.training_type not in tiers:
        raise SubmitError(f"{model.name} trains on the {' or '.join(tiers)} tier only, not "
                          f"{request.training_type}", EXIT_USAGE)
    return request.training_type or (tiers[0] if tiers else None)


def budget_gate(estimate, request: Request, confirm) -> None:
    """``--max-cost`` over the estimate, or an unknown price with it set, stops before any
    request (exit 4); so does a submission nobody confirmed."""
    if request.max_cost is not None:
        if estimate is None or estimate.cost is None:
            raise SubmitError("the cost is unknown (no price for the model), and --max-cost is set", EXIT_BUDGET)
        if estimate.cost > request.max_cost:
            raise SubmitError(f"the estimate ${estimate.cost:,.2f} is over --max-cost ${request.max_cost:,.2f}",
                              EXIT_BUDGET)
    if not request.yes and not request.dry_run and not confirm():
        raise SubmitError("not confirmed: pass --yes to submit without a terminal", EXIT_BUDGET)


def submit(session, request: Request, *, say, confirm, env=None, store: StateStore | None = None,
           today: dt.date | None = None, outcome: Outcome | None = None) -> tuple[int, Outcome]:
    """Run a submission; returns (exit code, outcome). ``say(text)`` reports progress; ``confirm()``
    asks the user (False when nobody can answer). ``outcome``, when given, is filled as the
    phases go, so a caller still has what was done when a :class:`SubmitError` stops it."""
    import openai

    outcome = outcome if outcome is not None else Outcome()
    today = today or dt.date.today()
    cfg = session.config
    if session.model is None:
        raise SubmitError(f"unknown model {cfg.model!r} for target {cfg.target}; `ftlint models` lists them",
                          EXIT_USAGE)
    refuse_ended(session, today)
    target = session.registry.targets[cfg.target]
    request = dataclasses.replace(request, training_type=check_request(request, target, session.model))
    report = lint_gate(session, request, say, outcome)
    estimate = report.estimate
    if estimate is not None:
        outcome.estimate = {"billed_tokens": estimate.billed_tokens, "epochs": request.epochs or estimate.epochs,
                            "cost_usd": estimate.cost, "price_source": estimate.model.price_source}
        say(estimate.line())
    budget_gate(estimate, request, confirm)
    above, part = request.uploads_above or target.api.uploads_above, request.part_size or PART_SIZE
    try:
        endpoint = endpoint_for(target, request.base_url, env)
    except ClientError as exc:
        raise SubmitError(str(exc), EXIT_USAGE) from None
    files = [("train", request.train)] + ([("validation", request.validation)] if request.validation else [])
    digests = {role: file_digest(path) for role, path in files}
    spec = _spec(request, session.model.name)
    key = outcome.key = submission_key([(role, d) for role, (d, _) in digests.items()], spec, cfg.target,
                                       endpoint.base_url)
    if request.dry_run:
        for role, path in files:
            size = digests[role][1]
            how = f" in {-(-size // part)} part(s) through the Uploads API" if size > above else ""
            say(f"would upload {path} ({size:,} bytes) as {upload_name(path, digests[role][0])}{how}")
        say(f"would create a {spec['method']} job on {session.model.name} at {endpoint.base_url} (key {key})")
        return EXIT_OK, outcome
    try:
        client = make_client(endpoint, env)
    except ClientError as exc:
        raise SubmitError(str(exc), EXIT_USAGE) from None
    secrets = secrets_in(env)
    store = store or StateStore()
    interval = poll_interval(env)
    try:
        with store.lock(key):
            state = store.load(key)
            for role, path in files:
                digest, size = digests[role]
                parts = None
                if size > above:
                    record = state.setdefault("uploads", {}).setdefault(role, {})
                    parts = PartPlan(record, lambda: store.save(key, state), part, say)
                f = ensure_file(client, path, digest, size, state.get("files", {}).get(role), interval, parts)
                outcome.files[role] = f.id
                state.setdefault("files", {})[role] = f.id
                store.save(key, state)
                say(f"{role} file {f.id} ({path})")
                _wait_processed(client, f.id, interval, say)
            metadata = {METADATA_KEY: key, "ftlint_version": __version__,
                        "ftlint_train_sha256": digests["train"][0][:32], **request.metadata}
            if request.force:
                metadata["ftlint_forced"] = "lint errors"
            check_metadata(metadata)
            create = _create_args(request, spec, outcome.files, metadata)
            job, created = ensure_job(client, key, create, state.get("job"), interval, new=request.new)
            if not created and job.status in ("failed", "cancelled") and not request.new:
                outcome.job = _job_doc(job)
                raise SubmitError(f"this submission's job {job.id} {job.status}; pass --new to start another",
                                  EXIT_FAILED)
            state["job"] = job.id
            store.save(key, state)
            outcome.resumed = not created
            say(("resuming " if not created else "created ") + f"{job.id} ({job.status})")
            if not request.detach:
                try:
                    job = follow(client, job.id, interval, say)
                except KeyboardInterrupt:
                    outcome.job = _job_doc(job)
                    raise SubmitError(f"interrupted; job {job.id} goes on. `ftlint jobs follow {job.id}` (or this "
                                      "submit again) follows it", EXIT_INTERRUPTED) from None
            outcome.job = _job_doc(job)
    except RemoteError as exc:
        raise SubmitError(redact(str(exc), *secrets), EXIT_API) from None
    except openai.APIError as exc:
        raise SubmitError(redact(f"the service answered: {exc}", *secrets), EXIT_API) from None
    if job.status == "succeeded":
        resource = _azure_resource(endpoint) if endpoint.kind == "azure-openai" else None
        for line in success_lines(client, job, estimate, resource):
            say(line)
        return EXIT_OK, outcome
    if job.status in ("failed", "cancelled"):
        for line in failure_lines(job, {"training_file": request.train, "validation_file": request.validation}):
            say(line)
        return EXIT_FAILED, outcome
    return EXIT_OK, outcome  # detached: the job exists and goes on


def _azure_resource(endpoint) -> str:
    """RESOURCE of https://RESOURCE.openai.azure.com/...: the name ``az`` deploys to."""
    from urllib.parse import urlparse

    return (urlparse(endpoint.base_url).hostname or "RESOURCE").split(".")[0]


def _create_args(request: Request, spec: dict, file_ids: dict, metadata: dict) -> dict:
    method: dict[str, Any] = {"type": spec["method"]}
    if spec["hyperparameters"]:
        method[spec["method"]] = {"hyperparameters": spec["hyperparameters"]}
    args = {"model": spec["model"], "training_file": file_ids["train"], "method": method, "metadata": metadata}
    if "validation" in file_ids:
        args["validation_file"] = file_ids["validation"]
    for name in ("suffix", "seed"):
        if spec[name] is not None:
            args[name] = spec[name]
    if spec["training_type"]:
        args["extra_body"] = {"trainingType": spec["training_type"]}
    return args


def _wait_processed(client, file_id: str, interval: float, say, timeout: float = 1800) -> None:
    started = time.monotonic()
    delay = interval
    while True:
        f = client.files.retrieve(file_id)
        status = getattr(f, "status", None)
        if status == "processed":
            return
        if status == "error":
            detail = getattr(f, "status_details", None) or "no reason given"
            raise SubmitError(f"the service could not process file {file_id}: {detail}", EXIT_FAILED)
        if time.monotonic() - started > timeout:
            raise SubmitError(f"file {file_id} was still {status} after {timeout:,.0f} s; rerun to go on", EXIT_API)
        time.sleep(delay)
        delay = min(delay * 2, max(interval, 30 * interval))


def _job_doc(job) -> dict[str, Any]:
    error = getattr(job, "error", None)
    return {"id": job.id, "status": job.status, "fine_tuned_model": job.fine_tuned_model,
            "trained_tokens": getattr(job, "trained_tokens", None),
            "error": None if error is None or not getattr(error, "message", None) else
            {"code": error.code, "message": error.message, "param": error.param}}
