"""The declarative base and the column types every model shares."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, MetaData, Numeric, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes, stored in UTC (SQLite keeps no zone: we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use procure.clock for aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def new_public_id() -> str:
    """An unguessable public id (UUID4) for rows named in URLs while their content is sealed:
    sequential keys would tell a bidder how many responses were started before theirs."""
    return str(uuid.uuid4())


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """An Enum stored by name, as a plain string column (no native database enum)."""
    return Enum(enum_class, native_enum=False, length=32, validate_strings=True,
                name=enum_class.__name__.lower())


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={
            datetime: UTCDateTime(),
            Decimal: Numeric(14, 2),
            dict[str, Any]: JSON(),
            list[Any]: JSON(),
        })
