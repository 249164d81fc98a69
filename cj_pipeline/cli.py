"""`cj-pipeline`: the command line (docs/data-contract.md section 6). Thin: parses and calls lib/."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.disk import disk_full_paragraph, is_disk_full
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.core.years import normalise_year
from cj_pipeline.lib.intake.receipts import visible
from cj_pipeline.settings import PROJECT_ROOT, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()
errors = Console(stderr=True)

DEMO_DIR = PROJECT_ROOT / "demo_data"
DEMO_MARKER = ".cj-demo"  # only folders carrying this file are ever wiped by `demo`

DataDirOption = typer.Option(None, "--data-dir", help="Data directory (default: $CJ_DATA_DIR, else ./data).")


def _fail(message: str) -> None:
    errors.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(code=1)


def _year_and_built_warehouse(year: str, data_dir: Path | None):
    """The canonical year and the settings of a data dir whose warehouse exists, or exit 1."""
    try:
        financial_year = normalise_year(year)
    except CellProblem as problem:
        _fail(f"{problem.message} {problem.guidance}")
    settings = get_settings(data_dir)
    if not settings.warehouse_path.exists():
        _fail(f"No warehouse at {settings.warehouse_path}: run `cj-pipeline run` first.")
    return financial_year, settings


@app.command()
def template(
    area: str = typer.Option(..., "--area", help="Local authority name or GSS code, e.g. Fife."),
    year: str = typer.Option(..., "--year", help="Financial year, e.g. 2024-25."),
    out: Path = typer.Option(..., "--out", help="Where to write the .xlsx workbook."),
) -> None:
    """Write a ready-to-fill template return for one area and year."""
    from cj_pipeline.lib.returns.template import write_template

    try:
        area_code, financial_year = normalise_area(area), normalise_year(year)
    except CellProblem as problem:
        _fail(f"{problem.message} {problem.guidance}")
    write_template(out, area_code, financial_year)
    console.print(f"Wrote the {financial_year} template for {area_code} to {out}")


@app.command()
def validate(
    file: Path = typer.Argument(..., help="The return to check (.xlsx or .csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON receipt instead of a table."),
) -> None:
    """Check one local area return without storing it; exit 0 if it would be accepted, 1 if not.

    Example: cj-pipeline validate fife_2024-25.xlsx
    """
    from cj_pipeline.validate_cli import run

    raise typer.Exit(code=run(file, as_json))


def _failure_text(event) -> str:
    """The error text of a failed step, its causes included (dbt and DuckDB wrap OSErrors)."""
    error = event.step_failure_data.error if event.step_failure_data else None
    parts = []
    while error is not None:
        parts.append(error.message or "")
        error = error.cause or error.context
    return "\n".join(parts)


def _build(data_dir: Path | None, full: bool = False) -> tuple[object, float]:
    from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError
    from cj_pipeline.runner import run_build

    settings = get_settings(data_dir)
    console.print(f"Building the warehouse from [bold]{settings.data_dir}[/] ...")
    started = time.perf_counter()
    try:
        result = run_build(settings, full=full)
    except WarehouseBusyError as busy:
        _fail(str(busy))
    except OSError as error:
        if is_disk_full(error):
            _fail(disk_full_paragraph(settings.data_dir, "the run"))
        raise
    elapsed = time.perf_counter() - started
    run = result.dagster_run
    console.print(f"Ran [bold]{run.job_name}[/]: {escape(run.tags.get('cj/plan', ''))}.")
    if not result.success:
        failures = [event for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
        if any(is_disk_full(_failure_text(event)) for event in failures):
            _fail(disk_full_paragraph(settings.data_dir, "the run"))
        failed = [event.step_key for event in failures]
        _fail(f"the run failed at step(s): {', '.join(failed) or 'unknown'}. See the log above.")
    return settings, elapsed


def _print_summary(settings, elapsed: float) -> None:
    from cj_pipeline.lib.reporting.summary import scotland_diversion_rows, warehouse_counts

    console.print(f"\n[bold green]Done[/] in {elapsed:.1f} s.")
    for label, count in warehouse_counts(settings.warehouse_path).items():
        console.print(f"  {label}: {count:,}")
    table = Table(title="Scotland: diversion from prosecution (NO1) and attrition")
    for column in ("Year", "Assessed", "Commenced", "Completed", "Commenced %", "Completed %", "Overall %", "Markers"):
        table.add_column(column, justify="right")
    for year, *numbers, markers in scotland_diversion_rows(settings.warehouse_path):
        cells = [f"{n:,.0f}" if i < 3 else f"{n:.1f}" for i, n in enumerate(numbers) if n is not None]
        table.add_row(year, *cells, escape(markers or ""))  # "[p]" is not markup
    console.print(table)
    console.print(
        "\nWhere to look:\n"
        f"  warehouse   {settings.warehouse_path}  (DuckDB; tables marts.fct_indicator_values, marts.dim_area, ...)\n"
        f"  receipts    {settings.receipts_dir}\n"
        f"  archive     {settings.archive_dir}\n"
        '  try         .venv/bin/python -c "import duckdb; print(duckdb.connect('
        f"'{settings.warehouse_path}', read_only=True).sql('from marts.fct_indicator_values limit 10'))\"\n"
        "  the graph   make dev  (Dagster UI on http://127.0.0.1:3000)"
    )


@app.command()
def run(
    data_dir: Path | None = DataDirOption,
    full: bool = typer.Option(
        False, "--full", help="Rebuild every dbt model and test, not only what new files change."
    ),
) -> None:
    """Ingest everything waiting, bring the warehouse up to date and run its checks.

    Once built, only what depends on the new files is rebuilt (nothing new: dbt does not run).

    The first run, a changed dbt project or seeds, or --full: everything.
    """
    settings, elapsed = _build(data_dir, full=full)
    _print_summary(settings, elapsed)


@app.command()
def rebuild(data_dir: Path | None = DataDirOption) -> None:
    """Rebuild the warehouse from the archive and its ledger alone (the source of truth).

    Every submission ever received comes back, superseded ones included, whatever is left in
    raw/. The current warehouse is set aside (renamed, never deleted); archive objects missing
    or altered (sha256 against the ledger) are listed and recorded as an alert.
    """
    from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError
    from cj_pipeline.runner import run_rebuild

    settings = get_settings(data_dir)
    console.print(f"Rebuilding the warehouse of [bold]{settings.data_dir}[/] from its archive ...")
    started = time.perf_counter()
    try:
        report, result = run_rebuild(settings)
    except WarehouseBusyError as busy:
        _fail(str(busy))
    except OSError as error:
        if is_disk_full(error):
            _fail(disk_full_paragraph(settings.data_dir, "the rebuild"))
        raise
    if report.set_aside:
        console.print(f"The previous warehouse was set aside as {report.set_aside}")
    console.print(f"Replayed {report.replayed} arrival(s): {report.submissions} submission(s).")
    for problem in report.problems:
        errors.print(f"[bold red]ARCHIVE[/] {escape(visible(problem.describe()))}")
    if not result.success:
        _fail("the build after the rebuild failed. See the log above.")
    _print_summary(settings, time.perf_counter() - started)
    if report.problems:
        _fail(f"{len(report.problems)} archive object(s) missing or altered (alert recorded in alerts/alerts.jsonl).")


@app.command()
def demo(
    data_dir: Path = typer.Option(DEMO_DIR, "--data-dir", help="Scratch folder for the demo (recreated)."),
) -> None:
    """Generate sample returns and partner files for all 32 areas, run everything, say where to look."""
    from cj_pipeline.lib.demo.sample_data import generate_sample_data

    if data_dir.exists():
        if not (data_dir / DEMO_MARKER).exists():
            _fail(f"{data_dir} exists and is not a demo folder; choose another --data-dir.")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (data_dir / DEMO_MARKER).write_text("Scratch folder made by `cj-pipeline demo`; safe to delete.\n")
    with console.status("Generating sample data (32 areas, 8 financial years, every partner source) ..."):
        truth = generate_sample_data(data_dir)
    console.print(f"Generated {len(truth.partner_files)} partner files and {len(truth.return_files)} returns.")
    settings, elapsed = _build(data_dir, full=True)  # a new folder: everything is built
    _print_summary(settings, elapsed)


@app.command()
def explain(
    area: str = typer.Option(..., "--area", help="Area name or GSS code (or Scotland)."),
    year: str = typer.Option(..., "--year", help="Financial year, e.g. 2024-25."),
    indicator: str = typer.Option(..., "--indicator", help="Indicator id, e.g. NO4_CPO_COMPLETED_PCT."),
    data_dir: Path | None = DataDirOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Where one figure came from: inputs, files (sha256), sheets, cells, supersession."""
    import json

    from cj_pipeline.lib.reporting.explain import ExplainError, input_lines
    from cj_pipeline.lib.reporting.explain import explain as explain_figure

    try:
        found = explain_figure(get_settings(data_dir).warehouse_path, area, year, indicator)
    except ExplainError as problem:
        _fail(escape(str(problem)))
    if as_json:
        typer.echo(json.dumps(found, indent=2, default=str))
        return
    value = "NULL" if found["value"] is None else f"{found['value']:,.6g}"
    console.print(
        f"[bold]{found['indicator_id']}[/] {escape(found['area_name'])} ({found['area_code']}) "
        f"{found['financial_year']}: [bold]{value}[/] {escape(found['marker'] or '')}"
    )
    console.print(
        f"numerator {found['numerator']}, denominator {found['denominator']}, "
        f"marker {escape(found['marker'] or 'none')}"
    )
    for item in found["inputs"]:
        for line in input_lines(item):
            console.print(escape(line))


