"""`cj-pipeline`, the command line (docs/data-contract.md section 6): parses options, calls
the runner or lib/, prints. Its help is written for its users (APP_HELP), not engineers."""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.disk import disk_full_paragraph, is_disk_full
from cj_pipeline.lib.core.names import visible
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.core.years import normalise_year
from cj_pipeline.settings import get_settings

if TYPE_CHECKING:
    from rich.progress import TaskID

APP_HELP = (
    "Community justice performance reporting for Scotland: check and load local area returns and "
    "national partner tables, build the warehouse and its quality checks, publish a financial year, "
    "and trace any figure to its file, sheet and cell."
)
APP_EPILOG = "New here? Run cj-pipeline demo, then read README.md. Each command's --help says more."

app = typer.Typer(add_completion=False, no_args_is_help=True, help=APP_HELP, epilog=APP_EPILOG)
console = Console()
errors = Console(stderr=True)

DataDirOption = typer.Option(None, "--data-dir", help="Data directory (default: $CJ_DATA_DIR, else ./data).")


def _fail(message: str) -> NoReturn:
    """Exit 1 after one error line; the message is plain text (paths and names shown as written)."""
    errors.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(code=1)


def _fail_disk_full(data_dir: Path, doing: str) -> None:
    """One line, never broken by us (the terminal wraps it), naming the folder: no traceback."""
    errors.print(f"[bold red]Error:[/] {escape(disk_full_paragraph(data_dir, doing))}", soft_wrap=True)
    raise typer.Exit(code=1)


@contextmanager
def _plain_failures(data_dir: Path, doing: str) -> Iterator[None]:
    """A run the warehouse lock turns away, or one the full disk stops: one plain line, exit 1."""
    from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError

    try:
        yield
    except WarehouseBusyError as busy:
        _fail(str(busy))
    except OSError as error:
        if is_disk_full(error):
            _fail_disk_full(data_dir, doing)
        raise


def _stopped_by_full_disk(result) -> bool:
    """A step of the run failed because the disk was full."""
    failures = (event for event in result.all_events if event.event_type_value == "STEP_FAILURE")
    return any(is_disk_full(_failure_text(event)) for event in failures)


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
    from cj_pipeline import validate_cli

    raise typer.Exit(code=validate_cli.validate(file, as_json))


def _failure_text(event) -> str:
    """The error text of a failed step, its causes included (dbt and DuckDB wrap OSErrors)."""
    error = event.step_failure_data.error if event.step_failure_data else None
    parts = []
    while error is not None:
        parts.append(error.message or "")
        error = error.cause or error.context
    return "\n".join(parts)


class _RunProgress:
    """Progress bars for intake and dbt, and what intake said about each file."""

    LABELS = {"intake": "Intake", "dbt": "dbt build"}

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        # Bound to the real stdout now: dbt's own lines are redirected to a log file meanwhile.
        self.progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stdout),
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.files: list[dict] = []  # new files: file, status, receipt
        self.already = 0

    def __call__(self, stage: str, done: int, total: int, info: dict) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(self.LABELS.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)
        if stage == "intake":
            if info.get("status") == "already processed":
                self.already += 1
            else:
                self.files.append(info)

    def counts(self) -> dict[str, int]:
        found = {"accepted": 0, "rejected": 0, "duplicate": 0}
        for item in self.files:
            found[item["status"]] = found.get(item["status"], 0) + 1
        return found


def _build(settings, full: bool = False):
    """Run the build with progress bars; exit 1 with a plain message when it cannot run or fails."""
    from cj_pipeline.lib.core import progress
    from cj_pipeline.runner import failure_descriptions, run_build

    watcher = _RunProgress()
    started = time.perf_counter()
    with _plain_failures(settings.data_dir, "the run"), progress.listening(watcher), watcher.progress:
        result = run_build(settings, full=full)
    elapsed = time.perf_counter() - started
    if not result.success:
        if _stopped_by_full_disk(result):
            _fail_disk_full(settings.data_dir, "the run")
        for step, description in failure_descriptions(result):
            errors.print(f"[bold red]Failed[/] at {step}: {escape(description.splitlines()[0] if description else '')}")
        _fail(f"the run did not finish. Its log: {settings.logs_dir / (result.run_id + '.log')}")
    return result, watcher, elapsed


def _relative(settings, path) -> str:
    try:
        return str(Path(path).relative_to(settings.data_dir))
    except ValueError:
        return str(path)


