"""Departments and matters: roles, escalation chains, channels, limits — and their mistakes."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.definitions import Catalogue, ChannelKind, read_catalogue


def test_escalation_chain_climbs_to_supervision(catalogue: Catalogue) -> None:
    assert catalogue.escalation_chain("traffic-police") == (
        ("traffic-police", "reviewer"),
        ("traffic-police", "head"),
        ("traffic-police", "leader"),
        ("public-security", "leader"),
        ("supervision", "supervisor"),
    )


def test_channels_fall_back_to_the_department_then_the_log(catalogue: Catalogue) -> None:
    (email,) = catalogue.channels_for("approval-bureau", "head")
    assert (email.kind, email.address) == (ChannelKind.EMAIL, "xzspj-head@liuzhou.example")
    assert [c.kind for c in catalogue.channels_for("approval-bureau", "window")] == [
        ChannelKind.LOG
    ]
    hook = catalogue.channels_for("supervision", "supervisor")[0]
    assert hook.kind is ChannelKind.WEBHOOK and hook.secret_env == "ONETHING_WEBHOOK_SECRET"


def test_the_traffic_police_belong_to_public_security(catalogue: Catalogue) -> None:
    assert catalogue.departments["traffic-police"].parent == "public-security"
    assert catalogue.departments["exit-entry"].parent == "public-security"
    assert {"window", "reviewer", "head", "leader", "supervisor"} == set(catalogue.roles)


def test_matters_keep_promised_within_statutory(catalogue: Catalogue) -> None:
    assert str(catalogue.matters["foreign-residence-permit"].statutory_limit) == "15 working-days"
    assert str(catalogue.matters["foreign-work-permit-short"].statutory_limit) == "5 working-days"


def broken_copy(tmp_path: Path, definitions_dir: Path, *, file: str, old: str, new: str) -> Path:
    root = tmp_path / "definitions"
    shutil.copytree(definitions_dir, root, ignore=shutil.ignore_patterns("workflows", "samples"))
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_unknown_parent(tmp_path: Path, definitions_dir: Path) -> None:
    root = broken_copy(
        tmp_path,
        definitions_dir,
        file="departments.yaml",
        old="parent: public-security",
        new="parent: police",
    )
    _, problems = read_catalogue(root)
    assert [(p.line, p.message) for p in problems] == [
        (line_of(root / "departments.yaml", "parent: police"), "unknown parent department 'police'")
    ]


def test_unknown_role_and_escalation_target(tmp_path: Path, definitions_dir: Path) -> None:
    root = broken_copy(
        tmp_path,
        definitions_dir,
        file="departments.yaml",
        old="    roles: [reviewer, head, leader]\n    escalation: [reviewer, head, leader, "
        "approval-bureau/leader, supervision/supervisor]",
        new="    roles: [reviewer, head, leadr]\n"
        "    escalation: [reviewer, head, approval-bureau/chief]",
    )
    path = root / "departments.yaml"
    _, problems = read_catalogue(root)
    found = [(p.line, p.message) for p in problems]
    assert found[:2] == [
        (line_of(path, "leadr"), "unknown role 'leadr' (did you mean 'leader'?)"),
        (
            line_of(path, "approval-bureau/chief"),
            "escalation target 'approval-bureau/chief': department 'approval-bureau' has no role "
            "'chief' (roles: window, reviewer, head, leader)",
        ),
    ]
    # the sub-units whose chains climb to public-security's leader now point at nobody
    assert [m for _, m in found[2:]] == [
        "escalation target 'public-security/leader': department 'public-security' has no role "
        "'leader' (roles: reviewer, head, leadr)"
    ] * 2


def test_channel_shape(tmp_path: Path, definitions_dir: Path) -> None:
    root = broken_copy(
        tmp_path,
        definitions_dir,
        file="departments.yaml",
        old="{kind: email, address: jtj-head",
        new="{kind: webhook, address: jtj-head",
    )
    path = root / "departments.yaml"
    _, problems = read_catalogue(root)
    assert [(p.line, p.message) for p in problems] == [
        (line_of(path, "kind: webhook, address: jtj-head"), "a webhook channel has no 'address'")
    ]


def test_matter_promised_over_statutory(tmp_path: Path, definitions_dir: Path) -> None:
    root = broken_copy(
        tmp_path,
        definitions_dir,
        file="matters.yaml",
        old="promised_limit: 7 working-days",
        new="promised_limit: 17 working-days",
    )
    _, problems = read_catalogue(root)
    assert [p.message for p in problems] == [
        "matter 'foreign-residence-permit': promised limit 17 working-days exceeds the statutory "
        "limit 15 working-days"
    ]
    assert problems[0].line == line_of(root / "matters.yaml", "promised_limit: 17 working-days")


def test_negative_decision_same_day_promise_five_days_limit_per_department(
    tmp_path: Path, definitions_dir: Path
) -> None:
    """否定事项报备: the leader decides the same day where possible, otherwise within about 5
    working days; a department may set its own limit, keeping the file's promise and ladder."""
    root = broken_copy(
        tmp_path,
        definitions_dir,
        file="departments.yaml",
        old="    name: 柳州市交通运输局\n",
        new="    name: 柳州市交通运输局\n    negative_decision: 3 working-days\n",
    )
    catalogue, problems = read_catalogue(root)
    assert problems == []
    decisions = catalogue.negative_decisions()
    assert str(decisions["approval-bureau"].promised) == "same-day"
    assert str(decisions["approval-bureau"].limit) == "5 working-days"
    assert str(decisions["transport"].limit) == "3 working-days"
    assert decisions["transport"].escalation == decisions["approval-bureau"].escalation
    assert [r.level.value for r in decisions["transport"].escalation] == [
        "yellow",
        "red",
        "supervision",
    ]


def test_negative_decision_promise_beyond_its_limit_and_unknown_target(
    tmp_path: Path, definitions_dir: Path
) -> None:
    root = broken_copy(
        tmp_path,
        definitions_dir,
        file="departments.yaml",
        old="  promised: same-day\n",
        new="  promised: 6 working-days\n",
    )
    _, problems = read_catalogue(root)
    assert [p.message for p in problems] == [
        "the promise 6 working-days exceeds the limit 5 working-days"
    ]
    root = broken_copy(
        tmp_path / "second",
        definitions_dir,
        file="departments.yaml",
        old="level: supervision, notify: [supervision/supervisor, approval-bureau/leader]}\n\n",
        new="level: supervision, notify: [supervision/chief, approval-bureau/leader]}\n\n",
    )
    path = root / "departments.yaml"
    _, problems = read_catalogue(root)
    assert [(p.line, p.message) for p in problems] == [
        (
            line_of(path, "supervision/chief"),
            "escalation target 'supervision/chief': department 'supervision' has no role 'chief' "
            "(roles: supervisor, head)",
        )
    ]
