"""A combined workflow definition (一件事): frozen, versioned, and never a running case.

The models are the one home of the file format: the loader validates YAML with them and the
JSON Schema (`onething definitions schema`) is generated from them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, WithJsonSchema, model_validator

from engine.calendar.units import Limit
from engine.definitions.base import DefinitionModel, Id, Title
from engine.definitions.escalation import NegativeDecision, RoleRef, Rung
from engine.definitions.limits import LimitText, working_days
from engine.definitions.textform import TextForm
from engine.definitions.when import Condition, parse_when
from engine.draw.conflicts import Conflict
from engine.errors import InputError

WhenText = Annotated[
    Condition,
    TextForm(
        parse_when,
        Condition,
        description="a condition on application fields, e.g. `length_m > 200 and affects_trees`",
        examples=("length_m > 200", 'permit_category in ["A", "B"] and not occupies_carriageway'),
    ),
]


# --- application fields and materials ------------------------------------------------------


class FieldType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"  # ISO text, 2025-03-01
    ENUM = "enum"


class ApplicationField(DefinitionModel):
    """A value the applicant fills in; `when` conditions read these."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: Title
    type: FieldType
    values: tuple[str, ...] = Field(default=(), description="the choices of an enum field")
    required: bool = True
    default: bool | int | float | str | None = None
    minimum: float | None = Field(default=None, description="the least value of a number field")
    maximum: float | None = Field(default=None, description="the greatest value of a number field")

    @model_validator(mode="after")
    def _values_fit_type(self) -> ApplicationField:
        if (self.type is FieldType.ENUM) != bool(self.values):
            raise ValueError("an enum field lists its `values`, and only an enum field does")
        bounds = [b for b in (self.minimum, self.maximum) if b is not None]
        if bounds and not self.is_number:
            raise ValueError("only a number or integer field has a `minimum` or `maximum`")
        if any(not math.isfinite(b) for b in bounds):
            raise ValueError("`minimum` and `maximum` are finite numbers")
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            raise ValueError(f"`minimum` {bounds[0]:g} is above `maximum` {bounds[1]:g}")
        return self

    @property
    def is_number(self) -> bool:
        return self.type in (FieldType.NUMBER, FieldType.INTEGER)


class Deferral(DefinitionModel):
    """容缺受理: the material may follow after acceptance, within `supply_within`."""

    supply_within: LimitText


class MaterialSource(DefinitionModel):
    """Where the engine looks a material up instead of asking the applicant (数据共享): the
    licence library's certificate of a catalogue matter (`library`) or an outside registry's
    record (`registry`), found by the application value at `by` (`applicant.credit_code`,
    `fields.project_code`)."""

    library: Id | None = Field(default=None, description="the matter whose certificate it is")
    registry: Id | None = Field(default=None, description="the registry that holds the record")
    by: Annotated[str, Field(pattern=r"^(applicant|fields)\.[a-z][a-z0-9_]*$")] = Field(
        description="the application value the record is found by"
    )

    @model_validator(mode="after")
    def _one_place(self) -> MaterialSource:
        if (self.library is None) == (self.registry is None):
            raise ValueError("a source names either `library` or `registry`")
        return self

    @property
    def name(self) -> str:
        """`library:<matter>` or `registry:<id>`: the source as events and the plan name it."""
        return f"library:{self.library}" if self.library else f"registry:{self.registry}"

    def key(self, applicant: Mapping[str, Any], fields: Mapping[str, Any]) -> str | None:
        """The value the record is found by in this application, if it has one."""
        part, _, name = self.by.partition(".")
        value = (applicant if part == "applicant" else fields).get(name)
        return str(value) if value not in (None, "") else None


