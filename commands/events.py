"""The stored facts: event classes with stable topics and JSON-native payloads.

Topics are explicit (``faas.<ClassName>``), so classes can move between modules
without breaking replay. Never rename a class here once its events are stored:
add a new class, or register the old topic with ``register_topic``.

Every class declares the version of its stored shape (``class_version``). A change to the
fields it stores is a new version, with a static method ``upcast_v<N>_v<N+1>`` that turns a
stored state of the old version into one of the new (the library runs it when it reads an
older event), and a new fixture (``tests/fixtures/events``, ``docs/log.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.domain import AggregateCreated, AggregateEvent
from eventsourcing.utils import register_topic

from commands.blueprint_state import BlueprintContent
from commands.package_state import Deployment, Function, Revision, Schedule

if TYPE_CHECKING:
    from commands.catalog import PackageBlueprint
    from commands.claims import Locator, PackageName
    from commands.idempotency import IdempotencyRecord
    from commands.keys import ApiKey
    from commands.keysets import Keyset, SubscribeKey
    from commands.kv import KvCounter, KvEntry
    from commands.package import Package
    from commands.secrets import Secret
    from commands.usage import AccountUsage

TOPIC_PREFIX = "faas."

EventClass = TypeVar("EventClass", bound=type)


def stable_topic(cls: EventClass) -> EventClass:
    """Give a class the topic ``faas.<name>`` and register it for replay."""
    topic = TOPIC_PREFIX + cls.__name__
    cls.TOPIC = topic  # type: ignore[attr-defined]
    register_topic(topic, cls)
    return cls


class AuditedEvent(AggregateEvent):
    """Who caused an event and through which request: carried by every event we store.

    The inherited ``timestamp`` is the time of the request that caused the event.
    """

    account_id: int
    actor: str
    correlation_id: str


@stable_topic
class PackageCreated(AuditedEvent, AggregateCreated):
    """A package, custom or made from a catalog blueprint (its id and version then).

    Version 2 added ``package_blueprint_version``."""

    class_version = 2

    name: str
    description: str
    tags: list[str]
    api_managed: bool
    package_blueprint_id: str | None
    package_blueprint_version: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Packages created before version 2 came from no published blueprint version."""
        state["package_blueprint_version"] = None

    def apply(self, aggregate: Package) -> None:
        aggregate.account_id = self.account_id
        aggregate.name = self.name
        aggregate.description = self.description
        aggregate.tags = list(self.tags)
        aggregate.api_managed = self.api_managed
        aggregate.package_blueprint_id = self.package_blueprint_id
        aggregate.package_blueprint_version = self.package_blueprint_version
        aggregate.revisions = {}
        aggregate.deployments = {}
        aggregate.revisions_added = 0
        aggregate.inputs_version = 0
        aggregate.unchanged_version = 0
        aggregate.unchanged_on = None
        aggregate.deleted = False


@stable_topic
class RevisionAdded(AuditedEvent):
    class_version = 1

    revision_id: str
    name: str
    description: str

    def apply(self, aggregate: Package) -> None:
        aggregate.revisions[self.revision_id] = Revision(
            self.revision_id,
            self.name,
            self.description,
            self.timestamp,
            self.originator_version,
            self.timestamp,
        )
        aggregate.revisions_added += 1


@stable_topic
class FunctionsRegistered(AuditedEvent):
    """The functions of one revision, fixed for the revision's life.

    Each item of ``functions`` has the keys ``function_id``, ``function_revision_id``,
    ``name``, ``type``, ``language``, ``sort_order``, ``code`` and ``config``.
    """

    class_version = 1

    revision_id: str
    functions: list[dict[str, Any]]

    def apply(self, aggregate: Package) -> None:
        ordered = sorted(self.functions, key=lambda item: item["sort_order"])
        aggregate.revisions[self.revision_id].functions = tuple(
            Function(
                item["function_id"],
                item["function_revision_id"],
                item["name"],
                item["type"],
                item["language"],
                item["sort_order"],
                item["config"],
            )
            for item in ordered
        )


