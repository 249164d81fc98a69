"""The `cj-pipeline` console script: `validate` goes straight to its light module (a whole
process in about a tenth of a second); everything else, and `validate --help`, to the typer app."""

from __future__ import annotations

import sys


def _plain_validate(args: list[str]) -> tuple[str, bool] | None:
    """(file, as_json) when the call is `validate FILE [--json]`, else None."""
    if not args or args[0] != "validate":
        return None
    rest = args[1:]
    files = [a for a in rest if not a.startswith("-")]
    options = [a for a in rest if a.startswith("-")]
    if len(files) != 1 or not set(options) <= {"--json"}:
        return None
    return files[0], "--json" in options


def main() -> None:
    plain = _plain_validate(sys.argv[1:])
    if plain is not None:
        from cj_pipeline.validate_cli import validate

        sys.exit(validate(*plain))
    from cj_pipeline.cli import main as cli_main

    cli_main()
