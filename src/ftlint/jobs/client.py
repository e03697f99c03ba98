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
    api_version: str | None = None  # Azure OpenAI's dated API; None for the v1 API


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
    if not re.match(r"https?://[^/\s]+", url):
        raise ClientError(f"the endpoint must be an http(s) URL, got {url!r}")
    if api.kind == "azure-openai":
        root = re.sub(r"/openai(/v1)?/?$", "", url.rstrip("/"))
        version = env.get("OPENAI_API_VERSION")
        # OPENAI_API_VERSION asks for the dated API (…/openai/…?api-version=V); without it the v1
        # API, which takes none. Project endpoints (…/api/projects/P/…) reject api-version.
        url = root + "/openai" if version else root + "/openai/v1/"
        return Endpoint(api.kind, url, api.key_env, version)
    return Endpoint(api.kind, url, api.key_env)


#: Variables whose values are secrets wherever they appear: redacted from every message.
SECRET_ENV = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN")
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"


def secrets_in(env: dict | None = None) -> tuple[str, ...]:
    env = os.environ if env is None else env
    return tuple(env[name] for name in SECRET_ENV if env.get(name))


def _entra_provider():
    """A Microsoft Entra ID token provider from azure-identity's default credential chain (Azure
    CLI login, managed identity, workload identity), or None when azure-identity is not installed."""
    try:
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
    except ImportError:
        return None
    return get_bearer_token_provider(DefaultAzureCredential(), ENTRA_SCOPE)


def make_client(endpoint: Endpoint, env: dict | None = None) -> Any:
    """An ``openai`` client for the endpoint, its credential from the environment. Its automatic
    retries are left on for reads; calls that create something turn them off (see remote.py).

    Azure OpenAI takes, in this order: ``AZURE_OPENAI_API_KEY`` (sent as the api-key header),
    ``AZURE_OPENAI_AD_TOKEN`` (a Microsoft Entra ID bearer token), or, with azure-identity
    installed, a token from its default credential chain."""
    env = os.environ if env is None else env
    import openai

    key = env.get(endpoint.key_env)
    if endpoint.kind != "azure-openai":
        if not key:
            raise ClientError(f"no API key: set {endpoint.key_env} in the environment (ftlint reads keys from "
                              "nowhere else)")
        return openai.OpenAI(api_key=key, base_url=endpoint.base_url)
    token = None if key else env.get("AZURE_OPENAI_AD_TOKEN")
    provider = None if key or token else _entra_provider()
    if not (key or token or provider):
        raise ClientError(f"no Azure credential: set {endpoint.key_env}, or AZURE_OPENAI_AD_TOKEN to a Microsoft "
                          "Entra ID token, or install azure-identity to use your Azure login")
    if endpoint.api_version:
        auth = {"api_key": key} if key else {"azure_ad_token": token} if token else {"azure_ad_token_provider":
                                                                                     provider}
        return openai.AzureOpenAI(azure_endpoint=endpoint.base_url.removesuffix("/openai"),
                                  api_version=endpoint.api_version, **auth)
    if key:
        return openai.OpenAI(api_key=key, base_url=endpoint.base_url, default_headers={"api-key": key})
    return openai.OpenAI(api_key=token or provider, base_url=endpoint.base_url)  # sent as a bearer token


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
