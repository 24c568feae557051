"""The inspection draw's words on the pages (实地核查审查员抽取), 简体中文 first."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "draws": ("审查员抽取", "Examiner draws"),
    "draw_of": ("实地核查抽取：{step}", "On-site inspection draw: {step}"),
    "draw_sealed": ("已封存", "sealed"),
    "draw_opened": ("已开启", "opened"),
    "draw_not drawn": ("未抽取", "not drawn"),
    "draw_opens_at": ("开启时间", "Opens at"),
    "draw_commitment": ("承诺值（封存哈希）", "Commitment (sealed hash)"),
    "draw_round": ("第 {n} 轮", "Round {n}"),
    "draw_sealed_note": (
        "抽取结果已加密封存，开启前任何人不可见审查员身份。",
        "The result is encrypted and sealed: no one sees who was drawn before it is opened.",
    ),
    "draw_examiners": ("审查员", "Examiners"),
    "draw_findings": ("核查意见", "Findings"),
    "draw_no_finding": ("尚未填写", "not yet recorded"),
    "draw_declined": ("已退出", "declined"),
    "draw_opened_by": ("开启人", "Opened by"),
    "draw_open": ("开启抽取结果", "Open the draw"),
    "draw_open_from": ("可于 {at} 起开启", "May be opened from {at}"),
    "draw_verify": ("公开验证", "Public verification"),
    "draw_verified": ("验证通过", "verified"),
    "draw_verify_failed": ("验证未通过", "verification failed"),
    "draw_none": ("暂无抽取", "No draw yet"),
    "draw_yours": ("您是本次实地核查的审查员", "You are an examiner of this inspection"),
    "draw_finding_submit": ("提交核查意见", "Record findings"),
    "draw_decline_reason": ("回避或无法到场的理由", "Why you withdraw (conflict, cannot attend)"),
    "draw_decline": ("申请回避（重新抽取替换）", "Withdraw (a replacement is drawn)"),
}