@app.command()
def chase(
    year: str = typer.Option(..., "--year", help="Financial year, e.g. 2024-25."),
    data_dir: Path | None = DataDirOption,
    csv_path: Path | None = typer.Option(None, "--csv", help="Also write the list as CSV (mail merge)."),
) -> None:
    """Which areas to chase for a year: no return, rejected, missing evidence or narrative, since when."""
    from cj_pipeline.lib.reporting.chase import chase_list, status_counts, write_csv

    financial_year, settings = _year_and_built_warehouse(year, data_dir)
    everyone = chase_list(settings.warehouse_path, financial_year, include_complete=True)
    rows = [row for row in everyone if row.status != "complete"]
    table = Table(title=f"Returns to chase for {financial_year}", show_lines=True)
    for column in ("Area", "Status", "Missing", "Since", "Contact"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            *(
                escape(text)
                for text in (
                    f"{row.area_name} ({row.area_code})",
                    row.status,
                    row.missing,
                    row.since,
                    row.contact_email,
                )
            )
        )
    console.print(table if rows else "Nothing to chase: every area's return is in and complete.")
    console.print(", ".join(f"{status}: {n}" for status, n in status_counts(everyone).items()))
    if csv_path:
        write_csv(rows, csv_path)
        console.print(f"Wrote {len(rows)} row(s) to {csv_path}")


