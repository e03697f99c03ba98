"""The model catalog: what each base model accepts and costs on each target, as data.

Entries come from plugins through the ``register_models`` hook (ftlint's own entries are in
:mod:`ftlint.models_builtin`) and from ``[tool.ftlint.models.<name>]`` in config, which can add a
model or override any field of one (an organisation's discounted price, an Azure region's price).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

METHODS = ("supervised", "dpo", "reinforcement")
FORMAT_METHOD = {"sft": "supervised", "dpo": "dpo", "rft": "reinforcement"}


@dataclass(frozen=True)
class Model:
    name: str
    target: str
    encoding: str
    example_limit: int | None = None
    limit_source: str = ""
    price: float | None = None  # USD per 1M training tokens (or per hour when price_unit == "hour")
    price_unit: str = "1M tokens"
    price_date: str = ""
    price_source: str = ""
    methods: frozenset = frozenset()
    vision: bool = False
    training_until: dt.date | None = None  # the first day new training jobs are refused
    training_until_source: str = ""
    aliases: tuple[str, ...] = ()
    tools_family: str = "gpt-4o"  # which tool-definition token constants apply
    image_base: int = 85
    image_tile: int = 170
    training_types: tuple[str, ...] = ()  # Azure OpenAI tiers it trains on; empty: any, or not stated
    token_note: str = ""  # set where the counts are approximate: which tokenizer stood in, and why

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["methods"] = sorted(self.methods)
        d["training_until"] = self.training_until.isoformat() if self.training_until else None
        return d


@dataclass
class Catalog:
    models: dict[tuple[str, str], Model] = field(default_factory=dict)

    def add(self, model: Model) -> None:
        self.models[(model.target, model.name)] = model

    def for_target(self, target: str) -> list[Model]:
        return sorted((m for (t, _), m in self.models.items() if t == target), key=lambda m: m.name)

    def resolve(self, name: str, target: str) -> Model | None:
        """Find a model by name, alias or fine-tuned name (``ft:base:org:suffix:id``)."""
        base = base_model(name)
        for model in self.for_target(target):
            if base == model.name or base in model.aliases:
                return model
        return None


def base_model(name: str) -> str:
    """``ft:gpt-4.1-mini-2025-04-14:org::id`` -> ``gpt-4.1-mini-2025-04-14``: the base decides the
    tokenizer (tiktoken's own lookup maps every ``ft:gpt-4.1`` name to cl100k_base, wrongly)."""
    if name.startswith("ft:"):
        return name[3:].split(":", 1)[0]
    return name


_FIELDS = {
    "base": str, "encoding": str, "example-limit": int, "price": float, "price-date": str, "price-source": str,
    "methods": list, "vision": bool, "training-until": (str, dt.date), "aliases": list,
}


# A price is USD per 1M tokens (or per hour): no real one is negative or near a million.
_BOUNDS = {"price": (0.0, 100_000.0), "example-limit": (1, 100_000_000)}


def apply_config(catalog: Catalog, target: str, table: dict[str, dict[str, Any]], where: str) -> None:
    """Add or override models from ``[tool.ftlint.models.<name>]``."""
    from .config import ConfigError

    for name, fields in table.items():
        if not isinstance(fields, dict):
            raise ConfigError(f"{where}: 'models.{name}' must be a table")
        for key, value in fields.items():
            if key not in _FIELDS:
                raise ConfigError(f"{where}: unknown key 'models.{name}.{key}'; known: {', '.join(_FIELDS)}")
            expected = _FIELDS[key]
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
                raise ConfigError(f"{where}: 'models.{name}.{key}' has the wrong type: {value!r}")
            low, high = _BOUNDS.get(key, (None, None))
            if low is not None and not low <= value <= high:  # NaN fails this too
                raise ConfigError(f"{where}: 'models.{name}.{key}' must be from {low:g} to {high:g}, got {value!r}")
        existing = catalog.resolve(fields.get("base", name), target) or catalog.resolve(name, target)
        changes: dict[str, Any] = {"name": name, "target": target}
        if "encoding" in fields:
            from .tokens import VOCABULARIES

            if fields["encoding"] not in VOCABULARIES:
                raise ConfigError(f"{where}: 'models.{name}.encoding' is {fields['encoding']!r}, which ftlint does not "
                                  f"ship; use one of {', '.join(VOCABULARIES)}")
            changes["encoding"] = fields["encoding"]
        if "example-limit" in fields:
            changes["example_limit"] = fields["example-limit"]
            changes["limit_source"] = where
        if "price" in fields:
            changes.update(price=fields["price"], price_source=fields.get("price-source", where),
                           price_date=fields.get("price-date", ""))
        if "methods" in fields:
            bad = [m for m in fields["methods"] if m not in METHODS]
            if bad:
                raise ConfigError(f"{where}: 'models.{name}.methods' has unknown method(s) {bad}; use {METHODS}")
            changes["methods"] = frozenset(fields["methods"])
        if "vision" in fields:
            changes["vision"] = fields["vision"]
        if "training-until" in fields:
            value = fields["training-until"]
            try:
                changes["training_until"] = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
            except ValueError:
                raise ConfigError(f"{where}: 'models.{name}.training-until' must be a date like 2027-01-06") from None
            changes["training_until_source"] = where
        if "aliases" in fields:
            changes["aliases"] = tuple(fields["aliases"])
        if existing is not None:
            if existing.name != name and "base" not in fields:
                changes["aliases"] = tuple(changes.get("aliases", existing.aliases))
                changes["name"] = existing.name
            catalog.add(dataclasses.replace(existing, **changes))
        else:
            if "encoding" not in changes:
                raise ConfigError(f"{where}: new model 'models.{name}' needs 'encoding' (o200k_base or cl100k_base) "
                                  "or 'base' naming a known model")
            catalog.add(Model(**changes))
