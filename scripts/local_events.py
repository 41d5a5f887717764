"""The local stack's event sources, as AWS runs them (DESIGN "Version 1.2": the local stack
runs what AWS runs): for every function template.yaml gives

- a DynamoDB stream event (`Type: DynamoDB`), a poller plays Lambda's event source mapping:
  it reads the local table's stream (moto's DynamoDB Streams), keeps the records the
  mapping's FilterCriteria keep, and invokes the function with batches of at most BatchSize
  in the stream's event format, one batch at a time per function, in order; a failed batch
  (a function error or no answer) is tried again, split in halves when
  BisectBatchOnFunctionError is set, or from the record it names when the function reports
  `batchItemFailures` (FunctionResponseTypes: ReportBatchItemFailures), at most MaximumRetryAttempts times (3 when the template
  sets none: Lambda's own default would retry until the records age out), then written to
  `.local/stream-failures.jsonl`, the local on-failure destination;
- a schedule (`Type: ScheduleV2` or `Schedule` with `rate(...)`), the function is invoked at
  once and then on that rate with `{}`, as EventBridge Scheduler does. `cron(...)` schedules are named in the
  log and not run.

Functions are invoked through `cargo lambda watch`'s Lambda Invoke API
(`POST /2015-03-31/functions/{name}/invocations`).

usage: local_events.py WATCH_URL DYNAMODB_URL TABLE
"""
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.request

import boto3
import yaml

from local_table import CfnLoader

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
POLL_SECONDS = 0.5
DEFAULT_RETRIES = 3


def log(msg):
    print(f"local_events: {msg}", flush=True)


def sources():
    """(streams, schedules) from template.yaml: [(binary, properties)], [(binary, seconds, expr)]."""
    with open(os.path.join(ROOT, "template.yaml")) as f:
        template = yaml.load(f, Loader=CfnLoader)
    streams, schedules = [], []
    for res in template["Resources"].values():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        binary = res["Metadata"]["BuildProperties"]["Binary"]
        for event in res["Properties"].get("Events", {}).values():
            props = event.get("Properties", {})
            if event["Type"] == "DynamoDB":
                streams.append((binary, props))
            elif event["Type"] in ("ScheduleV2", "Schedule"):
                expr = props.get("ScheduleExpression") or props.get("Schedule") or ""
                seconds = rate_seconds(expr)
                if seconds:
                    schedules.append((binary, seconds, expr))
                else:
                    log(f"{binary}: {expr} is not run locally (only rate(...) schedules are)")
    return streams, schedules


def rate_seconds(expr):
    m = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expr.strip())
    if not m:
        return None
    unit = {"minute": 60, "hour": 3600, "day": 86400}[m.group(2).rstrip("s")]
    return int(m.group(1)) * unit


