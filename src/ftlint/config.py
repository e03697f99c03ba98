"""Configuration: ``[tool.ftlint]`` in the nearest pyproject.toml, or an ``ftlint.toml``.

Every key is checked: an unknown key, a value of the wrong type or an unknown rule selector is a
:class:`ConfigError` that names the key and the file (exit 2), never a silent default.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .quote import closest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

METHODS = ("auto", "sft", "dpo", "rft")
CONFIG_FILES = ("ftlint.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration or usage problem; the message says what and where."""


def bytes_from_env(name: str, default: int, minimum: int = 0) -> int:
    """A size in bytes from the environment variable ``name`` (``1_000_000`` allowed), ``default``
    when it is not set; anything else than a whole number of at least ``minimum`` is a
    :class:`ConfigError` naming the variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        n = int(value.strip().replace("_", ""))
    except ValueError:
        n = None
    if n is None or n < minimum:
        least = f" of at least {minimum:,}" if minimum else ""
        raise ConfigError(f"{name} must be a whole number of bytes{least} (the default is {default:,}), "
                          f"got {value!r}")
    return n


def _suggest(word: str, choices) -> str:
    close = closest(word, choices)
    return f"; did you mean {close!r}?" if close else ""


def _str_list(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings, got {value!r}")
    return list(value)


def _string(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be a string, got {value!r}")
    return value


def _selector_table(value: Any, key: str, where: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table of glob = [selectors], got {value!r}")
    return {k: _str_list(v, f"{key}.{k}", where) for k, v in value.items()}


def _string_table(value: Any, key: str, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table, got {value!r}")
    return {k: _string(v, f"{key}.{k}", where) for k, v in value.items()}


def _rule_tables(value: Any, key: str, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError(f"{where}: '{key}' must hold one table per entry, e.g. [tool.ftlint.{key}.NAME]")
    return {k: dict(v) for k, v in value.items()}


def _bool(value: Any, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false, got {value!r}")
    return value


def _split_names(value: Any, key: str, where: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table of split = [words], e.g. validation = [\"holdout\"]")
    for split, words in value.items():
        if split not in ("train", "validation", "test"):
            raise ConfigError(f"{where}: '{key}.{split}' is not a split; use train, validation or test")
        if not all(isinstance(w, str) and re.fullmatch(r"[A-Za-z0-9]+", w) for w in _str_list(words, key, where)):
            raise ConfigError(f"{where}: '{key}.{split}' must list words of letters and digits, got {words!r}")
    return {k: list(v) if isinstance(v, list) else [v] for k, v in value.items()}


def _example_keys(value: Any, key: str, where: str) -> list[str]:
    keys = _str_list(value, key, where)
    for k in keys:
        if not re.fullmatch(r"[0-9a-f]{16}(:[A-Z]{1,6}[0-9]{3})?", k):
            raise ConfigError(f"{where}: '{key}' holds {k!r}; an entry is an example's key, 16 hex digits as "
                              "--format json gives it in 'example' (or --write-baseline writes it), alone or "
                              "followed by ':CODE' to ignore one rule only")
    return keys


def _epochs(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise ConfigError(f"{where}: '{key}' must be an integer from 1 to 50, got {value!r}")
    return value


def _jobs(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 256:
        raise ConfigError(f"{where}: '{key}' must be an integer from 1 to 256, got {value!r}")
    return value


# [tool.ftlint.submit]: what `ftlint submit` takes as options, by the same names. Numbers carry
# the bounds the API takes; a key of the API itself is never a setting (see _submit_table).
SUBMIT_SETTINGS: dict[str, tuple[type, float | None, float | None]] = {
    "batch-size": (int, 1, 256), "learning-rate-multiplier": (float, 0, 100), "beta": (float, 0, 2),
    "suffix": (str, None, None), "seed": (int, 0, 2**31 - 1), "metadata": (dict, None, None),
    "base-url": (str, None, None), "training-type": (str, None, None), "max-cost": (float, 0, 1e9),
    "detach": (bool, None, None), "uploads-above": (int, 1024, 8 * 10**9), "part-size": (int, 1024, 64 * 10**6),
}
TRAINING_TYPES = ("GlobalStandard", "Standard", "Developer")  # Azure OpenAI's training tiers
_SECRET_NAME = re.compile(r"key|token|secret|password|credential", re.I)
_SECRET_VALUE = re.compile(r"^(sk-[A-Za-z0-9_\-]{6,}|Bearer\s|eyJ[A-Za-z0-9_\-]{10,}\.)")


def _submit_table(value: Any, key: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table, [tool.ftlint.submit]")
    out: dict[str, Any] = {}
    for name, v in value.items():
        if _SECRET_NAME.search(name) or (isinstance(v, str) and _SECRET_VALUE.match(v)):
            raise ConfigError(f"{where}: '{key}.{name}' looks like a credential; ftlint reads keys only from the "
                              "environment (OPENAI_API_KEY, AZURE_OPENAI_API_KEY, AZURE_OPENAI_AD_TOKEN). "
                              "Remove it from the file, and rotate it if the file was ever committed")
        if name not in SUBMIT_SETTINGS:
            raise ConfigError(f"{where}: unknown key '{key}.{name}'{_suggest(name, SUBMIT_SETTINGS)}")
        kind, low, high = SUBMIT_SETTINGS[name]
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, kind) or (isinstance(v, bool) and kind is not bool):
            raise ConfigError(f"{where}: '{key}.{name}' must be {kind.__name__ if kind is not dict else 'a table'}, "
                              f"got {v!r}")
        if low is not None and not low <= v <= high:  # NaN fails this too
            raise ConfigError(f"{where}: '{key}.{name}' must be from {low:g} to {high:g}, got {v!r}")
        if name == "training-type" and v not in TRAINING_TYPES:
            raise ConfigError(f"{where}: '{key}.{name}' must be one of {', '.join(TRAINING_TYPES)}, got {v!r}")
        if kind is dict:
            v = _string_table(v, f"{key}.{name}", where)
            for k, text in v.items():
                if _SECRET_VALUE.match(text):
                    raise ConfigError(f"{where}: '{key}.{name}.{k}' looks like a credential; keys come only from "
                                      "the environment")
        out[name] = v
    return out


@dataclass
class Config:
    """The effective configuration: file values with command-line overrides applied."""

    source: str | None = None
    root: Path = field(default_factory=Path.cwd)
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    method: str = "auto"
    target: str = "openai"
    model: str | None = None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    epochs: int | None = None
    validation: list[str] = field(default_factory=list)
    jobs: int | None = None
    submit: dict[str, Any] = field(default_factory=dict)  # [tool.ftlint.submit], checked
    pair_splits: bool = True  # valid/test files beside a training split are linted as those splits
    split_names: dict[str, list[str]] = field(default_factory=dict)  # split -> the words that name it
    baseline: str | None = None  # a file of known findings (see ftlint.baseline), resolved from root
    ignore_examples: list[str] = field(default_factory=list)  # example keys, alone or as "KEY:CODE"
    respect_gitignore: bool = True  # folder walks leave out what .gitignore files do

    @property
    def where(self) -> str:
        return self.source or "command line"

    # -- path matching ------------------------------------------------------------------------

    def relpath(self, path: str) -> str:
        try:
            return Path(os.path.abspath(path)).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def is_excluded(self, path: str) -> bool:
        """Whether ``exclude`` leaves the path out, with gitignore's meaning: a pattern with a '/'
        before its end is anchored at the project's root, '*' stays within a folder and '**'
        crosses folders, a trailing '/' means folders only, '!' takes a path back."""
        if not self.exclude:
            return False
        from .ignores import matches, spec

        return matches(spec(tuple(self.exclude)), self.relpath(path), os.path.isdir(path))

    def ignores_for(self, path: str) -> list[str]:
        """The selectors ``per-file-ignores`` turns off for the path: those of every pattern that
        matches it (gitignore's meaning, as in ``exclude``), and of every '!pattern' that does not."""
        if not self.per_file_ignores:
            return []
        from .ignores import matches, spec

        rel = self.relpath(path)
        out: list[str] = []
        for pattern, selectors in self.per_file_ignores.items():
            negated = pattern.startswith("!")
            if matches(spec((pattern[1:] if negated else pattern,)), rel) != negated:
                out.extend(selectors)
        return out


_KEYS = {
    "select": _str_list,
    "extend-select": _str_list,
    "ignore": _str_list,
    "per-file-ignores": _selector_table,
    "severity": _string_table,
    "rules": _rule_tables,
    "plugins": _str_list,
    "exclude": _str_list,
    "method": _string,
    "target": _string,
    "model": _string,
    "models": _rule_tables,
    "epochs": _epochs,
    "validation": _str_list,
    "jobs": _jobs,
    "submit": _submit_table,
    "pair-splits": _bool,
    "split-names": _split_names,
    "baseline": _string,
    "ignore-examples": _example_keys,
    "respect-gitignore": _bool,
}


def parse_table(table: dict[str, Any], source: str | None, root: Path) -> Config:
    where = source or "command line"
    cfg = Config(source=source, root=root)
    for key, value in table.items():
        check = _KEYS.get(key)
        if check is None:
            raise ConfigError(f"{where}: unknown key '{key}' in ftlint's settings{_suggest(key, _KEYS)}")
        setattr(cfg, key.replace("-", "_"), check(value, key, where))
    if cfg.method not in METHODS:
        raise ConfigError(f"{where}: 'method' must be one of {', '.join(METHODS)}, got {cfg.method!r}")
    cfg.plugins = [_resolve_plugin(p, root) for p in cfg.plugins]
    cfg.validation = [str(root / v) if not Path(v).is_absolute() else v for v in cfg.validation]
    if cfg.baseline is not None and not Path(cfg.baseline).is_absolute():
        cfg.baseline = str(root / cfg.baseline)
    return cfg


def _resolve_plugin(spec: str, root: Path) -> str:
    if spec.endswith(".py") or "/" in spec or os.sep in spec:
        path = Path(spec)
        return str(path if path.is_absolute() else (root / path))
    return spec


def _parse_toml(data: bytes, path: Path) -> dict:
    try:
        # utf-8-sig: Notepad's byte order mark, which Python's TOML parser would call invalid
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start + 1}), and TOML files must be; "
                          "save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def read_file(path: Path) -> Config:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    doc = _parse_toml(data, path)
    if path.name == "pyproject.toml":
        table = doc.get("tool", {}).get("ftlint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.ftlint] must be a table")
        source = f"{path} [tool.ftlint]"
    else:
        table = doc.get("tool", {}).get("ftlint", doc) if "tool" in doc and len(doc) == 1 else doc
        source = str(path)
    return parse_table(table, source, path.parent.resolve())


