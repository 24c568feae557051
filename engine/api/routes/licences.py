"""The licence library (电子证照库): list and show certificates with their history; revoke (吊销)
or replace (换发) one — the issuing department's head or leader, audited. The same service as
the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from engine.api import paging
from engine.api.deps import ID_PATTERN, TEXT_PATTERN, CurrentUser, Deps, Services, guard
from engine.licences.service import Licences
from engine.licences.tables import CertificateStatus
from engine.views.licences import CertificateView

router = APIRouter(prefix="/licences", tags=["licences"])
Number = Annotated[str, Path(max_length=128, pattern=ID_PATTERN)]
Filter = Annotated[str | None, Query(max_length=64)]


class Revocation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=4000, pattern=TEXT_PATTERN)]


class Replacement(Revocation):
    valid_to: AwareDatetime | None = Field(
        default=None, description="the new certificate's end (default: the old one's)"
    )


def _licences(deps: Services) -> Licences:
    return Licences(deps.cases, catalogue=deps.catalogue(), dispatcher=deps.supervision.dispatcher)


CERTIFICATE_POSITION = (paging.MOMENT, r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")  # valid from, number


@router.get("", **guard("licences.read", 422))
def list_certificates(
    user: CurrentUser,
    deps: Deps,
    holder: Filter = None,
    type: Filter = None,
    status: CertificateStatus | None = None,
    cursor: Annotated[str | None, paging.cursor_query(CERTIFICATE_POSITION)] = None,
    limit: paging.Limit = 50,
) -> paging.Page[CertificateView]:
    """The certificates, oldest first, by holder (credit code or id), type (the matter) and
    status as of now (valid, expired, revoked, replaced), a page at a time."""
    rows = _licences(deps).list(
        holder=holder,
        type=type,
        status=status and status.value,
        after=paging.after(cursor),
        limit=limit + 1,
    )
    return paging.page(rows, limit, lambda c: paging.cursor(c.valid_from, c.number))


@router.get("/{number}", **guard("licences.read", 404))
def show(number: Number, user: CurrentUser, deps: Deps) -> CertificateView:
    """One certificate with its history: issued, relied on by cases, revoked or replaced."""
    return _licences(deps).show(number)


CHANGE_REFUSALS = {
    400: "a reason of blank characters only, or a certificate no longer valid (revoked, "
    "replaced or expired): nothing changed"
}


@router.post("/{number}/revoke", **guard("licences.revoke", 404, 422, refuses=CHANGE_REFUSALS))
def revoke(number: Number, body: Revocation, user: CurrentUser, deps: Deps) -> CertificateView:
    """吊销 a valid certificate: each case that relied on it is marked, its department told."""
    return _licences(deps).revoke(number, actor=user.name, reason=body.reason)


@router.post("/{number}/replace", **guard("licences.replace", 404, 422, refuses=CHANGE_REFUSALS))
def replace(number: Number, body: Replacement, user: CurrentUser, deps: Deps) -> CertificateView:
    """换发: the new certificate that takes the old one's place."""
    return _licences(deps).replace(
        number, actor=user.name, reason=body.reason, valid_to=body.valid_to
    )
