"""Outbound webhooks on the local stack, over real HTTP (API 1.2, issue 22): an operation's
messages go through the table's stream (scripts/local_events.py feeds webhook-fanout as the
event source mapping would) and the sender's sweep to receivers on 127.0.0.1, which verify
every message with the `standardwebhooks` package from PyPI and the secret the API returned.
004 (points earned), 003 (levels)."""
import json
import os
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from conftest import new_shop

# Waits are deadlines for something that must happen, never measured durations: the stack's
# first fan-out and sender instances start with `cargo run`.
ARRIVES = 60


class Receiver:
    """A merchant's endpoint: answers with the statuses of `script` in turn (then 200) and keeps
    every request."""

    def __init__(self, script=()):
        self.script = list(script)
        self.got = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                with receiver.lock:
                    receiver.got.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                         "body": body, "at": time.monotonic()})
                    status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()

    def requests(self):
        with self.lock:
            return list(self.got)

    def wait_for(self, predicate, what):
        deadline = time.monotonic() + ARRIVES
        while time.monotonic() < deadline:
            got = self.requests()
            if predicate(got):
                return got
            time.sleep(0.2)
        raise AssertionError(f"{what}: got {len(self.requests())} requests")


@pytest.fixture
def receivers():
    made = []

    def make(script=()):
        r = Receiver(script)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def verified(secret, request):
    """The message as the receiver's library reads it; raises if no signature verifies."""
    return Webhook(secret).verify(request["body"], request["headers"])


def earning_shop():
    api = new_shop()
    api.ok("PUT", "/admin/programs/points", {"enabled": True, "earn": {"points_per_unit": 1},
                                             "redeem": {"points_per_unit": 100}})
    return api


def endpoint(api, url, events=None):
    body = {"url": url, "description": "e2e receiver"}
    if events is not None:
        body["events"] = events
    return api.ok("POST", "/admin/webhooks", body)


def accrue(api, member, order, total="120.00"):
    now = datetime.now(timezone.utc).isoformat()
    return api.ok("POST", f"/orders/{order}/accrue", {"member_id": member, "currency": "MYR", "total": total,
                                                      "placed_at": now, "paid_at": now, "lines": []})


def test_an_accrual_arrives_signed_as_points_earned_and_a_filtered_endpoint_hears_nothing_else(receivers):
    api = earning_shop()
    everything, levels_only = receivers(), receivers()
    ep = endpoint(api, everything.url)
    assert ep["secret"].startswith("whsec_") and ep["status"] == "enabled"
    endpoint(api, levels_only.url, ["level.changed"])
    accrue(api, "m1", "o1")
    (request,) = everything.wait_for(lambda got: len(got) >= 1, "the points.earned message")
    message = verified(ep["secret"], request)
    assert message["type"] == "points.earned"
    assert message["data"]["shop"] == api.shop
    assert message["data"]["member_id"] == "m1"
    assert message["data"]["order_id"] == "o1"
    assert message["data"]["amount"] == 120 and message["data"]["balance_after"] == 120
    with pytest.raises(WebhookVerificationError):
        verified("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", request)
    deliveries = api.ok("GET", f"/admin/webhooks/{ep['endpoint_id']}/deliveries")["items"]
    assert [(d["type"], d["status"], d["attempts"]) for d in deliveries] == [("points.earned", "delivered", 1)]
    # The filtered endpoint takes level changes only (this shop has no ladder).
    assert levels_only.requests() == []


def test_a_failing_receiver_gets_the_same_id_again_after_5_seconds_and_410_disables(receivers):
    api = earning_shop()
    flaky = receivers([500])
    ep = endpoint(api, flaky.url, ["points.earned"])
    accrue(api, "m1", "o1")
    first, again = flaky.wait_for(lambda got: len(got) >= 2, "the retry")
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"]
    # The schedule's first retry is 5 s after the failure (up to 10 % later).
    assert again["at"] - first["at"] >= 4.5
    assert verified(ep["secret"], again)["type"] == "points.earned"
    deliveries = api.ok("GET", f"/admin/webhooks/{ep['endpoint_id']}/deliveries")["items"]
    assert (deliveries[0]["status"], deliveries[0]["attempts"], deliveries[0]["last_status_code"]) == ("delivered", 2, 200)

    gone = receivers([410])
    ep2 = endpoint(api, gone.url)
    api.ok("POST", f"/admin/webhooks/{ep2['endpoint_id']}/test")
    gone.wait_for(lambda got: len(got) >= 1, "the test message")
    deadline = time.monotonic() + ARRIVES
    while time.monotonic() < deadline:
        if api.ok("GET", f"/admin/webhooks/{ep2['endpoint_id']}")["status"] == "disabled":
            break
        time.sleep(0.2)
    disabled = api.ok("GET", f"/admin/webhooks/{ep2['endpoint_id']}")
    assert (disabled["status"], disabled["disabled_reason"]) == ("disabled", "gone")


