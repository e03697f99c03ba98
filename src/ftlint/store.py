"""The cache folder on disk: entries written atomically, signed, bounded in size.

An entry is a pickle, and unpickling runs code, so an entry is read only when its signature
(keyed BLAKE2b over the lookup key and the bytes) was made with this user's secret: a file
someone else put in the folder (a pull request can commit one), a truncated write or bytes from
another version are ignored, never trusted. The secret lives in the user's cache folder, mode
0600, or comes from ``FTLINT_CACHE_SECRET`` (a CI secret, so runners share a restored cache).

Two runs may share the folder (two pre-commit hooks at once): entries are written to a
temporary name and renamed into place, and a reader that loses a race to ``prune`` or ``clean``
finds no entry and lints the part again.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
from typing import Any

from .fsutil import write_private

FOLDER = ".ftlint_cache"
MAGIC = b"ftlint-cache 1\n"
TAG = "CACHEDIR.TAG"
DEFAULT_LIMIT = 512 * 1024 * 1024  # bytes of entries kept; the least recently used go first
_SIG = 32
IGNORE = b"# made by ftlint: the cache is not for version control\n*\n"
TAG_TEXT = b"Signature: 8a477f597d28d172789f06886806bc55\n# A cache made by ftlint; `ftlint clean` removes it.\n"


class Store:
    def __init__(self, folder: str, secret: bytes, limit: int = DEFAULT_LIMIT) -> None:
        self.folder = folder
        self.entries = os.path.join(folder, "parts")
        self.mac_key = hashlib.blake2b(secret, digest_size=64).digest()  # BLAKE2b takes keys of up to 64 bytes
        self.limit = limit
        self.written = 0  # bytes stored by this run: a folder that grew is pruned

    @classmethod
    def open(cls, folder: str, limit: int = DEFAULT_LIMIT) -> Store | None:
        """The store in ``folder`` (made, with a .gitignore of its own, when missing), or None
        when it cannot be made or no secret can be had: the run goes on without a cache."""
        secret = user_secret()
        if secret is None:
            return None
        try:
            os.makedirs(os.path.join(folder, "parts"), exist_ok=True)
            _write_once(os.path.join(folder, ".gitignore"), IGNORE)
            _write_once(os.path.join(folder, TAG), TAG_TEXT)
        except OSError:
            return None
        return cls(folder, secret, limit)

    def _path(self, key: bytes) -> str:
        return os.path.join(self.entries, hashlib.blake2b(key, digest_size=16).hexdigest())

    def _sign(self, key: bytes, data: bytes) -> bytes:
        # BLAKE2b in keyed mode is a MAC on its own (no HMAC construction needed), in one pass
        mac = hashlib.blake2b(key=self.mac_key, digest_size=_SIG)
        mac.update(len(key).to_bytes(4, "little"))
        mac.update(key)
        mac.update(data)
        return mac.digest()

    def get(self, key: bytes) -> Any:
        """The value stored under ``key``, or None (absent, unsigned, damaged or unreadable)."""
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                blob = fh.read()
        except OSError:
            return None
        head = len(MAGIC) + _SIG
        if blob[:len(MAGIC)] != MAGIC or not hmac.compare_digest(blob[len(MAGIC):head],
                                                                 self._sign(key, blob[head:])):
            return None
        try:
            value = pickle.loads(blob[head:])
        except Exception:  # signed by us, yet unreadable (a class that changed shape): as absent
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return value

    def put(self, key: bytes, value: Any) -> None:
        """Store ``value`` under ``key``; a value that does not pickle or a full disk stores nothing."""
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a plugin's state that does not pickle: that part is not cached
            return
        try:
            write_private(self._path(key), MAGIC + self._sign(key, data) + data)
        except OSError:
            return
        self.written += len(data)

    def prune(self) -> int:
        """Remove the least recently used entries until the folder holds at most ``limit`` bytes;
        the number removed."""
        try:
            found = []
            for entry in os.scandir(self.entries):
                with contextlib.suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    found.append((st.st_mtime_ns, st.st_size, entry.path))
        except OSError:
            return 0
        total = sum(size for _, size, _ in found)
        removed = 0
        for _, size, path in sorted(found):
            if total <= self.limit:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
            total -= size
        return removed


def limit_from_env() -> int:
    """``FTLINT_CACHE_MAX_BYTES``, checked: a whole number of bytes (0 keeps nothing)."""
    from .config import bytes_from_env

    return bytes_from_env("FTLINT_CACHE_MAX_BYTES", DEFAULT_LIMIT)


def clean(folder: str) -> bool:
    """Remove the cache in ``folder``; False when there is none. A folder without ftlint's tag
    is never removed, whatever it is called."""
    if not os.path.isfile(os.path.join(folder, TAG)):
        return False
    import shutil  # only `ftlint clean` removes a folder

    shutil.rmtree(folder)
    return True


def user_secret() -> bytes | None:
    """The key entries are signed with: ``FTLINT_CACHE_SECRET``, else a random one made once in
    the user's cache folder (readable by the user only). None when neither can be had."""
    given = os.environ.get("FTLINT_CACHE_SECRET")
    if given:
        return given.encode()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "ftlint", "secret")
    try:
        with open(path, "rb") as fh:
            secret = fh.read()
        if len(secret) >= 32:
            return secret
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        import tempfile  # only the first run ever makes a secret

        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".secret-")  # made 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
        try:
            os.link(tmp, path)  # the first run to get here wins; the others read its secret
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        with open(path, "rb") as fh:
            secret = fh.read()
        return secret if len(secret) >= 32 else None
    except OSError:
        return None


def _write_once(path: str, data: bytes) -> None:
    if not os.path.exists(path):
        write_private(path, data)
