"""``faas-packages catalog`` on both stores: publishing files (all or none), versions that only
go up, retiring, the starter catalog (idempotent, and once only when processes publish it
together), the audit trail of each, and ``rebuild --verify`` over the catalog's tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

from commands.catalog import CATALOG_ACCOUNT
from projections.catalog import CatalogLog
from service.bootstrap import Container
from service.catalog import publish_starter_catalog, starter_paths
from service.catalog_files import load_blueprints
from tests.support.builders import unique_name
from tests.support.concurrency import on_each, race
from tests.support.server import run_cli
from tests.support.waiting import wait_until


def blueprint_file(folder: Path, version: str = "1.0.0", **overrides: Any) -> Path:
    document: dict[str, Any] = {
        "id": str(uuid4()),
        "name": unique_name("blueprint"),
        "version": version,
        "functions": [
            {
                "name": "hello",
                "type": "ON_REQUEST",
                "code": "export default (request, response) => response.send('hi');",
                "config": {"path": "hello"},
            }
        ],
        **overrides,
    }
    path = folder / f"{document['name']}-{version}.json"
    path.write_text(json.dumps(document))
    return path


def entry(container: Container, blueprint_id: str) -> Any:
    return next(
        (e for e in CatalogLog(container.projector.log).entries() if e.id == blueprint_id), None
    )


def test_publish_then_list_retire_and_a_higher_version_lists_it_again(
    store_url: str, container: Container, tmp_path: Path
) -> None:
    path = blueprint_file(tmp_path)
    blueprint_id = json.loads(path.read_text())["id"]

    published = run_cli(store_url, "catalog", "publish", str(path))
    assert published.returncode == 0, published.stderr
    assert f"published {json.loads(path.read_text())['name']} 1.0.0 ({blueprint_id})" in (
        published.stdout
    )
    listed = run_cli(store_url, "catalog", "list")
    assert any(
        line.startswith(blueprint_id) and "LISTED" in line for line in listed.stdout.splitlines()
    )

    retired = run_cli(store_url, "catalog", "retire", blueprint_id)
    assert retired.returncode == 0, retired.stderr
    assert entry(container, blueprint_id).retired

    newer = blueprint_file(tmp_path, "1.0.1", id=blueprint_id)
    again = run_cli(store_url, "catalog", "publish", str(newer))
    assert again.returncode == 0, again.stderr
    assert "replacing 1.0.0" in again.stdout
    assert not entry(container, blueprint_id).retired


def test_an_equal_or_older_version_is_refused_and_nothing_of_the_batch_is_published(
    store_url: str, container: Container, tmp_path: Path
) -> None:
    path = blueprint_file(tmp_path, "2.0.0")
    blueprint_id = json.loads(path.read_text())["id"]
    assert run_cli(store_url, "catalog", "publish", str(path)).returncode == 0
    head = container.projector.log.head()
    fresh = blueprint_file(tmp_path)

    for version in ("2.0.0", "1.9.9"):
        older = blueprint_file(tmp_path, version, id=blueprint_id)
        refused = run_cli(store_url, "catalog", "publish", str(fresh), str(older))

        assert refused.returncode == 1
        assert f"{older}: blueprint {blueprint_id} has version 2.0.0 published already" in (
            refused.stderr
        )
        assert "nothing was published" in refused.stderr
    assert container.projector.log.head() == head


def test_a_bad_file_names_file_and_path_and_nothing_is_published(
    store_url: str, container: Container, tmp_path: Path
) -> None:
    good = blueprint_file(tmp_path)
    bad = blueprint_file(tmp_path, "1.0")
    head = container.projector.log.head()

    refused = run_cli(store_url, "catalog", "publish", str(good), str(bad))

    assert refused.returncode == 2
    assert f"faas-packages: {bad}: $.version: must match" in refused.stderr
    assert container.projector.log.head() == head


def test_retiring_an_unknown_blueprint_says_so(store_url: str) -> None:
    unknown = str(uuid4())
    refused = run_cli(store_url, "catalog", "retire", unknown)

    assert refused.returncode == 2
    assert f"no blueprint {unknown} was published" in refused.stderr


def test_the_starter_catalog_publishes_once_and_every_change_is_in_the_audit_trail(
    own_store_url: str, tmp_path: Path
) -> None:
    first = run_cli(own_store_url, "catalog", "publish", "--starter")
    second = run_cli(own_store_url, "catalog", "publish", "--starter")
    starter = load_blueprints(starter_paths(), 128 * 1024)

    assert first.returncode == 0, first.stderr
    assert first.stdout.count("published ") == len(starter)
    assert second.stdout.count("unchanged ") == len(starter)
    retired = str(starter[0].blueprint_id)
    assert run_cli(own_store_url, "catalog", "retire", retired).returncode == 0
    third = run_cli(own_store_url, "catalog", "publish", "--starter")
    assert "retired already" in third.stdout

    replayed = run_cli(
        own_store_url,
        *("replay", "--json", "--type", "PackageBlueprintPublished"),
        *("--type", "PackageBlueprintRetired"),
    )
    lines = [json.loads(line) for line in replayed.stdout.splitlines()]
    catalog = [line for line in lines if line["type"].startswith("PackageBlueprint")]
    assert [line["type"] for line in catalog] == ["PackageBlueprintPublished"] * len(starter) + [
        "PackageBlueprintRetired"
    ]
    assert {line["accountId"] for line in catalog} == {CATALOG_ACCOUNT}
    assert all(line["actor"].startswith("cli:") for line in catalog)
    verified = run_cli(own_store_url, "rebuild", "--verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_instances_publishing_the_starter_catalog_together_publish_it_once(
    instances: list[Container],
) -> None:
    log = instances[0].projector.log
    before = {e.id: e for e in CatalogLog(log).entries()}

    instance = on_each(instances)
    outcomes, errors = race(len(instances), lambda: publish_starter_catalog(instance()))

    assert errors == []
    published = [p for outcome in outcomes for p in outcome if not p.skipped]  # type: ignore[attr-defined]
    starter_ids = {str(f.blueprint_id) for f in load_blueprints(starter_paths(), 128 * 1024)}
    assert len(published) == len(starter_ids - set(before))
    assert wait_until(lambda: starter_ids <= {e.id for e in CatalogLog(log).entries()})
