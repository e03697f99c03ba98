"""`ftlint clean`: remove the cache."""

from __future__ import annotations

import click

from .common import CONTEXT, cache_dir_option, config_options, echo, fail, session_for


def clean_command() -> click.Command:
    @click.command("clean", context_settings=CONTEXT)
    @cache_dir_option
    @config_options
    def clean(cache_dir, config_path, isolated):
        """Remove the cache of results kept between runs (`check` and `stats` make it again).

        A folder that ftlint did not make (it has no CACHEDIR.TAG of ftlint's) is never removed."""
        from ..store import clean as remove

        folder = session_for(config_path=config_path, isolated=isolated).cache_folder(cache_dir)
        try:
            removed = remove(folder)
        except OSError as exc:
            fail(f"cannot remove the cache {folder}: {exc.strerror or exc}")
        echo(f"removed the cache {folder}" if removed else f"no cache in {folder}")

    return clean
