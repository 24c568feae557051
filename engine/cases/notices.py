"""Texts of the written notices to the applicant (书面告知), in Chinese."""

from __future__ import annotations

from engine.cases.case import NegativeKind, NegativeMatter

KIND_TITLES = {
    NegativeKind.REFUSE_ACCEPTANCE: "不予受理决定",
    NegativeKind.REFUSE_LICENCE: "不予许可决定",
    NegativeKind.CANNOT_HANDLE: "不能办理告知",
}

# Art. 38(2): reasons and the right to review or litigation, with their periods (行政复议法
# Art. 20: 60 days; 行政诉讼法 Art. 46: six months); the help offered: docs/domain.md
# §negative-matters, §documents.
REMEDIES = (
    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
    "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)
HELP = "我局可提供帮办代办、现场指导、容缺后补等服务。"


def negative_notice(negative: NegativeMatter) -> str:
    basis = f"依据：{negative.legal_basis}。" if negative.legal_basis else ""
    return f"{KIND_TITLES[negative.kind]}：{negative.reason}。{basis}{REMEDIES}{HELP}"