@app.command()
def publish(
    year: str = typer.Option(..., "--year", help="Financial year to publish, e.g. 2024-25."),
    data_dir: Path | None = DataDirOption,
    override_reason: str = typer.Option(
        "", "--override-reason", help="Publish although blocking checks fail; recorded in raw.publication_audit."
    ),
) -> None:
    """Publish one financial year if the quality gate passes (or with a recorded override).

    Exit 1 and list the blockers (missing returns, missing local evidence, failing numbers)
    when blocked; exit 0 and say where the outputs are when published.
    """
    import json

    from cj_pipeline.lib.core.db import connect
    from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError
    from cj_pipeline.runner import publish_failure_description, run_publish

    financial_year, settings = _year_and_built_warehouse(year, data_dir)
    console.print(f"Checking {financial_year} against the quality gate ...")
    try:
        result = run_publish(settings, financial_year, override_reason)
    except WarehouseBusyError as busy:
        _fail(str(busy))
    except OSError as error:
        if is_disk_full(error):
            _fail(disk_full_paragraph(settings.data_dir, "publication"))
        raise
    if not result.success and any(
        is_disk_full(_failure_text(e)) for e in result.all_events if e.event_type_value == "STEP_FAILURE"
    ):
        _fail(disk_full_paragraph(settings.data_dir, "publication"))
    with connect(settings.warehouse_path, read_only=True) as connection:
        audit = connection.execute(
            "select release_id, outcome, override_reason, overridden_checks, warnings, published_by"
            " from raw.publication_audit where financial_year = ? order by published_at desc limit 1",
            [financial_year],
        ).fetchone()
    if not result.success:
        description = publish_failure_description(result) or "the publication run failed; see the log above."
        errors.print(f"[bold red]NOT PUBLISHED[/] {financial_year}")
        errors.print(escape(description))
        if audit and audit[1] == "blocked":
            errors.print(
                "\nFix the problems above and run `cj-pipeline run`, or publish anyway with "
                '--override-reason "why" (recorded in raw.publication_audit).'
            )
        raise typer.Exit(code=1)
    release_id, outcome, reason, overridden, warnings, who = audit
    console.print(f"[bold green]PUBLISHED[/] {financial_year} (release {release_id}, by {escape(who)})")
    console.print(f"  outputs   {settings.published_dir / financial_year}")
    if reason:
        console.print(f"  override  {escape(reason)}")
        console.print(f"  overridden checks: {', '.join(json.loads(overridden)) or 'none'}")
    for warning in json.loads(warnings):
        console.print(f"  warning   {warning['check']}: {escape(warning['summary'])}")
    console.print("  audit     raw.publication_audit in the warehouse")


