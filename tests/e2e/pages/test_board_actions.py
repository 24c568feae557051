"""The boards offer an action only to whom the permission table (the API's) allows it: the
operator reads the escalations board and the negative register without a button, and a
forged form from it is refused 403 with nothing changed."""

from __future__ import annotations

from tests.fixtures.pages import Scene, logged_in

ACK, ORDER, DECIDE = '/acknowledge"', '/order"', '/decide"'


def test_the_operator_sees_no_action_it_may_not_take_and_a_forged_one_is_403(
    scene: Scene,
) -> None:
    fired = scene.api.services.supervision.escalations()
    assert fired and all(e.acknowledged_at is None and e.order_due is None for e in fired)
    first = fired[0]
    negative = f"{scene.refused}-N1"
    with logged_in(scene, "ops") as (client, csrf):
        board = client.get("/escalations")
        register = client.get("/negatives")
        acked = client.post(f"/escalations/{first.id}/acknowledge", data={"csrf": csrf})
        ordered = client.post(
            f"/escalations/{first.id}/order", data={"csrf": csrf, "due": "2026-10-20"}
        )
        decided = client.post(
            f"/negatives/{negative}/decide",
            data={"csrf": csrf, "decision": "confirm", "reason": "材料确实不全"},
        )
    assert board.status_code == 200 and scene.red in board.text
    assert ACK not in board.text and ORDER not in board.text
    assert register.status_code == 200 and scene.refused in register.text
    assert DECIDE not in register.text
    assert (acked.status_code, ordered.status_code, decided.status_code) == (403, 403, 403)
    after = {e.id: e for e in scene.api.services.supervision.escalations()}
    assert after[first.id].acknowledged_at is None and after[first.id].order_due is None
    assert scene.api.services.cases.show(scene.refused).status == "refusal-pending"


def test_the_supervisor_and_the_leader_see_their_actions(scene: Scene) -> None:
    with logged_in(scene, "jian") as (client, _):
        board = client.get("/escalations").text
    with logged_in(scene, "li") as (client, _):
        register = client.get("/negatives").text
    assert ACK in board and ORDER in board
    assert DECIDE in register