def test_after_a_rotation_both_secrets_verify(receivers):
    api = earning_shop()
    rx = receivers()
    ep = endpoint(api, rx.url)
    rotated = api.ok("POST", f"/admin/webhooks/{ep['endpoint_id']}/rotate")
    assert rotated["secret"] != ep["secret"]
    api.ok("POST", f"/admin/webhooks/{ep['endpoint_id']}/test")
    (request,) = rx.wait_for(lambda got: len(got) >= 1, "the test message")
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(ep["secret"], request)["type"] == "webhook.test"
    assert verified(rotated["secret"], request)["data"]["endpoint_id"] == ep["endpoint_id"]


def test_50_concurrent_accruals_arrive_as_50_distinct_messages_each_delivered_once(receivers):
    api = earning_shop()
    rx = receivers()
    ep = endpoint(api, rx.url, ["points.earned"])
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda i: accrue(api, f"m{i}", f"o{i}", "10.00"), range(50)))
    rx.wait_for(lambda got: len({g["headers"]["webhook-id"] for g in got}) >= 50, "50 messages")
    ids = [g["headers"]["webhook-id"] for g in rx.requests()]
    assert len(ids) == 50 and len(set(ids)) == 50
    # Each delivered at its first attempt, so none is due again.
    deliveries = api.ok("GET", f"/admin/webhooks/{ep['endpoint_id']}/deliveries?limit=100")["items"]
    assert sorted(d["message_id"] for d in deliveries) == sorted(ids)
    assert {(d["status"], d["attempts"], d["next_attempt_at"]) for d in deliveries} == {("delivered", 1, None)}
    members = {verified(ep["secret"], g)["data"]["member_id"] for g in rx.requests()}
    assert members == {f"m{i}" for i in range(50)}


DDB = os.environ.get("LOYALTY_E2E_DYNAMODB_URL")
WATCH = os.environ.get("LOYALTY_E2E_WATCH_URL")
TABLE = os.environ.get("LOYALTY_TABLE", "loyalty-local")


def shop_message_records(shop):
    """This shop's message items as the table's stream has them."""
    import boto3

    region = os.environ.get("AWS_REGION", "us-east-1")
    ddb = boto3.client("dynamodb", endpoint_url=DDB, region_name=region,
                       aws_access_key_id="test", aws_secret_access_key="test")
    streams = boto3.client("dynamodbstreams", endpoint_url=DDB, region_name=region,
                           aws_access_key_id="test", aws_secret_access_key="test")
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            for r in page["Records"]:
                image = r["dynamodb"].get("NewImage", {})
                if (r["eventName"] == "INSERT" and image.get("entity_type", {}).get("S") == "webhook_messages"
                        and image.get("shop", {}).get("S") == shop):
                    r = dict(r)
                    r["dynamodb"] = {k: v for k, v in r["dynamodb"].items() if k != "ApproximateCreationDateTime"}
                    records.append(r)
            it = page.get("NextShardIterator") if page["Records"] else None
    return records


@pytest.mark.skipif(not (DDB and WATCH), reason="needs LOYALTY_E2E_DYNAMODB_URL and LOYALTY_E2E_WATCH_URL (scripts/e2e.sh)")
def test_a_replayed_stream_batch_makes_no_second_delivery(receivers):
    api = earning_shop()
    rx = receivers()
    ep = endpoint(api, rx.url)
    accrue(api, "m1", "o1")
    rx.wait_for(lambda got: len(got) >= 1, "the message")
    records = shop_message_records(api.shop)
    assert len(records) == 1
    # The event source mapping hands the same batch again (Lambda reads streams at least once).
    req = urllib.request.Request(f"{WATCH}/2015-03-31/functions/webhook-fanout/invocations",
                                 data=json.dumps({"Records": records}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as res:
        answer = json.loads(res.read())
    assert (answer["deliveries"], answer["new"]) == (1, 0)
    deliveries = api.ok("GET", f"/admin/webhooks/{ep['endpoint_id']}/deliveries")["items"]
    assert [(d["status"], d["attempts"], d["next_attempt_at"]) for d in deliveries] == [("delivered", 1, None)]
    assert len(rx.requests()) == 1


def test_an_unknown_endpoint_is_404():
    api = new_shop()
    status, problem = api.call("GET", f"/admin/webhooks/ep_{uuid.uuid4().hex[:20]}")
    assert (status, problem["code"]) == (404, "not_found")
