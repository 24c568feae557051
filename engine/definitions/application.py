"""Check an application (申请) against its workflow: applicant, field values, materials.

    {"workflow": "utility-external-works",
     "applicant": {"name": "…", "credit_code": "9145…"},      # or id_number / passport_number
     "fields": {"length_m": 350, "occupies_carriageway": true},
     "materials": {"application-form": "doc-17", "restoration-pledge": "commitment"}}

A material left out of `materials` is missing — or, if deferrable (容缺), deferred.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from engine.definitions.checks import Finding
from engine.definitions.model import ApplicationField, FieldType, Workflow
from engine.definitions.problems import suggest
from engine.definitions.when import WhenError

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


def application_problems(workflow: Workflow, application: Any) -> list[Finding]:
    """Everything wrong with an application, as `(path, message)` pairs."""
    if not isinstance(application, Mapping):
        return [((), "an application is an object with applicant, fields and materials")]
    problems: list[Finding] = [
        ((key,), f"unknown key {key!r}" + suggest(key, KEYS))
        for key in application
        if key not in KEYS
    ]
    named = application.get("workflow", workflow.id)
    if named != workflow.id:
        problems.append((("workflow",), f"the application is for {named!r}, not {workflow.id!r}"))
    problems += _applicant(application.get("applicant"))
    values = application.get("fields", {})
    if not isinstance(values, Mapping):
        return [*problems, (("fields",), "fields is an object of field values")]
    problems += _fields(workflow, values)
    supplied = application.get("materials", {})
    if not isinstance(supplied, Mapping):
        return [*problems, (("materials",), "materials maps material ids to document references")]
    problems += _materials(workflow, workflow.field_values(values), supplied)
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
    if ok:
        return None
    wanted = f"one of {', '.join(field.values)}" if field.type is FieldType.ENUM else field.type
    return f"field {field.id!r} should be {wanted}, not {value!r}"


def _materials(
    workflow: Workflow, values: Mapping[str, Any], supplied: Mapping[str, Any]
) -> Iterator[Finding]:
    declared = {m.id: m for m in workflow.materials}
    for key, reference in supplied.items():
        material = declared.get(key)
        if material is None:
            yield ("materials", key), f"unknown material {key!r}" + suggest(key, declared)
        elif not isinstance(reference, str) or not reference:
            yield ("materials", key), f"material {key!r} needs a document reference"
        elif reference == COMMITMENT and not material.commitment:
            yield ("materials", key), f"material {key!r} cannot be replaced by a commitment"
    for material in workflow.materials:
        try:
            asked = material.required and (material.when is None or material.when.holds(values))
        except WhenError:  # the field it depends on is missing or wrong, reported above
            continue
        left_out = material.id not in supplied and not material.shared_from
        if asked and left_out and material.deferrable is None:
            yield ("materials",), f"missing material {material.id!r} ({material.title})"
