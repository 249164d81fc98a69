"""The dbt resource: dagster-dbt's, with builds run in this process (lib/warehouse/dbt_in_process.py
says why). dagster-dbt still decides what to select for the step's subset of assets and checks,
and turns each of dbt's node results into the materialisation or check result it would have
made of the same line printed by a dbt process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import dagster as dg
from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from cj_pipeline.defs.warehouse.project import VenvDbtCli
from cj_pipeline.defs.warehouse.translator import CJDbtTranslator
from cj_pipeline.lib.core import progress
from cj_pipeline.lib.warehouse.dbt_in_process import invoke_dbt


class InProcessDbtCli(VenvDbtCli):
    """`build_events` runs a dbt command in this process. The inherited `cli` (a dbt process,
    VenvDbtCli's) is not used by the build, nor by setup's parse, which runs dbt in process too (project.py)."""

    def build_events(
        self, context: dg.AssetExecutionContext, args: Sequence[str], target_path: Path, log: TextIO, total: int
    ) -> Iterator:
        """Run `dbt <args>` for this step's selection; dbt's console lines go to `log`, each
        finished node to the CLI's progress; yields the step's Dagster events, then raises a
        Failure saying what dbt said if the command failed."""
        params = get_updated_cli_invocation_params_for_context(
            context=context, manifest={}, dagster_dbt_translator=CJDbtTranslator()
        )
        project_dir = params.dbt_project.project_dir if params.dbt_project else self.project_dir
        argv = [
            *args,
            *["--project-dir", str(project_dir), "--profiles-dir", str(self.profiles_dir or project_dir)],
            *["--target-path", str(target_path), "--log-path", str(target_path)],
            # Nothing on this process's console (the CLI's own output): dbt's lines go to `log`.
            *["--log-level", "none", "--no-send-anonymous-usage-stats", "--no-use-colors", "--no-write-json"],
            *(["--indirect-selection", params.indirect_selection] if params.indirect_selection else []),
            *params.selection_args,
        ]
        finished = 0

        def count(_event: dict) -> None:
            nonlocal finished
            finished += 1
            progress.report("dbt", min(finished, total), total)

        invocation = invoke_dbt(
            argv, lambda line: log.write(line + "\n"), count, results_path=target_path / "run_results.json"
        )
        for event in invocation.results:
            yield from DbtCoreCliEventMessage(raw_event=event, event_history_metadata={}).to_default_asset_events(
                manifest=params.manifest,
                dagster_dbt_translator=params.dagster_dbt_translator,
                context=context,
                target_path=target_path,
                project=params.dbt_project,
            )
        if not invocation.success:
            raise dg.Failure(
                description=f"The dbt build failed:\n{invocation.failure_text()}"
            ) from invocation.exception
