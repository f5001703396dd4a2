"""From the write model's aggregate or the read model's rows to wire responses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import msgspec
from msgspec import UNSET

from commands.handlers.schedules import ScheduleChange
from commands.package import Package
from projections.queries import DeploymentView, Page, RevisionView, tags_of
from projections.rows import FunctionRow, PackageRow, ScheduleRow
from service.wire.common import Paging, format_timestamp
from service.wire.deployments import DeploymentResponse, FunctionDeploymentResponse
from service.wire.packages import FunctionResponse, PackageResponse, RevisionResponse
from service.wire.schedules import ScheduledEventResponse, ScheduleState


def package_of(package: Package) -> PackageResponse:
    """A package as a command left it, from its aggregate, with the counters a read of it
    answers."""
    return PackageResponse(
        id=str(package.id),
        package_blueprint_id=package.package_blueprint_id,
        name=package.name,
        description=package.description,
        api_managed=package.api_managed,
        tags=package.tags,
        revisions_total=len(package.revisions),
        revisions_running=len(package.running_revisions()),
        package_deployments_total=len(package.deployments),
        package_deployments_running=len(package.running_deployments()),
        created_dttm=format_timestamp(package.created_on),
        updated_dttm=format_timestamp(package.package_updated_on),
    )


def revision_of(
    package: Package, revision_id: str, functions: Sequence[FunctionResponse]
) -> RevisionResponse:
    """A revision as a command left it, from its package aggregate and its functions (which
    the aggregate holds without their code)."""
    revision = package.revisions[revision_id]
    of_revision = [d for d in package.deployments.values() if d.revision_id == revision_id]
    return RevisionResponse(
        id=revision.revision_id,
        package_id=str(package.id),
        name=revision.name,
        description=revision.description,
        package_deployments_total=len(of_revision),
        package_deployments_running=sum(d.running for d in of_revision),
        created_dttm=format_timestamp(revision.created_on),
        updated_dttm=format_timestamp(revision.updated_on),
        functions=list(functions),
    )


def recorded_functions(
    package: Package, revision_id: str, functions: list[dict[str, Any]]
) -> list[FunctionResponse]:
    """The functions of a revision a command has just added, as its event recorded them."""
    created = format_timestamp(package.revisions[revision_id].created_on)
    return [
        FunctionResponse(
            id=item["function_id"],
            function_revision_id=item["function_revision_id"],
            package_revision_id=revision_id,
            name=item["name"],
            language=item["language"],
            type=item["type"],
            sort_order=item["sort_order"],
            code=item["code"],
            config=item["config"],
            created_dttm=created,
            updated_dttm=created,
        )
        for item in sorted(functions, key=lambda item: item["sort_order"])
    ]


def package(row: PackageRow) -> PackageResponse:
    return PackageResponse(
        id=row.id,
        package_blueprint_id=row.package_blueprint_id,
        name=row.name,
        description=row.description,
        api_managed=row.api_managed,
        tags=tags_of(row),
        revisions_total=row.revisions_total,
        revisions_running=row.revisions_running,
        package_deployments_total=row.deployments_total,
        package_deployments_running=row.deployments_running,
        created_dttm=row.created_dttm,
        updated_dttm=row.updated_dttm,
    )


def revision(view: RevisionView) -> RevisionResponse:
    row = view.revision
    return RevisionResponse(
        id=row.id,
        package_id=row.package_id,
        name=row.name,
        description=row.description,
        package_deployments_total=row.deployments_total,
        package_deployments_running=row.deployments_running,
        created_dttm=row.created_dttm,
        updated_dttm=row.updated_dttm,
        functions=[function(item) for item in view.functions],
    )


def function(row: FunctionRow) -> FunctionResponse:
    config: dict[str, Any] = msgspec.json.decode(row.config)
    return FunctionResponse(
        id=row.function_id,
        function_revision_id=row.function_revision_id,
        package_revision_id=row.package_revision_id,
        name=row.name,
        language=row.language,
        type=row.type,
        sort_order=row.sort_order,
        code=UNSET if row.code is None else row.code,
        config=config,
        created_dttm=row.created_dttm,
        updated_dttm=row.updated_dttm,
    )


def paging(page: Page[Any]) -> Paging:
    size = page.query.size
    return Paging(
        total_elements=page.total,
        total_pages=math.ceil(page.total / size),
        page_size=size,
        page_number=page.query.page,
        page_offset=page.query.page * size,
    )


def deployment_of(package: Package, deployment_id: str) -> DeploymentResponse:
    """A deployment as a command left it, from its package aggregate."""
    item = package.deployments[deployment_id]
    state = "RUNNING" if item.running else "STOPPED"
    created, updated = format_timestamp(item.created_on), format_timestamp(item.updated_on)
    return DeploymentResponse(
        id=item.deployment_id,
        package_revision_id=item.revision_id,
        package_id=str(package.id),
        keyset_id=item.keyset_id,
        state=state,
        function_deployments=[
            FunctionDeploymentResponse(
                function_revision_id=function.function_revision_id,
                state=state,
                created_dttm=created,
                updated_dttm=updated,
            )
            for function in package.revisions[item.revision_id].functions
        ],
        created_dttm=created,
        updated_dttm=updated,
    )


def deployment(view: DeploymentView) -> DeploymentResponse:
    row = view.deployment
    return DeploymentResponse(
        id=row.id,
        package_revision_id=row.package_revision_id,
        package_id=row.package_id,
        keyset_id=row.keyset_id,
        state=row.state,
        function_deployments=[
            FunctionDeploymentResponse(
                function_revision_id=function_revision_id,
                state=row.state,
                created_dttm=row.created_dttm,
                updated_dttm=row.updated_dttm,
            )
            for function_revision_id in view.function_revision_ids
        ],
        created_dttm=row.created_dttm,
        updated_dttm=row.updated_dttm,
    )


def schedule_of(change: ScheduleChange) -> ScheduledEventResponse:
    """A scheduled event as a command left it, from its package aggregate."""
    item = change.schedule
    return ScheduledEventResponse(
        id=item.schedule_id,
        package_deployment_id=change.deployment_id,
        dttm_begin=item.dttm_begin,
        dttm_end=item.dttm_end,
        description=item.description,
        state=cast(ScheduleState, item.state),
        failure_reason=item.failure_reason,
        created_dttm=format_timestamp(item.created_on),
        updated_dttm=format_timestamp(item.updated_on),
    )


def schedule(row: ScheduleRow) -> ScheduledEventResponse:
    return ScheduledEventResponse(
        id=row.id,
        package_deployment_id=row.deployment_id,
        dttm_begin=row.dttm_begin,
        dttm_end=row.dttm_end,
        description=row.description,
        state=cast(ScheduleState, row.state),
        failure_reason=row.failure_reason,
        created_dttm=row.created_dttm,
        updated_dttm=row.updated_dttm,
    )