def _summary_line(result, watcher: _RunProgress, elapsed: float) -> str:
    counts = watcher.counts()
    return (
        f"{len(watcher.files)} new file(s): {counts['accepted']} accepted, {counts['rejected']} rejected, "
        f"{counts['duplicate']} duplicate; {watcher.already} already processed. "
        f"Ran {result.dagster_run.job_name} in {elapsed:.0f} s"
        + (f" ({plan})." if (plan := result.dagster_run.tags.get("cj/plan")) else ".")
    )


@app.command()
def run(
    data_dir: Path | None = DataDirOption,
    full: bool = typer.Option(
        False, "--full", help="Rebuild every dbt model and test, not only what new files change."
    ),
) -> None:
    """Ingest everything waiting, bring the warehouse up to date and run its checks.

    Prints each new file's status and receipt, then one summary line. Once built, only what
    depends on the new files is rebuilt (nothing new: dbt does not run). The first run, a
    changed dbt project or seeds, or --full: everything.
    """
    settings = get_settings(data_dir)
    console.print(f"Data directory: {escape(str(settings.data_dir))}", highlight=False, soft_wrap=True)
    result, watcher, elapsed = _build(settings, full=full)
    if recovered := result.dagster_run.tags.get("cj/recovered"):
        console.print(f"[yellow]{escape(recovered)}[/]", highlight=False, soft_wrap=True)
    for item in watcher.files:
        colour = {"accepted": "green", "rejected": "red"}.get(item["status"], "yellow")
        console.print(
            f"[{colour}]{item['status']:<9}[/] {escape(visible(item['file']))}", highlight=False, soft_wrap=True
        )
        if item.get("receipt"):
            # A path is never broken by us (soft wrap): it can be copied and searched whole.
            receipt = escape(_relative(settings, item["receipt"]))
            console.print(f"          receipt {receipt}", highlight=False, soft_wrap=True)
    console.print(_summary_line(result, watcher, elapsed), highlight=False, soft_wrap=True)


@app.command()
def rebuild(data_dir: Path | None = DataDirOption) -> None:
    """Rebuild the warehouse from the archive and its ledger alone (the source of truth).

    Every submission ever received comes back, superseded ones included, whatever is left in
    raw/. The current warehouse is set aside (renamed, never deleted); archive objects missing
    or altered (sha256 against the ledger) are listed and recorded as an alert.
    """
    from cj_pipeline.runner import run_rebuild

    settings = get_settings(data_dir)
    console.print(f"Rebuilding the warehouse of [bold]{escape(str(settings.data_dir))}[/] from its archive ...")
    started = time.perf_counter()
    with _plain_failures(settings.data_dir, "the rebuild"):
        report, result = run_rebuild(settings)
    if report.set_aside:
        console.print(f"The previous warehouse was set aside as {report.set_aside}")
    console.print(f"Replayed {report.replayed} arrival(s): {report.submissions} submission(s).")
    for problem in report.problems:
        errors.print(f"[bold red]ARCHIVE[/] {escape(visible(problem.describe()))}")
    if not result.success:
        _fail("the build after the rebuild failed. See the log above.")
    console.print(f"Warehouse rebuilt in {time.perf_counter() - started:.1f} s: {escape(str(settings.warehouse_path))}")
    if report.problems:
        _fail(f"{len(report.problems)} archive object(s) missing or altered (alert recorded in alerts/alerts.jsonl).")


