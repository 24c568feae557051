"""An engine refusal as an officer reads it: on a Chinese page a Chinese lead-in (操作未执行：)
and a Chinese sentence for the common kinds, the engine's own message kept as a details line;
on an English page the engine's message."""

from __future__ import annotations

from dataclasses import dataclass

from engine.access.permissions import Forbidden
from engine.cases.errors import (
    Conflict,
    IllegalAction,
    MissingArgument,
    NotPermitted,
    PreconditionFailed,
    Transferred,
)
from engine.errors import OnethingError
from engine.pages.i18n import Lang, status_text

LEAD = ("操作未执行：", "Refused: ")

# the kinds of refusal, most specific first (a `Conflict` is an `IllegalAction` too)
_KINDS: tuple[tuple[type[OnethingError] | tuple[type[OnethingError], ...], str], ...] = (
    ((Conflict, PreconditionFailed), "办件已被他人更新，请刷新页面后按最新状态重新办理"),
    ((NotPermitted, Forbidden), "您的角色或所在部门无权办理此项操作"),
    (Transferred, "该环节已转办给其他经办人，由其办理"),
    (MissingArgument, "请填写必填内容（如理由、意见）后再提交"),
)
STEP_STATE = "环节当前状态不允许此项操作"
CASE_STATE = "办件当前状态不允许此项操作"


@dataclass(frozen=True)
class RefusalText:
    lead: str
    message: str
    details: str | None  # the engine's message, where the message is a translation


def refusal_text(error: OnethingError, lang: Lang) -> RefusalText:
    """What a page says of `error`: the lead-in, the message and, in Chinese, the details."""
    engine = str(error)
    if lang == "en":
        return RefusalText(LEAD[1], engine, None)
    chinese = _chinese(error)
    return RefusalText(LEAD[0], chinese or engine, engine if chinese else None)


def _chinese(error: OnethingError) -> str | None:
    for kinds, text in _KINDS:
        if isinstance(error, kinds):
            return text
    if isinstance(error, IllegalAction):
        if error.step is not None:
            state = error.state.rpartition("step ")[2]
            return f"{STEP_STATE}（{status_text(state, 'zh')}）"
        return f"{CASE_STATE}（{status_text(error.state, 'zh')}）"
    return None
