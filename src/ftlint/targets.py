"""Target profiles: where the data will be trained, as data. A profile says how the provider is
named in messages, which API it speaks, where its rules come from, which rules it turns off,
and the severities and options it changes where the provider's rules differ from OpenAI's. The
engine and the rules know no target; a new provider is a profile, never an `if` in a rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .hookspecs import hookimpl

API_KINDS = ("openai", "azure-openai", "openai-compatible")
AUTH_STYLES = ("bearer", "api-key", "entra-id")


@dataclass(frozen=True)
class Api:
    """How a target is reached, for submitting jobs: the kind of API (which client shape), the
    default base URL (None where each user has their own, such as an Azure resource), the auth
    style, the environment variable that holds the key, and the size above which a file goes
    through the Uploads API (files.create takes up to 512 MB)."""

    kind: str
    base_url: str | None
    auth: str
    key_env: str
    uploads_above: int = 500 * 10**6  # bytes: larger files go through the Uploads API, in parts

    def __post_init__(self) -> None:
        if self.kind not in API_KINDS:
            raise ValueError(f"api kind must be one of {', '.join(API_KINDS)}, got {self.kind!r}")
        if self.auth not in AUTH_STYLES:
            raise ValueError(f"api auth must be one of {', '.join(AUTH_STYLES)}, got {self.auth!r}")


@dataclass(frozen=True)
class Target:
    name: str
    title: str
    source: str  # where the profile's rules come from (documentation, issue threads)
    provider: str = "OpenAI"  # how rule messages name whoever will read the file
    api: Api | None = None
    severity: dict[str, str] = field(default_factory=dict)  # selector -> error | warning | info
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule selector -> options
    ignore: tuple[str, ...] = ()  # selectors of rules that do not apply to this provider

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "provider": self.provider, "source": self.source,
                "api": None if self.api is None else dict(vars(self.api)), "ignore": list(self.ignore),
                "severity": dict(self.severity), "rules": {k: dict(v) for k, v in self.rules.items()}}


BUILTIN_TARGETS: tuple[Target, ...] = (
    Target(
        "openai",
        "OpenAI fine-tuning API (reference target)",
        "OpenAI fine-tuning guides and API reference; see rules/ for each rule's source",
        provider="OpenAI",
        api=Api("openai", "https://api.openai.com/v1", "bearer", "OPENAI_API_KEY"),
    ),
    Target(
        "azure-openai",
        "Azure OpenAI / Microsoft Foundry fine-tuning",
        "Azure OpenAI fine-tuning docs (training files 'must be encoded in UTF-8 and include a byte-order mark "
        "(BOM)'; up to 64 images per example); microsoft-foundry/fine-tuning#23 (consecutive assistant "
        "messages rejected as invalid schema)",
        provider="Azure OpenAI",
        # https://RESOURCE.openai.azure.com/openai/v1/: each user has their own resource
        # Azure's files.create was reported to fail silently above ~150 MB: Uploads well before that
        api=Api("azure-openai", None, "api-key", "AZURE_OPENAI_API_KEY", uploads_above=100 * 10**6),
        severity={"consecutive-same-role": "error"},
        rules={"too-many-images": {"max-images": 64}},
        ignore=("byte-order-mark",),
    ),
)


@hookimpl
def register_targets(register):
    for target in BUILTIN_TARGETS:
        register(target)
