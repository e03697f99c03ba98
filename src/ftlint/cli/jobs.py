"""`ftlint jobs`: list, show and manage fine-tuning jobs on a target."""

from __future__ import annotations

import sys

import click

from ..config import ConfigError
from .common import CONTEXT, config_options, echo, echo_json, fail, from_service, session_for, target_option

EXIT_FAILED, EXIT_NOT_CONFIRMED, EXIT_API = 3, 4, 5


def _job_options(command):
    command = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                           show_default=True)(command)
    command = click.option("--base-url",
                           help="The API endpoint (default: the target's, or the environment's).")(command)
    return config_options(target_option(command))


class _Jobs:
    """The client for the chosen target, and errors turned into exit codes with no secret."""

    def __init__(self, target, base_url, config_path, isolated) -> None:
        from ..jobs.client import ClientError, endpoint_for, make_client, poll_interval

        try:
            session = session_for(config_path=config_path, isolated=isolated, target=target, select=[])
            profile = session.registry.targets[session.config.target]
            self.endpoint = endpoint_for(profile, base_url)
            self.client = make_client(self.endpoint)
            self.interval = poll_interval()
        except (ClientError, ConfigError) as exc:
            fail(str(exc))

    def call(self, what: str, fn, *args, **kw):
        from ..jobs.client import secrets_in
        from ..jobs.remote import NotFound, RemoteError, guarded

        try:
            return guarded(what, secrets_in(), fn, *args, **kw)
        except NotFound:
            fail(f"{what}: no such job on {self.endpoint.base_url}")
        except RemoteError as exc:
            click.echo(f"ftlint: error: {from_service(str(exc))}", err=True)
            sys.exit(EXIT_API)


def _rows(rows: list, fmt: str, line) -> None:
    """A listing: one JSON array of the service's objects, or ``line(row)`` for each."""
    if fmt == "json":
        echo_json([row.model_dump(mode="json") for row in rows], service=True)
    else:
        for row in rows:
            echo(from_service(line(row)))


def _job_line(job) -> str:
    made = job.fine_tuned_model or ""
    return f"{job.id:<28} {job.status:<17} {job.model:<30} {made}"


def jobs_group() -> click.Group:
    @click.group("jobs", context_settings=CONTEXT)
    def jobs():
        """List, show, follow and manage fine-tuning jobs (keys from the environment, as for submit)."""

    @jobs.command("list")
    @click.option("--dataset", type=click.Path(exists=True, dir_okay=False),
                  help="Only jobs that ftlint submitted with this training file (by its digest).")
    @click.option("--status", help="Only jobs in this status (running, succeeded, failed, ...).")
    @_job_options
    def list_jobs(dataset, status, fmt, base_url, target, config_path, isolated):
        """The newest jobs first."""
        from ..jobs.key import file_digest

        api = _Jobs(target, base_url, config_path, isolated)
        query = {"limit": 100}
        if dataset:
            query["metadata"] = {"ftlint_train_sha256": file_digest(dataset)[0][:32]}
        rows = [j for j in api.call("listing jobs", lambda: list(api.client.fine_tuning.jobs.list(**query)))
                if status is None or j.status == status]
        _rows(rows, fmt, _job_line)

    @jobs.command("show")
    @click.argument("job_id")
    @_job_options
    def show(job_id, fmt, base_url, target, config_path, isolated):
        """One job: status, model, files, hyperparameters, error."""
        api = _Jobs(target, base_url, config_path, isolated)
        job = api.call(job_id, api.client.fine_tuning.jobs.retrieve, job_id)
        if fmt == "json":
            echo_json(job.model_dump(mode="json"), service=True)
            return
        echo(from_service(_job_line(job)))
        echo(f"  training file {job.training_file}" + (f", validation file {job.validation_file}"
                                                        if job.validation_file else ""))
        if job.trained_tokens:
            echo(f"  trained tokens {job.trained_tokens:,}")
        if job.error is not None and job.error.message:
            echo(from_service(f"  error {job.error.code}: {job.error.message}"
                              + (f" (param {job.error.param})" if job.error.param else "")))

    @jobs.command("events")
    @click.argument("job_id")
    @_job_options
    def events(job_id, fmt, base_url, target, config_path, isolated):
        """The job's events, oldest first."""
        api = _Jobs(target, base_url, config_path, isolated)
        rows = list(reversed(api.call(job_id, lambda: list(api.client.fine_tuning.jobs.list_events(job_id,
                                                                                                    limit=100)))))
        _rows(rows, fmt, lambda e: f"{e.level:<5} {e.message}")

    @jobs.command("checkpoints")
    @click.argument("job_id")
    @_job_options
    def checkpoints(job_id, fmt, base_url, target, config_path, isolated):
        """The job's checkpoints: step, model name and metrics."""
        api = _Jobs(target, base_url, config_path, isolated)
        rows = api.call(job_id, lambda: list(api.client.fine_tuning.jobs.checkpoints.list(job_id)))
        _rows(rows, fmt, lambda c: f"step {c.step_number:>6}  {c.fine_tuned_model_checkpoint}")

    @jobs.command("follow")
    @click.argument("job_id")
    @_job_options
    def follow(job_id, fmt, base_url, target, config_path, isolated):
        """Follow the job to its end: events once each, status changes. Exit 0 succeeded, 3 failed
        or cancelled, 130 interrupted (the job goes on)."""
        from ..jobs.follow import failure_lines, follow, success_lines

        api = _Jobs(target, base_url, config_path, isolated)
        say = (lambda text: click.echo(from_service(text), err=True)) if fmt == "text" else (lambda text: None)
        try:
            job = api.call(job_id, follow, api.client, job_id, api.interval, say)
        except KeyboardInterrupt:
            click.echo(f"ftlint: interrupted; the job goes on. `ftlint jobs follow {job_id}` follows it again.",
                       err=True)
            sys.exit(130)
        if fmt == "json":
            echo_json(job.model_dump(mode="json"), service=True)
            sys.exit(0 if job.status == "succeeded" else EXIT_FAILED)
        if job.status == "succeeded":
            for line in api.call(job_id, success_lines, api.client, job, None, None):
                say(line)
        else:
            for line in failure_lines(job):
                say(line)
        echo(from_service(_job_line(job)))
        sys.exit(0 if job.status == "succeeded" else EXIT_FAILED)

    def action(name: str, past: str, ask: bool):
        @jobs.command(name)
        @click.argument("job_id")
        @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
        @_job_options
        def run(job_id, yes, fmt, base_url, target, config_path, isolated):
            api = _Jobs(target, base_url, config_path, isolated)
            if ask and not yes:
                if sys.stdin is None or not sys.stdin.isatty() or not click.confirm(f"{name.capitalize()} {job_id}?",
                                                                                     err=True):
                    click.echo("ftlint: not confirmed: pass --yes to act without a terminal", err=True)
                    sys.exit(EXIT_NOT_CONFIRMED)
            job = api.call(job_id, getattr(api.client.fine_tuning.jobs, name), job_id)
            if fmt == "json":
                echo_json(job.model_dump(mode="json"), service=True)
            else:
                echo(f"{job.id} {past}: {job.status}")

        run.__doc__ = f"{name.capitalize()} a job" + (" (asks first unless --yes)." if ask else ".")
        run.help = run.__doc__

    action("cancel", "cancelled", True)
    action("pause", "paused", False)
    action("resume", "resumed", False)
    return jobs
