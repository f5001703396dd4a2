"""List query parameters: ``page``, ``size``, ``sort``, ``search``, ``tag``; 400 FAAS-1019."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from projections.queries import ListQuery
from service.errors import ApiError

# page * size, the offset a query skips, stays far inside SQL's BIGINT (10^9).
MAX_PAGE = 10_000_000
MAX_SIZE = 100
DEFAULT_SIZE = 20
MAX_FILTER_LENGTH = 100
NEWEST_FIRST = (("created_dttm", True),)


def bad_parameter(name: str, rule: str) -> ApiError:
    return ApiError(400, "FAAS-1019", f"{name}: {rule}")


def list_query(
    params: QueryParams,
    sorts: dict[str, str],
    default_sort: tuple[tuple[str, bool], ...],
    *,
    tag_filter: bool = False,
    search_filter: bool = True,
) -> ListQuery:
    """The validated page request, or a 400 naming the parameter. Without ``search_filter``
    (lists of things that have no name), ``search`` is ignored, unread, as clients of this
    API send it on every list."""
    page = _integer(params, "page", 0, 0, MAX_PAGE)
    size = _integer(params, "size", DEFAULT_SIZE, 1, MAX_SIZE)
    sort = _sort(params.getlist("sort"), sorts) or default_sort
    return ListQuery(
        page=page,
        size=size,
        sort=sort,
        search=_filter(params, "search") if search_filter else None,
        tag=_filter(params, "tag") if tag_filter else None,
    )


def _integer(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    values = params.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise bad_parameter(name, "may be given once")
    text = values[0].strip()
    # Digits past the bound's own are out of range: int() refuses thousands of them.
    digits_ok = text.isascii() and text.isdigit() and len(text) <= len(str(high))
    if not digits_ok or not low <= int(text) <= high:
        raise bad_parameter(name, f"must be an integer from {low} to {high}")
    return int(text)


def _sort(values: list[str], sorts: dict[str, str]) -> tuple[tuple[str, bool], ...]:
    if len(values) > len(sorts):
        raise bad_parameter("sort", f"may be given at most {len(sorts)} times")
    return tuple(_sort_key(value, sorts) for value in values)


def _sort_key(value: str, sorts: dict[str, str]) -> tuple[str, bool]:
    field, _, direction = value.partition(",")
    field, direction = field.strip(), direction.strip().upper() or "ASC"
    if field not in sorts:
        raise bad_parameter("sort", f"field must be one of {', '.join(sorts)}")
    if direction not in {"ASC", "DESC"}:
        raise bad_parameter("sort", "direction must be ASC or DESC")
    return sorts[field], direction == "DESC"


def _filter(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise bad_parameter(name, "may be given once")
    value = values[0]
    if len(value) > MAX_FILTER_LENGTH or "\x00" in value:
        raise bad_parameter(name, f"must be at most {MAX_FILTER_LENGTH} characters, without NUL")
    return value


def size_parameter(params: QueryParams) -> int:
    """``size`` alone (lists paged by a token), with the bounds of every list's."""
    return _integer(params, "size", DEFAULT_SIZE, 1, MAX_SIZE)


def text_filter(params: QueryParams, name: str) -> str | None:
    """A text filter parameter other than ``search`` and ``tag`` (such as ``name``)."""
    return _filter(params, name)
