"""The registry of workflow definitions: register, list, show, diff, retire, and the version
new cases use. Versions are immutable; a case keeps the version it started with."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.clock import as_utc
from engine.definitions import Catalogue, Workflow, load_workflow_text
from engine.errors import InputError, NotFound
from engine.registry.tables import WorkflowVersion, WorkflowVersionCreate
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork
from engine.views.definitions import WorkflowListing, WorkflowVersionPublic


class RegistryError(InputError):
    """A registry request that cannot be honoured: a changed version, an unknown id."""


class NotRegistered(RegistryError, NotFound):
    """No such workflow, or no such version of it."""


@dataclass(frozen=True)
class Registered:
    """The outcome of registering one file."""

    version: WorkflowVersionPublic
    created: bool  # False: the same content was already registered (a no-op)


def sha256(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def public(row: WorkflowVersion) -> WorkflowVersionPublic:
    return WorkflowVersionPublic(
        workflow_id=row.workflow_id,
        version=row.version,
        title=row.title,
        owner=row.owner,
        sha256=row.sha256,
        registered_at=as_utc(row.registered_at),
        retired_at=as_utc(row.retired_at),
    )


def register(
    engine: sa.Engine, source: str, *, file: str, catalogue: Catalogue, now: dt.datetime
) -> Registered:
    """Validate and store one definition; the same content again changes nothing."""
    workflow = load_workflow_text(source, file=file, catalogue=catalogue)
    entry = WorkflowVersionCreate(
        workflow_id=workflow.id,
        version=workflow.version,
        title=workflow.title,
        owner=workflow.owner,
        source=source,
        sha256=sha256(source),
    )

    def attempt() -> Registered:  # registered at the same moment by someone else: read again
        with UnitOfWork(engine, expire_on_commit=False) as uow:
            db = uow.session
            if (existing := _same_or_refuse(db, entry)) is not None:
                return Registered(public(existing), created=False)
            newest = _versions(db, workflow.id)
            if newest and newest[-1].version > entry.version:
                raise RegistryError(
                    f"{file}: {workflow.id!r} version {entry.version} is older than the "
                    f"registered version {newest[-1].version}; give it version "
                    f"{newest[-1].version + 1}"
                )
            row = WorkflowVersion.model_validate(entry, update={"registered_at": as_utc(now)})
            db.add(row)
            uow.commit()
            return Registered(public(row), created=True)

    return CONTENTION.run(attempt)


def _same_or_refuse(db: Session, entry: WorkflowVersionCreate) -> WorkflowVersion | None:
    existing = db.exec(
        select(WorkflowVersion).where(
            WorkflowVersion.workflow_id == entry.workflow_id,
            WorkflowVersion.version == entry.version,
        )
    ).first()
    if existing is not None and existing.sha256 != entry.sha256:
        raise RegistryError(
            f"{entry.workflow_id!r} version {entry.version} is already registered with other "
            f"content (sha256 {existing.sha256[:12]}…, now {entry.sha256[:12]}…); a registered "
            f"version never changes — raise `version` to register the change"
        )
    return existing


def _versions(db: Session, workflow_id: str) -> list[WorkflowVersion]:
    query = select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow_id)
    return list(db.exec(query.order_by(col(WorkflowVersion.version))).all())


def _unregistered(workflow_id: str) -> RegistryError:
    return NotRegistered(
        f"no workflow {workflow_id!r} is registered (`onething definitions register FILE` "
        "registers one; `onething definitions list` shows what is)"
    )


def _row(db: Session, workflow_id: str, version: int | None) -> WorkflowVersion:
    rows = _versions(db, workflow_id)
    if not rows:
        raise _unregistered(workflow_id)
    if version is None:
        return rows[-1]
    for row in rows:
        if row.version == version:
            return row
    known = ", ".join(str(r.version) for r in rows)
    raise NotRegistered(f"{workflow_id!r} has no version {version} (registered: {known})")


def list_workflows(engine: sa.Engine) -> list[WorkflowListing]:
    """Every registered workflow with its versions and the one new cases use."""
    with Session(engine) as db:
        rows = db.exec(
            select(WorkflowVersion).order_by(
                col(WorkflowVersion.workflow_id), col(WorkflowVersion.version)
            )
        ).all()
    grouped: dict[str, list[WorkflowVersion]] = {}
    for row in rows:
        grouped.setdefault(row.workflow_id, []).append(row)
    return [
        WorkflowListing(
            workflow_id=wid,
            title=versions[-1].title,
            current=next((r.version for r in reversed(versions) if r.retired_at is None), None),
            versions=[r.version for r in versions],
        )
        for wid, versions in grouped.items()
    ]


def owned_by(engine: sa.Engine, department: str) -> list[str]:
    """The workflows a department owns (answers for), by id."""
    with Session(engine) as db:
        query = select(WorkflowVersion.workflow_id).where(WorkflowVersion.owner == department)
        return sorted(set(db.exec(query).all()))


def show(engine: sa.Engine, workflow_id: str, *, version: int | None = None) -> WorkflowVersion:
    """A version's row with its source (default: the newest registered)."""
    with Session(engine, expire_on_commit=False) as db:
        return _row(db, workflow_id, version)


