"""Releasing the build that is already published says so in one line, exits 0 and adds nothing;
a new `dbt build` is a new build even when it writes the same rows, and so is an audit build
changed by hand after it was published."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Project


def _published(project: Project) -> list[tuple[str, str]]:
    return project.query(
        "select release_id, status from quality.release_history where status = 'published' "
        "order by released_at"
    )


def _results(project: Project) -> set[Path]:
    return set((project.root / "gx_project" / "gx" / "uncommitted" / "validations").rglob("*.json"))


def test_the_published_build_is_not_released_twice(built_project: Project, tmp_path: Path) -> None:
    project = built_project.copy(tmp_path / "again")
    history = project.query("select release_id, status from quality.release_history order by released_at")
    current = _published(project)[-1][0]
    results = _results(project)

    again = project.elt("release")

    assert again.stdout.strip().splitlines() == [
        f"release: nothing to do, this audit build is already published as release {current} "
        "(run `dbt build` to make a new one)"
    ]
    assert (
        project.query("select release_id, status from quality.release_history order by released_at")
        == history
    )
    assert _results(project) == results, "no checkpoint ran"

    # From here on the deployment runs PestRoutes only (ELT_SOURCES), the other sources' tables
    # dropped from the audit build as the release asks; the releases check PestRoutes' tables.
    project.switch_off_sources_but("pestroutes")
    # A new build of one table, the same rows: a new build, released (and then not again).
    project.dbt("build", "--select", "dim_regions", "--exclude-resource-type", "unit_test")
    rebuilt = project.elt("release")
    assert "published: audit_marts -> analytics" in rebuilt.stdout, rebuilt.stdout
    switched_off = (
        "note: service_csv, incidents, ecommerce, app_db, qqcatalyst, ai_tools switched off by ELT_SOURCES"
    )
    assert switched_off in rebuilt.stdout
    assert not project.query(_tables("analytics", "fct_orders")), (
        "a switched-off source's table is unpublished"
    )
    assert len(_published(project)) == len(history) + 1
    assert "already published" in project.elt("release").stdout
    assert len(_published(project)) == len(history) + 1

    # The audit build changed outside dbt (same row count): checked and released again.
    project.query("update audit_marts.dim_regions set region_name = region_name || ' (renamed)'")
    edited = project.elt("release")
    assert "published: audit_marts -> analytics" in edited.stdout, edited.stdout
    assert len(_published(project)) == len(history) + 2
    assert (
        project.scalar("select count(*) from analytics.dim_regions where region_name like '% (renamed)'") > 0
    )


def _tables(schema: str, table: str) -> str:
    return (
        "select table_name from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{table}'"
    )
