"""Parity of the local DynamoDB's query patch (`query_by_partition` in local_dynamodb.py).

Two servers, one patched and one as moto ships it (`--unpatched-query`), get the same
seeded sequence of writes on the table template.yaml defines: puts, updates that add,
change and remove index keys in place, deletes, conditional writes that fail, transactions
that commit and transactions cancelled by a condition (rolled back), batch writes. Every
answer must be the same, and so must every query on the base table, the LSI and both GSIs:
items, order, pages (`LastEvaluatedKey`), counts and condition failures.

And the numbers patch: numbers come back with their zeros trimmed, as DynamoDB keeps them.

usage: .venv/bin/python -m unittest scripts/test_local_dynamodb.py   (make test runs it)
"""
import os
import random
import subprocess
import sys
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import local_table  # noqa: E402
from local_dynamodb import free_port, wait_for_port  # noqa: E402

TABLE = "parity"
PARTITIONS = [f"SHOP#s1#M#m{i}" for i in range(6)]
INDEX_KEYS = {
    "GSI1PK": ["REG#s1", "REG#s2", "DUE#1"],
    "GSI2PK": ["LVL#2026-04-01#0", "LVL#2026-04-02#1"],
}


def start(*flags):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "local_dynamodb.py"), "127.0.0.1", str(port),
         "--parent-pid", str(os.getpid()), *flags],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for_port(port), "the local DynamoDB did not start"
    endpoint = f"http://127.0.0.1:{port}"
    props = local_table.table_properties(os.path.join(HERE, "..", "template.yaml"))
    local_table.create(endpoint, TABLE, props)
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}))
    return proc, client


def s(v):
    return {"S": v}


def answer(call, **kwargs):
    """What the caller sees: the response without metadata, or the error's code, message
    and per-item cancellation reasons."""
    try:
        out = call(**kwargs)
    except ClientError as e:
        reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
        return ("error", e.response["Error"]["Code"], reasons)
    out.pop("ResponseMetadata", None)
    out.pop("ConsumedCapacity", None)
    return out