def matches(pattern, value):
    """Lambda's filter pattern subset the template uses: nested objects, and lists of
    allowed exact values at the leaves."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list):
        return value in pattern
    return pattern == value


def keeps(props, record):
    filters = (props.get("FilterCriteria") or {}).get("Filters") or []
    if not filters:
        return True
    return any(matches(json.loads(f["Pattern"]), record) for f in filters)


def as_event_record(record, stream_arn):
    """A boto3 stream record in the JSON form Lambda hands a function."""
    r = dict(record)
    ddb = dict(r["dynamodb"])
    at = ddb.get("ApproximateCreationDateTime")
    if hasattr(at, "timestamp"):
        ddb["ApproximateCreationDateTime"] = int(at.timestamp())
    r["dynamodb"] = ddb
    r["eventSourceARN"] = stream_arn
    return r


def invoke(watch_url, function, payload, timeout=120):
    """The function's answer (parsed JSON, or {}), or None after a function error or none."""
    req = urllib.request.Request(f"{watch_url}/2015-03-31/functions/{function}/invocations",
                                 data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            body = res.read()
            failed = res.headers.get("X-Amz-Function-Error")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        log(f"{function}: no answer ({e})")
        return None
    if failed or b'"errorType"' in body[:200]:
        log(f"{function}: function error {body[:300]!r}")
        return None
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    return answer if isinstance(answer, dict) else {}


class StreamMapping:
    """One function's event source mapping on the table's stream."""

    def __init__(self, binary, props, watch_url, streams, stream_arn):
        self.binary = binary
        self.props = props
        self.watch_url = watch_url
        self.streams = streams
        self.stream_arn = stream_arn
        self.batch_size = int(props.get("BatchSize", 100))
        retries = props.get("MaximumRetryAttempts")
        self.retries = DEFAULT_RETRIES if retries in (None, -1) else int(retries)
        self.bisect = bool(props.get("BisectBatchOnFunctionError"))
        self.iterators = {}

    def start_iterators(self):
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            sid = shard["ShardId"]
            if sid not in self.iterators:
                # LATEST, as the template's StartingPosition says (TRIM_HORIZON otherwise).
                kind = "TRIM_HORIZON" if self.props.get("StartingPosition") == "TRIM_HORIZON" else "LATEST"
                self.iterators[sid] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=sid, ShardIteratorType=kind)["ShardIterator"]

    def poll(self):
        for sid, it in list(self.iterators.items()):
            if it is None:
                continue
            page = self.streams.get_records(ShardIterator=it, Limit=1000)
            self.iterators[sid] = page.get("NextShardIterator")
            records = [as_event_record(r, self.stream_arn) for r in page.get("Records", [])]
            kept = [r for r in records if keeps(self.props, r)]
            for i in range(0, len(kept), self.batch_size):
                self.deliver(kept[i:i + self.batch_size], self.retries)

    def deliver(self, batch, retries):
        for attempt in range(retries + 1):
            answer = invoke(self.watch_url, self.binary, {"Records": batch})
            failures = (answer or {}).get("batchItemFailures") or []
            if answer is not None and not failures:
                return
            if answer is not None:
                # Again from the first record the function names, as Lambda checkpoints.
                first = {f.get("itemIdentifier") for f in failures}
                at = next((i for i, r in enumerate(batch) if r["dynamodb"].get("SequenceNumber") in first), 0)
                batch = batch[at:]
                time.sleep(min(2 ** attempt, 10))
                continue
            if self.bisect and len(batch) > 1:
                half = len(batch) // 2
                self.deliver(batch[:half], retries - attempt - 1 if retries > attempt else 0)
                self.deliver(batch[half:], retries - attempt - 1 if retries > attempt else 0)
                return
            time.sleep(min(2 ** attempt, 10))
        path = os.path.join(ROOT, ".local", "stream-failures.jsonl")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write(json.dumps({"function": self.binary, "records": batch}) + "\n")
        log(f"{self.binary}: gave up on {len(batch)} records after {retries} retries (.local/stream-failures.jsonl)")


def run_schedule(watch_url, binary, seconds, expr):
    """Invoked at once and then every `seconds` from the start of the last invocation, as
    EventBridge Scheduler does (a rate schedule's first run comes when it is created). One
    at a time: an invocation that outlasts the rate (the webhook sender sweeps for most of
    its minute) is followed by the next at once."""
    log(f"{binary}: {expr}")
    while True:
        started = time.monotonic()
        invoke(watch_url, binary, {}, timeout=max(seconds, 120))
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))


def main():
    watch_url, ddb_url, table = sys.argv[1], sys.argv[2], sys.argv[3]
    region = os.environ.get("AWS_REGION", "us-east-1")
    streams_src, schedules = sources()
    for binary, seconds, expr in schedules:
        threading.Thread(target=run_schedule, args=(watch_url, binary, seconds, expr), daemon=True).start()
    ddb = boto3.client("dynamodb", endpoint_url=ddb_url, region_name=region)
    streams = boto3.client("dynamodbstreams", endpoint_url=ddb_url, region_name=region)
    arn = ddb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
    if not arn:
        log(f"table {table} has no stream: stream consumers are not fed")
        threading.Event().wait()
    mappings = [StreamMapping(b, p, watch_url, streams, arn) for b, p in streams_src]
    for m in mappings:
        m.start_iterators()
        log(f"{m.binary}: reading {arn.rsplit('/', 1)[-1]} (batches of {m.batch_size})")
    checked = time.monotonic()
    while True:
        for m in mappings:
            try:
                if time.monotonic() - checked > 30:
                    m.start_iterators()  # new shards
                m.poll()
            except Exception as e:  # the local DynamoDB restarting or frozen by the stall test
                log(f"{m.binary}: {e}")
                time.sleep(1)
        if time.monotonic() - checked > 30:
            checked = time.monotonic()
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
