"""The delivery record (投递记录): one row per notice and target, for dedupe and dead letters."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # claimed by a dispatcher, an attempt is under way
    SENT = "sent"  # delivered; never sent again
    FAILED = "failed"  # the last attempt failed and more may follow
    DEAD = "dead"  # out of attempts or a final error: on the dead-letter list


class AwareDateTime(sa.TypeDecorator[datetime]):
    """Stores UTC and always returns aware datetimes, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


STATUS_CHECK = "status IN ('pending', 'sent', 'failed', 'dead')"


class NotifyDelivery(SQLModel, table=True):
    """A notice's delivery to one channel target. `delivery_id` (a UUID derived from the notice
    id, channel and target) is unique: the same notice is recorded and sent once per target."""

    __tablename__ = "notify_delivery"
    __table_args__ = (
        sa.UniqueConstraint("delivery_id", name="uq_notify_delivery_delivery_id"),
        sa.CheckConstraint(STATUS_CHECK, name="ck_notify_delivery_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(max_length=36)
    notice_id: str = Field(max_length=255, index=True)
    channel: str = Field(max_length=16)
    target: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    secret_env: str | None = Field(default=None, max_length=255)
    lang: str = Field(default="zh", max_length=8)
    status: str = Field(max_length=8, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    notice: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(AwareDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(AwareDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=sa.Column(AwareDateTime))


# The notify tables, for `SQLModel.metadata.create_all(engine, tables=NOTIFY_TABLES)`.
NOTIFY_TABLES: list[sa.Table] = [SQLModel.metadata.tables["notify_delivery"]]