@stable_topic
class PackageNameClaimed(AuditedEvent, AggregateCreated):
    """A package name (trimmed, case-folded) taken within an account."""

    class_version = 1

    name_key: str
    package_id: str

    def apply(self, aggregate: PackageName) -> None:
        aggregate.account_id = self.account_id
        aggregate.name_key = self.name_key
        aggregate.package_id = self.package_id


@stable_topic
class ApiKeyIssued(AuditedEvent, AggregateCreated):
    """An API key made for ``account_id``; only the SHA-256 of its secret is kept."""

    class_version = 1

    name: str
    secret_sha256: str
    grants: list[dict[str, Any]]
    expires_at: str | None

    def apply(self, aggregate: ApiKey) -> None:
        aggregate.account_id = self.account_id
        aggregate.name = self.name
        aggregate.secret_sha256 = self.secret_sha256
        aggregate.grants = [dict(grant) for grant in self.grants]
        aggregate.expires_at = self.expires_at
        aggregate.revoked = False


@stable_topic
class ApiKeyRevoked(AuditedEvent):
    class_version = 1

    def apply(self, aggregate: ApiKey) -> None:
        aggregate.revoked = True


@stable_topic
class PackageUpdated(AuditedEvent):
    """The package's name, description and tags after the update (all three, always)."""

    class_version = 1

    name: str
    description: str
    tags: list[str]

    def apply(self, aggregate: Package) -> None:
        aggregate.name = self.name
        aggregate.description = self.description
        aggregate.tags = list(self.tags)


@stable_topic
class PackageDeleted(AuditedEvent):
    """The package is gone, with its revisions; its events stay in the log."""

    class_version = 1

    def apply(self, aggregate: Package) -> None:
        aggregate.deleted = True


@stable_topic
class RevisionUpdated(AuditedEvent):
    class_version = 1

    revision_id: str
    name: str
    description: str

    def apply(self, aggregate: Package) -> None:
        revision = aggregate.revisions[self.revision_id]
        revision.name = self.name
        revision.description = self.description
        revision.version = self.originator_version
        revision.updated_on = self.timestamp


@stable_topic
class RevisionDeleted(AuditedEvent):
    class_version = 1

    revision_id: str

    def apply(self, aggregate: Package) -> None:
        del aggregate.revisions[self.revision_id]
        for deployment_id, deployment in list(aggregate.deployments.items()):
            if deployment.revision_id == self.revision_id:
                del aggregate.deployments[deployment_id]


@stable_topic
class PackageNameReleased(AuditedEvent):
    """The name is free again (its package was renamed or deleted)."""

    class_version = 1

    def apply(self, aggregate: PackageName) -> None:
        aggregate.package_id = None


@stable_topic
class PackageNameReclaimed(AuditedEvent):
    """A released name taken by another package of the account."""

    class_version = 1

    package_id: str

    def apply(self, aggregate: PackageName) -> None:
        aggregate.package_id = self.package_id


@stable_topic
class EntityLocated(AuditedEvent, AggregateCreated):
    """Where an entity addressed by its own id lives: the package stream that holds it."""

    class_version = 1

    kind: str
    package_id: str

    def apply(self, aggregate: Locator) -> None:
        aggregate.account_id = self.account_id
        aggregate.kind = self.kind
        aggregate.package_id = self.package_id


@stable_topic
class DeploymentCreated(AuditedEvent):
    """A revision placed on a keyset, stopped."""

    class_version = 1

    deployment_id: str
    revision_id: str
    keyset_id: int

    def apply(self, aggregate: Package) -> None:
        aggregate.deployments[self.deployment_id] = Deployment(
            self.deployment_id,
            self.revision_id,
            self.keyset_id,
            self.timestamp,
            self.timestamp,
            self.originator_version,
        )


@stable_topic
class DeploymentStarted(AuditedEvent):
    """Started (or, when already running, restarted)."""

    class_version = 1

    deployment_id: str

    def apply(self, aggregate: Package) -> None:
        _set_running(aggregate, self, running=True)


@stable_topic
class DeploymentStopped(AuditedEvent):
    class_version = 1

    deployment_id: str

    def apply(self, aggregate: Package) -> None:
        _set_running(aggregate, self, running=False)


