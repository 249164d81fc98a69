"""The production instance config (deploy/dagster.postgres.yaml) works against a real PostgreSQL.

A throwaway PostgreSQL 15 is started from the system packages in a temporary directory,
a run is materialised through an instance using it, and the server is stopped.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
import pytest

from cj_pipeline.defs.intake.assets import received_files
from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.settings import PROJECT_ROOT
from tests.integration.servers import free_port

pytestmark = pytest.mark.slow

DEPLOY_CONFIG = PROJECT_ROOT / "deploy" / "dagster.postgres.yaml"


def _pg_bindir() -> Path | None:
    if not shutil.which("pg_config"):
        return None
    bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip())
    return bindir if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists() else None


@pytest.fixture
def postgres_server():
    """(host, port, user) of a fresh PostgreSQL; stopped and removed afterwards."""
    try:
        import dagster_postgres  # noqa: F401
    except ImportError:
        pytest.skip("dagster-postgres is not installed (pinned in requirements.lock; run make setup)")
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (pg_config --bindir has no initdb/pg_ctl)")
    # initdb refuses to run as root: run the server as the postgres system user, in a
    # directory that user owns (docs/environment-notes.md).
    # runuser lives in /usr/sbin, which a CI runner's PATH may leave out.
    runuser = shutil.which("runuser", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    as_user = [runuser or "runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="cj_pg_"))
    root.chmod(0o755)
    data, sockets, log = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    if as_user:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    port = free_port()
    pg_ctl = [*as_user, str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *pg_ctl,
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield "127.0.0.1", port, "postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_materialise_through_the_postgres_instance(postgres_server, tmp_path, monkeypatch):
    host, port, user = postgres_server
    for name, value in {
        "DAGSTER_PG_HOST": host,
        "DAGSTER_PG_PORT": str(port),
        "DAGSTER_PG_DB": "postgres",
        "DAGSTER_PG_USERNAME": user,
        "DAGSTER_PG_PASSWORD": "unused-trust-auth",
    }.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_CONFIG, home / "dagster.yaml")

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"

        # One return waiting: intake reports the raw tables it added rows to.
        uploads = tmp_path / "data" / "raw" / "uploads"
        uploads.mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / "tests" / "fixtures" / "pass" / "complete.xlsx", uploads / "complete.xlsx")
        result = dg.materialize(
            [received_files],
            instance=instance,
            resources={"pipeline_settings": PipelineSettings(data_dir=str(tmp_path / "data"))},
        )
        assert result.success
        runs = instance.get_runs()
        assert [run.run_id for run in runs] == [result.run_id]
        event = instance.get_latest_materialization_event(dg.AssetKey(["raw", "file_events"]))
        assert event is not None and event.run_id == result.run_id
        assert event.asset_materialization.metadata["rows_added"].value == 1

        # The run's step claimed the writers' pool, which the instance created with one slot:
        # one step at a time across runs.
        storage = instance.event_log_storage
        info = storage.get_concurrency_info(WAREHOUSE_POOL)
        assert (info.limit, info.slot_count, info.claimed_slots) == (1, 1, [])
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-a", "a").is_claimed
        assert not storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "b").is_claimed

    import psycopg2

    with psycopg2.connect(host=host, port=port, user=user, dbname="postgres") as connection:
        with connection.cursor() as cursor:
            cursor.execute("select run_id, status from runs")
            assert cursor.fetchall() == [(result.run_id, "SUCCESS")]
