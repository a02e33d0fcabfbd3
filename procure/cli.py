"""The `procure` command: init-db, demo, serve, tick, intake, audit verify, export ocds, admin
create / promote, backup, restore (and Flask-Migrate's db)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:   # Flask is imported only where the web application is needed
    from flask import Flask


def main() -> None:
    if sys.argv[1:3] == ["intake", "parse"]:   # reading a PDF needs no web application
        from procure.intake.command import parse
        parse(args=sys.argv[3:], prog_name="procure intake parse")
        return
    from flask.cli import FlaskGroup

    from procure import create_app
    FlaskGroup(create_app=create_app, add_version_option=False,
               help="procure: procurement and RFR lifecycle service.")(prog_name="procure")


def upgrade_database() -> None:
    """Apply the migrations, then load the reference data (both idempotent)."""
    from flask_migrate import upgrade

    from procure import reference
    from procure.extensions import db
    upgrade()
    reference.load(db.session)
    db.session.commit()


def _serve_at_own_address(app: Flask, host: str, port: int) -> None:
    """Without PROCURE_BASE_URL, `procure serve` on loopback builds its mail's links on its own
    address (and serves that host); beyond loopback it needs the address people reach it at."""
    from procure.config import NO_BASE_URL, base_url_and_hosts, is_loopback
    if app.config.get("BASE_URL_CONFIGURED"):
        return
    if not is_loopback(host):
        raise SystemExit(NO_BASE_URL.format(why=f"Serving on {host} (not only this computer)"))
    name = f"[{host}]" if ":" in host else host
    base_url_and_hosts(app, serving=f"http://{name}:{port}")


def init_app(app: Flask) -> None:
    from flask import current_app
    from flask.cli import AppGroup

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database and load the reference data."""
        upgrade_database()
        click.echo(f"Database ready: {current_app.config['SQLALCHEMY_DATABASE_URI']}")

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo story (once) and print the demo users."""
        from procure import demo as demo_data
        upgrade_database()
        created = demo_data.load()
        click.echo("Demo data loaded." if created else "Demo data already present; kept as it is.")
        click.echo("\nDemo users (password for all: %s):" % demo_data.PASSWORD)
        for email, role, note in demo_data.USERS_FOR_PRINT:
            click.echo(f"  {email:<40} {role:<22} {note}")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def serve(host: str, port: int) -> None:
        """Serve on the embedded defaults: web, intake worker and deadline ticks in one process
        (the database is brought up to date first)."""
        from procure.config import require_own_key_to_serve
        from procure.intake import jobs
        require_own_key_to_serve(current_app, host)
        _serve_at_own_address(current_app, host, port)
        upgrade_database()
        recovered = jobs.recover(sole_worker=not current_app.config.get("REDIS_URL"))
        if any(recovered.values()):
            click.echo("Recovered after a stop: " + ", ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in recovered.items()))
        from procure import scheduler
        scheduler.start_thread(current_app._get_current_object())  # type: ignore[attr-defined]
        from werkzeug.serving import run_simple
        click.echo(f"procure is serving on http://{host}:{port}/")
        run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]

    @app.cli.command("tick")
    def tick() -> None:
        """Run everything due now (close what is past its deadline and seal its responses)."""
        from procure import scheduler
        from procure.extensions import db
        try:
            done = scheduler.run_due(db.session)
        except scheduler.DueFailed as failed:
            click.echo(f"Scheduler: {failed}", err=True)
            sys.exit(1)
        click.echo(scheduler.describe(done))

    audit_group = AppGroup("audit", help="The audit log.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Check the hash chain; name the first broken link."""
        from procure import audit
        from procure.extensions import db
        result = audit.verify(db.session)
        if result.ok:
            click.echo(f"Audit chain intact: {result.events} events.")
            return
        event = result.broken_at
        where = (f"at event #{event.seq} (id {event.id}, {event.event} on {event.entity_type} "
                 f"{event.entity_id}, {event.at.isoformat()})" if event else "at its end")
        click.echo(f"Audit chain BROKEN {where}: {result.problem}.", err=True)
        sys.exit(1)

    @app.cli.command("backup")
    @click.argument("folder", type=click.Path(file_okay=False))
    def backup_command(folder: str) -> None:
        """A consistent copy of the database and the document store in FOLDER (new or empty)."""
        from procure import backup
        from procure.extensions import db
        from procure.storage import store_from_config
        try:
            done = backup.backup(db.engine, store_from_config(current_app.config), folder,
                                 progress=click.echo)
        except backup.BackupError as refused:
            click.echo(f"Backup refused: {refused}", err=True)
            sys.exit(1)
        click.echo(f"Backed up to {folder}: {sum(done.tables.values())} rows, "
                   f"{done.documents} documents (schema {done.revision}).")

    @app.cli.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    def restore_command(folder: str) -> None:
        """Restore a backup from FOLDER into this (empty) service, then check the audit chain."""
        from flask_migrate import upgrade

        from procure import audit, backup
        from procure.extensions import db
        from procure.storage import store_from_config
        try:
            manifest = backup.read_manifest(folder)
            db.session.remove()
            # PostgreSQL: the backup's schema, to copy into; SQLite: any (the copy replaces it)
            upgrade(revision=manifest["revision"] if db.engine.dialect.name == "postgresql"
                    else "head")
            done = backup.restore(db.engine, store_from_config(current_app.config), folder,
                                  progress=click.echo)
        except backup.BackupError as refused:
            click.echo(f"Restore refused: {refused}", err=True)
            sys.exit(1)
        upgrade_database()   # then this version's schema and reference data
        result = audit.verify(db.session)
        click.echo(f"Restored from {folder}: {sum(done.tables.values())} rows, {done.documents} "
                   f"documents; audit chain {'intact' if result.ok else 'BROKEN'}: "
                   f"{result.events} events.")
        if not result.ok:
            sys.exit(1)

    export_group = AppGroup("export", help="Publish what the public may see.")
    app.cli.add_command(export_group)

    @export_group.command("ocds")
    @click.argument("number")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                  help="write the package to this file (default: standard output)")
    def export_ocds(number: str, output: str | None) -> None:
        """The solicitation NUMBER (e.g. DCF-2026-RFR-014) as an OCDS 1.1 release package."""
        from procure import ocds
        from procure.extensions import db
        row = ocds.find(db.session, number)
        if row is None:
            click.echo(f"No solicitation numbered {number}.", err=True)
            sys.exit(1)
        config = current_app.config
        # the service's own address (PROCURE_BASE_URL), unless the exports are given another
        base_url = config.get("OCDS_BASE_URL") or config.get("BASE_URL") or ""
        if not base_url:
            base_url = "http://127.0.0.1:5000"      # what `procure serve` serves by default
            click.echo(f"PROCURE_BASE_URL is not set: the links say {base_url}; set it to the "
                       "service's address.", err=True)
        try:
            package = ocds.release_package(
                db.session, row, base_url=base_url,
                prefix=config.get("OCDS_OCID_PREFIX") or ocds.OCID_PREFIX)
        except ocds.NotPublic as draft:
            click.echo(f"{draft} Only a published solicitation is exported.", err=True)
            sys.exit(1)
        text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            click.echo(f"Wrote {output}.", err=True)
        else:
            click.echo(text, nl=False)

    admin_group = AppGroup("admin", help="Administrators: the operators' way back in.")
    app.cli.add_command(admin_group)

    @admin_group.command("create")
    @click.argument("email")
    @click.option("--name", prompt="Name", help="the administrator's name")
    @click.password_option(help="the first password (asked twice when not given)")
    def admin_create(email: str, name: str, password: str) -> None:
        """Make an administrator account for EMAIL (an agency address), signed in with PASSWORD."""
        from procure import accounts
        from procure.extensions import db
        from procure.models import Role
        from procure.workflows.base import WorkflowError
        try:
            user = accounts.create_user(db.session, email=email, name=name, password=password,
                                        role=Role.admin, actor="command line")
        except WorkflowError as refused:
            db.session.rollback()
            click.echo(f"No administrator was made: {refused.message}", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(f"{user.email} is an administrator and can sign in now.")

    @admin_group.command("promote")
    @click.argument("email")
    def admin_promote(email: str) -> None:
        """Make the agency staff member with EMAIL an administrator (reactivated if needed)."""
        from procure import accounts
        from procure.extensions import db
        from procure.workflows.base import NotFound, WorkflowError
        try:
            user = accounts.promote(db.session, email, "command line")
        except (WorkflowError, NotFound) as refused:
            db.session.rollback()
            click.echo(f"Nobody was promoted: {getattr(refused, 'message', refused)}", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(f"{user.email} is now an active administrator.")

    intake_group = AppGroup("intake", help="Document intake.")
    app.cli.add_command(intake_group)

    from procure.intake.command import parse
    intake_group.add_command(parse)

    @intake_group.command("recover")
    @click.option("--grace", default=3600, help="seconds before an unnamed file is an orphan")
    def intake_recover(grace: int) -> None:
        """After a crash: clean partial uploads and orphans, check rows, read what was left."""
        from procure.intake import jobs
        recovered = jobs.recover(grace)
        jobs.wait_for_idle(timeout=3600)
        for key, value in recovered.items():
            click.echo(f"{key.replace('_', ' ')}: {value}")
        if recovered["rows_missing_files"]:
            sys.exit(1)


if __name__ == "__main__":
    main()