def _set_running(
    aggregate: Package, event: DeploymentStarted | DeploymentStopped, *, running: bool
) -> None:
    deployment = aggregate.deployments[event.deployment_id]
    deployment.running = running
    deployment.updated_on = event.timestamp
    deployment.version = event.originator_version


@stable_topic
class DeploymentDeleted(AuditedEvent):
    """The deployment is gone, and its scheduled events with it."""

    class_version = 1

    deployment_id: str

    def apply(self, aggregate: Package) -> None:
        del aggregate.deployments[self.deployment_id]


@stable_topic
class AccountUsageCreated(AuditedEvent, AggregateCreated):
    """The first counted use of an account's limits."""

    class_version = 1

    def apply(self, aggregate: AccountUsage) -> None:
        aggregate.account_id = self.account_id
        aggregate.packages = 0
        aggregate.running = 0
        aggregate.running_keysets = {}


@stable_topic
class AccountUsageChanged(AuditedEvent):
    """How many packages and running deployments the account has now; and, for each keyset
    whose count the change moved, how many of those run on it (keyset id as text: a JSON
    object's key). Events written before keysets were counted have none."""

    class_version = 2

    packages: int
    running: int
    running_keysets: dict[str, int] | None = None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Written before running deployments were counted by keyset: none counted."""
        state["running_keysets"] = None

    def apply(self, aggregate: AccountUsage) -> None:
        aggregate.packages = self.packages
        aggregate.running = self.running
        if self.running_keysets:
            # Replaced, never changed in place (``AccountUsage.__deepcopy__``).
            counts = {**aggregate.keysets_running(), **self.running_keysets}
            aggregate.running_keysets = {k: count for k, count in counts.items() if count}


class _IdempotentAnswer(AuditedEvent):
    """A request with an ``Idempotency-Key`` succeeded: what it was and what it answered,
    committed with the command's own events."""

    fingerprint: str
    status: int
    data: str
    headers: dict[str, str]

    def apply(self, aggregate: IdempotencyRecord) -> None:
        aggregate.account_id = self.account_id
        aggregate.fingerprint = self.fingerprint
        aggregate.status = self.status
        aggregate.data = self.data
        aggregate.headers = dict(self.headers)
        aggregate.used_at = self.timestamp


@stable_topic
class IdempotencyKeyRecorded(_IdempotentAnswer, AggregateCreated):
    """The first use of a key."""

    class_version = 1


@stable_topic
class IdempotencyKeyReused(_IdempotentAnswer):
    """A use of a key whose earlier record had expired."""

    class_version = 1


# Rare among all events, and read by every process every half second: the event store
# indexes them apart (``ServicePostgresRecorder``), so that the read skips all the others.
KEY_EVENT_TOPICS: tuple[str, ...] = (ApiKeyIssued.TOPIC, ApiKeyRevoked.TOPIC)  # type: ignore[attr-defined]


# Scheduled events: a deployment's planned starts and stops, in its package's stream, so
# that one aggregate decides their overlaps and carries them out with the start or stop.
SCHEDULED, ACTIVE, COMPLETED, FAILED = "SCHEDULED", "ACTIVE", "COMPLETED", "FAILED"


class _ScheduleEvent(AuditedEvent):
    """Something that happened to one scheduled event of one deployment."""

    schedule_id: str
    deployment_id: str

    def changed(self, aggregate: Package) -> Schedule:
        """The schedule, its version and time moved to this event."""
        schedule = aggregate.deployments[self.deployment_id].schedules[self.schedule_id]
        schedule.updated_on = self.timestamp
        schedule.version = self.originator_version
        return schedule


@stable_topic
class ScheduleCreated(_ScheduleEvent):
    """A deployment (of ``revision_id``, on ``keyset_id``) is to start at ``dttm_begin`` and
    stop at ``dttm_end`` (ISO-8601 UTC, to the millisecond)."""

    class_version = 1

    revision_id: str
    keyset_id: int
    dttm_begin: str
    dttm_end: str
    description: str

    def apply(self, aggregate: Package) -> None:
        aggregate.deployments[self.deployment_id].schedules[self.schedule_id] = Schedule(
            self.schedule_id,
            self.dttm_begin,
            self.dttm_end,
            self.description,
            SCHEDULED,
            self.timestamp,
            self.timestamp,
            self.originator_version,
        )


