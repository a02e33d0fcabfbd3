"""Backup and restore: a consistent copy of the database and of the document store in a folder.

    DIR/manifest.json         what was copied: when, from which database kind and schema
                              revision, each table's rows, the documents
    DIR/database.sqlite3      SQLite: SQLite's online backup of the whole file (one snapshot)
    DIR/database/<table>.copy PostgreSQL: every table by COPY, all in one REPEATABLE READ
                              transaction (one snapshot), with the columns named
    DIR/documents/<sha256>    every object of the store (local or S3), checked against its name

The database is copied first, then the documents: a file is stored before the row that names it
is committed, so every document the copied rows name is already in the store. Restore goes the
other way (documents first) into an empty service (no accounts, no audit events), of the same
database kind; PostgreSQL also needs the same schema revision (restore with the version that
made the backup, then upgrade). Knows nothing of Flask: `procure backup` / `procure restore`
(procure.cli) give it the engine and the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, func, select, text

from procure import clock
from procure.models import AuditEvent, Base, User
from procure.storage import Store

FORMAT = "procure-backup/1"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class Summary:
    tables: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    revision: str = ""


def _revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


def _tables() -> list[Any]:
    """The schema's tables, parents before children (restore fills them in this order)."""
    return list(Base.metadata.sorted_tables)


# --- backup -----------------------------------------------------------------------------------

def backup(engine: Engine, store: Store, folder: str | os.PathLike[str],
           progress: Callable[[str], None] = lambda line: None) -> Summary:
    """Copy the database, then the store, into `folder` (new, or empty)."""
    target = Path(folder)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new folder.")
    target.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    dialect = engine.dialect.name
    if dialect == "sqlite":
        summary.tables, summary.revision = _backup_sqlite(engine, target / "database.sqlite3")
    elif dialect == "postgresql":
        summary.tables, summary.revision = _backup_postgresql(engine, target / "database")
    else:
        raise BackupError(f"backing up a {dialect} database is not supported")
    progress(f"database: {sum(summary.tables.values())} rows in {len(summary.tables)} tables")
    summary.documents = _copy_out(store, target / "documents")
    progress(f"documents: {summary.documents}")
    manifest = {"format": FORMAT, "made_at": clock.now().isoformat(), "database": dialect,
                "revision": summary.revision, "tables": summary.tables,
                "documents": summary.documents}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return summary


def _backup_sqlite(engine: Engine, path: Path) -> tuple[dict[str, int], str]:
    """SQLite's online backup API: a consistent copy while the service runs."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        with sqlite3.connect(path) as copy:
            source.backup(copy)  # type: ignore[union-attr]
    finally:
        raw.close()
    with sqlite3.connect(path) as copy:
        counts = {table.name: copy.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
                  for table in _tables()}
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    return counts, revision


def _pg_connect(engine: Engine) -> Any:
    import psycopg
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(url)


def _backup_postgresql(engine: Engine, folder: Path) -> tuple[dict[str, int], str]:
    """COPY of every table in one REPEATABLE READ, READ ONLY transaction: one snapshot."""
    from psycopg import IsolationLevel
    folder.mkdir()
    counts: dict[str, int] = {}
    with _pg_connect(engine) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction(), conn.cursor() as cursor:
            revision = cursor.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            for table in _tables():
                rows = 0
                with (folder / f"{table.name}.copy").open("wb") as out, cursor.copy(
                        f'COPY "{table.name}" ({_columns(table)}) TO STDOUT') as copy:
                    for data in copy:
                        out.write(data)
                        rows += bytes(data).count(b"\n")
                counts[table.name] = rows
    return counts, revision


def _columns(table: Any) -> str:
    return ", ".join(f'"{column.name}"' for column in table.columns)


def _copy_out(store: Store, folder: Path) -> int:
    folder.mkdir()
    count = 0
    for sha256 in store.iter_hashes():
        partial = folder / f".{sha256}.partial"
        digest = hashlib.sha256()
        with store.open(sha256) as source, partial.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            partial.unlink()
            raise BackupError(f"the stored document {sha256} does not match its hash: the store "
                              "is damaged (nothing was changed; the backup is incomplete)")
        partial.rename(folder / sha256)
        count += 1
    return count


# --- restore ----------------------------------------------------------------------------------

def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{folder} holds no backup (no manifest.json)")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is not a backup this version reads ({manifest.get('format')})")
    return manifest


def ensure_empty(engine: Engine) -> None:
    """Restore only into a service with no accounts and no history."""
    with engine.connect() as conn:
        people = conn.execute(select(func.count()).select_from(User)).scalar()
        events = conn.execute(select(func.count()).select_from(AuditEvent)).scalar()
    if people or events:
        raise BackupError(f"this service is not empty ({people} accounts, {events} audit "
                          "events): restore into a new database and an empty store")


def restore(engine: Engine, store: Store, folder: str | os.PathLike[str],
            progress: Callable[[str], None] = lambda line: None) -> Summary:
    """Documents first (checked against their names), then the database."""
    source = Path(folder)
    manifest = read_manifest(source)
    dialect = engine.dialect.name
    if manifest["database"] != dialect:
        raise BackupError(f"this backup is of a {manifest['database']} database; this service "
                          f"uses {dialect}: restore it into a {manifest['database']} database")
    ensure_empty(engine)
    if dialect == "postgresql" and _revision(engine) != manifest["revision"]:
        raise BackupError(f"the backup's schema is revision {manifest['revision']}, this "
                          f"database's {_revision(engine)}: restore with the version of procure "
                          "that made the backup, then upgrade")
    summary = Summary(revision=manifest["revision"])
    summary.documents = _copy_in(store, source / "documents")
    progress(f"documents: {summary.documents}")
    if dialect == "sqlite":
        _restore_sqlite(engine, source / "database.sqlite3")
    else:
        _restore_postgresql(engine, source / "database")
    summary.tables = dict(manifest["tables"])
    progress(f"database: {sum(summary.tables.values())} rows in {len(summary.tables)} tables")
    return summary


def _copy_in(store: Store, folder: Path) -> int:
    count = 0
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        with path.open("rb") as stream:
            stored = store.put(stream)
        if stored.sha256 != path.name:
            raise BackupError(f"{path} does not match its hash: this copy of the backup is "
                              "damaged (the documents restored so far are kept)")
        count += 1
    return count


def _restore_sqlite(engine: Engine, path: Path) -> None:
    engine.dispose()
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(path) as copy:
            copy.backup(raw.driver_connection)  # type: ignore[arg-type]
    finally:
        raw.close()
    engine.dispose()


def _restore_postgresql(engine: Engine, folder: Path) -> None:
    """In one transaction: empty every table (the reference data the new service loaded), COPY
    each back, parents first, and move each id sequence past the restored ids."""
    tables = _tables()
    with _pg_connect(engine) as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)
                       + " RESTART IDENTITY CASCADE")
        for table in tables:
            with (folder / f"{table.name}.copy").open("rb") as source, cursor.copy(
                    f'COPY "{table.name}" ({_columns(table)}) FROM STDIN') as copy:
                while chunk := source.read(CHUNK):
                    copy.write(chunk)
        for table in tables:
            for column in table.primary_key.columns:
                if isinstance(column.type, Integer) and len(table.primary_key.columns) == 1:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                        f"'{column.name}'), COALESCE(MAX(\"{column.name}\"), 1), "
                        f"MAX(\"{column.name}\") IS NOT NULL) FROM \"{table.name}\"")
    engine.dispose()