# [tool.ftlint], [tool.ftlint.rules.x], tool.ftlint = {...} or "tool" = { ftlint = ... }, as a
# broken file may still show them
_MENTIONS_FTLINT = re.compile(r"""^\s*\[\s*["']?tool["']?\s*\.\s*["']?ftlint\b|\btool\s*\.\s*["']?ftlint["']?\s*=|"""
                              r"""^\s*\[\s*["']?tool["']?\s*\][^\[]*^\s*["']?ftlint\b""", re.MULTILINE)


def find_config(start: Path) -> Path | None:
    """The nearest ftlint.toml, or pyproject.toml with a [tool.ftlint] table, at or above start."""
    current = start.resolve()
    for folder in (current, *current.parents):
        candidate = folder / "ftlint.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = candidate.read_bytes()
            except OSError as exc:
                raise ConfigError(f"cannot read {candidate}: {exc.strerror}") from None
            try:
                if "ftlint" in _parse_toml(data, candidate).get("tool", {}):
                    return candidate
            except ConfigError:
                # A broken pyproject without ftlint settings is not ours to report; one that
                # holds them is, or a typo in it would silently lint with other settings.
                if _MENTIONS_FTLINT.search(data.decode("utf-8", "replace")):
                    raise
                continue
    return None


def load_config(explicit: str | None = None, isolated: bool = False, start: Path | None = None) -> Config:
    if isolated:
        return Config()
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return read_file(path)
    found = find_config(start or Path.cwd())
    return read_file(found) if found else Config()