@stable_topic
class ScheduleUpdated(_ScheduleEvent):
    """Its times and description after the change (all three, always)."""

    class_version = 1

    dttm_begin: str
    dttm_end: str
    description: str

    def apply(self, aggregate: Package) -> None:
        schedule = self.changed(aggregate)
        schedule.dttm_begin = self.dttm_begin
        schedule.dttm_end = self.dttm_end
        schedule.description = self.description


@stable_topic
class ScheduleDeleted(_ScheduleEvent):
    class_version = 1

    def apply(self, aggregate: Package) -> None:
        del aggregate.deployments[self.deployment_id].schedules[self.schedule_id]


@stable_topic
class ScheduleActivated(_ScheduleEvent):
    """Its begin was carried out: ``deployment_started`` says whether it started the
    deployment (in the same command, just before), or found it running and left it so."""

    class_version = 1

    deployment_started: bool

    def apply(self, aggregate: Package) -> None:
        schedule = self.changed(aggregate)
        schedule.state = ACTIVE
        deployment = aggregate.deployments[self.deployment_id]
        schedule.started_version = deployment.version if self.deployment_started else None


@stable_topic
class ScheduleCompleted(_ScheduleEvent):
    """Its end was carried out: ``deployment_stopped`` says whether it stopped the deployment,
    or left it as it was (stopped already, or started or stopped by hand since its begin)."""

    class_version = 1

    deployment_stopped: bool

    def apply(self, aggregate: Package) -> None:
        self.changed(aggregate).state = COMPLETED


@stable_topic
class ScheduleFailed(_ScheduleEvent):
    """Its begin was refused (``reason``); the deployment was left as it was."""

    class_version = 1

    reason: str

    def apply(self, aggregate: Package) -> None:
        schedule = self.changed(aggregate)
        schedule.state = FAILED
        schedule.failure_reason = self.reason


def _leave_package_as_it_was(aggregate: Package, event: AuditedEvent) -> None:
    """A test input's event changes neither the package's version (its ETag) nor its
    ``updatedDttm``: remember them as the last other event left them."""
    if aggregate.inputs_version != aggregate.version:
        aggregate.unchanged_version = aggregate.version
        aggregate.unchanged_on = aggregate.modified_on
    aggregate.inputs_version = event.originator_version


@stable_topic
class TestInputAdded(AuditedEvent):
    """A saved example event for one function of a revision. ``payload`` is the JSON text
    of its value: stored as text, a value can never be read back as anything else."""

    class_version = 1

    __test__ = False  # not a test class, whatever its name says

    revision_id: str
    function_revision_id: str
    test_input_id: str
    name: str
    payload: str
    mime_type: str
    description: str

    def apply(self, aggregate: Package) -> None:
        _leave_package_as_it_was(aggregate, self)
        inputs = aggregate.revisions[self.revision_id].test_inputs
        inputs.setdefault(self.function_revision_id, {})[self.test_input_id] = (
            self.originator_version
        )


@stable_topic
class TestInputUpdated(AuditedEvent):
    """The fields of a test input that a change replaced (``None``: kept as it was)."""

    class_version = 1

    __test__ = False

    revision_id: str
    function_revision_id: str
    test_input_id: str
    name: str | None = None
    payload: str | None = None
    mime_type: str | None = None
    description: str | None = None

    def apply(self, aggregate: Package) -> None:
        _leave_package_as_it_was(aggregate, self)
        inputs = aggregate.revisions[self.revision_id].test_inputs[self.function_revision_id]
        inputs[self.test_input_id] = self.originator_version


@stable_topic
class TestInputDeleted(AuditedEvent):
    class_version = 1

    __test__ = False

    revision_id: str
    function_revision_id: str
    test_input_id: str

    def apply(self, aggregate: Package) -> None:
        _leave_package_as_it_was(aggregate, self)
        revision = aggregate.revisions[self.revision_id]
        inputs = revision.test_inputs[self.function_revision_id]
        del inputs[self.test_input_id]
        if not inputs:
            del revision.test_inputs[self.function_revision_id]


