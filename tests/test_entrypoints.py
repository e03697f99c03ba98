"""Plugins are found from the distributions' metadata folders as importlib.metadata finds them,
without its start-up cost."""

from __future__ import annotations

import sys

from ftlint.entrypoints import entry_points


def _dist(folder, name: str, version: str, entry_points_txt: str, kind: str = "dist-info"):
    meta = folder / f"{name.replace('-', '_')}-{version}.{kind}"
    meta.mkdir(parents=True)
    (meta / ("METADATA" if kind == "dist-info" else "PKG-INFO")).write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: x\n\nName: not-this\n")
    (meta / "entry_points.txt").write_text(entry_points_txt)


def test_the_first_distribution_of_a_name_wins_and_extras_and_comments_are_read_past(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    _dist(first, "acme-rules", "2.0", "# ours\n[console_scripts]\nx = y:z\n\n[ftlint]\n"
                                      "acme = acme_rules.plugin [fast]\n; more\nacme-extra = acme_rules.extra:hooks\n")
    _dist(second, "acme-rules", "1.0", "[ftlint]\nold = acme_rules.old\n")
    _dist(second, "legacy", "0.3", "[ftlint]\nlegacy = legacy_plugin\n", kind="egg-info")
    (second / "module.py").write_text("")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "gone"), str(first), str(second)])
    found = {(e.name, e.value, e.dist, e.version) for e in entry_points("ftlint")}
    assert found == {("acme", "acme_rules.plugin", "acme-rules", "2.0"),
                     ("acme-extra", "acme_rules.extra:hooks", "acme-rules", "2.0"),
                     ("legacy", "legacy_plugin", "legacy", "0.3")}
    assert entry_points("console_scripts")[0].value == "y:z"


def test_an_entry_point_loads_its_module_and_attribute(tmp_path, monkeypatch):
    (tmp_path / "acme_hooks.py").write_text("class Hooks:\n    class Inner:\n        pass\n")
    _dist(tmp_path, "acme", "1.0", "[ftlint]\nacme = acme_hooks:Hooks.Inner\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    (ep,) = entry_points("ftlint")
    assert ep.load().__qualname__ == "Hooks.Inner"
