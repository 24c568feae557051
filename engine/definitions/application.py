"""Check an application (申请) against its workflow: applicant, field values, materials.

    {"workflow": "utility-external-works",
     "applicant": {"name": "…", "credit_code": "9145…"},      # or id_number / passport_number
     "fields": {"length_m": 350, "occupies_carriageway": true},
     "materials": {"application-form": "doc-17", "restoration-pledge": "commitment"}}

`application_problems` is what makes an application unusable (a wrong value, an unknown key, a
broken identity): the intake refuses it with every problem, and `definitions plan --data` reports
the same. A required material left out is not such a problem at the intake: it goes into the one
correction notice (一次告知, Art. 32) — or, if deferrable (容缺), is deferred; a sample file or a
plan's data must have them all (`missing_materials`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from engine.definitions.checks import Finding
from engine.definitions.model import ApplicationField, FieldType, Workflow
from engine.definitions.problems import suggest
from engine.definitions.when import WhenError
from engine.errors import InputError

KEYS = ("workflow", "applicant", "fields", "materials")
COMMITMENT = "commitment"

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_ok(code: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code, _USCC_WEIGHTS, strict=False))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def id_number_ok(number: str) -> bool:
    """居民身份证号码 (GB 11643-1999): 17 digits and a check digit or X."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(c) * w for c, w in zip(number, _ID_WEIGHTS, strict=False))
    return "10X98765432"[total % 11] == number[17]


class ApplicationError(InputError):
    """An application the intake cannot take in: every problem, one line each, nothing kept."""

    def __init__(self, workflow_id: str, findings: Sequence[Finding]):
        self.workflow_id = workflow_id
        self.findings = tuple(findings)
        super().__init__("\n".join(f"{_where(path)}: {message}" for path, message in findings))


def _where(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path) or "application"


def check_application(workflow: Workflow, application: Any) -> None:
    """Raise `ApplicationError` listing every problem of the application, if it has any."""
    if problems := application_problems(workflow, application):
        raise ApplicationError(workflow.id, problems)


def application_problems(workflow: Workflow, application: Any) -> list[Finding]:
    """Everything that makes an application unusable, as `(path, message)` pairs."""
    if not isinstance(application, Mapping):
        return [((), "an application is an object with applicant, fields and materials")]
    problems: list[Finding] = [
        ((key,), f"unknown key {key!r}" + suggest(key, KEYS))
        for key in application
        if key not in KEYS
    ]
    named = application.get("workflow", workflow.id)
    if named != workflow.id:  # every other problem would follow from this one
        return [(("workflow",), f"the application is for {named!r}, not {workflow.id!r}")]
    problems += _applicant(application.get("applicant"))
    values = application.get("fields", {})
    if not isinstance(values, Mapping):
        return [*problems, (("fields",), "fields is an object of field values")]
    problems += _fields(workflow, values)
    supplied = application.get("materials", {})
    if not isinstance(supplied, Mapping):
        return [*problems, (("materials",), "materials maps material ids to document references")]
    problems += _references(workflow, supplied)
    return problems


def missing_materials(workflow: Workflow, application: Any) -> list[Finding]:
    """Required materials the application leaves out that cannot be deferred (容缺)."""
    if not isinstance(application, Mapping):
        return []
    values, supplied = application.get("fields", {}), application.get("materials", {})
    if not isinstance(values, Mapping) or not isinstance(supplied, Mapping):
        return []
    filled = workflow.field_values(values)
    problems: list[Finding] = []
    for material in workflow.materials:
        try:
            asked = material.asked(filled)
        except WhenError:  # the field it depends on is missing or wrong: an application problem
            continue
        left_out = material.id not in supplied and material.source is None
        if asked and left_out and material.deferrable is None:
            problems.append(
                (("materials",), f"missing material {material.id!r} ({material.title})")
            )
    return problems


def _applicant(applicant: Any) -> Iterator[Finding]:
    if not isinstance(applicant, Mapping):
        yield ("applicant",), "the applicant is an object with a name and an identity"
        return
    if not isinstance(applicant.get("name"), str) or not applicant["name"].strip():
        yield ("applicant",), "the applicant needs a name"
    identities = [k for k in ("credit_code", "id_number", "passport_number") if k in applicant]
    if not identities:
        yield ("applicant",), "the applicant needs credit_code, id_number or passport_number"
    code = applicant.get("credit_code")
    if code is not None and not (isinstance(code, str) and credit_code_ok(code)):
        yield ("applicant", "credit_code"), f"{code!r} is not a valid unified social credit code"
    number = applicant.get("id_number")
    if number is not None and not (isinstance(number, str) and id_number_ok(number)):
        yield ("applicant", "id_number"), f"{number!r} is not a valid resident id number"


def _fields(workflow: Workflow, values: Mapping[str, Any]) -> Iterator[Finding]:
    declared = {f.id: f for f in workflow.fields}
    for key, value in values.items():
        field = declared.get(key)
        if field is None:
            yield ("fields", key), f"unknown field {key!r}" + suggest(key, declared)
        elif (problem := _type_problem(field, value)) is not None:
            yield ("fields", key), problem
    for field in workflow.fields:
        if field.required and field.default is None and field.id not in values:
            yield ("fields",), f"missing field {field.id!r} ({field.title})"


def _type_problem(field: ApplicationField, value: Any) -> str | None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    ok = {
        FieldType.STRING: isinstance(value, str),
        FieldType.NUMBER: is_number,
        FieldType.INTEGER: isinstance(value, int) and not isinstance(value, bool),
        FieldType.BOOLEAN: isinstance(value, bool),
        FieldType.DATE: isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)),
        FieldType.ENUM: value in field.values,
    }[field.type]
    if not ok:
        wanted = f"one of {', '.join(field.values)}" if field.type is FieldType.ENUM else field.type
        return f"field {field.id!r} should be {wanted}, not {value!r}"
    if is_number:
        return _range_problem(field, value)
    return None


def _range_problem(field: ApplicationField, value: float) -> str | None:
    """A number outside the field's range; NaN and infinities are no numbers of any range."""
    if not math.isfinite(value):
        return f"field {field.id!r} should be a finite number, not {value!r}"
    if field.minimum is not None and value < field.minimum:
        return f"field {field.id!r} should be at least {field.minimum:g}, not {value!r}"
    if field.maximum is not None and value > field.maximum:
        return f"field {field.id!r} should be at most {field.maximum:g}, not {value!r}"
    return None


def _references(workflow: Workflow, supplied: Mapping[str, Any]) -> Iterator[Finding]:
    declared = {m.id: m for m in workflow.materials}
    for key, reference in supplied.items():
        material = declared.get(key)
        if material is None:
            yield ("materials", key), f"unknown material {key!r}" + suggest(key, declared)
        elif not isinstance(reference, str) or not reference:
            yield ("materials", key), f"material {key!r} needs a document reference"
        elif reference == COMMITMENT and not material.commitment:
            yield ("materials", key), f"material {key!r} cannot be replaced by a commitment"
