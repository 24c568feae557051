"""The licence library's service: listing and showing certificates, and the issuing
department's revocation (吊销) and replacement (换发) — each an audited action: the change
is recorded on the certificate (who, when, why) and as an event on the issuing case, and every
case that relied on the certificate is marked and its department told."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from engine.access.permissions import Post, Principal, Role, require
from engine.cases.requests import Command
from engine.cases.service import CaseService
from engine.cases.sharing import certificate_changed
from engine.errors import InputError, NotFound
from engine.licences import library
from engine.licences.tables import Certificate, CertificateStatus, CertificateUse
from engine.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CertificateView:
    """A certificate as the library shows it, its status as of now, with the cases that
    relied on it."""

    certificate: Certificate
    status: str
    uses: tuple[CertificateUse, ...] = ()


class Licences:
    """The licence library of the case service's database."""

    def __init__(self, cases: CaseService):
        self.cases = cases

    def list(self, *, holder: str | None = None, type: str | None = None) -> list[CertificateView]:
        now = self.cases.clock()
        with Session(self.cases.engine) as session:
            return [
                CertificateView(c, library.status_at(c, now))
                for c in library.certificates(session, holder=holder, type=type)
            ]

    def show(self, number: str) -> CertificateView:
        with Session(self.cases.engine) as session:
            certificate = session.get(Certificate, number)
            if certificate is None:
                raise NotFound(f"no certificate {number!r} in the licence library")
            uses = tuple(library.uses_of(session, number))
        return CertificateView(
            certificate, library.status_at(certificate, self.cases.clock()), uses
        )

    def revoke(self, number: str, *, actor: str, reason: str) -> CertificateView:
        """吊销: the issuing department's head or leader revokes a valid certificate."""
        self._change(number, actor=actor, reason=reason, status=CertificateStatus.REVOKED)
        return self.show(number)

    def replace(
        self, number: str, *, actor: str, reason: str, valid_to: dt.datetime | None = None
    ) -> CertificateView:
        """换发: a new certificate (number `<old>-R<n>`) takes the old one's place."""
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
                        valid_from=now,
                        valid_to=valid_to if valid_to is not None else certificate.valid_to,
                    )
                )
            certificate.status = status.value
            certificate.replaced_by = replacement
            certificate.changed_by, certificate.changed_at = actor, now
            certificate.change_reason = reason
            session.add(certificate)
            cases = {u.case_id for u in library.uses_of(session, number)}
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
        return replacement