class Material(DefinitionModel):
    """A material (申请材料) of the intake."""

    id: Id
    title: Title
    required: bool = True
    when: WhenText | None = Field(default=None, description="asked only when this holds")
    deferrable: Deferral | None = Field(default=None, description="容缺: may be supplied later")
    commitment: bool = Field(
        default=False, description="告知承诺: a signed commitment may stand in for the proof"
    )
    source: MaterialSource | None = Field(
        default=None, description="looked up at intake, so the applicant is not asked again"
    )

    def asked(self, values: Mapping[str, Any]) -> bool:
        """Whether an application with these field values must include the material."""
        return self.required and (self.when is None or self.when.holds(values))

    @model_validator(mode="after")
    def _one_kind_of_relief(self) -> Material:
        if self.deferrable and self.commitment:
            raise ValueError("a material is either deferrable (容缺) or by commitment (告知承诺)")
        if (self.deferrable or self.commitment) and not self.required:
            raise ValueError("only a required material can be deferred or committed to")
        return self


# --- steps ---------------------------------------------------------------------------------


class StepKind(StrEnum):
    INTAKE = "intake"  # 受理/登记 at the window
    REVIEW = "review"  # 人工审核
    CHECK = "check"  # 自动核验 by a connector
    EXTERNAL = "external"  # 外部结果, e.g. an exam
    INSPECTION = "inspection"  # 实地核查 (Art. 34: two officers at least)
    FILING = "filing"  # 备案
    DECISION = "decision"  # 决定
    DELIVERY = "delivery"  # 送达/取证
    PUBLICATION = "publication"  # 双公示 (within 7 working days of the decision)


AUTOMATIC_KINDS = frozenset({StepKind.CHECK, StepKind.EXTERNAL})


class SignMode(StrEnum):
    ALL = "all"  # 会签
    ANY = "any"  # 或签
    QUORUM = "quorum"  # 票签
    SEQUENTIAL = "sequential"  # 依次审批


class Signers(DefinitionModel):
    """Who signs a step, and how their signatures combine."""

    mode: SignMode = SignMode.ANY
    roles: tuple[RoleRef, ...] = Field(min_length=1)
    quorum: int | None = Field(default=None, ge=1, description="votes needed (quorum mode)")

    @model_validator(mode="after")
    def _quorum_only_for_quorum(self) -> Signers:
        if (self.mode is SignMode.QUORUM) != (self.quorum is not None):
            raise ValueError("`quorum: N` goes with `mode: quorum`, and only with it")
        return self


class RejectAction(StrEnum):
    END_CASE = "end-case"
    END_BRANCH = "end-branch"
    RETURN_TO = "return-to"


class OnReject(DefinitionModel):
    """What a rejection does: end the case, end this branch, or send it back to a step."""

    action: RejectAction = RejectAction.END_CASE
    step: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"action": value}
        if isinstance(value, Mapping) and set(value) == {"return-to"}:
            return {"action": RejectAction.RETURN_TO, "step": value["return-to"]}
        return value

    @model_validator(mode="after")
    def _step_only_for_return(self) -> OnReject:
        if (self.action is RejectAction.RETURN_TO) != (self.step is not None):
            raise ValueError("write `on_reject: {return-to: STEP}`, or end-case / end-branch")
        return self


ON_REJECT_SCHEMA = {
    "description": "end-case, end-branch, or {return-to: STEP}",
    "anyOf": [
        {"enum": ["end-case", "end-branch"]},
        {
            "type": "object",
            "properties": {"return-to": {"type": "string"}},
            "required": ["return-to"],
            "additionalProperties": False,
        },
    ],
}


@dataclass(frozen=True)
class Connector:
    """How an automatic step gets its result: a Python callable or an HTTP endpoint."""

    kind: Literal["python", "http"]
    target: str

    def __str__(self) -> str:
        return self.target

    @classmethod
    def parse(cls, text: str) -> Connector:
        """`engine.connectors.background:check` or `https://host/path`."""
        text = text.strip()
        if re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
            return cls("http", text)
        if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*", text):
            return cls("python", text)
        raise InputError(
            f"a connector is 'package.module:function' or an http(s) URL, not {text!r}"
        )


ConnectorText = Annotated[
    Connector,
    TextForm(
        Connector.parse,
        Connector,
        description="a Python callable `package.module:function` or an http(s) endpoint",
        examples=("engine.connectors.background:check", "https://exam.example/api/results"),
    ),
]


