"""The CLI speaks to its users (in the style of sqlite-utils' tests/test_docs.py): every
command has help written for the person typing it, flowing so that an 80-column terminal
never cuts a sentence in two, and is documented in README.md or docs/."""

from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from cj_pipeline.cli import APP_HELP, app

ROOT = Path(__file__).resolve().parents[2]
DOCS = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
WIDTH = 80
# Words of the code, not of its users: a help text saying them was written for engineers.
ENGINEER_WORDS = ("lib/", "Thin:", "docstring", "typer", "module")


def _commands(group: TyperGroup, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append(((*prefix, name), command))
        if isinstance(command, TyperGroup):
            found.extend(_commands(command, (*prefix, name)))
    return found


ROOT_COMMAND = typer.main.get_command(app)
assert isinstance(ROOT_COMMAND, TyperGroup)
COMMANDS = _commands(ROOT_COMMAND)


def _help(*args: str) -> str:
    result = CliRunner().invoke(
        app, [*args, "--help"], prog_name="cj-pipeline", env={"COLUMNS": str(WIDTH), "TERMINAL_WIDTH": str(WIDTH)}
    )
    assert result.exit_code == 0, result.output
    return result.output


def _cut_sentences(output: str) -> list[str]:
    """Lines of the prose (outside the boxes) that end although the next word would have
    fitted: a line break inside a sentence, not wrapping."""
    lines = [line.rstrip() for line in output.splitlines()]
    cut = []
    for line, following in zip(lines, lines[1:], strict=False):
        prose = line.strip() and following.strip() and not line.lstrip().startswith(("│", "╭", "╰", "Usage:"))
        if prose and not following.lstrip().startswith(("│", "╭")):
            if len(line) + 1 + len(following.split()[0]) <= WIDTH - 1:
                cut.append(f"{line!r} then {following.split()[0]!r}")
    return cut


def test_the_cli_has_commands_to_check():
    assert {"template", "validate", "run", "publish", "demo", "sql"} <= {path[0] for path, _ in COMMANDS}


def test_top_level_help_opens_with_what_the_tool_is_for():
    output = _help()
    assert output.split("Usage: cj-pipeline [OPTIONS] COMMAND [ARGS]...")[1].split()[:3] == APP_HELP.split()[:3]
    assert not any(word in output for word in ENGINEER_WORDS), output
    assert "cj-pipeline demo" in output  # where a newcomer starts
    assert _cut_sentences(output) == []


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_every_command_has_help_for_its_users(path):
    command = dict(COMMANDS)[path]
    text = getattr(command, "help", None) or ""
    first = text.split("\n\n")[0]  # what the list of commands shows
    assert len(first.split()) >= 5 and first.endswith("."), f"cj-pipeline {' '.join(path)} needs a sentence of help"
    assert not any(word in text for word in ENGINEER_WORDS), text
    # Flowing paragraphs: the terminal wraps them (the commands list shows the first).
    assert all("\n" not in paragraph for paragraph in text.split("\n\n")), text


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_no_help_text_breaks_mid_sentence_at_80_columns(path):
    output = _help(*path)
    assert max(len(line) for line in output.splitlines()) <= WIDTH
    assert _cut_sentences(output) == []


@pytest.mark.parametrize(
    "path", [path for path, command in COMMANDS if not isinstance(command, TyperGroup)], ids=" ".join
)
def test_every_command_is_documented(path):
    assert f"cj-pipeline {' '.join(path)}" in DOCS, f"document `cj-pipeline {' '.join(path)}` in README.md or docs/"


def test_the_cut_sentence_finder_finds_one():
    broken = (
        " Fill the data directory with sample returns and partner files for all 32\n areas, build,\n check the gate."
    )
    assert _cut_sentences(broken) == ["' areas, build,' then 'check'"]
    assert _cut_sentences(" A sentence that simply ends.\n") == []
