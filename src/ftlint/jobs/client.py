"""The client for a target: built from the profile's API (kind, default base URL, auth, key
variable) and the environment, never from a flag or a config file; and the one place that says
how long to wait between polls and retries."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

#: Where the base URL may come from, per API kind, after an explicit --base-url.
BASE_URL_ENV = {"openai": "OPENAI_BASE_URL", "azure-openai": "AZURE_OPENAI_ENDPOINT",
                "openai-compatible": "OPENAI_BASE_URL"}


class ClientError(Exception):
    """The client cannot be made (no key, no endpoint); the message says what to set."""


@dataclass(frozen=True)
class Endpoint:
    kind: str
    base_url: str
    key_env: str


def poll_interval(env: dict | None = None) -> float:
    """Seconds between polls and retries: 2 by default, ``FTLINT_POLL_INTERVAL`` overrides it
    (tests use milliseconds)."""
    env = os.environ if env is None else env
    try:
        value = float(env.get("FTLINT_POLL_INTERVAL", "2"))
    except ValueError:
        raise ClientError("FTLINT_POLL_INTERVAL must be a number of seconds, got "
                          f"{env['FTLINT_POLL_INTERVAL']!r}") from None
    if not 0 <= value <= 600:
        raise ClientError(f"FTLINT_POLL_INTERVAL must be from 0 to 600 seconds, got {value:g}")
    return value


def endpoint_for(target, base_url: str | None = None, env: dict | None = None) -> Endpoint:
    env = os.environ if env is None else env
    api = target.api
    if api is None:
        raise ClientError(f"target {target.name} names no API to submit to")
    url = base_url or env.get(BASE_URL_ENV[api.kind]) or api.base_url
    if not url:
        raise ClientError(f"target {target.name} has no default endpoint: pass --base-url "
                          f"(e.g. https://RESOURCE.openai.azure.com/openai/v1/) or set {BASE_URL_ENV[api.kind]}")
    if api.kind == "azure-openai" and not url.rstrip("/").endswith("/openai/v1"):
        url = url.rstrip("/") + "/openai/v1/"
    return Endpoint(api.kind, url, api.key_env)


def make_client(endpoint: Endpoint, env: dict | None = None) -> Any:
    """An ``openai.OpenAI`` client for the endpoint, its key from the environment. Its automatic
    retries are left on for reads; calls that create something turn them off (see remote.py)."""
    env = os.environ if env is None else env
    key = env.get(endpoint.key_env)
    if not key:
        raise ClientError(f"no API key: set {endpoint.key_env} in the environment (ftlint reads keys from "
                          "nowhere else)")
    import openai

    headers = {"api-key": key} if endpoint.kind == "azure-openai" else None
    return openai.OpenAI(api_key=key, base_url=endpoint.base_url, default_headers=headers)


# keys (sk-...), bearer tokens, SAS signatures (sig=...) and api-key headers, wherever quoted
_SECRETS = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9._\-]+|sig=[^&\s]+|"
                      r"api-key[\"']?\s*[:=]\s*[\"']?[^\s\"',]+)")


def redact(text: str, *secrets: str) -> str:
    """``text`` with the given secrets, and anything shaped like a key, bearer token or SAS
    signature, replaced by '***': for every message that may quote a request or a response."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRETS.sub("***", text)