@stable_topic
class DeploymentHandedOver(AuditedEvent):
    """A rolling update: ``deployment_id`` stopped and ``new_deployment_id`` started, in one
    event, so that no reader of the log or of the read model sees one without the other."""

    class_version = 1

    deployment_id: str
    new_deployment_id: str

    def apply(self, aggregate: Package) -> None:
        for deployment_id, running in (
            (self.deployment_id, False),
            (self.new_deployment_id, True),
        ):
            deployment = aggregate.deployments[deployment_id]
            deployment.running = running
            deployment.updated_on = self.timestamp
            deployment.version = self.originator_version


class KeysetRegistered(AuditedEvent):
    """A keyset registered for ``account_id`` with its subscribe key (the base of
    ``KeysetAdded`` and ``KeysetAddedAgain``, never stored as itself). Each registration has
    an id of its own (the KV entries it holds are its own: a keyset removed and added again
    starts empty) and a random key that signs its page tokens."""

    keyset_id: int
    subscribe_key: str
    registration_id: str
    token_key: str

    def apply(self, aggregate: Keyset) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.subscribe_key = self.subscribe_key
        aggregate.registration_id = self.registration_id
        aggregate.removed = False


@stable_topic
class KeysetAdded(KeysetRegistered, AggregateCreated):
    """The first registration of a keyset id."""

    class_version = 1


@stable_topic
class KeysetAddedAgain(KeysetRegistered):
    """A removed keyset registered again (for any account, with any subscribe key)."""

    class_version = 1


@stable_topic
class KeysetRemoved(AuditedEvent):
    """The registration ends; its KV entries are gone with it."""

    class_version = 1

    keyset_id: int
    subscribe_key: str
    registration_id: str

    def apply(self, aggregate: Keyset) -> None:
        aggregate.removed = True


@stable_topic
class SubscribeKeyClaimed(AuditedEvent, AggregateCreated):
    """A subscribe key taken by a keyset (one keyset of one account at a time)."""

    class_version = 1

    keyset_id: int

    def apply(self, aggregate: SubscribeKey) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id


@stable_topic
class SubscribeKeyReleased(AuditedEvent):
    class_version = 1

    def apply(self, aggregate: SubscribeKey) -> None:
        aggregate.keyset_id = None


@stable_topic
class SubscribeKeyReclaimed(AuditedEvent):
    """A released subscribe key taken again (by any keyset of any account)."""

    class_version = 1

    keyset_id: int

    def apply(self, aggregate: SubscribeKey) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id


# Rare, and read by every process twice a second: indexed apart like the key events.
KEYSET_EVENT_TOPICS: tuple[str, ...] = (
    KeysetAdded.TOPIC,  # type: ignore[attr-defined]
    KeysetAddedAgain.TOPIC,  # type: ignore[attr-defined]
    KeysetRemoved.TOPIC,  # type: ignore[attr-defined]
)


class _KvEvent(AuditedEvent):
    """A change of one KV entry: which registration of which keyset, which kind of entry
    (``string``, ``json`` or ``counter``) and which key, in every event of its stream."""

    keyset_id: int
    registration_id: str
    kind: str
    key: str


@stable_topic
class KvValueSet(_KvEvent):
    """A string or JSON value written, with the time it expires (ISO-8601 UTC, millis)."""

    class_version = 1

    value: Any
    expires_at: str

    def apply(self, aggregate: KvEntry) -> None:
        aggregate.expires_at = self.expires_at
        aggregate.deleted = False


@stable_topic
class KvEntryCreated(KvValueSet, AggregateCreated):
    """The first write of a string or JSON key."""

    class_version = 1

    def apply(self, aggregate: KvEntry) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.registration_id = self.registration_id
        aggregate.kind = self.kind
        aggregate.key = self.key
        super().apply(aggregate)


@stable_topic
class KvEntryDeleted(_KvEvent):
    class_version = 1

    def apply(self, aggregate: KvEntry) -> None:
        aggregate.deleted = True


@stable_topic
class KvCounterChanged(_KvEvent):
    """A counter changed by ``delta`` (an increment, a decrement, or a write of a new
    value), and its value after the change."""

    class_version = 1

    delta: int
    value: int

    def apply(self, aggregate: KvCounter) -> None:
        aggregate.value = self.value
        aggregate.deleted = False