def current_version(engine: sa.Engine, workflow_id: str) -> WorkflowVersion:
    """The version new cases use: the newest registered that is not retired."""
    with Session(engine, expire_on_commit=False) as db:
        rows = [r for r in _versions(db, workflow_id) if r.retired_at is None]
        if rows:
            return rows[-1]
        _row(db, workflow_id, None)  # raises when nothing is registered
    raise RegistryError(f"every version of {workflow_id!r} is retired; register a new one")


def diff(engine: sa.Engine, workflow_id: str, old: int, new: int) -> str:
    """A unified diff of two versions' sources."""
    with Session(engine) as db:
        a, b = _row(db, workflow_id, old), _row(db, workflow_id, new)
    return _unified(a.source, b.source, f"{workflow_id}@v{old}", f"{workflow_id}@v{new}")


def diff_source(engine: sa.Engine, workflow_id: str, source: str, *, file: str) -> str | None:
    """A unified diff of the newest registered version against a source not yet registered
    (None: nothing of `workflow_id` is registered; "": the same text)."""
    with Session(engine) as db:
        rows = _versions(db, workflow_id)
    if not rows:
        return None
    return _unified(rows[-1].source, source, f"{workflow_id}@v{rows[-1].version}", file)


def _unified(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )


def retire(
    engine: sa.Engine, workflow_id: str, *, version: int | None = None, now: dt.datetime
) -> list[int]:
    """Stop new cases on one version or on all; running cases keep theirs. Returns the versions."""
    with UnitOfWork(engine) as uow:
        db = uow.session
        rows = [_row(db, workflow_id, version)] if version else _versions(db, workflow_id)
        if not rows:
            raise _unregistered(workflow_id)
        retired = []
        for row in rows:
            if row.retired_at is None:
                row.retired_at = as_utc(now)
                db.add(row)
                retired.append(row.version)
        uow.commit()
    return retired


def workflow_source(
    engine: sa.Engine, catalogue: Catalogue
) -> Callable[[str, int | None], Workflow]:
    """`(id, version) → Workflow` for the case engine: version None means the current one.

    Parsed versions are cached: a registered version never changes.
    """
    cache: dict[tuple[str, int], Workflow] = {}

    def get(workflow_id: str, version: int | None) -> Workflow:
        if version is not None and (workflow_id, version) in cache:
            return cache[(workflow_id, version)]
        row = (
            current_version(engine, workflow_id)
            if version is None
            else show(engine, workflow_id, version=version)
        )
        key = (row.workflow_id, row.version)
        if key not in cache:
            cache[key] = load_workflow_text(
                row.source, file=f"registry:{row.workflow_id}@v{row.version}", catalogue=catalogue
            )
        return cache[key]

    return get
