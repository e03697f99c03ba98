"""FT8xx: the configured model and target: known, trainable with this method, on this date."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..catalog import FORMAT_METHOD
from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import show
from ..rule import FORMATS, DatasetRule, FileRule, Option

CHAT = frozenset({"sft", "dpo", "rft"})


class _RunRule(DatasetRule):
    """A fact about the run's model and target, not about a file: reported once per run, at line 1
    of the first file, when a model is configured."""

    formats = FORMATS

    def new_state(self) -> list:
        return []  # [the FileContext of the first example], once seen

    def observe(self, state, ex):
        if not state and ex.ctx.model_name:
            state.append(dataclasses.replace(ex.ctx, accounting=None))  # states cross processes

    def merge(self, first, second):
        return first or second

    def relocate(self, state, move):
        # the context of this run: today's date and the part's place, not the cached run's
        return [dataclasses.replace(move.ctx, accounting=None)] if state else state

    def finish(self, state):
        if not state:
            return None
        ctx = state[0]
        found = self.judge(ctx)
        return None if found is None else (Finding("", *found, path=ctx.path, line=1),)

    def judge(self, ctx) -> tuple[str, str] | None:
        """(message, fix) when the rule applies to the run's model and target."""
        raise NotImplementedError


class UnknownModel(_RunRule):
    code = "FT801"
    name = "unknown-model"
    summary = "The configured model is not in the catalog of the target"

    def judge(self, ctx):
        if ctx.model is not None:
            return None
        return (f"model {show(ctx.model_name)} is not in the {ctx.target} catalog, so its token limit, "
                "tokenizer and price are unknown and the token rules are off",
                "use a name from `ftlint models`, or add the model under [tool.ftlint.models]")


class MethodNotSupported(FileRule):
    code = "FT802"
    name = "method-not-supported"
    summary = "The model does not train with the file's method"
    formats = CHAT

    def start(self, ctx):
        return {} if ctx.model is not None else None

    def observe(self, state, ex):
        state.setdefault(ex.kind, ex.line)

    def merge(self, first, second):
        for kind, line in second.items():
            first.setdefault(kind, line)
        return first

    def relocate(self, state, move):
        return {kind: move.line(line) for kind, line in state.items()}

    def finish(self, state, ctx):
        out = []
        for kind, line in state.items():
            method = FORMAT_METHOD[kind]
            if method not in ctx.model.methods:
                offered = ", ".join(sorted(ctx.model.methods)) or "no method (training has ended)"
                out.append(Finding("", f"{ctx.model.name} does not train with {method} on {ctx.target} (it offers: "
                                   f"{offered}); this file is {method} data", "pick a model that offers "
                                   f"{method}: `ftlint models`", line=line))
        return out


class VisionNotSupported(FileRule):
    code = "FT803"
    name = "vision-not-supported"
    summary = "Images in the data, but the model has no vision fine-tuning"
    formats = frozenset({"sft", "dpo"})
    when = frozenset({"content:list"})

    def start(self, ctx):
        return [0, 0] if ctx.model is not None and not ctx.model.vision else None

    def observe(self, state, ex):
        if any(isinstance(p, dict) and p.get("type") == "image_url" for _, _, p in ex.content_parts()):
            if not state[0]:
                state[1] = ex.line
            state[0] += 1

    def merge(self, first, second):
        return [first[0] + second[0], first[1] if first[0] else second[1]]

    def relocate(self, state, move):
        return [state[0], move.line(state[1])]

    def finish(self, state, ctx):
        if not state[0]:
            return None
        return (Finding("", f"{state[0]} example(s) hold images, but {ctx.model.name} has no vision fine-tuning on "
                        f"{ctx.target}", "use a vision model (gpt-4o-2024-08-06) or remove the images",
                        line=state[1]),)


def _today(rule, ctx) -> dt.date:
    return dt.date.fromisoformat(rule.opts["today"]) if rule.opts["today"] else ctx.today


class TrainingEnded(_RunRule):
    code = "FT804"
    name = "training-ended"
    summary = "New training jobs are no longer accepted for the model"
    options = {"today": Option("", "Date to judge by, YYYY-MM-DD (default: the day of the run).", str)}

    def judge(self, ctx):
        model, today = ctx.model, _today(self, ctx)
        if model is None or model.training_until is None or today < model.training_until:
            return None
        return (f"{ctx.target} takes no new training jobs for {model.name} since "
                f"{model.training_until.isoformat()} ({model.training_until_source})",
                "train elsewhere: another target (--target azure-openai) or an open-model trainer")


class TrainingEndingSoon(_RunRule):
    code = "FT805"
    name = "training-ending-soon"
    summary = "New training jobs for the model end soon"
    severity = Severity.WARNING
    options = {"days": Option(60, "Warn this many days before the end.", min=0, max=3660),
               "today": Option("", "Date to judge by, YYYY-MM-DD (default: the day of the run).", str)}

    def judge(self, ctx):
        model, today = ctx.model, _today(self, ctx)
        if model is None or model.training_until is None:
            return None
        left = (model.training_until - today).days
        if 0 < left <= self.opts["days"]:
            return (f"{ctx.target} stops taking training jobs for {model.name} on "
                    f"{model.training_until.isoformat()}, in {left} days ({model.training_until_source})",
                    "start the job before then, or plan another target")
        return None


RULES = (UnknownModel, MethodNotSupported, VisionNotSupported, TrainingEnded, TrainingEndingSoon)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
