"""`ftlint stats`: token distributions, truncation, billed tokens and cost for a model."""

from __future__ import annotations

import datetime as dt
import math
from array import array
from dataclasses import dataclass, field

from .accounting import Accounting
from .catalog import FORMAT_METHOD, Catalog, Model
from .cost import Estimate, billable, estimate
from .observer import Observer

QUANTILES = (("min", 0.0), ("p10", 0.1), ("median", 0.5), ("p90", 0.9), ("max", 1.0))


def quantile(values, q: float) -> int:
    """Nearest-rank quantile of sorted values."""
    if not values:
        return 0
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))] if q > 0 else values[0]


def summary(values) -> dict[str, int]:
    ordered = sorted(values)
    return {name: quantile(ordered, q) for name, q in QUANTILES}


@dataclass
class Collected:
    examples: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    messages: array = field(default_factory=lambda: array("I"))
    totals: dict[tuple, array] = field(default_factory=dict)  # accounting key -> tokens per example
    trainable: array = field(default_factory=lambda: array("I"))
    estimated: int = 0


def _key(model: Model) -> tuple:
    return (model.encoding, model.tools_family, model.image_base, model.image_tile)


class Measures(Observer):
    """What ``ftlint stats`` shows, measured in the one pass beside the rules: for each training
    and validation example, its messages, its tokens under each distinct tokenizer setup of the
    models compared (the first model's through the example's own count), and its trained tokens.
    Per-example values are kept, 4 bytes each, since quantiles need them."""

    name = "stats"

    def __init__(self, models: list[Model]) -> None:
        self.main = _key(models[0])
        self.others: dict[tuple, Accounting] = {}
        for m in models[1:]:
            if _key(m) != self.main and _key(m) not in self.others:
                self.others[_key(m)] = Accounting(m)

    def new_state(self) -> dict[str, Collected]:
        keys = [self.main, *self.others]
        return {role: Collected(totals={k: array("I") for k in keys}) for role in ("train", "validation")}

    def observe(self, state: dict[str, Collected], ex) -> None:
        tokens = ex.tokens
        if tokens is None:  # the tokenizer could not load; the run reports why
            return
        out = state["train" if ex.ctx.role == "train" else "validation"]  # a test split is held out too
        out.examples += 1
        out.formats[ex.kind] = out.formats.get(ex.kind, 0) + 1
        out.messages.append(len(ex.messages))
        out.totals[self.main].append(tokens.total)
        out.trainable.append(tokens.trainable)
        out.estimated += tokens.estimated
        for key, accounting in self.others.items():
            out.totals[key].append(accounting.example(ex).total)

    def merge(self, first: dict[str, Collected], second: dict[str, Collected]) -> dict[str, Collected]:
        for role, later in second.items():
            into = first[role]
            into.examples += later.examples
            into.estimated += later.estimated
            for kind, n in later.formats.items():
                into.formats[kind] = into.formats.get(kind, 0) + n
            into.messages.extend(later.messages)
            into.trainable.extend(later.trainable)
            for key, values in later.totals.items():
                into.totals[key].extend(values)
        return first

    def fingerprint(self) -> str:
        return repr((self.main, sorted(self.others)))