class LimitRule(DefinitionModel):
    """A limit that applies when its condition holds (the first rule that holds wins)."""

    when: WhenText
    limit: LimitText
    source: str | None = Field(default=None, description="the legal or local source")


class CaseLimitRule(DefinitionModel):
    """The case's limits for the applications its condition holds for (the first rule that
    holds wins): a path that takes fewer steps promises less (a foreign expert working 90 days
    or less takes only the 5-working-day permit)."""

    when: WhenText
    promised_limit: LimitText = Field(description="承诺时限 of this path")
    statutory_limit: LimitText | None = Field(
        default=None, description="法定时限 of this path, if it differs from the workflow's"
    )
    source: str | None = Field(default=None, description="the legal or local source")


class DrawSpec(DefinitionModel):
    """An inspection's examiners drawn at random and sealed (实地核查审查员抽取, DOMAIN §7)."""

    pool: Id = Field(description="the department whose roster (examiners.yaml) is drawn from")
    count: int = Field(ge=2, description="examiners drawn (行政许可法 Art. 34(3): at least 2)")
    exclude: tuple[Conflict, ...] = Field(
        default=tuple(Conflict), description="conflict rules (回避) applied before the draw"
    )
    opener: str = Field(default="head", description="the pool department's role that opens it")
    recent_months: int = Field(
        default=12, ge=0, description="none who inspected the applicant within these months"
    )
    opens_after: int = Field(
        default=1,
        ge=0,
        le=30,
        description="working days from the draw to the inspection: the draw opens at the start "
        "of that working day's hours",
    )


class Step(DefinitionModel):
    """One step of the graph; steps whose `needs` are done run in parallel."""

    id: Id
    title: Title
    department: Id
    matter: Id | None = Field(default=None, description="the catalogue matter this step decides")
    kind: StepKind
    needs: tuple[str, ...] = Field(default=(), description="steps that must finish first")
    when: WhenText | None = Field(default=None, description="the step runs only if this holds")
    limit: LimitText = Field(description="the time this step may take (its promised limit)")
    limit_rules: tuple[LimitRule, ...] = Field(default=(), description="limits by condition")
    counted: bool | None = Field(
        default=None,
        description="counts toward the case's limit; publication does not by default",
    )
    signers: Signers | None = None
    inspectors: int | None = Field(default=None, description="officers on site (Art. 34: ≥ 2)")
    draw: DrawSpec | None = Field(default=None, description="an inspection's examiners, drawn")
    on_reject: Annotated[OnReject, WithJsonSchema(ON_REJECT_SCHEMA)] = OnReject()
    connector: ConnectorText | None = None
    produces: tuple[Id, ...] = Field(default=(), description="documents later steps use")
    uses: tuple[Id, ...] = Field(default=(), description="materials and earlier products it reads")
    escalation: tuple[Rung, ...] = Field(default=(), description="overrides the default ladder")

    @model_validator(mode="after")
    def _kind_fits(self) -> Step:
        if self.connector is not None and self.kind not in AUTOMATIC_KINDS:
            raise ValueError("only a check or an external step has a connector")
        if self.kind is StepKind.CHECK and self.connector is None:
            raise ValueError("an automatic check names its `connector`")
        if self.kind is StepKind.CHECK and self.signers is not None:
            raise ValueError("an automatic check has no signers")
        if self.draw is not None and self.kind is not StepKind.INSPECTION:
            raise ValueError("only an inspection step has a `draw`")
        if self.kind is StepKind.INSPECTION and self.draw is None and (self.inspectors or 0) < 2:
            raise ValueError(
                "an inspection needs `inspectors: 2` or more, or a `draw` (行政许可法 Art. 34)"
            )
        return self

    @property
    def is_counted(self) -> bool:
        """Whether the step's time counts toward the case's limit."""
        return self.counted if self.counted is not None else self.kind is not StepKind.PUBLICATION

    def applies(self, values: Mapping[str, Any]) -> bool:
        """Whether the step runs for an application with these field values."""
        return self.when is None or self.when.holds(values)

    def limit_for(self, values: Mapping[str, Any]) -> Limit:
        """The step's limit for these field values: the first rule that holds, else `limit`."""
        for rule in self.limit_rules:
            if rule.when.holds(values):
                return rule.limit
        return self.limit

    @property
    def longest_limit(self) -> Limit:
        """The longest limit the step can have, whatever the application."""
        return max((self.limit, *(r.limit for r in self.limit_rules)), key=working_days)


