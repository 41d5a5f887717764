"""The local stack runs what AWS runs (DESIGN "Version 1.2"): the table's stream feeds the
notifier as Lambda's event source mapping would (scripts/local_events.py), so a member
notification written in a business transaction's outbox reaches the member locally too
(001: 购物金 issued at registration). The notifier writes to LOYALTY_NOTIFY_FILE locally."""
import json
import os
import time
import uuid

import pytest

from conftest import new_shop

NOTIFY_FILE = os.environ.get("LOYALTY_NOTIFY_FILE")


def notifications_for(shop):
    """The complete lines for `shop` (the notifier may be writing the last one right now)."""
    try:
        with open(NOTIFY_FILE) as f:
            lines = [line for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []
    return [m for m in map(json.loads, lines) if m.get("shop") == shop]


@pytest.mark.skipif(not NOTIFY_FILE, reason="needs the stack's LOYALTY_NOTIFY_FILE (scripts/e2e.sh sets it)")
def test_an_outbox_notice_reaches_the_notifier_through_the_stream():
    api = new_shop()
    api.ok("PUT", "/admin/programs/credit", {"enabled": True, "expiry": {"kind": "never"},
                                             "rules": [{"type": "registration", "grant": {"fixed": "3.00"}}]})
    member = f"m{uuid.uuid4().hex[:8]}"
    api.ok("PUT", f"/admin/members/{member}", {"name": "Mei", "email": "mei@example.com"})
    api.ok("POST", f"/members/{member}/register", {"channel": "online"})
    # The stream is read every half second; the notifier answers in milliseconds once its
    # instance runs (the first one starts with `cargo run`).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not notifications_for(api.shop):
        time.sleep(0.25)
    (message,) = notifications_for(api.shop)
    assert message["member_id"] == member
    assert message["event"] == "credit_issued"
    assert message["payload"]["amount"] == "3.00"
    assert message["to"] == "mei@example.com"