def histogram(values, bins: int = 10, width: int = 40) -> list[tuple[int, int, int]]:
    if not values:
        return []
    top = max(values)
    step = max(1, 10 ** max(0, len(str(top)) - 2))
    size = max(step, math.ceil(top / bins / step) * step)
    counts = [0] * (top // size + 1)
    for v in values:
        counts[v // size] += 1
    return [(i * size, (i + 1) * size, c) for i, c in enumerate(counts)]


def over_limit(model: Model, totals) -> int:
    return sum(1 for t in totals if model.example_limit and t > model.example_limit)


def distributions(collected: Collected, key: tuple) -> dict[str, dict[str, int]]:
    return {"messages": summary(collected.messages), "total_tokens": summary(collected.totals[key]),
            "trainable_tokens": summary(collected.trainable)}


def ended(model: Model, today: dt.date) -> bool:
    """Whether the target takes no new training jobs for the model any more."""
    return model.training_until is not None and today >= model.training_until


def comparison(catalog: Catalog, target: str, method: str, collected: Collected,
               epochs: int | None, today: dt.date, include_ended: bool = False) -> list[tuple[Model, int, Estimate]]:
    """The cost of the data on each model of the target that trains with ``method``; models whose
    training has ended are no option and are left out unless ``include_ended``."""
    rows = []
    for model in catalog.for_target(target):
        key = _key(model)
        if method not in model.methods or key not in collected.totals:
            continue
        if ended(model, today) and not include_ended:
            continue
        totals = collected.totals[key]
        per_epoch = sum(billable(model, t) for t in totals)
        rows.append((model, over_limit(model, totals), estimate(model, collected.examples, per_epoch, epochs)))
    return rows


def dominant_method(collected: Collected) -> str:
    kind = max(collected.formats, key=collected.formats.get) if collected.formats else "sft"
    return FORMAT_METHOD[kind]


@dataclass
class StatsReport:
    """What `ftlint stats` shows, computed once and rendered as text or JSON."""

    model: Model
    target: str
    data: Collected
    validation: Collected | None
    validation_path: str | None
    epochs: int | None
    catalog: Catalog
    include_ended: bool = False
    today: dt.date = field(default_factory=dt.date.today)

    def __post_init__(self) -> None:
        self.key = _key(self.model)
        self.totals = self.data.totals[self.key]
        self.method = dominant_method(self.data)
        self.over = over_limit(self.model, self.totals)
        self.estimate = estimate(self.model, self.data.examples,
                                 sum(billable(self.model, t) for t in self.totals), self.epochs)
        self.table = comparison(self.catalog, self.target, self.method, self.data, self.epochs, self.today,
                                self.include_ended)

    def to_dict(self) -> dict:
        est, val = self.estimate, self.validation
        return {
            "schema_version": 1, "model": self.model.to_dict(), "target": self.target, "method": self.method,
            "examples": self.data.examples, "formats": self.data.formats,
            "distributions": distributions(self.data, self.key),
            "histogram": [{"from": a, "to": b, "count": c} for a, b, c in histogram(list(self.totals))],
            "over_limit": self.over, "estimated_counts": self.data.estimated,
            "tokens_per_epoch": est.tokens_per_epoch, "epochs": est.epochs, "epochs_auto": est.epochs_auto,
            "billed_tokens": est.billed_tokens, "cost_usd": est.cost,
            "validation": None if val is None else {
                "file": self.validation_path, "examples": val.examples, "tokens": int(sum(val.totals[self.key])),
                "billed": False, "distributions": distributions(val, self.key)},
            "comparison": [{"model": m.name, "over_limit": o, "billed_tokens": e.billed_tokens, "cost_usd": e.cost,
                            "training_until": m.training_until.isoformat() if m.training_until else None,
                            "ended": ended(m, self.today)}
                           for m, o, e in self.table],
        }

    @staticmethod
    def _table(dist: dict, indent: str = "") -> list[str]:
        rows = []
        for label, key in (("messages/example", "messages"), ("tokens/example", "total_tokens"),
                           ("trainable/example", "trainable_tokens")):
            rows.append(f"{indent + label:<20}" + "".join(f"{v:>10,}" for v in dist[key].values()))
        return rows

    def lines(self) -> list[str]:
        model, data = self.model, self.data
        limit = model.example_limit
        limit_text = f"limit {limit:,} tokens per example" if limit else "no known per-example limit"
        out = [f"{data.examples:,} examples ({', '.join(f'{n:,} {k}' for k, n in data.formats.items())}) · "
               f"{model.name} on {self.target} ({model.encoding}, {limit_text})", "",
               f"{'':<20}" + "".join(f"{name:>10}" for name, _ in QUANTILES)]
        out += self._table(distributions(data, self.key))
        out += ["", "Tokens per example"]
        bars = histogram(list(self.totals))
        peak = max((c for _, _, c in bars), default=1) or 1
        out += [f"{a:>9,} – {b:<9,} {'█' * max(1 if c else 0, round(40 * c / peak)):<40} {c:,}" for a, b, c in bars]
        if data.estimated:
            out.append(f"({data.estimated:,} examples hold tools, tool calls or remote images: their counts are "
                       "estimates)")
        out += ["", f"Over the limit (truncated from the end, billed at the limit): {self.over:,}",
                self.estimate.line()]
        if self.validation is not None:
            val = self.validation
            out.append(f"Validation {self.validation_path}: {val.examples:,} examples, "
                       f"{int(sum(val.totals[self.key])):,} tokens; validation tokens are not billed.")
            out += self._table(distributions(val, self.key), "  ")
            out.append(f"  over the limit: {over_limit(model, val.totals[self.key]):,}")
        if self.table:
            out += ["", f"{self.method} on {self.target}" + ("" if self.include_ended else
                                                             " (models still taking jobs; --all-models for all)") + ":",
                    f"  {'model':<26} {'over limit':>10} {'billed tokens':>15} {'cost':>12}  training until"]
            for m, o, e in self.table:
                cost = "unknown" if e.cost is None else f"${e.cost:,.2f}"
                until = m.training_until.isoformat() if m.training_until else "-"
                if ended(m, self.today):
                    until += " (ended)"
                out.append(f"  {m.name:<26} {o:>10,} {e.billed_tokens:>15,} {cost:>12}  {until}")
        return out