@stable_topic
class KvCounterCreated(KvCounterChanged, AggregateCreated):
    """The first change of a counter (from 0)."""

    class_version = 1

    def apply(self, aggregate: KvCounter) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.registration_id = self.registration_id
        aggregate.key = self.key
        super().apply(aggregate)


@stable_topic
class KvCounterDeleted(_KvEvent):
    class_version = 1

    def apply(self, aggregate: KvCounter) -> None:
        aggregate.value = 0
        aggregate.deleted = True


class _BlueprintVersionPublished(AuditedEvent):
    """A version of a package blueprint published, whole (the base of
    ``PackageBlueprintPublished`` and ``PackageBlueprintRepublished``, never stored as
    itself). ``blueprint`` holds ``name``, ``version`` (``MAJOR.MINOR.PATCH``),
    ``description``, ``icon_base64``, ``icon_media_type``, ``tags`` (names) and ``functions``:
    each with ``function_blueprint_id``, ``name``, ``type``, ``language``, ``code``,
    ``config``, ``sort_order``, ``test_inputs`` (``name``, ``payload``, ``mime_type``) and
    ``params`` (``param_id``, ``name``, ``source_name``, ``type``, ``value_type``,
    ``storage``, ``description``, ``default_value``, ``required``)."""

    blueprint: dict[str, Any]

    def apply(self, aggregate: PackageBlueprint) -> None:
        aggregate.account_id = self.account_id
        aggregate.content = BlueprintContent.from_payload(self.blueprint)
        aggregate.retired = False


@stable_topic
class PackageBlueprintPublished(_BlueprintVersionPublished, AggregateCreated):
    """The first published version of a package blueprint."""

    class_version = 1


@stable_topic
class PackageBlueprintRepublished(_BlueprintVersionPublished):
    """A higher version of a published blueprint: it replaces the one before, and lists a
    retired blueprint again."""

    class_version = 1


@stable_topic
class PackageBlueprintRetired(AuditedEvent):
    """The blueprint is no longer in the catalog (the version it had then)."""

    class_version = 1

    version: str

    def apply(self, aggregate: PackageBlueprint) -> None:
        aggregate.retired = True


CATALOG_EVENT_TOPICS: tuple[str, ...] = (
    PackageBlueprintPublished.TOPIC,  # type: ignore[attr-defined]
    PackageBlueprintRepublished.TOPIC,  # type: ignore[attr-defined]
    PackageBlueprintRetired.TOPIC,  # type: ignore[attr-defined]
)


class _SecretEvent(AuditedEvent):
    """A change of one secret: which registration of which keyset, and which key, in every
    event of its stream. No event ever holds a value or a data key, plain or wrapped."""

    keyset_id: int
    registration_id: str
    key: str


@stable_topic
class SecretSet(_SecretEvent):
    """A new value, as AES-256-GCM ciphertext under a data key of its own (``value_id``
    names the key's row in the store's side table); ``nonce`` and ``ciphertext`` in base64.
    The value is bound to its account, keyset, key and value id (``commands.vault``)."""

    class_version = 1

    value_id: str
    nonce: str
    ciphertext: str
    # When the secret was made: this value's time for a new one (or one deleted before).
    created_at: str

    def apply(self, aggregate: Secret) -> None:
        aggregate.created_at = self.created_at
        aggregate.value_id = self.value_id
        aggregate.nonce = self.nonce
        aggregate.ciphertext = self.ciphertext
        aggregate.deleted = False


@stable_topic
class SecretCreated(SecretSet, AggregateCreated):
    """The first value of a key."""

    class_version = 1

    def apply(self, aggregate: Secret) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.registration_id = self.registration_id
        aggregate.key = self.key
        super().apply(aggregate)


@stable_topic
class SecretDeleted(_SecretEvent):
    """The secret is gone, and its value's data key with it."""

    class_version = 1

    def apply(self, aggregate: Secret) -> None:
        aggregate.deleted = True


@stable_topic
class SecretRevealed(_SecretEvent):
    """An operator read the value back (``faas-packages secrets reveal``): who, when, which
    value; never the value."""

    class_version = 1

    value_id: str

    def apply(self, aggregate: Secret) -> None:
        pass
