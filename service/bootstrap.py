"""The composition root: everything the service runs on is built here, from settings."""

from __future__ import annotations

from dataclasses import dataclass

from commands.application import Limits, PackagesApplication
from service.settings import Settings
from service.store import library_env


@dataclass(frozen=True, slots=True)
class Container:
    """What ``bootstrap`` builds; routes, scripts and tests use it."""

    settings: Settings
    packages: PackagesApplication

    def close(self) -> None:
        self.packages.close()


def bootstrap(settings: Settings) -> Container:
    """Open the event store named by the settings (making its tables on first start)."""
    env = library_env(settings.database_url, timeout_seconds=settings.store_timeout_seconds)
    limits = Limits(functions_per_revision=settings.max_functions_per_revision)
    return Container(settings=settings, packages=PackagesApplication(env, limits))
