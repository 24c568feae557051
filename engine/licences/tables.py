"""The library's tables: every certificate a decision issued, the cases that relied on one,
and the records of the outside registries (sample data under `registries/` of the
definitions folder)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class CertificateStatus(StrEnum):
    VALID = "valid"  # 有效
    EXPIRED = "expired"  # 过期 (read from `valid_to`, also stored once noticed)
    REVOKED = "revoked"  # 吊销/撤销
    REPLACED = "replaced"  # 换发: a newer certificate stands in its place


class Certificate(SQLModel, table=True):
    """A certificate (电子证照) a decision issued: its type is the catalogue matter decided."""

    __tablename__ = "certificates"

    number: str = Field(primary_key=True, max_length=128)
    type: str = Field(index=True, max_length=64)  # the matter code
    holder: str | None = Field(default=None, index=True, max_length=64)  # credit code / id
    holder_name: str | None = Field(default=None, max_length=255)
    valid_from: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    valid_to: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    department: str = Field(max_length=64)  # the issuing department
    case_id: str | None = Field(default=None, index=True, max_length=64)
    step: str | None = Field(default=None, max_length=64)
    document: str | None = Field(default=None, max_length=128)  # decision document number
    status: str = Field(default=CertificateStatus.VALID.value, max_length=16)
    replaced_by: str | None = Field(default=None, max_length=128)
    changed_by: str | None = Field(default=None, max_length=128)
    changed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    change_reason: str | None = None


class CertificateUse(SQLModel, table=True):
    """A case that took a material from a certificate or record: told if it is revoked."""

    __tablename__ = "certificate_uses"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True, max_length=128)
    source: str = Field(max_length=128)
    case_id: str = Field(max_length=64)
    material: str = Field(max_length=64)
    department: str = Field(max_length=64)  # the department that relied on it
    at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))


class RegistryRecord(SQLModel, table=True):
    """A record of an outside registry (the enterprise registry, the construction-safety
    supervision registry), keyed by what a source finds it by."""

    __tablename__ = "registry_records"

    registry_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=128)
    number: str = Field(max_length=128)
    status: str = Field(default=CertificateStatus.VALID.value, max_length=16)
    valid_to: dt.date | None = None
    record: str  # the record as JSON
