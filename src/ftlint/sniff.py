"""What a file's first bytes say it really is, when it is not UTF-8 JSONL with LF line ends.

A UTF-16 or UTF-32 file, a compressed file or one with classic Mac line ends (CR only) fails on
every line when read as UTF-8 JSONL. Told apart here, it gets one finding that names the cause,
and where the text can still be read, its examples are checked as usual.
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLE = 4096  # bytes looked at

BOMS = (  # longest first: the UTF-32LE mark begins with the UTF-16LE one
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)
COMPRESSED = (
    (b"\x1f\x8b", "gzip", "gunzip FILE.gz"),
    (b"PK\x03\x04", "zip", "unzip FILE.zip"),
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd -d FILE.zst"),
    (b"BZh", "bzip2", "bunzip2 FILE.bz2"),
    (b"\xfd7zXZ\x00", "xz", "unxz FILE.xz"),
)

#: The name endings that say a file is compressed that way.
COMPRESSED_SUFFIXES = {"gzip": (".gz",), "zstd": (".zst", ".zstd"), "bzip2": (".bz2",), "xz": (".xz",),
                       "zip": (".zip",)}


@dataclass(frozen=True)
class Sniffed:
    encoding: str = "UTF-8"  # or UTF-16LE/BE, UTF-32LE/BE
    bom: bool = False  # a byte order mark told the encoding (it is then skipped)
    compression: str | None = None  # gzip, zip, zstd, bzip2, xz
    cr_lines: bool = False  # lines end with CR alone

    @property
    def plain(self) -> bool:
        """UTF-8 (with or without its mark), uncompressed, LF or CRLF line ends: lines can be
        read as they are, and the file cut into parts at newlines."""
        return self.encoding == "UTF-8" and self.compression is None and not self.cr_lines

    @property
    def bom_size(self) -> int:
        return {"UTF-16LE": 2, "UTF-16BE": 2, "UTF-32LE": 4, "UTF-32BE": 4}.get(self.encoding, 0) if self.bom else 0


def sniff(head: bytes, complete: bool = False) -> Sniffed:
    """Judge the first bytes of a file (``complete``: they are the whole file)."""
    for mark, encoding in BOMS:
        if head.startswith(mark):
            return Sniffed(encoding, bom=True)
    for magic, name, _ in COMPRESSED:
        if head.startswith(magic):
            return Sniffed(compression=name)
    sample = head[:SAMPLE]
    if b"\x00" in sample:
        wide = _wide_encoding(sample)
        if wide:
            return Sniffed(wide)
    # A JSONL line holds no raw CR (JSON escapes it in strings), so a CR that no LF follows,
    # in a sample with no LF at all, ends a line.
    if b"\r" in sample and b"\n" not in sample and (len(sample) >= SAMPLE or complete):
        stripped = sample.rstrip(b"\r")
        if b"\r" in stripped:
            return Sniffed(cr_lines=True)
    return Sniffed()


def _wide_encoding(sample: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte order mark, from where the zero bytes sit: ASCII text (the
    keys and punctuation of every JSON line) has a zero beside every character. UTF-8 JSON holds
    no zero byte at all."""
    n = len(sample) - len(sample) % 4
    if n < 4:
        return None

    def zeros(offset: int, step: int) -> float:
        part = sample[offset:n:step]
        return part.count(0) / len(part) if part else 0.0

    if zeros(0, 4) < 0.1 and min(zeros(1, 4), zeros(2, 4), zeros(3, 4)) > 0.9:
        return "UTF-32LE"
    if zeros(3, 4) < 0.1 and min(zeros(0, 4), zeros(1, 4), zeros(2, 4)) > 0.9:
        return "UTF-32BE"
    if zeros(1, 2) > 0.3 and zeros(0, 2) < 0.05:
        return "UTF-16LE"
    if zeros(0, 2) > 0.3 and zeros(1, 2) < 0.05:
        return "UTF-16BE"
    return None


def decompress_hint(name: str) -> str:
    return next(hint for _, n, hint in COMPRESSED if n == name)
