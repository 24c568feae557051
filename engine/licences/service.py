"""The licence library's service: listing and showing certificates, and the issuing
department's revocation (吊销) and replacement (换发) — each an audited action: the change
is recorded on the certificate (who, when, why) and as an event on the issuing case, and every
case that relied on the certificate is marked and its department told."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session

from engine.access.permissions import Post, Principal, Role, require
from engine.cases.requests import Command
from engine.cases.service import CaseService
from engine.cases.sharing import certificate_changed
from engine.cases.state import CaseStatus
from engine.clock import as_utc
from engine.definitions.catalogue import Catalogue
from engine.errors import InputError, NotFound
from engine.licences import library, notices
from engine.licences.tables import Certificate, CertificateStatus
from engine.notify import rounds
from engine.notify.dispatch import Dispatcher
from engine.store.unit_of_work import UnitOfWork
from engine.views.licences import CertificateView, certificate_view

DISPLAY_CALENDAR = "cn"  # the zone certificates' moments are shown in (Asia/Shanghai)


class Licences:
    """The licence library of the case service's database; with a `catalogue` and a
    `dispatcher`, a revocation or replacement is told to each department that relied on the
    certificate over its notification channels."""

    def __init__(
        self,
        cases: CaseService,
        *,
        catalogue: Catalogue | None = None,
        dispatcher: Dispatcher | None = None,
    ):
        self.cases, self.catalogue, self.dispatcher = cases, catalogue, dispatcher

    def list(
        self,
        *,
        holder: str | None = None,
        type: str | None = None,
        status: str | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int | None = None,
    ) -> list[CertificateView]:
        """The certificates, oldest first (valid from, number), of a holder, a type (matter)
        and a status as of now; `after` (valid from, number): the page after that one."""
        if status is not None and status not in set(CertificateStatus):
            known = ", ".join(s.value for s in CertificateStatus)
            raise InputError(f"unknown status {status!r} (known: {known})")
        now, calendar = self.cases.clock(), self.cases.calendars.get(DISPLAY_CALENDAR)
        with Session(self.cases.engine) as session:
            chosen = library.certificates(
                session,
                holder=holder,
                type=type,
                status=(status, now) if status else None,
                after=after,
                limit=limit,
            )
            return [certificate_view(c, library.status_at(c, now), calendar) for c in chosen]

    def show(self, number: str) -> CertificateView:
        """One certificate with its history: issued, the cases that relied on it, changed."""
        with Session(self.cases.engine) as session:
            certificate = session.get(Certificate, number)
            if certificate is None:
                raise NotFound(f"no certificate {number!r} in the licence library")
            uses = library.uses_of(session, number)
        status = library.status_at(certificate, self.cases.clock())
        calendar = self.cases.calendars.get(DISPLAY_CALENDAR)
        return certificate_view(certificate, status, calendar, uses)

    def revoke(self, number: str, *, actor: str, reason: str) -> CertificateView:
        """吊销: the issuing department's head or leader revokes a valid certificate."""
        self._change(number, actor=actor, reason=reason, status=CertificateStatus.REVOKED)
        return self.show(number)

    def replace(
        self, number: str, *, actor: str, reason: str, valid_to: dt.datetime | None = None
    ) -> CertificateView:
        """换发: a new certificate (number `<old>-R<moment>`) takes the old one's place."""
        new = self._change(
            number, actor=actor, reason=reason, status=CertificateStatus.REPLACED, valid_to=valid_to
        )
        assert new is not None
        return self.show(new)

    def _change(
        self,
        number: str,
        *,
        actor: str,
        reason: str,
        status: CertificateStatus,
        valid_to: dt.datetime | None = None,
    ) -> str | None:
        if not reason.strip():
            raise InputError(f"state why certificate {number} is {status.value} (--reason)")
        now = self.cases.clock()
        action = "licences.revoke" if status is CertificateStatus.REVOKED else "licences.replace"
        with UnitOfWork(self.cases.engine) as uow:
            session = uow.session
            who = self.cases.actors(session, actor)
            certificate = session.get(Certificate, number)
            if certificate is None:
                raise NotFound(f"no certificate {number!r} in the licence library")
            try:
                posts = tuple(Post(Role(w.role), w.department) for w in who)
            except ValueError:
                raise InputError(f"{actor} ({who[0].role}) may not change a certificate") from None
            require(Principal(actor, posts), action, departments={certificate.department})
            current = library.status_at(certificate, now)
            if current != CertificateStatus.VALID:
                raise InputError(f"certificate {number} is {current}, not valid: nothing changed")
            replacement = None
            if status is CertificateStatus.REPLACED:
                replacement = f"{number}-R{now:%Y%m%d%H%M%S}"
                session.add(
                    Certificate(
                        **certificate.model_dump(
                            exclude={"number", "valid_from", "valid_to", "status"}
                            | {"replaced_by", "changed_by", "changed_at", "change_reason"}
                        ),
                        number=replacement,
                        valid_from=as_utc(now),
                        valid_to=as_utc(valid_to) if valid_to is not None else certificate.valid_to,
                    )
                )
            certificate.status = status.value
            certificate.replaced_by = replacement
            certificate.changed_by, certificate.changed_at = actor, as_utc(now)
            certificate.change_reason = reason
            session.add(certificate)
            relied = [
                (u.case_id, u.material, u.department) for u in library.uses_of(session, number)
            ]
            cases = {case_id for case_id, _, _ in relied}
            if certificate.case_id:
                cases.add(certificate.case_id)
            uow.commit()

        def mark(case_id: str) -> Command:
            return Command(
                case_id,
                f"certificate-{status.value}",
                actor,
                core=lambda c, ctx: certificate_changed(
                    c, ctx, number=number, status=status.value, reason=reason
                ),
            )

        for outcome in self.cases.act_many([mark(c) for c in sorted(cases)]):
            if isinstance(outcome, Exception):
                raise outcome
        self._tell(relied, number=number, status=status.value, reason=reason)
        return replacement

    def _tell(
        self, relied: Sequence[tuple[str, str, str]], *, number: str, status: str, reason: str
    ) -> None:
        """After the commit: the notice to each relying (case, material, department), all in
        one round of bounded time (`engine.notify.rounds`: a channel down is tried once, its
        deliveries kept for `notifications retry`)."""
        if self.catalogue is None or self.dispatcher is None or not relied:
            return
        wanted = []
        with Session(self.cases.engine) as session:
            for case_id, material_id, department in relied:
                view = self.cases.show(case_id)
                workflow = self.cases.workflows(view.workflow, view.version)
                material = next((m.title for m in workflow.materials if m.id == material_id), "")
                open_clock = None if CaseStatus(view.status).closed else view.promised
                reliance = notices.Reliance(
                    case_id=case_id,
                    workflow_title=workflow.title,
                    department=department,
                    material=material or material_id,
                    due_at=open_clock.due if open_clock else self.cases.clock(),
                )
                wanted.append(
                    notices.source_changed(
                        reliance,
                        number=number,
                        status=status,
                        reason=reason,
                        catalogue=self.catalogue,
                        session=session,
                    )
                )
        rounds.deliver_round(self.dispatcher, self.cases.engine, wanted)
