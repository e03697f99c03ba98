"""The session is the one place where a run's settings and defaults are decided."""

from __future__ import annotations

from conftest import good_lines
from ftlint.config import Config
from ftlint.inputs import default_jobs
from ftlint.session import Session


def test_creating_a_session_leaves_the_callers_config_as_it_was():
    cfg = Config(ignore=["FT2"])
    for _ in range(3):
        session = Session.create(config=cfg, ignore=["FT3"], model="gpt-4o-mini")
        assert session.config.ignore == ["FT2", "FT3"]
    assert cfg.ignore == ["FT2"] and cfg.model is None


def test_jobs_default_to_the_configuration_then_the_cores(tmp_path, monkeypatch):
    import ftlint.session as session_module

    seen = []

    def spy(*args, **kw):
        seen.append(kw["jobs"])
        return real(*args, **kw)

    real = session_module.lint
    monkeypatch.setattr(session_module, "lint", spy)
    (tmp_path / "d.jsonl").write_text(good_lines(60))
    Session.create(config=Config()).lint([str(tmp_path / "d.jsonl")])
    Session.create(config=Config(jobs=3)).lint([str(tmp_path / "d.jsonl")])
    Session.create(config=Config(jobs=3)).lint([str(tmp_path / "d.jsonl")], jobs=1)
    assert seen == [default_jobs(), 3, 1]
