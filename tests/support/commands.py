"""Command builders for tests that talk to the application directly."""

from __future__ import annotations

from uuid import UUID

from commands.context import CommandContext
from commands.handlers.packages import CreatePackage
from commands.package import FunctionSpec
from service.wire.common import now_to_the_millisecond
from tests.support.builders import unique_account, unique_name


def create_package(
    name: str | None = None, package_id: UUID | None = None, functions: int = 2
) -> CreatePackage:
    return CreatePackage(
        name=name or unique_name(),
        package_id=package_id,
        functions=tuple(
            FunctionSpec(
                name=f"fn-{index}",
                type="ON_REQUEST",
                code=f"export default () => {index};",
                sort_order=index,
                config={"path": f"p{index}"},
            )
            for index in range(functions)
        ),
    )


def context(account_id: int | None = None, correlation_id: str = "test-request") -> CommandContext:
    return CommandContext(
        account_id=account_id or unique_account(),
        actor="test-actor",
        correlation_id=correlation_id,
        requested_at=now_to_the_millisecond(),
    )


def function_spec(name: str = "fn") -> FunctionSpec:
    return FunctionSpec(name=name, type="ON_REQUEST", code="x", sort_order=0, config={"path": "p"})