@app.command()
def demo(
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data directory (default: $CJ_DATA_DIR, else ./data; only demo data is replaced)."
    ),
) -> None:
    """Fill the data directory with sample returns and partner files for all 32 areas, build,
    check the latest year's gate, publish a year that passes, and say where to look."""
    from cj_pipeline.lib.demo.sample_data import COMPLETE_YEAR, generate_sample_data
    from cj_pipeline.lib.demo.story import NotADemoDirectory, add_mistakes, prepare_demo_dir
    from cj_pipeline.lib.reporting.summary import warehouse_counts

    settings = get_settings(data_dir)
    try:
        prepare_demo_dir(settings)
    except NotADemoDirectory as problem:
        _fail(str(problem))
    with console.status("Writing sample data ..."):
        truth = generate_sample_data(settings.data_dir)
        rejected, duplicate = add_mistakes(settings, truth)
    console.print(
        f"Data directory: {escape(str(settings.data_dir))}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"Sample data: {len(truth.partner_files)} partner files, "
        f"{len(truth.return_files) + 2} returns (one faulty, one sent twice).",
        highlight=False,
    )
    result, watcher, elapsed = _build(settings, full=True)  # a new warehouse: everything is built
    counts = watcher.counts()
    named = {status: [Path(i["file"]).name for i in watcher.files if i["status"] == status] for status in counts}
    console.print(f"Received {len(watcher.files)} files: {counts['accepted']} accepted", highlight=False)
    for status in ("rejected", "duplicate"):
        console.print(f"  {counts[status]} {status}: {escape(', '.join(named[status]) or 'none')}", highlight=False)
    built = warehouse_counts(settings.warehouse_path)
    console.print(
        f"Built in {elapsed:.0f} s: {built['indicator rows']:,} indicator values, "
        f"{built['areas (with Scotland)']} areas (with Scotland), {built['financial years']} years.",
        highlight=False,
    )
    latest = truth.years[-1]
    console.print(f"\n[bold]Quality gate for {latest}[/] (the latest year):")
    _publish_and_report(settings, latest, brief=True)
    console.print(f"\n[bold]Publishing {COMPLETE_YEAR}[/] (every area's return is in and complete):")
    _publish_and_report(settings, COMPLETE_YEAR, brief=True)
    console.print(
        "\nNext:\n"
        "  make dev    the Dagster UI on http://127.0.0.1:3000, on this data\n"
        f"  cj-pipeline chase --year {latest}    who to chase\n"
        '  cj-pipeline sql "from marts.dim_area"    the analysts\' snapshot',
        highlight=False,
    )


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
        _fail(str(problem))
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
    from cj_pipeline.lib.reporting.tables import print_table

    financial_year, settings = _year_and_built_warehouse(year, data_dir)
    everyone = chase_list(settings.warehouse_path, financial_year, include_complete=True)
    rows = [row for row in everyone if row.status != "complete"]
    if rows:
        print_table(
            console,
            ("Area", "Status", "Missing", "Since", "Contact"),
            [(f"{r.area_name} ({r.area_code})", r.status, r.missing, r.since, r.contact_email) for r in rows],
            title=f"Returns to chase for {financial_year}",
            wrap=("Missing",),
        )
    else:
        console.print("Nothing to chase: every area's return is in and complete.")
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

    Exit 1 and list the blockers once, by check, with what clears each (who to chase, which
    file or marker to send) when blocked; exit 0 and say where the outputs are when published.
    """
    financial_year, settings = _year_and_built_warehouse(year, data_dir)
    console.print(f"Checking {financial_year} against the quality gate ...")
    if not _publish_and_report(settings, financial_year, override_reason):
        raise typer.Exit(code=1)


def _publish_and_report(settings, financial_year: str, override_reason: str = "", brief: bool = False) -> bool:
    """Run the publication of one year and say what happened; True when published.
    `brief` (the demo): one line per blocking check instead of every blocker."""
    import json

    from cj_pipeline.lib.quality.expectations import start_expectations_helper, stop_expectations_helper

    start_expectations_helper()  # the gate's GX import (4 s) on the other core, while Dagster is imported
    from cj_pipeline.lib.core.db import connect
    from cj_pipeline.runner import failure_descriptions, run_publish

    try:
        with _plain_failures(settings.data_dir, "publication"):
            result = run_publish(settings, financial_year, override_reason)
    finally:
        stop_expectations_helper()  # unused when the run stopped before the gate
    if not result.success and _stopped_by_full_disk(result):
        _fail_disk_full(settings.data_dir, "publication")
    with connect(settings.warehouse_path, read_only=True) as connection:
        audit = connection.execute(
            "select release_id, outcome, override_reason, overridden_checks, warnings, published_by"
            " from raw.publication_audit where financial_year = ? order by published_at desc limit 1",
            [financial_year],
        ).fetchone()
    if not result.success:
        descriptions = failure_descriptions(result)
        blocked = bool(audit and audit[1] == "blocked" and descriptions)
        if blocked and brief:  # the demo: the story on stdout, one line per failing check
            console.print(f"[bold red]NOT PUBLISHED[/] {financial_year}; blocking checks:")
            lines = descriptions[0][1].splitlines()[1:]
            for line in (line for line in lines if not line.startswith(" ")):
                console.print(f"  {escape(line.split(':')[0])}: {escape(_first_sentence(line))}", highlight=False)
            console.print(f"  What clears each: cj-pipeline publish --year {financial_year}", highlight=False)
            return False
        errors.print(f"[bold red]NOT PUBLISHED[/] {financial_year}")
        for _, description in descriptions or [("", "the publication run failed.")]:
            errors.print(escape(description), highlight=False)
        if blocked:
            errors.print(
                "\nClear the blockers above and run `cj-pipeline run`, or publish anyway with "
                '--override-reason "why" (recorded in raw.publication_audit).'
            )
        else:
            errors.print(f"Its log: {escape(str(settings.logs_dir / (result.run_id + '.log')))}")
        return False
    if audit is None:
        _fail(f"the publication of {financial_year} finished but recorded no audit row; run it again.")
    release_id, outcome, reason, overridden, warnings, who = audit
    folder = settings.published_dir / financial_year
    console.print(
        f"[bold green]PUBLISHED[/] {financial_year} (release {release_id}, by {escape(who)})", highlight=False
    )
    if reason:
        console.print(f"  override  {escape(visible(reason))}", highlight=False)
        console.print(f"  overridden checks: {', '.join(json.loads(overridden)) or 'none'}", highlight=False)
    warnings = json.loads(warnings)
    if brief and warnings:
        console.print(f"  warnings  {len(warnings)} (in the release notes)", highlight=False)
    else:
        for warning in warnings:
            console.print(f"  warning   {warning['check']}: {escape(visible(warning['summary']))}", highlight=False)
    console.print(f"  {'outputs':<14} {escape(str(folder))}", highlight=False, soft_wrap=True)
    for label, path in [*_release_paths(folder, financial_year), ("snapshot", settings.snapshot_path)]:
        shown = _relative(settings, path) if brief else path
        console.print(f"  {label:<14} {escape(str(shown))}", highlight=False, soft_wrap=True)
    return True


def _first_sentence(line: str) -> str:
    """'check: 22 return(s) have ... missing.' -> '22 return(s) have ... missing' (no list)."""
    text = line.split(": ", 1)[1] if ": " in line else line
    return text.split(": ")[0].rstrip(".")


def _release_paths(folder: Path, year: str) -> list[tuple[str, Path]]:
    """The release's main files: the spreadsheet, the Scotland pack and one area's pack."""
    from cj_pipeline.lib.core.seeds import SCOTLAND_CODE

    packs = sorted(p for p in (folder / "packs").glob("*.html") if p.stem != SCOTLAND_CODE)
    found = [
        ("spreadsheet", folder / f"community_justice_indicators_{year}.xlsx"),
        ("Scotland pack", folder / "packs" / f"{SCOTLAND_CODE}.html"),
    ]
    if packs:
        found.append(("an area's pack", packs[0]))
    return found


@app.command()
def sql(
    query: str = typer.Argument(..., help='SQL, e.g. "from published.indicator_values limit 5".'),
    data_dir: Path | None = DataDirOption,
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
) -> None:
    """Query the analysts' read-only snapshot (marts, and the published tables of the latest
    release), never the warehouse: a query cannot hold up or change the pipeline.

    Example: cj-pipeline sql "from marts.fct_indicator_values limit 5"
    """
    import csv

    import duckdb

    from cj_pipeline.lib.core.db import connect
    from cj_pipeline.lib.reporting.tables import print_table

    settings = get_settings(data_dir)
    if not settings.snapshot_path.exists():
        _fail(f"No snapshot at {settings.snapshot_path} yet: run `cj-pipeline run` (every build refreshes it).")
    try:
        with connect(settings.snapshot_path, read_only=True) as connection:
            cursor = connection.execute(query)
            if cursor.description is None:
                return
            headers = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
    except duckdb.Error as error:
        _fail(str(error).splitlines()[0])
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        return
    shown = [[_cell(value) for value in row] for row in rows]
    long_text = {h for i, h in enumerate(headers) if any(len(r[i]) > 30 and " " in r[i] for r in shown)}
    print_table(console, headers, shown, wrap=long_text)
    console.print(f"{len(rows)} row(s) from {escape(str(settings.snapshot_path))}", highlight=False)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return visible(str(value))


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
        _fail(str(problem))
    if as_csv:
        sys.stdout.write(csv_text(reading))
        for line in problem_lines(reading, width=10_000):
            typer.echo(line, err=True)
    else:
        for line in [*value_lines(reading), "", *problem_lines(reading), *summary_lines(reading)]:
            typer.echo(line)
    if not reading.accepted:
        raise typer.Exit(code=1)


def _flowing(text: str) -> str:
    """A docstring's paragraphs as flowing text. Typer keeps the line breaks inside every
    paragraph but the first, which at 80 columns cut sentences in two; rich wraps flowing
    text to any width."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines()) for paragraph in paragraphs)


for _commands in (app, partners_app):
    for _info in _commands.registered_commands:
        _info.help = _flowing(_info.help or (_info.callback.__doc__ if _info.callback else None) or "")


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="cj-pipeline")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