partners_app = typer.Typer(no_args_is_help=True, help="National partner tables and their recipes.")
app.add_typer(partners_app, name="partners")


@partners_app.command("preview")
def partners_preview(
    file: Path = typer.Argument(..., help="The partner file exactly as published (.xlsx, .xls or .csv)."),
    source: str = typer.Option(..., "--source", help="Partner source, e.g. recorded_crime (its recipes are read)."),
    as_csv: bool = typer.Option(False, "--csv", help="Values as CSV on stdout (problems on stderr), for machines."),
) -> None:
    """What a run would extract from FILE for SOURCE, and every problem; nothing is stored.

    Reads the file the way intake does (the source's recipes when one names the file, else
    the built-in layouts). Exit 1 when the file would be rejected.
    """
    from cj_pipeline.lib.partners.preview import csv_text, problem_lines, summary_lines, value_lines
    from cj_pipeline.lib.partners.read import read_partner_file
    from cj_pipeline.lib.partners.recipe import RecipeError

    settings = get_settings()
    if not file.is_file():
        _fail(f"No file at {file}.")
    if file.stat().st_size > settings.max_file_bytes:
        _fail(f"{file.name} is more than {settings.max_file_bytes:,} bytes, the limit (CJ_MAX_FILE_BYTES).")
    try:
        reading = read_partner_file(file.read_bytes(), file.name, source, settings)
    except RecipeError as problem:
        _fail(escape(str(problem)))
    if as_csv:
        sys.stdout.write(csv_text(reading))
        for line in problem_lines(reading, width=10_000):
            typer.echo(line, err=True)
    else:
        for line in [*value_lines(reading), "", *problem_lines(reading), *summary_lines(reading)]:
            typer.echo(line)
    if not reading.accepted:
        raise typer.Exit(code=1)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="cj-pipeline")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
