"""The stored facts: event classes with stable topics and JSON-native payloads, one module
per feature (``base`` holds what every event is); every class is importable from here.

Topics are explicit (``faas.<ClassName>``), so classes can move between modules
without breaking replay. Never rename a class here once its events are stored:
add a new class, or register the old topic with ``register_topic``.

Every class declares the version of its stored shape (``class_version``). A change to the
fields it stores is a new version, with a static method ``upcast_v<N>_v<N+1>`` that turns a
stored state of the old version into one of the new (the library runs it when it reads an
older event), and a new fixture (``tests/fixtures/events``, ``docs/log.md``).
"""

from commands.events.base import TOPIC_PREFIX, AuditedEvent, stable_topic
from commands.events.catalog import (
    CATALOG_EVENT_TOPICS,
    PackageBlueprintPublished,
    PackageBlueprintRepublished,
    PackageBlueprintRetired,
)
from commands.events.deployments import (
    DeploymentCreated,
    DeploymentDeleted,
    DeploymentHandedOver,
    DeploymentStarted,
    DeploymentStopped,
)
from commands.events.idempotency import (
    IdempotencyKeyRecorded,
    IdempotencyKeyReused,
)
from commands.events.keys import (
    KEY_EVENT_TOPICS,
    ApiKeyIssued,
    ApiKeyRevoked,
)
from commands.events.keysets import (
    KEYSET_EVENT_TOPICS,
    KeysetAdded,
    KeysetAddedAgain,
    KeysetRegistered,
    KeysetRemoved,
    SubscribeKeyClaimed,
    SubscribeKeyReclaimed,
    SubscribeKeyReleased,
)
from commands.events.kv import (
    KvCounterChanged,
    KvCounterCreated,
    KvCounterDeleted,
    KvEntryCreated,
    KvEntryDeleted,
    KvValueSet,
)
from commands.events.packages import (
    EntityLocated,
    FunctionsRegistered,
    PackageCreated,
    PackageDeleted,
    PackageNameClaimed,
    PackageNameReclaimed,
    PackageNameReleased,
    PackageUpdated,
    RevisionAdded,
    RevisionDeleted,
    RevisionUpdated,
)
from commands.events.schedules import (
    ACTIVE,
    COMPLETED,
    FAILED,
    SCHEDULED,
    ScheduleActivated,
    ScheduleCompleted,
    ScheduleCreated,
    ScheduleDeleted,
    ScheduleFailed,
    ScheduleUpdated,
)
from commands.events.secrets import (
    SecretCreated,
    SecretDeleted,
    SecretRevealed,
    SecretSet,
)
from commands.events.test_inputs import (
    TestInputAdded,
    TestInputDeleted,
    TestInputUpdated,
)
from commands.events.usage import (
    AccountUsageChanged,
    AccountUsageCreated,
)

__all__ = [
    "ACTIVE",
    "CATALOG_EVENT_TOPICS",
    "COMPLETED",
    "FAILED",
    "KEYSET_EVENT_TOPICS",
    "KEY_EVENT_TOPICS",
    "SCHEDULED",
    "TOPIC_PREFIX",
    "AccountUsageChanged",
    "AccountUsageCreated",
    "ApiKeyIssued",
    "ApiKeyRevoked",
    "AuditedEvent",
    "DeploymentCreated",
    "DeploymentDeleted",
    "DeploymentHandedOver",
    "DeploymentStarted",
    "DeploymentStopped",
    "EntityLocated",
    "FunctionsRegistered",
    "IdempotencyKeyRecorded",
    "IdempotencyKeyReused",
    "KeysetAdded",
    "KeysetAddedAgain",
    "KeysetRegistered",
    "KeysetRemoved",
    "KvCounterChanged",
    "KvCounterCreated",
    "KvCounterDeleted",
    "KvEntryCreated",
    "KvEntryDeleted",
    "KvValueSet",
    "PackageBlueprintPublished",
    "PackageBlueprintRepublished",
    "PackageBlueprintRetired",
    "PackageCreated",
    "PackageDeleted",
    "PackageNameClaimed",
    "PackageNameReclaimed",
    "PackageNameReleased",
    "PackageUpdated",
    "RevisionAdded",
    "RevisionDeleted",
    "RevisionUpdated",
    "ScheduleActivated",
    "ScheduleCompleted",
    "ScheduleCreated",
    "ScheduleDeleted",
    "ScheduleFailed",
    "ScheduleUpdated",
    "SecretCreated",
    "SecretDeleted",
    "SecretRevealed",
    "SecretSet",
    "SubscribeKeyClaimed",
    "SubscribeKeyReclaimed",
    "SubscribeKeyReleased",
    "TestInputAdded",
    "TestInputDeleted",
    "TestInputUpdated",
    "stable_topic",
]
