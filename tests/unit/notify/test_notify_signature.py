"""The webhook signature scheme, as a receiver checks it."""

from __future__ import annotations

import hashlib
import hmac

from engine.notify.signature import sign, verify

BODY = '{"case":"C-1","text":"黄牌预警"}'.encode()


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", BODY, timestamp=1700000000) == "sha256=" + expected


def test_verify_accepts_ours_and_rejects_other_secret_body_or_old_timestamp() -> None:
    signature = sign("s3cret", BODY, timestamp=1700000000)
    assert verify("s3cret", BODY, timestamp=1700000000, signature=signature, now=1700000100)
    assert not verify("other", BODY, timestamp=1700000000, signature=signature, now=1700000000)
    assert not verify(
        "s3cret", BODY + b" ", timestamp=1700000000, signature=signature, now=1700000000
    )
    assert not verify("s3cret", BODY, timestamp=1700000001, signature=signature, now=1700000001)
    assert not verify("s3cret", BODY, timestamp=1700000000, signature=signature, now=1700000301)
