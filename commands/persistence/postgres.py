"""The event store on PostgreSQL: the recorder as the writer uses it (a batch of commands is
one transaction on one connection, from its write lock to its commit), the accounts' write
locks, the service's reads of the log, and the factory that builds them."""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from psycopg import Connection, Cursor
from psycopg.abc import Query
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

from commands.events import KEY_EVENT_TOPICS, KEYSET_EVENT_TOPICS
from commands.persistence import (
    BatchAbortedError,
    LogLoad,
    LogRow,
    LogView,
    ServiceRecorder,
    StreamRow,
    postgres_log,
    secret_keys,
)

logger = logging.getLogger("faas.commands")

# The class half of the two-part advisory-lock key (two-part keys never meet the one-part
# keys the read model's writers take).
ACCOUNT_LOCK_CLASS = 0x46414153  # "FAAS"
# A pool's background retry of a lost connection gives up after this long, so that the
# next request that needs a connection makes one as soon as the server is back (its
# default backs off for minutes while requests wait on it).
POOL_RECONNECT_SECONDS = 0.5
# The event store is read by key (a batch's streams, a page of the log): a parallel plan
# only forks worker processes. The planner picks one for a batch's read of many streams,
# whose estimate looks large, and then every batch pays for the forks under its lock. Set
# once a connection is made, not as a startup option, which connection poolers such as
# PgBouncer refuse.
NO_PARALLEL_QUERY = "SET max_parallel_workers_per_gather = 0"
LOG_COLUMNS = "notification_id, originator_id, originator_version, topic, state"


# psycopg's errors as the library raises them, most specific first (as its datastore does).
LIBRARY_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (psycopg.InterfaceError, persistence.InterfaceError),
    (psycopg.OperationalError, persistence.OperationalError),
    (psycopg.DataError, persistence.DataError),
    (psycopg.IntegrityError, persistence.IntegrityError),
    (psycopg.InternalError, persistence.InternalError),
    (psycopg.ProgrammingError, persistence.ProgrammingError),
    (psycopg.NotSupportedError, persistence.NotSupportedError),
    (psycopg.DatabaseError, persistence.DatabaseError),
    (psycopg.Error, persistence.PersistenceError),
)


@contextmanager
def library_errors() -> Iterator[None]:
    """psycopg's errors raised as the library's, which the application handles."""
    try:
        yield
    except psycopg.Error as error:
        for raised, library in LIBRARY_ERRORS:
            if isinstance(error, raised):
                raise library(str(error)) from error
        raise


class BatchDatastore:
    """The library's datastore, except on a thread inside ``batch``: there every read and
    write of the recorder goes through the batch's one connection and transaction, so that
    the batch costs one connection checkout and no transaction of its own per statement."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._datastore, name)

    @property
    def batch_connection(self) -> Connection[DictRow] | None:
        """The connection of the batch this thread is in, if any."""
        return cast("Connection[DictRow] | None", getattr(self._local, "connection", None))

    @contextmanager
    def batch(self, opening: Sequence[Query]) -> Iterator[Connection[DictRow]]:
        """One transaction in pipeline mode: ``opening`` (BEGIN and the write lock) goes
        out with the batch's first read, in one round trip; the transaction commits with the
        batch's insert (``ServicePostgresRecorder``), or on a normal exit when there was
        none, and rolls back on an error. Every read in it uses a cursor of its own, so that
        no result waiting in the pipeline is taken for another."""
        with self._datastore.get_connection() as connection, library_errors():
            self._local.connection = connection
            self._local.failed = None
            self._local.committed = False
            try:
                with connection.pipeline():
                    for statement in opening:
                        connection.execute(statement)
                    yield connection
            except psycopg.Error as error:
                if self._local.committed:
                    # Lost after the COMMIT was answered: the batch is saved all the same.
                    logger.warning("connection lost after a batch committed: %s", error)
                    return
                with suppress(psycopg.Error):  # a lost connection: its transaction is gone
                    connection.rollback()
                raise
            except BaseException:
                with suppress(psycopg.Error):
                    connection.rollback()
                raise
            finally:
                self._local.connection = None
            status = connection.info.transaction_status
            if status == TransactionStatus.INERROR:
                # A statement failed and its error was not raised here: COMMIT would roll
                # back in silence.
                raise persistence.OperationalError("the batch's transaction had failed")
            if status == TransactionStatus.INTRANS:  # the batch inserted nothing
                connection.commit()

    def committed(self) -> None:
        """The batch's COMMIT was answered."""
        self._local.committed = True

    @contextmanager
    def get_connection(self) -> Iterator[Connection[DictRow]]:
        connection = self.batch_connection
        if connection is None:
            with self._datastore.get_connection() as connection:
                yield connection
        else:
            with self._in_batch():
                yield connection

    @contextmanager
    def transaction(self, *, commit: bool = False) -> Iterator[Cursor[DictRow]]:
        connection = self.batch_connection
        if connection is None:
            with self._datastore.transaction(commit=commit) as cursor:
                yield cursor
        else:
            # Part of the batch's transaction: committed (or not) with the batch.
            with self._in_batch(), connection.cursor() as cursor:
                yield cursor

    @contextmanager
    def _in_batch(self) -> Iterator[None]:
        """A statement of the batch. Once one has failed, the transaction is aborted (and
        the connection maybe gone): the batch ends there, and the library does not retry."""
        failed = self._local.failed
        if failed is not None:
            raise BatchAbortedError(str(failed)) from failed
        try:
            with library_errors():
                yield
        except persistence.PersistenceError as error:
            lost = isinstance(error, persistence.OperationalError | persistence.InterfaceError)
            if lost and self._local.committed:
                # Lost after the COMMIT was answered: the batch is saved all the same.
                logger.warning("connection lost after a batch committed: %s", error)
                return
            self._local.failed = error
            if isinstance(error, persistence.IntegrityError):
                raise  # another writer changed a stream first: the batch is decided again
            raise BatchAbortedError(str(error)) from error


