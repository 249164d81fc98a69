"""The pages' Jinja2 environments keep compiled templates between runs (compiling the pack
templates took about a second of every publication)."""

from __future__ import annotations

from cj_pipeline.lib.core.templating import BestEffortCache, compiled_templates
from cj_pipeline.lib.publish import compare, packs
from cj_pipeline.lib.reporting import status_pages


def test_every_page_environment_uses_the_one_cache():
    cache = compiled_templates()
    assert cache is not None
    assert packs.environment().bytecode_cache is cache
    assert compare._ENV.bytecode_cache is cache
    assert status_pages._ENVIRONMENT.bytecode_cache is cache


def test_a_second_run_loads_the_compiled_pack_template_instead_of_compiling_it():
    packs.environment().get_template("area_pack.html.j2")  # compiled once (or already cached)
    later = packs.environment()  # a fresh environment, as in the next publication's process

    def no_compile(*args, **kwargs):
        raise AssertionError("the template was compiled again")

    later.compile = no_compile
    assert later.get_template("area_pack.html.j2").render  # loaded from the cache


def test_an_edited_template_is_compiled_afresh(tmp_path):
    from jinja2 import Environment, FileSystemLoader

    (tmp_path / "page.html.j2").write_text("one {{ x }}")
    first = Environment(loader=FileSystemLoader(tmp_path), bytecode_cache=compiled_templates())
    assert first.get_template("page.html.j2").render(x=1) == "one 1"
    (tmp_path / "page.html.j2").write_text("two {{ x }}")
    again = Environment(loader=FileSystemLoader(tmp_path), bytecode_cache=compiled_templates())
    assert again.get_template("page.html.j2").render(x=1) == "two 1"


def test_a_cache_that_cannot_be_written_never_stops_a_page(tmp_path, monkeypatch):
    """A full temp folder: the write of the compiled template fails; the page is still made."""
    from jinja2 import Environment, FileSystemLoader

    cache = BestEffortCache(str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "page.html.j2").write_text("three {{ x }}")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tempfile.NamedTemporaryFile", full_disk)
    env = Environment(loader=FileSystemLoader(tmp_path), bytecode_cache=cache)
    assert env.get_template("page.html.j2").render(x=3) == "three 3"
    assert not list((tmp_path / "cache").iterdir())
