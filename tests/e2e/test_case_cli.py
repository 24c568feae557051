"""The case commands as a user runs them: real processes on a fresh SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.cli import ROOT, Onething, ok, onething_in
from tests.fixtures.licences import licensed_store

SAMPLE = ROOT / "definitions" / "samples" / "utility-external-works-long.json"


@pytest.fixture
def onething(tmp_path: Path) -> Onething:
    return onething_in(tmp_path)


def test_submit_accept_act_show_timeline_and_audit(onething: Onething, tmp_path: Path) -> None:
    ok(onething("definitions", "register", *map(str, (ROOT / "definitions/workflows").glob("*"))))
    licensed_store(tmp_path / "data")
    ok(onething("users", "add", "wang", "--role", "window", "--department", "approval-bureau"))
    ok(onething("users", "add", "liu", "--role", "reviewer", "--department", "municipal"))
    case_id = ok(onething("case", "submit", "utility-external-works", "--data", str(SAMPLE)))
    case_id = case_id.strip()
    ok(onething("case", "act", case_id, "-", "accept", "--actor", "wang"))
    view = json.loads(ok(onething("case", "show", case_id, "--json")))
    active = {s["id"] for s in view["steps"] if s["status"] == "active"}
    assert {"road-occupation", "road-digging"} <= active  # in parallel
    ok(onething("case", "act", case_id, "road-occupation", "approve", "--actor", "liu"))
    shown = ok(onething("case", "show", case_id))
    assert "road-occupation" in shown and "approved" in shown
    due = next(s for s in view["steps"] if s["id"] == "road-digging")["clock"]["due_date"]
    start = view["accepted_at"][:10]
    between = ok(onething("calendar", "between", start, due)).strip()
    assert (
        int(between)
        == next(s for s in view["steps"] if s["id"] == "road-digging")["clock"][
            "remaining_working_days"
        ]
    )
    timeline = ok(onething("case", "timeline", case_id))
    assert "case.submitted" in timeline and "step.signed" in timeline
    listed = json.loads(ok(onething("case", "list", "--department", "municipal", "--json")))
    assert [c["id"] for c in listed] == [case_id]
    assert "intact" in ok(onething("audit", "verify"))
    checked = json.loads(ok(onething("audit", "verify", case_id, "--json")))
    assert checked == {"case": case_id, "intact": True, "checkpoints": 0, "breaks": []}


def test_negative_list_shows_the_leaders_limit_in_local_time(
    onething: Onething, tmp_path: Path
) -> None:
    """否定事项报备: a refusal waiting for the leader shows by when, what is left and its light."""
    ok(onething("definitions", "register", *map(str, (ROOT / "definitions/workflows").glob("*"))))
    licensed_store(tmp_path / "data")
    ok(onething("users", "add", "wang", "--role", "window", "--department", "approval-bureau"))
    case_id = ok(onething("case", "submit", "utility-external-works", "--data", str(SAMPLE)))
    case_id = case_id.strip()
    reason = ("--reason", "不属于本机关职权范围", "--legal-basis", "行政许可法第三十二条")
    ok(onething("case", "act", case_id, "-", "refuse", "--actor", "wang", *reason))
    [line] = [x for x in ok(onething("negative", "list")).splitlines() if case_id in x]
    assert "leader decides by 20" in line and "17:30 +08:00" in line
    assert "working" in line and line.rstrip().endswith(("green]", "yellow]", "red]"))
    [entry] = json.loads(ok(onething("negative", "list", "--json")))
    assert entry["decision_due"]["limit"] == "5 working-days"
    assert entry["light"] in ("green", "yellow", "red")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "show", "no-such-case"], "no case 'no-such-case'"),
        (["audit", "verify", "no-such-case"], "no case 'no-such-case'"),
        (["case", "list", "--status", "bogus"], "unknown status 'bogus' (known: submitted"),
        (["case", "list", "--department", "moon"], "unknown department 'moon'"),
        (["negative", "list", "--status", "bogus"], "unknown status 'bogus' (known: pending"),
        (["case", "submit", "no-such-workflow", "--data", str(SAMPLE)], "no-such-workflow"),
        (["case", "act", "x", "-", "accept", "--actor", "nobody"], "no case 'x'"),
        (["users", "add", "z", "--role", "wizard"], "unknown role 'wizard'"),
        (
            ["users", "add", "z", "--role", "head", "--department", "moon"],
            "unknown department 'moon'",
        ),
        (
            ["users", "add", "z", "--role", "portal", "--department", "municipal"],
            "give it no department",
        ),
        (["users", "disable", "nobody"], "no user 'nobody'"),
    ],
)
def test_a_users_mistake_gets_one_line_and_exit_2(
    onething: Onething,
    args: list[str],
    message: str,
) -> None:
    result = onething(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_illegal_action_names_case_step_state_and_actor(
    onething: Onething, tmp_path: Path
) -> None:
    ok(onething("definitions", "register", str(ROOT / "definitions/workflows")))
    licensed_store(tmp_path / "data")
    ok(onething("users", "add", "wang", "--role", "window", "--department", "approval-bureau"))
    case_id = ok(
        onething("case", "submit", "utility-external-works", "--data", str(SAMPLE))
    ).strip()
    ok(onething("case", "act", case_id, "-", "accept", "--actor", "wang"))
    result = onething("case", "act", case_id, "road-occupation", "approve", "--actor", "wang")
    assert result.returncode == 2
    for part in (case_id, "'road-occupation'", "active", "wang (window@approval-bureau)"):
        assert part in result.stderr
    bad_json = ROOT / "pyproject.toml"
    result = onething("case", "submit", "utility-external-works", "--data", str(bad_json))
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_art32_one_notice_gathers_the_branches_and_the_window_issues_it(
    onething: Onething, tmp_path: Path
) -> None:
    ok(onething("definitions", "register", str(ROOT / "definitions/workflows")))
    licensed_store(tmp_path / "data")
    for name, role, department in (
        ("wang", "window", "approval-bureau"),
        ("liu", "reviewer", "municipal"),
        ("zhao", "reviewer", "traffic-police"),
    ):
        ok(onething("users", "add", name, "--role", role, "--department", department))
    case_id = ok(
        onething("case", "submit", "utility-external-works", "--data", str(SAMPLE))
    ).strip()
    ok(onething("case", "act", case_id, "-", "accept", "--actor", "wang"))
    ask = ("case", "act", case_id, "road-digging", "return-for-correction", "--actor", "liu")
    shown = ok(onething(*ask, "--items", "traffic-plan,补充夜间施工说明", "--reason", "不清晰"))
    assert "补正 correction (draft, to issue by " in shown and "+08:00" in shown
    assert "note-1: 补充夜间施工说明  asked by road-digging (liu); awaited" in shown
    ok(onething("case", "act", case_id, "traffic-consent", "approve", "--actor", "zhao"))
    refused = onething("case", "act", case_id, "-", "issue-correction", "--actor", "liu")
    assert refused.returncode == 2 and "cannot issue-correction" in refused.stderr
    shown = ok(onething("case", "act", case_id, "-", "issue-correction", "--actor", "wang"))
    assert "[correction]" in shown and "issued " in shown and "by wang" in shown
    again = onething(*ask, "--items", "construction-plan")
    assert again.returncode == 2 and "was issued at" in again.stderr
    supplied = ("case", "act", case_id, "-", "supplement", "--actor", "wang", "--materials")
    shown = ok(onething(*supplied, '{"traffic-plan": "doc-9"}'))
    assert "awaiting: note-1" in shown and "traffic-plan: 交通组织方案" in shown
    shown = ok(onething(*supplied, '{"note-1": "说明见doc-10"}'))
    assert "补正" not in shown and "[in-progress]" in shown
    view = json.loads(ok(onething("case", "show", case_id, "--json")))
    assert view["correction"] is None
    notices = [n for n in view["notices"] if n["kind"] == "correction"]
    assert len(notices) == 1 and "补充夜间施工说明" in notices[0]["text"]


def test_act_batch_applies_each_line_on_its_own(onething: Onething, tmp_path: Path) -> None:
    ok(onething("definitions", "register", str(ROOT / "definitions/workflows")))
    licensed_store(tmp_path / "data")
    ok(onething("users", "add", "wang", "--role", "window", "--department", "approval-bureau"))
    ok(onething("users", "add", "liu", "--role", "reviewer", "--department", "municipal"))
    ids = [
        ok(onething("case", "submit", "utility-external-works", "--data", str(SAMPLE))).strip()
        for _ in range(2)
    ]
    batch = tmp_path / "batch.jsonl"
    lines = [{"case": i, "action": "accept", "actor": "wang"} for i in ids]
    lines += [
        {"case": ids[0], "step": "road-occupation", "action": "approve", "actor": "liu"},
        {"case": ids[1], "step": "road-occupation", "action": "approve", "actor": "wang"},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = onething("case", "act-batch", str(batch), "--json")
    assert result.returncode == 1, result.stderr  # one refused, the rest applied
    report = json.loads(result.stdout)
    assert [entry["ok"] for entry in report] == [True, True, True, False]
    assert ids[1] in report[3]["error"] and "wang" in report[3]["error"]
    first = json.loads(ok(onething("case", "show", ids[0], "--json")))
    occupation = next(s for s in first["steps"] if s["id"] == "road-occupation")
    assert occupation["status"] == "approved"
    assert "intact" in ok(onething("audit", "verify"))
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(lines[0]) + "\n{not json\n", encoding="utf-8")
    result = onething("case", "act-batch", str(broken))
    assert result.returncode == 2 and f"{broken}:2:2: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    missing = tmp_path / "missing.jsonl"
    missing.write_text(json.dumps({"case": ids[0], "action": "approve"}) + "\n", encoding="utf-8")
    result = onething("case", "act-batch", str(missing))
    assert result.returncode == 2 and "missing.jsonl:1: missing 'actor'" in result.stderr
    typo = tmp_path / "typo.jsonl"
    typo.write_text(json.dumps({**lines[2], "reson": "x"}) + "\n", encoding="utf-8")
    result = onething("case", "act-batch", str(typo))
    assert result.returncode == 2 and "typo.jsonl:1: unknown field 'reson'" in result.stderr


def test_demo_runs_every_sample_to_its_end_with_parallel_steps(onething: Onething) -> None:
    from engine.calendar import Limit, load_calendars
    from engine.clock import system_now

    gx = load_calendars(ROOT / "definitions" / "calendars").get("gx")
    before = gx.due(system_now(), Limit(2)).at.date()
    out = ok(onething("demo"))
    after = gx.due(system_now(), Limit(2)).at.date()
    samples = len(list((ROOT / "definitions" / "samples").glob("*.json")))
    assert f"{samples} of {samples} cases ran to their end." in out
    assert out.count("-> completed") == samples
    assert "parallel: road-occupation" in out  # the report's road approvals side by side
    assert "parallel: background-check" in out  # both background checks at once
    # the licence library: a licence issued by the market section, read by another service
    assert "business licence supplied from library:enterprise-establishment" in out
    assert "not asked again" in out and "证照库无有效营业执照" in out
    # the supervision scene: a late step's notices, over the demo's own SMTP server and webhook
    assert "yellow: 1 email, 1 webhook; red: 1 email, 1 webhook (nothing fired twice)" in out
    if before == after:  # the utility works promise 2 working days on the Guangxi calendar
        assert f"promised by {before.isoformat()} 17:30 +08:00 (2 working-days)" in out


def test_serve_on_a_port_in_use_says_so_in_one_line(onething: Onething) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = onething("serve", "--port", str(port))
    assert result.returncode == 2, result.stderr
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_users_add_list_rotate_and_disable(onething) -> None:  # type: ignore[no-untyped-def]
    first = ok(onething("users", "add", "ops", "--role", "operator")).split("token: ")[1].strip()
    ok(onething("users", "add", "liu", "--role", "reviewer", "--department", "municipal"))
    rotated = ok(onething("users", "rotate-token", "ops")).split(": ")[1].strip()
    assert rotated != first and rotated.startswith("ot_")
    ok(onething("users", "disable", "liu"))
    users = json.loads(ok(onething("users", "list", "--json")))
    assert [(u["name"], u["roles"], u["disabled_at"] is not None) for u in users] == [
        ("liu", ["reviewer@municipal"], True),
        ("ops", ["operator"], False),
    ]
    assert first not in ok(onething("users", "list")) and "token" not in json.dumps(users)


def test_case_submit_reports_every_problem_at_its_place_in_the_file_and_stores_nothing(
    onething: Onething, tmp_path: Path
) -> None:
    ok(onething("definitions", "register", *map(str, (ROOT / "definitions/workflows").glob("*"))))
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["applicant"]["credit_code"] = "91450200MA5K8Q3L78"
    data["fields"].update(length_m=-5, utility="steam")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    result = onething("case", "submit", "utility-external-works", "--data", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.removeprefix("onething: ").splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "'91450200MA5K8Q3L78' is not a valid unified social credit code",
        "field 'length_m' should be at least 1, not -5",
        "field 'utility' should be one of water, power, gas, telecom, not 'steam'",
    ]
    assert all(line.startswith(f"{bad}:") for line in lines)  # file:line:col
    other = ROOT / "definitions" / "samples" / "ride-hailing-dual-licence.json"
    result = onething("case", "submit", "utility-external-works", "--data", str(other))
    assert result.returncode == 2
    assert "the application is for 'ride-hailing-dual-licence'" in result.stderr
    assert ok(onething("case", "list", "--json")).strip() in ("[]", "")


def test_art32_the_window_returns_a_submitted_application_from_the_cli(onething: Onething) -> None:
    ok(onething("definitions", "register", *map(str, (ROOT / "definitions/workflows").glob("*"))))
    ok(onething("users", "add", "wang", "--role", "window", "--department", "approval-bureau"))
    case_id = ok(onething("case", "submit", "utility-external-works", "--data", str(SAMPLE)))
    case_id = case_id.strip()
    items = ("--items", "construction-plan,请说明夜间施工时段", "--reason", "平面图不清晰")
    shown = ok(
        onething("case", "act", case_id, "-", "return-for-correction", "--actor", "wang", *items)
    )
    assert "correction" in shown and "请说明夜间施工时段" in shown and "note-1" in shown
    supplied = '{"construction-plan": "doc-77", "note-1": "夜间22时前停工"}'
    ok(
        onething(
            "case", "act", case_id, "-", "supplement", "--actor", "wang", "--materials", supplied
        )
    )
    ok(onething("case", "act", case_id, "-", "accept", "--actor", "wang"))
    view = json.loads(ok(onething("case", "show", case_id, "--json")))
    assert view["status"] == "in-progress" and view["correction"] is None
