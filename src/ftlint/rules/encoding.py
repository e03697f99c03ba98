"""FT015-FT018: files that are not UTF-8 JSONL with LF line ends, told by their first bytes
(:mod:`ftlint.sniff`). Each is reported once, at line 1, naming the real cause; where the text can
be read, the reader decodes it, so the examples get the findings they would get in UTF-8."""

from __future__ import annotations

import os

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..rule import FileRule, Fix
from ..sniff import COMPRESSED_SUFFIXES, decompress_hint


class _OncePerFile(FileRule):
    """Reports once, at line 1, what the reader found about the file's bytes (see ``judge``)."""

    formats = frozenset()  # nothing to observe: the reader tells the file's context

    def merge(self, first, second):
        return first

    def relocate(self, state, move):
        return state

    def finish(self, state, ctx):
        found = self.judge(ctx)
        return None if found is None else (Finding("", *found, line=1, column=1),)

    def judge(self, ctx) -> tuple[str, str] | None:
        """(message, fix) when the rule applies to the file."""
        raise NotImplementedError


def _how_told(ctx) -> str:
    return "it starts with that byte order mark" if ctx.encoding_bom else \
        "it has no byte order mark; the zero byte beside every ASCII character tells"


class Utf16File(_OncePerFile):
    code = "FT015"
    name = "utf16-file"
    summary = "File is UTF-16, not UTF-8"
    autofix = Fix("write the file as UTF-8", rewrites="utf16")

    def judge(self, ctx):
        if not ctx.encoding.startswith("UTF-16"):
            return None
        return (f"the file is {ctx.encoding} ({_how_told(ctx)}), as Windows PowerShell's '>' and Out-File write "
                "files; JSONL for fine-tuning is UTF-8, and a UTF-8 reader sees no valid JSON in it. ftlint decoded "
                "it to check the examples",
                "re-encode it as UTF-8: iconv -f UTF-16 -t UTF-8 in.jsonl > out.jsonl, or in PowerShell "
                "Get-Content in.jsonl | Set-Content -Encoding utf8NoBOM out.jsonl (PowerShell 7)")


class Utf32File(_OncePerFile):
    code = "FT016"
    name = "utf32-file"
    summary = "File is UTF-32, not UTF-8"
    autofix = Fix("write the file as UTF-8", rewrites="utf32")

    def judge(self, ctx):
        if not ctx.encoding.startswith("UTF-32"):
            return None
        return (f"the file is {ctx.encoding} ({_how_told(ctx)}); JSONL for fine-tuning is UTF-8, and a UTF-8 "
                "reader sees no valid JSON in it. ftlint decoded it to check the examples",
                f"re-encode it as UTF-8: iconv -f {ctx.encoding} -t UTF-8 in.jsonl > out.jsonl")


class CompressedFile(_OncePerFile):
    code = "FT017"
    name = "compressed-file"
    summary = "File is compressed though its name does not say so, or is a zip archive"

    def judge(self, ctx):
        if ctx.compression:
            return (f"the file is {ctx.compression}-compressed, not JSONL text: training files are uploaded "
                    "uncompressed, and none of its examples could be checked",
                    f"decompress it ({decompress_hint(ctx.compression)}) and lint the JSONL inside")
        packed = ctx.decompressed
        if packed is not None and ctx.damaged:
            return (f"the {packed} data is damaged after {ctx.lines:,} line(s) ({ctx.damaged}): those were checked, "
                    "the rest cannot be read",
                    "compress the file again from its source, or download it again; `"
                    f"{decompress_hint(packed).split()[0]} -t` tests a compressed file")
        if packed is None or ctx.path.lower().endswith(COMPRESSED_SUFFIXES[packed]):
            return None  # train.jsonl.gz: compressed on purpose, and read through
        return (f"the file is {packed}-compressed though its name does not say so: training files are uploaded "
                "as plain JSONL, and this one would fail as a whole. ftlint decompressed it to check the examples",
                f"decompress it before uploading ({decompress_hint(packed)}), or name it "
                f"{os.path.basename(ctx.path)}{COMPRESSED_SUFFIXES[packed][0]} so every tool knows")


class CrLineEndings(_OncePerFile):
    code = "FT018"
    name = "cr-line-endings"
    summary = "Lines end with CR alone (classic Mac OS), so a JSONL reader sees one line"
    autofix = Fix("end every line with LF", rewrites="cr")

    def judge(self, ctx):
        if not ctx.cr_lines:
            return None
        return (f"lines end with a carriage return (CR) alone, so a JSONL reader, which splits at line feeds (LF), "
                f"reads the whole file as one line and rejects it. ftlint split the {ctx.lines:,} lines at CR to "
                "check the examples",
                "convert the line ends to LF: tr '\\r' '\\n' < in.jsonl > out.jsonl, or your editor's 'LF' "
                "line-ending setting")


class CrlfLineEndings(_OncePerFile):
    code = "FT020"
    name = "crlf-line-endings"
    summary = "Lines end with CR LF (Windows) rather than LF"
    severity = Severity.INFO  # JSON reads the CR as white space: the file trains as it is
    autofix = Fix("end every line with LF", rewrites="crlf")

    def judge(self, ctx):
        if not ctx.crlf_lines:
            return None
        return (f"{ctx.crlf_lines:,} of the {ctx.lines:,} lines end with CR LF (Windows line ends); a JSON parser "
                "reads the CR as white space, so the file trains, but a tool that splits lines and compares them "
                "(a diff, a hash per line, a duplicate check in a shell script) sees a CR on every line",
                "run `ftlint fix` (or your editor's 'LF' line-ending setting; in git, `* text eol=lf` in "
                ".gitattributes keeps them LF)")


RULES = (Utf16File, Utf32File, CompressedFile, CrLineEndings, CrlfLineEndings)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