class Writes:
    """A seeded random workload over a few partitions, with index keys that come and go."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        sk = self.rng.choice(["PROFILE", "ACCT#POINTS"] + [f"LEDGER#{n:03}" for n in range(25)])
        return {"PK": s(self.rng.choice(PARTITIONS)), "SK": s(sk)}

    def item(self):
        it = dict(self.key())
        it["v"] = {"N": str(self.rng.randint(0, 9))}
        for pk, values in INDEX_KEYS.items():
            if self.rng.random() < 0.6:
                it[pk] = s(self.rng.choice(values))
                if self.rng.random() < 0.9:  # an index key without its range key: not indexed
                    it[pk.replace("PK", "SK")] = s(f"{self.rng.randint(0, 40):03}#x")
        if self.rng.random() < 0.5:
            it["LSI1SK"] = s(f"L{self.rng.randint(0, 30):03}")
        return it

    def update(self):
        r = self.rng.random()
        if r < 0.3:
            expr, values = "SET GSI1PK = :p, GSI1SK = :s", {
                ":p": s(self.rng.choice(INDEX_KEYS["GSI1PK"])),
                ":s": s(f"{self.rng.randint(0, 40):03}#u")}
        elif r < 0.5:
            expr, values = "REMOVE GSI1PK, GSI2SK SET v = :n", {":n": {"N": "1"}}
        elif r < 0.7:
            expr, values = "SET GSI2PK = :p, GSI2SK = :s, LSI1SK = :l", {
                ":p": s(self.rng.choice(INDEX_KEYS["GSI2PK"])),
                ":s": s(f"{self.rng.randint(0, 40):03}#u"),
                ":l": s(f"L{self.rng.randint(0, 30):03}")}
        else:
            expr, values = "SET v = v + :n", {":n": {"N": "1"}}
        op = {"Key": self.key(), "UpdateExpression": expr, "ExpressionAttributeValues": values}
        if self.rng.random() < 0.3:
            op["ConditionExpression"] = "attribute_exists(PK)"
        return op

    def next(self):
        """(operation name, arguments) of the next write."""
        r = self.rng.random()
        if r < 0.35:
            args = {"Item": self.item()}
            if self.rng.random() < 0.3:
                args["ConditionExpression"] = "attribute_not_exists(PK)"
            return "put_item", args
        if r < 0.6:
            return "update_item", self.update()
        if r < 0.7:
            return "delete_item", {"Key": self.key()}
        if r < 0.9:
            ops, seen = [], set()
            for _ in range(self.rng.randint(2, 5)):
                kind = self.rng.choice(["Put", "Update", "Delete", "ConditionCheck"])
                if kind == "Put":
                    body = {"Item": self.item()}
                    key = (body["Item"]["PK"]["S"], body["Item"]["SK"]["S"])
                    if self.rng.random() < 0.3:
                        body["ConditionExpression"] = "attribute_not_exists(PK)"
                elif kind == "Update":
                    body = self.update()
                    key = (body["Key"]["PK"]["S"], body["Key"]["SK"]["S"])
                else:
                    body = {"Key": self.key()}
                    key = (body["Key"]["PK"]["S"], body["Key"]["SK"]["S"])
                    if kind == "ConditionCheck" or self.rng.random() < 0.3:
                        body["ConditionExpression"] = "attribute_exists(PK)"
                if key in seen:
                    continue
                seen.add(key)
                body["TableName"] = TABLE
                ops.append({kind: body})
            return "transact_write_items", {"TransactItems": ops}
        puts = {}
        for _ in range(self.rng.randint(1, 8)):
            it = self.item()
            puts[(it["PK"]["S"], it["SK"]["S"])] = {"PutRequest": {"Item": it}}
        return "batch_write_item", {"RequestItems": {TABLE: list(puts.values())}}


def queries(rng):
    """Queries over every way the functions read: base table, LSI, GSIs; conditions on the
    range key, both directions, filters, projections, counts, small pages."""
    out = []
    for pk in PARTITIONS:
        out.append({"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": s(pk)}})
        out.append({"KeyConditionExpression": "PK = :p AND begins_with(SK, :b)",
                    "ExpressionAttributeValues": {":p": s(pk), ":b": s("LEDGER#")},
                    "ScanIndexForward": False})
        out.append({"KeyConditionExpression": "PK = :p AND SK BETWEEN :a AND :b",
                    "ExpressionAttributeValues": {":p": s(pk), ":a": s("LEDGER#005"),
                                                  ":b": s("LEDGER#017")}})
        out.append({"IndexName": "LSI1", "KeyConditionExpression": "PK = :p AND LSI1SK > :l",
                    "ExpressionAttributeValues": {":p": s(pk), ":l": s("L010")}})
        out.append({"KeyConditionExpression": "PK = :p", "FilterExpression": "v >= :n",
                    "ExpressionAttributeValues": {":p": s(pk), ":n": {"N": "5"}},
                    "ProjectionExpression": "PK, SK, v"})
    for index, pk in (("GSI1", "GSI1PK"), ("GSI2", "GSI2PK")):
        for value in INDEX_KEYS[pk] + ["NONE#0"]:
            names = {"#p": pk, "#s": pk.replace("PK", "SK")}
            vals = {":p": s(value)}
            out.append({"IndexName": index, "KeyConditionExpression": "#p = :p",
                        "ExpressionAttributeNames": names, "ExpressionAttributeValues": vals,
                        "ScanIndexForward": rng.random() < 0.5})
            out.append({"IndexName": index, "KeyConditionExpression": "#p = :p AND #s < :t",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": {**vals, ":t": s("020")},
                        "Select": "COUNT"})
    # Refused alike: an unknown index, a GSI read with ConsistentRead.
    out.append({"IndexName": "NOPE", "KeyConditionExpression": "PK = :p",
                "ExpressionAttributeValues": {":p": s(PARTITIONS[0])}})
    out.append({"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :p",
                "ExpressionAttributeValues": {":p": s("REG#s1")}, "ConsistentRead": True})
    return out


def pages(client, query, limit):
    """Every page of a query, following LastEvaluatedKey."""
    got, start = [], None
    for _ in range(200):
        args = {"TableName": TABLE, **query}
        if limit:
            args["Limit"] = limit
        if start:
            args["ExclusiveStartKey"] = start
        page = answer(client.query, **args)
        got.append(page)
        start = page.get("LastEvaluatedKey") if isinstance(page, dict) else None
        if not start:
            return got
    raise AssertionError("paging did not end")


def stream(server, limit):
    """Every record of the table's stream, read from its start by pages of `limit`, without
    what differs between two servers by chance: the random event id, the clock, and the size
    moto estimates from a JSON text that holds the clock's digits."""
    _, client = server
    endpoint = client.meta.endpoint_url
    streams = boto3.client(
        "dynamodbstreams", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test")
    arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while True:
        page = streams.get_records(ShardIterator=it, Limit=limit)
        if not page["Records"]:
            return records
        for r in page["Records"]:
            r.pop("eventID")
            assert r["dynamodb"].pop("ApproximateCreationDateTime") is not None
            assert r["dynamodb"].pop("SizeBytes") > 0
            records.append(r)
        it = page["NextShardIterator"]


class QueryParity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = [start(), start("--unpatched-query", "--unpatched-streams")]

    @classmethod
    def tearDownClass(cls):
        for proc, _ in cls.servers:
            proc.terminate()
            proc.wait()

    def both(self, op, args):
        return [answer(getattr(client, op), **({"TableName": TABLE, **args}
                                                if op not in ("transact_write_items",
                                                              "batch_write_item") else args))
                for _, client in self.servers]

    def compare_queries(self, rng, when):
        for query in queries(rng):
            for limit in (None, 1, 3):
                patched, moto = (pages(client, query, limit) for _, client in self.servers)
                self.assertEqual(patched, moto, f"{when}: {query} limit {limit}")

    def test_the_same_writes_give_the_same_answers_and_the_same_queries(self):
        rng = random.Random(7)
        writes = Writes(20261204)
        outcomes = {"ok": 0, "error": 0}
        for n in range(1, 601):
            op, args = writes.next()
            patched, moto = self.both(op, args)
            self.assertEqual(patched, moto, f"write {n}: {op} {args}")
            outcomes["error" if isinstance(patched, tuple) else "ok"] += 1
            if n % 150 == 0:
                self.compare_queries(rng, f"after {n} writes")
        # The workload did exercise refusals and cancelled transactions, not only writes.
        self.assertGreater(outcomes["error"], 20, outcomes)
        self.assertGreater(outcomes["ok"], 300, outcomes)
        # The table's stream reads the same, page by page, whatever the page size (the
        # patched GetRecords answers each record's JSON made once).
        for limit in (1000, 7, 1000):
            patched, moto = (stream(proc_client, limit) for proc_client in self.servers)
            self.assertGreater(len(moto), 300)
            self.assertEqual(patched, moto, f"stream read by {limit}")

    def test_a_query_reads_only_its_partition(self):
        """What the patch is for, counted rather than timed: in this process, with the patch
        applied to moto's own backend, a Query never iterates the table's partitions (the
        unpatched walk calls `items.values()` on the whole table, every time)."""
        from collections import defaultdict

        import local_dynamodb
        from moto.dynamodb.models import dynamodb_backends

        local_dynamodb.query_by_partition()
        backend = dynamodb_backends["123456789012"]["eu-west-1"]
        props = local_table.table_properties(os.path.join(HERE, "..", "template.yaml"))
        table = local_table.create_in_backend(backend, "counted", props, streams=False)

        class Counted(defaultdict):
            walks = 0

            def values(self):
                Counted.walks += 1
                return super().values()

        table.items = Counted(dict)
        for m in range(200):
            for i in range(5):
                backend.put_item("counted", {
                    "PK": s(f"SHOP#s1#M#m{m}"), "SK": s(f"LEDGER#{i:03}"),
                    "GSI1PK": s(f"REG#s{m % 3}"), "GSI1SK": s(f"{m:03}#{i}")})
        walks = Counted.walks
        items, _, last = backend.query(
            "counted", s("SHOP#s1#M#m7"), None, [], 3, None, False, None,
            hash_key_conditions=[("PK", s("SHOP#s1#M#m7"))])
        self.assertEqual([i.attrs["SK"].value for i in items],
                         ["LEDGER#004", "LEDGER#003", "LEDGER#002"])
        self.assertIsNotNone(last)
        items, _, _ = backend.query(
            "counted", s("REG#s1"), None, [], 1000, None, True, None, index_name="GSI1",
            hash_key_conditions=[("GSI1PK", s("REG#s1"))])
        self.assertEqual(len(items), 5 * len(range(1, 200, 3)))
        self.assertEqual(Counted.walks, walks, "a Query walked the whole table")
        # A Scan still walks it, as it should: the counter is not blind.
        backend.scan("counted", {}, 10, None, None, {}, {}, None, False, None, (None, None))
        self.assertGreater(Counted.walks, walks)

if __name__ == "__main__":
    unittest.main()


class NumbersAsDynamoDB(unittest.TestCase):
    """DynamoDB trims a number's leading and trailing zeros; the local server does too, so a
    reader that counts on the scale it wrote fails here as it would in AWS."""

    def test_numbers_come_back_trimmed_in_items_updates_and_maps(self):
        proc, client = start()
        try:
            key = {"PK": s("SHOP#s1#M#m1"), "SK": s("ACCT#VALUE")}
            client.put_item(TableName=TABLE, Item={
                **key, "balance": {"N": "50.00"}, "rate": {"N": "007.50"},
                "zero": {"N": "-0.000"}, "sizes": {"NS": ["1.10", "2"]},
                "nested": {"M": {"amount": {"N": "0.10"}}}})
            client.update_item(TableName=TABLE, Key=key, UpdateExpression="ADD balance :d",
                               ExpressionAttributeValues={":d": {"N": "1.50"}})
            item = client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]
            self.assertEqual(
                (item["balance"], item["rate"], item["zero"], sorted(item["sizes"]["NS"]),
                 item["nested"]["M"]["amount"]),
                ({"N": "51.5"}, {"N": "7.5"}, {"N": "0"}, ["1.1", "2"], {"N": "0.1"}))
        finally:
            proc.terminate()
            proc.wait()