class Refusal(DefinitionModel):
    """不予受理: an application for which `when` holds plainly fails a condition of the law; it
    is refused at acceptance through the negative register (否定事项报备), never accepted."""

    when: WhenText
    reason: Title = Field(description="what the applicant is told is wrong, in Chinese")
    legal_basis: Title = Field(description="the law and article the condition comes from")


# --- the workflow --------------------------------------------------------------------------


class Workflow(DefinitionModel):
    """A combined workflow (一件事), version `version`."""

    id: Id
    version: StrictInt = Field(
        ge=1, le=2**31 - 1, description="a whole number; a registered version is frozen"
    )
    title: Title
    description: str | None = None
    owner: Id = Field(description="the department answerable for the combined service")
    calendar: Id = Field(description="the working calendar the limits count on")
    statutory_limit: LimitText = Field(description="法定时限 of the combined handling")
    promised_limit: LimitText = Field(description="承诺时限, at most the statutory limit")
    limit_rules: tuple[CaseLimitRule, ...] = Field(
        default=(), description="the case's limits by condition (the path the application takes)"
    )
    fields: tuple[ApplicationField, ...] = ()
    materials: tuple[Material, ...] = ()
    steps: tuple[Step, ...] = Field(min_length=1)
    escalation: tuple[Rung, ...] = Field(default=(), description="overrides the catalogue's")
    refuse_when: tuple[Refusal, ...] = Field(
        default=(), description="不予受理: conditions that refuse an application at acceptance"
    )
    negative_decisions: dict[Id, NegativeDecision] = Field(
        default_factory=dict,
        description="each department's limit and ladder for the leader's decision on a negative "
        "matter (否定事项报备); the loader fills them from departments.yaml",
    )

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise InputError(f"workflow {self.id!r} has no step {step_id!r}")

    def field_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The application's field values with the declared defaults filled in."""
        filled = {f.id: f.default for f in self.fields if f.default is not None}
        filled.update(values)
        return filled

    def limit_rule_for(self, values: Mapping[str, Any]) -> CaseLimitRule | None:
        """The first case limit rule that holds for these field values (defaults filled)."""
        filled = self.field_values(values)
        return next((rule for rule in self.limit_rules if rule.when.holds(filled)), None)

    def limits_for(self, values: Mapping[str, Any]) -> tuple[Limit, Limit]:
        """The case's (promised, statutory) limits for the path these field values take."""
        rule = self.limit_rule_for(values)
        if rule is None:
            return self.promised_limit, self.statutory_limit
        return rule.promised_limit, rule.statutory_limit or self.statutory_limit

    def applicable_steps(self, values: Mapping[str, Any]) -> tuple[Step, ...]:
        """The steps that run for these field values, in file order."""
        filled = self.field_values(values)
        return tuple(step for step in self.steps if step.applies(filled))

    def refusals_for(self, values: Mapping[str, Any]) -> tuple[Refusal, ...]:
        """The conditions of `refuse_when` that hold for these field values."""
        filled = self.field_values(values)
        return tuple(refusal for refusal in self.refuse_when if refusal.when.holds(filled))

    def negative_decision(self, department: str) -> NegativeDecision | None:
        """The limit and ladder of a negative matter registered in `department` (the owner's
        if the catalogue does not know it)."""
        found = self.negative_decisions
        return found.get(department) or found.get(self.owner)

    def ladder_for(self, step: Step) -> tuple[Rung, ...]:
        """The step's escalation ladder: its own, else the workflow's (the loader fills that)."""
        return step.escalation or self.escalation