class ServicePostgresAggregateRecorder(PostgresAggregateRecorder):
    """The library's recorder (of snapshots), creating its composite type only when it is
    missing. The library tries to create it whenever a process opens the store and ignores
    "already exists": PostgreSQL then logs an ERROR for every worker that starts."""

    def create_table(self) -> None:
        statements = self.sql_create_statements
        if self._stored_event_type_exists():
            self.sql_create_statements = [
                statement
                for statement in statements
                if not statement.as_string().lstrip().startswith("CREATE TYPE")
            ]
        try:
            super().create_table()
        finally:
            self.sql_create_statements = statements

    def _stored_event_type_exists(self) -> bool:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT FROM pg_type JOIN pg_namespace "
                "ON pg_namespace.oid = pg_type.typnamespace "
                "WHERE nspname = %s AND typname = %s) AS found",
                (self.datastore.schema, self.stored_event_type_name),
            )
            row = cursor.fetchone()
        return bool(row and row["found"])


class ServicePostgresRecorder(
    ServicePostgresAggregateRecorder, PostgresApplicationRecorder, ServiceRecorder
):
    """The library's recorder, with four changes (and its type made only when missing).

    A batch is one transaction (``BatchDatastore.batch``): its lock, its reads and its
    insert share one connection, and it commits once.

    A write is never retried: when the connection is lost during a commit, the commit may
    have happened with only its acknowledgement lost, and a retry would then meet its own
    events and answer something wrong (a taken id, a second start). The command answers
    503 instead, within seconds; a stale pooled connection is found before use by the
    pool's check on checkout. A connection lost once the COMMIT was answered is only
    logged: the batch is saved, and its commands are answered as saved.

    Events are sent as four arrays in binary rather than one array of a composite type in
    text, which psycopg builds several times slower in Python: with group commit a
    transaction holds hundreds of events. The table lock, the NOTIFY and the positions
    returned in order are the library's.

    The key events, and the keyset events, have an index of their own (partial: the others
    pay nothing for it), read by every process's key ring and keyset directory
    (``topic_rows``)."""

    datastore: BatchDatastore  # type: ignore[assignment]
    kind = "postgres"

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.datastore = BatchDatastore(datastore)
        qualified = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(secret_keys.TABLE))
        self.sql_create_statements.append(
            SQL(secret_keys.create_statement("postgres", qualified.as_string()))  # type: ignore[arg-type]
        )
        # Rendered once: a composed statement is rendered again at every execution.
        self.notify_statement = SQL("NOTIFY {0}").format(Identifier(self.channel_name)).as_string()
        self.lock_table_statements = [
            statement.as_string() if isinstance(statement, Composable) else statement
            for statement in self.lock_table_statements
        ]
        for name, topics in (
            ("key_events", KEY_EVENT_TOPICS),
            ("keyset_events", KEYSET_EVENT_TOPICS),
        ):
            self.sql_create_statements.append(
                SQL(
                    "CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} (notification_id) "
                    "WHERE topic IN ({topics})"
                ).format(
                    index=Identifier(f"{self.events_table_name}_{name}_idx"),
                    schema=Identifier(datastore.schema),
                    table=Identifier(self.events_table_name),
                    topics=SQL(", ").join(Literal(topic) for topic in topics),
                )
            )
        self.insert_columns_statement = (
            SQL(
                "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
                "RETURNING notification_id"
            )
            .format(
                schema=Identifier(datastore.schema),
                table=Identifier(self.events_table_name),
                id_type=Identifier(datastore.originator_id_type),
            )
            .as_string()
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if self.datastore.batch_connection is None:
            return PostgresApplicationRecorder.insert_events.__wrapped__(  # type: ignore[no-any-return]
                self, stored_events, **kwargs
            )
        # The batch's last statement: sent with its COMMIT, in one round trip. When the
        # insert fails, the COMMIT is skipped and the batch rolls back.
        ids: Sequence[int] | None = None
        with (
            self.datastore.get_connection() as connection,
            connection.pipeline() as pipeline,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            self._insert_stored_events(cursor, stored_events)  # type: ignore[arg-type]
            if self.rows_written is not None:
                self.rows_written(connection)
            connection.execute("COMMIT")
            pipeline.sync()
            self.datastore.committed()
            ids = self.positions_of(cursor)
        # Here, not in the block: a connection lost as the block ends, after the COMMIT was
        # answered, leaves the block without an error (and without returning).
        if ids is None:  # committed, but lost before its positions were read: a lost answer
            raise persistence.OperationalError("the batch's positions were lost after its commit")
        return ids

    @staticmethod
    def positions_of(cursor: Cursor[tuple[Any, ...]]) -> list[int]:
        """The notification ids the batch's insert returned, in the order of its events."""
        return [row[0] for row in cursor.fetchall()]

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        curs.execute(self.notify_statement)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_columns_statement,
            (
                [event.originator_id for event in stored_events],
                [event.originator_version for event in stored_events],
                [event.topic for event in stored_events],
                [event.state for event in stored_events],
            ),
        )
        # A cursor of their own: the insert's holds the positions it returned.
        with curs.connection.cursor(row_factory=tuple_row) as side:
            self.apply_side_writes(side)

    def write_lock(self) -> PostgresWriteLock:
        return PostgresWriteLock(self.datastore)

    def stream_rows(
        self, after: Mapping[UUID, int], snapshots_table: str | None = None
    ) -> list[StreamRow]:
        return self._rows(*self.stream_rows_statement(after, snapshots_table))

    def stream_rows_statement(
        self, after: Mapping[UUID, int], snapshots_table: str | None = None
    ) -> tuple[Composed, list[Any]]:
        """The statement of ``stream_rows``, and its parameters."""
        # One index lookup per stream, whatever the table's statistics say: a join with the
        # list of streams can be planned as a scan of the whole log, and so can a LATERAL
        # subquery that PostgreSQL pulls up into a join; ``OFFSET 0`` keeps each one apart.
        columns = self._statement(
            "SELECT originator_id, originator_version, topic, state FROM {events} "
        )
        parts: list[Composable] = []
        params: list[Any] = []
        whole = [stream_id for stream_id, version in after.items() if not version]
        if whole and snapshots_table is not None:
            parts += self._from_snapshots(snapshots_table)
            params += [whole, whole]
        elif whole:
            parts.append(columns + SQL("WHERE originator_id = ANY(%s)"))
            params.append(whole)
        kept = {stream_id: version for stream_id, version in after.items() if version}
        if kept:
            # One part for all of them, not one each: 64 parts took PostgreSQL ten times
            # as long to plan as this takes to run.
            parts.append(
                SQL(
                    "SELECT e.* FROM unnest(%s::{id_type}[], %s::bigint[]) AS w(id, version) "
                    "CROSS JOIN LATERAL (SELECT originator_id, originator_version, topic, state "
                    "FROM {events} WHERE originator_id = w.id AND originator_version > w.version"
                    " OFFSET 0) AS e"
                ).format(
                    id_type=Identifier(self.datastore.originator_id_type),
                    events=self.events_table,
                )
            )
            params += [list(kept), list(kept.values())]
        statement = SQL(" UNION ALL ").join(SQL("({})").format(part) for part in parts)
        return statement + SQL(" ORDER BY 1, 2"), params

    def _from_snapshots(self, snapshots_table: str) -> list[Composable]:
        """Two parts of ``stream_rows`` (parameters: the streams, twice): each stream's latest
        snapshot, and its events after that snapshot (after version 0 when it has none). Each
        stream is looked up on its own (``LATERAL``), so that the version is a bound of the
        index scan, not a filter over the stream's whole history."""
        names = {
            "events": self.events_table,
            "snapshots": SQL("{}.{}").format(
                Identifier(self.datastore.schema), Identifier(snapshots_table)
            ),
            "id_type": Identifier(self.datastore.originator_id_type),
        }
        latest = SQL(
            "SELECT s.* FROM unnest(%s::{id_type}[]) AS w(id) CROSS JOIN LATERAL ("
            "SELECT originator_id, originator_version, topic, state FROM {snapshots} "
            "WHERE originator_id = w.id ORDER BY originator_version DESC LIMIT 1) AS s"
        ).format(**names)
        after = SQL(
            "SELECT e.* FROM unnest(%s::{id_type}[]) AS w(id) CROSS JOIN LATERAL ("
            "SELECT originator_id, originator_version, topic, state FROM {events} "
            "WHERE originator_id = w.id AND originator_version > COALESCE(("
            "SELECT max(originator_version) FROM {snapshots} WHERE originator_id = w.id), 0)"
            " OFFSET 0) AS e"
        ).format(**names)
        return [latest, after]

    def log_rows(self, position: int, limit: int) -> list[LogRow]:
        # No upper bound in SQL: with one, PostgreSQL may plan a bitmap scan and a sort of
        # the whole range instead of walking the index.
        return self._rows(
            self._statement(
                f"SELECT {LOG_COLUMNS} FROM {{events}} "
                "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
            ),
            (position, limit),
        )

    def topic_rows(self, position: int, topics: Sequence[str], limit: int) -> list[LogRow]:
        return self._rows(self.topics_statement(topics), (position, limit))

    def topics_statement(self, topics: Sequence[str]) -> Composed:
        """The read of ``topic_rows`` (parameters: position, limit). The topics are written
        into the statement, so that the planner can read them from a partial index of those
        topics (the key events have one) rather than walk every event after the position."""
        return self._statement(
            f"SELECT {LOG_COLUMNS} FROM {{events}} WHERE notification_id > %s "
            "AND topic IN ({topics}) ORDER BY notification_id LIMIT %s",
            topics=SQL(", ").join(Literal(topic) for topic in topics),
        )

    def streams_between(self, after: int, upto: int) -> set[str]:
        rows = self._rows(
            self._statement(
                "SELECT DISTINCT originator_id FROM {events} "
                "WHERE notification_id > %s AND notification_id <= %s"
            ),
            (after, upto),
        )
        return {str(row[0]) for row in rows}

    def stream_log_rows(self, stream_id: UUID, position: int, limit: int) -> list[LogRow]:
        return self._stream_rows(
            "AND notification_id > %s ORDER BY originator_version LIMIT %s",
            stream_id,
            position,
            limit,
        )

    def stream_page(
        self, stream_id: UUID, *, newest_first: bool, offset: int, limit: int
    ) -> list[LogRow]:
        order = "DESC" if newest_first else "ASC"
        return self._stream_rows(
            f"ORDER BY originator_version {order} LIMIT %s OFFSET %s", stream_id, limit, offset
        )

    def stream_length(self, stream_id: UUID) -> int:
        rows = self._stream_rows("ORDER BY originator_version DESC LIMIT 1", stream_id)
        return int(rows[0][2]) if rows else 0

    def streams_longer_than(self, versions: int) -> list[UUID]:
        statement = self._statement(
            "SELECT originator_id FROM {events} GROUP BY originator_id "
            "HAVING MAX(originator_version) > %s"
        )
        return [row[0] for row in self._rows(statement, (versions,))]

    @contextmanager
    def viewing(self) -> Iterator[LogView]:
        with (
            self.datastore.get_connection() as connection,
            postgres_log.viewing(connection, self.events_table) as view,
        ):
            yield view

    @contextmanager
    def loading(self) -> Iterator[LogLoad]:
        with self.datastore.get_connection() as connection:
            id_type = self.datastore.originator_id_type
            lock = cast("list[str]", self.lock_table_statements)
            with postgres_log.loading(connection, self.events_table, id_type, lock) as load:
                yield load

    @contextmanager
    def side_tables(self, *, write: bool) -> Iterator[Cursor[tuple[Any, ...]]]:
        with (
            self.datastore.get_connection() as connection,
            library_errors(),
            connection.transaction(),
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            if write:
                for statement in cast("list[str]", self.lock_table_statements):
                    cursor.execute(statement)
            yield cursor

    @property
    def events_table(self) -> Composed:
        """The events table's qualified name, for statements of the read side that join it."""
        return SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )

    def _statement(self, text: str, **parts: Composable) -> Composed:
        """``text``, where ``{events}`` names the events table (and other names in braces,
        ``parts``)."""
        return SQL(text).format(events=self.events_table, **parts)

    def _stream_rows(self, tail: str, stream_id: UUID, *params: Any) -> list[LogRow]:
        statement = self._statement(
            f"SELECT {LOG_COLUMNS} FROM {{events}} WHERE originator_id = %s {tail}"
        )
        return self._rows(statement, (stream_id, *params))

    def _rows(self, statement: Composed, params: Sequence[Any]) -> list[Any]:
        with self.datastore.get_connection() as connection:
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute(statement, params)
            return cursor.fetchall()


class PostgresWriteLock:
    """Transaction-scoped advisory locks, one per account, taken in one order (so two
    batches never wait on each other in a circle). They open the batch's transaction, which
    the batch's reads and insert share, and are released when it commits or rolls back.

    Every command of an account changes its usage record, so two processes deciding batches
    for the same account at once would mostly refuse each other at commit (the store's
    version check), retry, and refuse each other again; with the lock they take turns, each
    turn a whole batch."""

    def __init__(self, datastore: BatchDatastore) -> None:
        self._datastore = datastore

    @contextmanager
    def hold(self, accounts: Collection[int]) -> Iterator[None]:
        keys = sorted({account_key(account) for account in accounts})
        # Waiting as long as the store's writes wait for their table lock, no longer. Values
        # are inlined: all are integers of ours.
        opening: list[Query] = [
            SQL("BEGIN"),
            SQL("SET LOCAL lock_timeout = {timeout}").format(
                timeout=Literal(f"{int(self._datastore.lock_timeout)}s")
            ),
            SQL(
                "SELECT pg_advisory_xact_lock({lock_class}, k) "
                "FROM unnest({keys}::int4[]) AS k ORDER BY k"
            ).format(lock_class=Literal(ACCOUNT_LOCK_CLASS), keys=Literal(keys)),
        ]
        with self._datastore.batch(opening):
            yield


def account_key(account_id: int) -> int:
    """An int4 for the account (a collision only makes two accounts take turns)."""
    return zlib.crc32(str(account_id).encode()) & 0x7FFFFFFF


def dead_server_keywords(timeout_seconds: int) -> dict[str, str]:
    """libpq settings that end a connection to a server that stopped answering (its host gone,
    the network cut) within seconds, rather than after the system's TCP retries (about 15
    minutes, all that time holding the writer or a reader): data sent and unacknowledged for
    ``timeout_seconds``, or a silent connection whose keepalive probes (the first after
    ``timeout_seconds`` of silence, then 1 s apart) go unanswered."""
    return {
        "keepalives": "1",
        "keepalives_idle": str(timeout_seconds),
        "keepalives_interval": "1",
        "keepalives_count": "3",
        "tcp_user_timeout": str(timeout_seconds * 1000),
    }


class Factory(PostgresFactory):
    """The library's PostgreSQL factory with the service's recorders; its connections give
    up on a server that stopped answering (``dead_server_keywords``), after the store's
    timeout, and its pool connects again as soon as the server is back."""

    aggregate_recorder_class = ServicePostgresAggregateRecorder
    application_recorder_class = ServicePostgresRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        # The pool opens on first use: every connection it makes has these. Its timeout is
        # the store's (``POSTGRES_CONNECT_TIMEOUT``).
        pool = self.datastore.pool
        assert isinstance(pool.kwargs, dict)  # as the library builds it
        pool.kwargs = {**pool.kwargs, **dead_server_keywords(int(pool.timeout))}
        pool._configure = _also_without_parallel_query(pool._configure)
        pool.reconnect_timeout = POOL_RECONNECT_SECONDS


def _also_without_parallel_query(
    configure: Callable[[Connection[Any]], None] | None,
) -> Callable[[Connection[Any]], None]:
    """The pool's set-up of a new connection (the library's: autocommit, an idle timeout),
    then no parallel query for the connection's session."""

    def configure_connection(connection: Connection[Any]) -> None:
        if configure is not None:
            configure(connection)
        connection.execute(NO_PARALLEL_QUERY)
        if not connection.autocommit:
            connection.commit()  # a pool discards a connection left in a transaction

    return configure_connection
