"""`ftlint stats`: token distributions, truncation, billed tokens and cost for a model."""

from __future__ import annotations

import datetime as dt
import math
from array import array
from dataclasses import dataclass, field

from .accounting import Accounting
from .catalog import FORMAT_METHOD, Catalog, Model
from .cost import Estimate, billable, estimate
from .engine import collect_paths
from .example import FileContext
from .reader import open_dataset, read_examples

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


def collect(paths: list[str], config, models: list[Model], errors: list) -> Collected:
    """One pass over the files, counting tokens once per distinct tokenizer setup."""
    accountings = {}
    for m in models:
        accountings.setdefault(_key(m), Accounting(m))
    main_key = _key(models[0])
    out = Collected(totals={k: array("I") for k in accountings})
    for path in collect_paths(paths, config, errors=errors):
        ctx = FileContext(path, config.method)
        try:
            with open_dataset(path) as fh:
                for ex in read_examples(fh, ctx):
                    if ex.kind not in ("sft", "dpo"):
                        continue
                    out.examples += 1
                    out.formats[ex.kind] = out.formats.get(ex.kind, 0) + 1
                    out.messages.append(len(ex.messages))
                    for key, acc in accountings.items():
                        t = acc.example(ex)
                        out.totals[key].append(t.total)
                        if key == main_key:
                            out.trainable.append(t.trainable)
                            out.estimated += t.estimated
        except OSError as exc:
            from .diagnostics import ToolError

            errors.append(ToolError("io", f"cannot read {path}: {exc.strerror or exc}", path=path))
    return out


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


def comparison(catalog: Catalog, target: str, method: str, collected: Collected, epochs: int | None,
               today: dt.date) -> list[tuple[Model, int, Estimate]]:
    rows = []
    for model in catalog.for_target(target):
        key = _key(model)
        if method not in model.methods or key not in collected.totals:
            continue
        totals = collected.totals[key]
        over = sum(1 for t in totals if model.example_limit and t > model.example_limit)
        per_epoch = sum(billable(model, t) for t in totals)
        rows.append((model, over, estimate(model, collected.examples, per_epoch, epochs)))
    return rows


def dominant_method(collected: Collected) -> str:
    kind = max(collected.formats, key=collected.formats.get) if collected.formats else "sft"
    return FORMAT_METHOD[kind]
