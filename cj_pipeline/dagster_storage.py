"""The local Dagster instance's SQLite storage, with connections kept open between events.

Dagster's SQLite event log opens a new engine and connection for every event it stores,
and in WAL mode closing the last connection checkpoints the database and fsyncs it. A
cold build stores about a thousand events (several connections each): that was a third
of the run's time (bench/results.md). Here each database keeps one pooled connection, so
an event costs one INSERT and one commit, and commits use `synchronous=NORMAL`, SQLite's
recommended setting for WAL: still atomic and never corrupt; after a power cut the last
few events may be missing from the run history (the warehouse, archive and receipts do not
live here). It also remembers which tables, columns and secondary indexes the schema has, as
Dagster's PostgreSQL event log does, instead of asking SQLite again for every asset event.

Dagster's migration scripts (about a hundred Python files) are read once per process rather
than five times per run: every storage checks its database's revision against them when it
opens it, and every new run's database is stamped with the latest (see
`read_migration_scripts_once`).

Everything else is Dagster's own `DagsterSqliteStorage`: same files under $DAGSTER_HOME,
same schema, readable by a stock instance. Production uses PostgreSQL
(deploy/dagster.postgres.yaml) and none of this.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import yaml
from alembic.config import Config
from alembic.script import ScriptDirectory
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

# Open databases kept per process: the index and the runs being written or watched. The
# least recently used beyond this are closed (a webserver may read hundreds of runs).
MAX_OPEN_DATABASES = 16


_read_scripts = ScriptDirectory.from_config.__func__  # alembic's own, unbound
_scripts_read: dict[tuple, ScriptDirectory] = {}


def _scripts_from_config(cls: type[ScriptDirectory], config: Config) -> ScriptDirectory:
    """alembic's `ScriptDirectory.from_config`, remembered per script location: a directory
    reads its revision files on first use (about 0.1 s for Dagster's), and Dagster makes a
    new one for each check and each stamp (three as an instance opens, two per new run)."""
    key = (cls, config.get_alembic_option("script_location"), tuple(config.get_version_locations_list() or ()))
    if key not in _scripts_read:
        _scripts_read[key] = _read_scripts(cls, config)
    return _scripts_read[key]


def read_migration_scripts_once() -> None:
    """Make alembic read each script directory once per process. The migration scripts are
    files installed with Dagster: they do not change while a process runs."""
    ScriptDirectory.from_config = classmethod(_scripts_from_config)  # type: ignore[method-assign]


read_migration_scripts_once()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run-sharded SQLite event log, one pooled connection per database."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # guarded by Dagster's _db_lock
        # What the schema has, as Dagster's PostgreSQL event log keeps it: asked again for every
        # asset event (a new SQLite engine, or a PRAGMA, each time), a tenth of event storage.
        self._schema_has: set[tuple[str, str]] = set()  # ("table", name), ("asset_keys column", name)
        self._secondary_index_cache: dict[str, bool] = {}
        super().__init__(base_dir, inst_data=inst_data)

    def has_table(self, table_name: str) -> bool:
        # Dagster's own check (its own connection: it is asked while the index one is held).
        return self._remembered(
            ("table", table_name), lambda: super(PooledSqliteEventLogStorage, self).has_table(table_name)
        )

    def has_asset_key_col(self, column_name: str) -> bool:
        if ("asset_keys column", column_name) in self._schema_has:
            return True  # without taking a connection
        return super().has_asset_key_col(column_name)

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        return self._remembered(
            ("asset_keys column", column_name),
            lambda: super(PooledSqliteEventLogStorage, self)._has_asset_key_col_on_connection(conn, column_name),
        )

    def _remembered(self, fact: tuple[str, str], ask: Callable[[], bool]) -> bool:
        """Only what is there is remembered: a table or column is never dropped while open, but
        a migration may add one."""
        if fact not in self._schema_has and ask():
            self._schema_has.add(fact)
        return fact in self._schema_has

    def has_secondary_index(self, name: str) -> bool:
        if name not in self._secondary_index_cache:
            self._secondary_index_cache[name] = super().has_secondary_index(name)
        return self._secondary_index_cache[name]

    def enable_secondary_index(self, name: str) -> None:
        super().enable_secondary_index(name)
        self._secondary_index_cache.pop(name, None)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, now the most recently used (the caller holds _db_lock)."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                max_overflow=4,  # Dagster opens a second one while creating a database
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _wal_normal_sync)
        self._engines[shard] = engine
        while len(self._engines) > MAX_OPEN_DATABASES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As Dagster's own _connect (one connection at a time per process, the database
        # created on first use), but the engine and its connection outlive the call.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _close_all(self) -> None:
        with self._db_lock:  # never while a connection is in use
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
            self._schema_has.clear()  # the databases may be deleted next (wipe)
            self._secondary_index_cache.clear()

    def delete_events(self, run_id: str) -> None:
        self._close_all()  # no open handle on a run database being deleted
        super().delete_events(run_id)

    def wipe(self) -> None:
        self._close_all()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


def _wal_normal_sync(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CJSqliteStorage(DagsterSqliteStorage):
    """`DagsterSqliteStorage` (runs, schedules, event logs under one base_dir), with the
    pooled event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> CJSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)  # the parent names itself


class CJDagsterInstance(DagsterInstance):
    """The local instance (`instance_class:` in dagster.yaml): Dagster's own in every way
    but its default storage, which is `CJSqliteStorage` in the instance's folder (whichever
    folder the dagster.yaml was read from, $DAGSTER_HOME or `dagster dev`'s temporary one).
    A `storage:` section in the yaml (PostgreSQL) still wins. A run worker the daemon starts
    rebuilds the same storage from the instance's settings, so it pools too."""

    @classmethod
    def config_schema(cls) -> dict:
        return {}

    @classmethod
    def config_defaults(cls, base_dir: str):
        return {
            **InstanceRef.config_defaults(base_dir),
            "storage": ConfigurableClassData(
                __name__, CJSqliteStorage.__name__, yaml.dump({"base_dir": base_dir}, default_flow_style=False)
            ),
        }
