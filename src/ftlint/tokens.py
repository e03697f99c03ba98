"""Tokenizers that work offline: tiktoken with the vocabularies shipped inside ftlint.

tiktoken looks for a vocabulary in its cache (``TIKTOKEN_CACHE_DIR``) before it downloads one.
ftlint seeds that cache with its own copy after checking the sha256 tiktoken expects, so counting
never needs the network. A user's own ``TIKTOKEN_CACHE_DIR`` keeps working: ftlint adds the file
there if it is missing; without one, ftlint uses a cache folder of its own.
"""

from __future__ import annotations

import functools
import os

# hashlib, gzip, marshal, tempfile and importlib.resources are imported where a tokenizer loads:
# the rule modules import this one, and a lint without a model should not pay 5 ms of start-up
# for them.
from .fsutil import write_private

#: name -> (the address tiktoken keys its cache by, sha256 of the vocabulary)
VOCABULARIES = {
    "o200k_base": ("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    "cl100k_base": ("https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
}
MEMO_SIZE = 4096
SHORT = 48  # strings shorter than this are encoded directly: cheaper than a cache lookup


class TokenizerError(Exception):
    """The vocabulary could not be loaded (corrupt package data, unknown encoding)."""


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ftlint", "tiktoken")


def _valid(path: str, digest: str) -> bool:
    import hashlib

    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest() == digest
    except OSError:
        return False


def _write(folder: str, name: str, data: bytes) -> None:
    os.makedirs(folder, mode=0o700, exist_ok=True)
    write_private(os.path.join(folder, name), data)


def seed_cache(encoding: str) -> str:
    """Make sure tiktoken's cache holds a verified copy of ``encoding``; return the cache folder."""
    if encoding not in VOCABULARIES:
        raise TokenizerError(f"no vocabulary ships for encoding {encoding!r}; known: {', '.join(VOCABULARIES)}")
    import gzip
    import hashlib
    import tempfile
    from importlib import resources

    address, digest = VOCABULARIES[encoding]
    key = hashlib.sha1(address.encode()).hexdigest()
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR") or ""
    if folder and _valid(os.path.join(folder, key), digest):
        return folder
    data = gzip.decompress((resources.files("ftlint") / "vocab" / f"{encoding}.tiktoken.gz").read_bytes())
    if hashlib.sha256(data).hexdigest() != digest:
        raise TokenizerError(f"the {encoding} vocabulary shipped with ftlint is corrupt (sha256 mismatch); "
                             "reinstall ftlint")
    for candidate in ([folder] if folder else []) + [_default_cache_dir(),
                                                     os.path.join(tempfile.gettempdir(), "ftlint-tiktoken")]:
        try:
            if not _valid(os.path.join(candidate, key), digest):
                _write(candidate, key, data)
        except OSError:
            continue
        os.environ["TIKTOKEN_CACHE_DIR"] = candidate
        return candidate
    raise TokenizerError("no writable folder for the tokenizer cache; set TIKTOKEN_CACHE_DIR")


@functools.cache
def get_encoding(name: str):
    """A tiktoken Encoding ``name`` of ftlint's own, loaded from ftlint's vocabulary files."""
    import tiktoken

    if name not in VOCABULARIES:
        raise TokenizerError(f"no vocabulary ships for encoding {name!r}; known: {', '.join(VOCABULARIES)}")
    enc = tiktoken.Encoding(**_constructor_args(name))
    # The Rust core keeps its own copy of the ranks; tiktoken's Python dict of them (~28 MB for
    # o200k) only serves pickling, which ftlint never does with its private instance. Dropping
    # it keeps every worker process smaller.
    if isinstance(getattr(enc, "_mergeable_ranks", None), dict):
        enc._mergeable_ranks = {}
    return enc


def _constructor_args(name: str) -> dict:
    """tiktoken's arguments for building encoding ``name``. Building them means decoding 200,000
    base64 lines (0.25 s) after unpacking and checking the shipped vocabulary; a checksummed
    marshal copy in ftlint's own cache folder (never in a user's tiktoken cache) loads in 0.05 s,
    a good part of a small lint's start-up time."""
    import hashlib
    import marshal

    import tiktoken
    from tiktoken import registry

    # Only the user's own cache folder: in a shared temporary folder another user could plant a
    # copy, and the checksum guards against damage, not against someone who can write there.
    folder = os.path.join(os.path.dirname(_default_cache_dir()), "encodings")
    path = os.path.join(folder, f"{name}-{VOCABULARIES[name][1][:16]}-tiktoken-{tiktoken.__version__}.marshal")
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
        if hashlib.sha256(blob[65:]).hexdigest().encode() == blob[:64]:
            args = marshal.loads(blob[65:])
            if isinstance(args, dict) and {"name", "pat_str", "mergeable_ranks", "special_tokens"} <= set(args):
                return args
    except (OSError, ValueError, EOFError, TypeError):
        pass  # missing or damaged: build the arguments and write the copy again
    seed_cache(name)  # tiktoken's constructor reads the vocabulary from its cache
    if name not in registry.list_encoding_names():  # which also loads tiktoken's constructors
        raise TokenizerError(f"tiktoken {tiktoken.__version__} has no encoding {name!r}")
    args = registry.ENCODING_CONSTRUCTORS[name]()
    try:
        payload = marshal.dumps(args)
        _write(folder, os.path.basename(path), hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    except (OSError, ValueError):
        pass  # a read-only home or an argument marshal cannot hold: build them every time
    return args


PIECE = 1 << 16  # characters counted at once


def _piece_end(text: str, at: int) -> int:
    """Where a piece that should end near ``at`` may end: before a single space that follows a
    word and starts the next one ("word| next"); at ``at`` itself where the text has none near."""
    if at >= len(text):
        return len(text)
    limit = min(len(text) - 1, at + 4096)
    i = at
    while i < limit:
        i = text.find(" ", i, limit)
        if i < 0:
            break
        if i > 0 and not text[i - 1].isspace() and not text[i + 1].isspace():
            return i
        i += 1
    return at


def _without_surrogates(text: str) -> str:
    """A lone surrogate (a "\\ud800" escape that Python's json reads) has no UTF-8 form; tiktoken's
    public method, and so the server's counter, counts it as U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class TokenCounter:
    """Counts tokens of strings, memoizing long ones in a bounded cache: system prompts and tool
    blocks repeat on every line, while memory stays flat."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        enc = get_encoding(encoding)
        # The Rust core's method skips a Python wrapper (8% of counting time here); tiktoken's
        # public method is the fallback should the private attribute ever go away.
        core = getattr(enc, "_core_bpe", None)
        encode = core.encode_ordinary if hasattr(core, "encode_ordinary") else enc.encode_ordinary

        def count_one(text: str) -> int:
            try:
                return len(encode(text))
            except UnicodeEncodeError:
                return len(encode(_without_surrogates(text)))

        def count(text: str) -> int:
            if len(text) <= PIECE:
                return count_one(text)
            # A long text is counted piece by piece: the token list of a whole 300 MB string
            # would take gigabytes. Pieces end before a space that starts a word, where the
            # tokenizer's own pre-split ends a token too, so the sum is the count of the whole.
            total = start = 0
            size = len(text)
            while start < size:
                end = _piece_end(text, start + PIECE)
                total += count_one(text[start:end])
                start = end
            return total

        self._count = count
        self._cached = functools.lru_cache(maxsize=MEMO_SIZE)(count)
        self._short: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if len(text) < SHORT:
            # Roles, names and ids repeat endlessly; a plain dict beats encoding them again.
            n = self._short.get(text)
            if n is None:
                if len(self._short) >= MEMO_SIZE:
                    self._short.clear()
                n = self._short[text] = self._count(text)
            return n
        return self._cached(text)
