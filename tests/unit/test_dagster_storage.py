"""The instance's SQLite storage (cj_pipeline/dagster_storage.py) keeps Dagster's files and
schema, stores every event, and reuses one connection per database."""

import shutil

import dagster as dg
import pytest
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage

from cj_pipeline import dagster_storage
from cj_pipeline.dagster_storage import CJSqliteStorage, PooledSqliteEventLogStorage
from cj_pipeline.settings import PROJECT_ROOT


@dg.asset
def numbers(context: dg.AssetExecutionContext) -> int:
    for i in range(20):
        context.log.info(f"line {i}")
    return 3


@dg.asset_check(asset=numbers)
def numbers_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def home(tmp_path, monkeypatch):
    # $DAGSTER_HOME elsewhere: the instance must still keep everything in its own folder.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    return tmp_path


def _instance(home) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(home))


def test_the_shipped_instance_uses_the_pooled_event_log_in_dagster_home(home):
    tmp_path = home
    instance = _instance(tmp_path)
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    assert isinstance(instance._run_storage, type(DagsterSqliteStorage.from_local(str(tmp_path / "x")).run_storage))
    result = dg.materialize([numbers, numbers_positive], instance=instance)
    assert result.success
    assert (tmp_path / "history" / "runs" / f"{result.run_id}.db").exists()  # where Dagster puts it
    assert not (tmp_path / "elsewhere").exists()


def test_every_event_is_stored_and_a_stock_instance_reads_them(home):
    tmp_path = home
    instance = _instance(tmp_path)
    result = dg.materialize([numbers, numbers_positive], instance=instance)
    ours = instance.all_logs(result.run_id)
    assert sum(1 for e in ours if not e.is_dagster_event and (e.user_message or "").startswith("line ")) == 20
    instance.dispose()
    stock = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    theirs = stock.get_logs_for_run(result.run_id)
    assert len(theirs) == len(ours) > 20
    assert stock.get_latest_materialization_events([dg.AssetKey("numbers")])[dg.AssetKey("numbers")] is not None
    evaluations = [
        e for e in theirs if e.is_dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert len(evaluations) == 1


def test_one_engine_per_database_reused_and_old_ones_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(dagster_storage, "MAX_OPEN_DATABASES", 3)  # creating a database takes ~0.4 s
    storage = CJSqliteStorage.from_local(str(tmp_path)).event_log_storage
    with storage.index_connection():
        pass
    first = storage._engines["index"]
    with storage.index_connection():
        pass
    assert storage._engines["index"] is first
    for n in range(5):
        with storage.run_connection(f"run{n}"):
            pass
    assert list(storage._engines) == ["run2", "run3", "run4"]  # the least recently used closed
    storage.dispose()
    assert not storage._engines


def test_what_the_schema_has_is_asked_once_and_asked_again_after_a_wipe(home, monkeypatch):
    asked: list[str] = []
    stock_has_table, stock_has_column = (
        SqliteEventLogStorage.has_table,
        SqlEventLogStorage._has_asset_key_col_on_connection,
    )

    def has_column(self, conn, name):
        asked.append(f"column {name}")
        return stock_has_column(self, conn, name)

    monkeypatch.setattr(
        SqliteEventLogStorage, "has_table", lambda self, name: asked.append(name) or stock_has_table(self, name)
    )
    monkeypatch.setattr(SqlEventLogStorage, "_has_asset_key_col_on_connection", has_column)
    instance = _instance(home)
    asked.clear()
    for _ in range(3):  # a materialisation and a check evaluation each ask (tags, check tables)
        assert dg.materialize([numbers, numbers_positive], instance=instance).success
    assert asked.count("asset_check_executions") == 1 and asked.count("asset_event_tags") == 1
    assert instance.get_asset_records([numbers.key])[0].asset_entry.last_materialization is not None
    assert asked.count("column last_materialization_timestamp") == 1 and asked.count("column cached_status_data") == 1
    storage = instance.event_log_storage
    assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
    assert asked.count("no_such_table") == 2  # a missing table is never remembered (a migration may add it)
    storage.wipe()
    assert storage.has_table("asset_check_executions") and asked.count("asset_check_executions") == 2
    last = list(instance.get_run_records())[0].dagster_run.run_id
    assert instance.get_records_for_run(last).records == []  # the wipe went through


def test_migration_scripts_are_read_once_and_new_databases_are_stamped_at_head(home, monkeypatch):
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from dagster._core.storage.sql import ALEMBIC_SCRIPTS_LOCATION
    from sqlalchemy import create_engine

    reads = []
    original = ScriptDirectory._load_revisions
    monkeypatch.setattr(ScriptDirectory, "_load_revisions", lambda self: (reads.append(1), original(self))[1])
    monkeypatch.setattr(dagster_storage, "_scripts_read", {})  # as in a new process
    runs = []
    for _ in range(2):  # two instances (two CLI runs), each opening its databases and a new run's
        instance = _instance(home)
        runs.append(dg.materialize([numbers, numbers_positive], instance=instance).run_id)
        instance.dispose()
    assert len(reads) == 1, "Dagster's migration scripts were read more than once"
    # Every database is stamped with the latest revision, as Dagster's own stamp leaves it.
    config = Config()
    config.set_main_option("script_location", ALEMBIC_SCRIPTS_LOCATION)
    head = ScriptDirectory.from_config(config).get_current_head()
    databases = [home / "history" / "runs.db", home / "history" / "runs" / "index.db"]
    databases += [home / "history" / "runs" / f"{run}.db" for run in runs]
    for database in databases:
        with create_engine(f"sqlite:///{database}").connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head, database
