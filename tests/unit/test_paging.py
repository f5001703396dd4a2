from __future__ import annotations

import pytest
from starlette.datastructures import QueryParams

from projections.queries import PACKAGE_SORTS
from service.errors import ApiError
from service.paging import list_query

NEWEST_FIRST = (("created_dttm", True),)


def parse(query: str, tag_filter: bool = True):  # type: ignore[no-untyped-def]
    return list_query(QueryParams(query), PACKAGE_SORTS, NEWEST_FIRST, tag_filter=tag_filter)


def test_defaults_are_the_first_page_of_twenty_newest_first() -> None:
    query = parse("")
    assert (query.page, query.size, query.sort) == (0, 20, NEWEST_FIRST)
    assert (query.search, query.tag) == (None, None)


def test_sort_keys_map_to_columns_in_the_order_given() -> None:
    query = parse("sort=name,DESC&sort=updatedDttm")
    assert query.sort == (("name_folded", True), ("updated_dttm", False))


def test_direction_is_case_insensitive() -> None:
    assert parse("sort=createdDttm,asc").sort == (("created_dttm", False),)


def test_filters_are_kept() -> None:
    query = parse("search=Or%25d&tag=prod")
    assert (query.search, query.tag) == ("Or%d", "prod")


def test_tag_is_ignored_where_there_is_no_tag_filter() -> None:
    assert parse("tag=prod", tag_filter=False).tag is None


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=99999999999", "page"),
        ("size=0", "size"),
        ("size=101", "size"),
        ("size=", "size"),
        ("size=1&size=2", "size"),
        ("sort=colour,ASC", "sort"),
        ("sort=name,UP", "sort"),
        ("sort=", "sort"),
        ("search=" + "x" * 101, "search"),
        ("search=a%00b", "search"),
        ("tag=a&tag=b", "tag"),
    ],
)
def test_bad_parameters_are_faas_1019_naming_the_parameter(query: str, parameter: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse(query)
    assert (refused.value.status, refused.value.code) == (400, "FAAS-1019")
    assert refused.value.messages[0].startswith(f"{parameter}:")
