"""The event store's PostgreSQL recorder as the writer uses it: a batch of commands is one
transaction on one connection, from its write lock to its commit."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, cast

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from psycopg import Connection, Cursor
from psycopg.abc import Query
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composable, Identifier, Literal

from commands.events import KEY_EVENT_TOPICS

logger = logging.getLogger("faas.commands")

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


class BatchAbortedError(Exception):
    """A statement of the batch's transaction failed (often: the connection was lost). The
    transaction can neither read nor write any more: the whole batch is given up at once,
    never retried statement by statement on the same connection."""


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
    def _batch_connection(self) -> Connection[DictRow] | None:
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
        connection = self._batch_connection
        if connection is None:
            with self._datastore.get_connection() as connection:
                yield connection
        else:
            with self._in_batch():
                yield connection

    @contextmanager
    def transaction(self, *, commit: bool = False) -> Iterator[Cursor[DictRow]]:
        connection = self._batch_connection
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


class ServicePostgresRecorder(ServicePostgresAggregateRecorder, PostgresApplicationRecorder):
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

    The key events have an index of their own (partial: the others pay nothing for it),
    read by every process's key ring (``EventLog.of_topics_after``)."""

    datastore: BatchDatastore  # type: ignore[assignment]

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.datastore = BatchDatastore(datastore)
        # Rendered once: a composed statement is rendered again at every execution.
        self.notify_statement = SQL("NOTIFY {0}").format(Identifier(self.channel_name)).as_string()
        self.lock_table_statements = [
            statement.as_string() if isinstance(statement, Composable) else statement
            for statement in self.lock_table_statements
        ]
        self.sql_create_statements.append(
            SQL(
                "CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} (notification_id) "
                "WHERE topic IN ({topics})"
            ).format(
                index=Identifier(f"{self.events_table_name}_key_events_idx"),
                schema=Identifier(datastore.schema),
                table=Identifier(self.events_table_name),
                topics=SQL(", ").join(Literal(topic) for topic in KEY_EVENT_TOPICS),
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
        if self.datastore._batch_connection is None:
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
            connection.execute("COMMIT")
            pipeline.sync()
            self.datastore.committed()
            ids = self._positions_of(cursor)
        # Here, not in the block: a connection lost as the block ends, after the COMMIT was
        # answered, leaves the block without an error (and without returning).
        if ids is None:  # committed, but lost before its positions were read: a lost answer
            raise persistence.OperationalError("the batch's positions were lost after its commit")
        return ids

    @staticmethod
    def _positions_of(cursor: Cursor[tuple[Any, ...]]) -> list[int]:
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
