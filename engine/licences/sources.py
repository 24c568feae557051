"""Looking a material up at its source (数据共享), bounded in time: the licence library's
certificates, and the outside registries — each read from its local records (sample data under
`registries/<id>.yaml` of the definitions folder) unless configured with an HTTP endpoint
(`ONETHING_REGISTRY_URLS`), which then answers the same question: `POST {"key": …}` →
`{"found": bool, "number": …, "status": …, "valid_to": …, "record": {…}}`.

The order of a lookup lives here: a library source reads the library first; when it holds no
valid certificate, the registries that hold the same matter's licences (`library: <matter>` in
their file: the enterprise registry's business licences) are asked before the applicant. The
reason the applicant is asked names the last place that had a record, else the library.

A source that fails or does not answer within the timeout is *unavailable*: the case is not
blocked, the material is to be verified (待核验).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml
from sqlmodel import Session, col, select

from engine.cases.sharing import Answer, Lookup
from engine.clock import as_utc
from engine.definitions.model import Material, MaterialSource, Workflow
from engine.licences.tables import Certificate, CertificateStatus, RegistryRecord
from engine.store.unit_of_work import UnitOfWork

REGISTRIES = Path("registries")  # in the definitions folder
LIBRARY_ZH = "证照库"


@dataclass(frozen=True)
class Registry:
    """An outside registry a source reads: `registries/<id>.yaml` of the definitions folder."""

    id: str
    title: str  # its Chinese name, as the correction notice gives the reason
    records: tuple[dict[str, Any], ...] = ()
    library: str | None = None  # the matter whose licences it also holds (asked after the library)


def load_registries(definitions: Path) -> dict[str, Registry]:
    """The registries of the definitions folder (files with `records`)."""
    found = {}
    for path in sorted((definitions / REGISTRIES).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "records" in doc:
            backs = doc.get("library")
            found[path.stem] = Registry(
                path.stem, str(doc["title"]), tuple(doc["records"]), str(backs) if backs else None
            )
    return found


def seed(database: sa.Engine, *, definitions: Path, skip: Iterable[str] = ()) -> int:
    """Load the registries' local records (again: existing ones are replaced), but for the
    registries in `skip` (those read over HTTP); how many."""
    count = 0
    remote = set(skip)
    with UnitOfWork(database) as uow:
        for registry in load_registries(definitions).values():
            if registry.id in remote:
                continue
            for entry in registry.records:
                uow.session.merge(
                    RegistryRecord(
                        registry_id=registry.id,
                        key=str(entry["key"]),
                        number=str(entry["number"]),
                        status=str(entry.get("status", CertificateStatus.VALID.value)),
                        valid_to=entry.get("valid_to"),
                        record=json.dumps(entry.get("record", {}), ensure_ascii=False),
                    )
                )
                count += 1
        uow.commit()
    return count


@dataclass
class Sources:
    """The lookups of one database: the library, and the registries (local or over HTTP)."""

    database: sa.Engine
    registries: Mapping[str, Registry] = field(default_factory=dict)
    urls: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 3.0

    def look_up(
        self, workflow: Workflow, application: Mapping[str, Any], now: dt.datetime
    ) -> list[Lookup]:
        """The answers for the application's materials that have a source and that the
        applicant did not supply; every source is asked at once, none waited on beyond the
        timeout."""
        supplied = application.get("materials") or {}
        applicant = application.get("applicant") or {}
        fields = application.get("fields") or {}
        wanted = [
            m
            for m in workflow.materials
            if m.source is not None and supplied.get(m.id) in (None, False, "")
        ]
        if not wanted:
            return []
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(wanted))
        try:
            futures = {
                m.id: pool.submit(self._one, m, m.source.key(applicant, fields), now)
                for m in wanted
                if m.source is not None
            }
            answers = []
            for material in wanted:
                assert material.source is not None
                try:
                    answers.append(futures[material.id].result(timeout=self.timeout))
                except Exception as exc:  # down, timed out, broken answer: verify by hand
                    answers.append(self._unavailable(material, material.source, exc))
            return answers
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _unavailable(self, material: Material, source: MaterialSource, exc: Exception) -> Lookup:
        why = (
            "未在时限内应答" if isinstance(exc, TimeoutError) else f"不可用（{type(exc).__name__}）"
        )
        return Lookup(
            material.id, source.name, Answer.UNAVAILABLE, reason=f"{self._zh(source)}{why}"
        )

    def _zh(self, source: MaterialSource) -> str:
        if source.library:
            return LIBRARY_ZH
        registry = self.registries.get(str(source.registry))
        return registry.title if registry else str(source.registry)

    def _one(self, material: Material, key: str | None, now: dt.datetime) -> Lookup:
        source = material.source
        assert source is not None
        if key is None:
            reason = f"申请未提供{source.by.partition('.')[2]}，无法从{self._zh(source)}调取"
            return Lookup(material.id, source.name, Answer.ABSENT, reason=reason)
        if not source.library:
            found = self._registry(str(source.registry), key)
            return self._answer(material, source.name, found, now)
        first = self._answer(material, source.name, self._library(source.library, key, now), now)
        if first.answer is Answer.FOUND:
            return first
        for registry in self.registries.values():
            if registry.library == source.library:
                found = self._registry(registry.id, key)
                if found is not None:
                    return self._answer(material, f"registry:{registry.id}", found, now)
        return first

    def _answer(
        self,
        material: Material,
        source: str,
        found: tuple[str, str, dt.datetime | None, dict[str, Any]] | None,
        now: dt.datetime,
    ) -> Lookup:
        """A place's answer: found valid, or absent with the reason (none, expired, revoked)."""
        kind, _, name = source.partition(":")
        registry = self.registries.get(name)
        where = LIBRARY_ZH if kind == "library" else registry.title if registry else name
        if found is None:
            return Lookup(material.id, source, Answer.ABSENT, reason=f"{where}无{material.title}")
        number, status, valid_to, record = found
        if status == CertificateStatus.VALID and valid_to is not None and valid_to < now:
            status = CertificateStatus.EXPIRED.value
        if status != CertificateStatus.VALID:
            state = {"expired": "已过期", "revoked": "已吊销", "replaced": "已换发"}.get(
                status, status
            )
            reason = f"{where}无有效{material.title}（{number}{state}）"
            return Lookup(material.id, source, Answer.ABSENT, number, record, reason)
        return Lookup(material.id, source, Answer.FOUND, number, record)

    def _registry(
        self, registry: str, key: str
    ) -> tuple[str, str, dt.datetime | None, dict[str, Any]] | None:
        """A registry's record: over HTTP when configured with a URL, else its local records."""
        if registry in self.urls:
            return self._remote(self.urls[registry], key)
        return self._local(registry, key)

    def _library(
        self, matter: str, holder: str, now: dt.datetime
    ) -> tuple[str, str, dt.datetime | None, dict[str, Any]] | None:
        """The holder's newest certificate of the matter issued by `now` (a valid one first)."""
        with Session(self.database) as session:
            rows = session.exec(
                select(Certificate)
                .where(
                    col(Certificate.type) == matter,
                    col(Certificate.holder) == holder,
                    col(Certificate.valid_from) <= as_utc(now),
                )
                .order_by(col(Certificate.valid_from).desc())
            ).all()
        if not rows:
            return None
        best = next((r for r in rows if r.status == CertificateStatus.VALID), rows[0])
        record = best.model_dump(mode="json")
        return best.number, best.status, as_utc(best.valid_to), record

    def _local(
        self, registry: str, key: str
    ) -> tuple[str, str, dt.datetime | None, dict[str, Any]] | None:
        with Session(self.database) as session:
            row = session.get(RegistryRecord, (registry, key))
        if row is None:
            return None
        return row.number, row.status, _end_of(row.valid_to), json.loads(row.record)

    def _remote(
        self, url: str, key: str
    ) -> tuple[str, str, dt.datetime | None, dict[str, Any]] | None:
        response = httpx.post(url, json={"key": key}, timeout=self.timeout)
        response.raise_for_status()
        answer = response.json()
        if not answer.get("found"):
            return None
        valid_to = answer.get("valid_to")
        end = _end_of(dt.date.fromisoformat(valid_to)) if valid_to else None
        status = str(answer.get("status", CertificateStatus.VALID.value))
        return str(answer["number"]), status, end, dict(answer.get("record") or {})


def _end_of(day: dt.date | None) -> dt.datetime | None:
    """A record valid to a date is valid through that day (UTC+8, the registries' zone)."""
    if day is None:
        return None
    china = dt.timezone(dt.timedelta(hours=8))
    return dt.datetime.combine(day, dt.time.max, tzinfo=china)
