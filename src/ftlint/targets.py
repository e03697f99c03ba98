"""Target profiles: where the data will be trained, as data. A profile adjusts rule severities and
options where a provider's rules differ from OpenAI's; the engine and the rules know no target."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .hookspecs import hookimpl


@dataclass(frozen=True)
class Target:
    name: str
    title: str
    source: str
    severity: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)


BUILTIN_TARGETS: tuple[Target, ...] = (
        Target(
            "openai",
            "OpenAI fine-tuning API (reference target)",
            "OpenAI fine-tuning guides and API reference; see rules/ for each rule's source",
        ),
        Target(
            "azure-openai",
            "Azure OpenAI / Microsoft Foundry fine-tuning",
            "Azure OpenAI fine-tuning docs (up to 64 images per example); microsoft-foundry/"
            "fine-tuning#23 (consecutive assistant messages rejected as invalid schema)",
            severity={"consecutive-same-role": "error"},
            rules={"too-many-images": {"max-images": 64}},
        ),
)


@hookimpl
def register_targets(register):
    for target in BUILTIN_TARGETS:
        register(target)
