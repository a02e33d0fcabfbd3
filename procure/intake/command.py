"""`procure intake parse`: read one PDF into its record without loading the web application."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sections", "sections_file", type=click.Path(exists=True, dir_okay=False),
              help='JSON: [{"id", "title", "aliases", "page_limit"}]')
def parse(file: Path, sections_file: str | None) -> None:
    """Print the structured record read from FILE (exit 0), or its rejection (exit 1)."""
    from procure.intake.pdf import Rejected, parse_file, record_to_json
    sections = json.loads(Path(sections_file).read_text()) if sections_file else []
    try:
        record = parse_file(file, sections)
    except Rejected as rejected:
        click.echo(json.dumps({"rejected": {"code": rejected.code,
                                            "message": rejected.message}}, indent=2))
        sys.exit(1)
    click.echo(record_to_json(record))
