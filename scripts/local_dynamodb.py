"""The local DynamoDB: moto's server, single-threaded.

moto's own threaded server takes no lock around an operation, so conditional writes and
transactions are not atomic under concurrent requests (../shared/TOOLING.md). Serving one
request at a time makes every request atomic; the races our tests provoke are then real
races between function instances, decided by DynamoDB semantics.

usage: local_dynamodb.py HOST PORT [--parent-pid PID] [--unpatched-query] [--unpatched-streams]
With --parent-pid the server exits when that process is gone (test harnesses).
"""
import os
import sys
import threading
import time
from decimal import Decimal, InvalidOperation

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def roll_back_touched_items_only() -> None:
    """moto makes a transaction atomic by deep-copying the whole table before it (once per
    item of the transaction) and putting the copy back on failure: a cost that grows with
    the table, ~90 ms per write at 600 items. Since this server runs one request at a time,
    keeping the previous versions of just the items the transaction names, and putting them
    back on failure, gives the same all-or-nothing outcome at a cost that does not grow."""
    import copy
    import moto.dynamodb.models as models

    class LiveTables:
        # Handed to moto in place of the `copy` module: while a transaction runs, its
        # "backup" is the live table, so moto's own restore is a no-op and ours does the work.
        live = False

        def deepcopy(self, obj, memo=None):
            return obj if self.live else copy.deepcopy(obj, memo)

    shim = LiveTables()
    models.copy = shim
    original = models.DynamoDBBackend.transact_write_items

    def previous_versions(backend, transact_items):
        touched = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table_name = op["TableName"]
            table = backend.get_table(table_name)
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            current = backend.get_item(table_name, key)
            old = copy.deepcopy(current.to_json()["Attributes"]) if current else None
            touched.append((table_name, key, old))
        return touched

    def transact_write_items(self, transact_items):
        try:
            touched = previous_versions(self, transact_items)
        except Exception:
            # Malformed input: let moto's own path raise the error DynamoDB would.
            return original(self, transact_items)
        shim.live = True
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, old in reversed(touched):
                if old is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, old)
            raise
        finally:
            shim.live = False

    models.DynamoDBBackend.transact_write_items = transact_write_items


def query_by_partition() -> None:
    """moto answers a Query by walking every item of the table (`Table.query` iterates
    `all_items()`, for the base table and for indexes): ~2 s at 66,000 items, a timeout at
    200,000. DynamoDB reads only the partition asked for. Here each table keeps, per index,
    the primary keys of its items by their index hash key, updated on every write path
    (put, delete, update, and so batches, transactions and their roll-back; moto has no TTL
    deletion), and a Query hands moto's own query just the candidates of its partition:
    conditions, order, pages and projections stay moto's code, on fewer items.
    `scripts/test_local_dynamodb.py` checks the answers against unpatched moto."""
    import moto.dynamodb.models as models
    from moto.dynamodb.comparisons import get_comparison_func
    from moto.dynamodb.models.table import Table

    def hash_attrs(index):
        return tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")

    class Partitions:
        """Per index: hash value(s) -> primary keys; per primary key: where it is listed."""

        def __init__(self, table):
            self.shape = shape_of(table)
            self.by_index = {name: {} for name, _ in self.shape}
            self.placed = {}
            for item in original_all_items(table):
                self.place(table, item.hash_key, item.range_key)

        def place(self, table, hash_key, range_key):
            pk = (hash_key, range_key)
            for name, value in self.placed.pop(pk, {}).items():
                keys = self.by_index[name].get(value)
                if keys is not None:
                    keys.discard(pk)
                    if not keys:
                        del self.by_index[name][value]
            item = current(table, hash_key, range_key)
            if item is None:
                return
            where = {}
            for name, attrs in self.shape:
                value = tuple(item.attrs.get(a) for a in attrs)
                if all(v is not None for v in value):
                    self.by_index[name].setdefault(value, set()).add(pk)
                    where[name] = value
            if where:
                self.placed[pk] = where

    def shape_of(table):
        return tuple((i.name, hash_attrs(i)) for i in table.all_indexes())

    def current(table, hash_key, range_key):
        found = table.items.get(hash_key)
        if found is None or table.range_key_attr is None:
            return found
        return found.get(range_key)

    def partitions(table):
        # Kept on the table, so a table moto copies carries its own; rebuilt when the
        # indexes change (UpdateTable) or a table arrives without one (restore, import).
        parts = table.__dict__.get("_partitions")
        if parts is None or parts.shape != shape_of(table):
            parts = Partitions(table)
            table.__dict__["_partitions"] = parts
        return parts

    def candidates(table, hash_key, index_name, hash_key_conditions):
        if index_name is None:
            if hash_key is None:
                return None
            found = table.items.get(hash_key)
            if found is None:
                return []
            return list(found.values()) if table.range_key_attr else [found]
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        if index is None or not hash_key_conditions:
            return None  # moto's own path raises the error DynamoDB would
        given = dict(hash_key_conditions)
        attrs = hash_attrs(index)
        if any(a not in given for a in attrs):
            return None
        keys = partitions(table).by_index[index_name].get(tuple(given[a] for a in attrs), ())
        return [i for i in (current(table, h, r) for h, r in keys) if i is not None]

    original_all_items = Table.all_items
    original_query = Table.query

    def all_items(self):
        scope = self.__dict__.get("_scope")
        if scope is None:
            return original_all_items(self)
        return sorted(
            scope, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key
        )

    def in_range(scope, range_comparison, range_objs):
        """The items of `scope` whose string sort key meets the Query's condition (moto's own
        comparison: `cast_value` of a string is the string), and the nearest item on either
        side of them, so moto sorts and reads only those: DynamoDB reads a sort-key range,
        never the whole partition (a five-year shop's month report would otherwise sort
        ~1,900 items per shard to return 31, issue 34). The neighbours keep moto's answer
        the same to the page: it gives a LastEvaluatedKey at a Limit only when some item of
        the partition follows. moto applies the condition again."""
        func = get_comparison_func(range_comparison) if range_comparison else None
        if scope is None or func is None or not range_objs:
            return scope
        if any(o.type != "S" for o in range_objs) or any(
                i.range_key is None or i.range_key.type != "S" for i in scope):
            return scope
        bounds = [o.value for o in range_objs]
        inside = [i for i in scope if func(i.range_key.value, *bounds)]
        if not inside:
            return []
        low = min(i.range_key.value for i in inside)
        high = max(i.range_key.value for i in inside)
        below = [i for i in scope if i.range_key.value < low]
        above = [i for i in scope if i.range_key.value > high]
        if below:
            inside.append(max(below, key=lambda i: i.range_key.value))
        if above:
            inside.append(min(above, key=lambda i: i.range_key.value))
        return inside

    def query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
              scan_index_forward, projection_expressions, index_name=None, *args, **kwargs):
        scope = candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
        if index_name is None:
            scope = in_range(scope, range_comparison, range_objs)
        self.__dict__["_scope"] = scope
        try:
            return original_query(self, hash_key, range_comparison, range_objs, limit,
                                  exclusive_start_key, scan_index_forward,
                                  projection_expressions, index_name, *args, **kwargs)
        finally:
            self.__dict__["_scope"] = None

    original_put = Table.put_item
    original_delete = Table.delete_item
    original_update = models.DynamoDBBackend.update_item

    def put_item(self, item_attrs, *args, **kwargs):
        item = original_put(self, item_attrs, *args, **kwargs)
        partitions(self).place(self, item.hash_key, item.range_key)
        return item

    def delete_item(self, hash_key, range_key):
        item = original_delete(self, hash_key, range_key)
        partitions(self).place(self, hash_key, range_key)
        return item

    def update_item(self, table_name, key, *args, **kwargs):
        # moto updates the item in place: its index keys may change without a put.
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:
            try:
                table = self.get_table(table_name)
                hash_key, range_key = self.get_keys_value(table, key)
            except Exception:
                pass  # no such table or key: nothing was written
            else:
                partitions(table).place(table, hash_key, range_key)

    Table.all_items = all_items
    Table.query = query
    Table.put_item = put_item
    Table.delete_item = delete_item
    models.DynamoDBBackend.update_item = update_item


def stream_records_as_text() -> None:
    """moto 5 answers GetRecords through its model-driven serializer, which walks every
    attribute of every image in Python: ~30 ms a record for our items, so a page of 100
    records held the server for seconds while every other caller waited (measured in the
    e2e run, where the stream pollers made 74 % of the server's busy time). A record never
    changes once written, so its JSON is made once, on its first read, and a page is those
    texts joined: the same document (scripts/test_local_dynamodb.py compares them)."""
    from moto.dynamodb.models.table import StreamRecord
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def text(self):
        cached = self.__dict__.get("_text")
        if cached is None:
            cached = self._text = dynamo_json_dump(self.record)
        return cached

    StreamRecord.text = text

    def get_records(self):
        arn = self._get_param("ShardIterator")
        limit = self._get_param("Limit") or 1000
        iterator = self.backend.shard_iterators[arn]
        start = iterator.sequence_number - iterator.stream_shard.starting_sequence_number
        records = iterator.stream_shard.items[start:start + limit]
        # moto's own bookkeeping of the next iterator, from the plain records.
        result = iterator.get(limit)
        assert len(result["Records"]) == len(records)
        body = ",".join(r.text() for r in records)
        return '{"NextShardIterator":%s,"Records":[%s]}' % (
            dynamo_json_dump(result["NextShardIterator"]), body)

    DynamoDBStreamsHandler.get_records = get_records


def trimmed_number(text):
    """A number as DynamoDB keeps it: leading and trailing zeros trimmed ("50.00" -> "50",
    "0.10" -> "0.1", "-0" -> "0"); what is not a finite number is left for moto to refuse."""
    try:
        d = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return text
    if not d.is_finite():
        return text
    return "0" if d == 0 else format(d.normalize(), "f")


def numbers_as_dynamodb_keeps_them() -> None:
    """DynamoDB stores numbers variable-length and trims their leading and trailing zeros:
    an amount written as "50.00" is read back as "50". moto keeps the text as sent, so code
    that counts on the scale it wrote (money rendered from a stored amount without its
    currency) passed here and showed "50" in AWS. Every number moto takes, in items, in
    updates' results and in stream images, is trimmed as DynamoDB trims it."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = DynamoType.__init__

    def init(self, type_as_dict):
        original(self, type_as_dict)
        if self.type == "N":
            self.value = trimmed_number(self.value)
        elif self.type == "NS":
            self.value = [trimmed_number(v) for v in self.value]

    DynamoType.__init__ = init


def free_port() -> int:
    """A local port nothing listens on now (for the harnesses that start a server)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> bool:
    """Whether a server answers on `port` within `seconds`."""
    import socket

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def exit_with_parent(pid: int) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)
        time.sleep(0.5)


def patch(query: bool = True, streams: bool = True) -> None:
    """The local server's patches; `query=False` leaves moto's Query as shipped, and
    `streams=False` its GetRecords."""
    roll_back_touched_items_only()
    numbers_as_dynamodb_keeps_them()
    if query:
        query_by_partition()
    if streams:
        stream_records_as_text()


class LoadLog:
    """Since one request runs at a time, every request waits for the ones before it: a
    minute's busy share says how close the server is to making callers wait, and a slow
    request names what made them wait. Written to the server's log (.local/dynamodb*.log)."""

    SLOW_SECONDS = 0.5

    def __init__(self, app):
        self.app = app
        self.started = time.monotonic()
        self.busy = 0.0
        self.count = 0
        self.by_target = {}

    def __call__(self, environ, start_response):
        began = time.monotonic()
        try:
            return self.app(environ, start_response)
        finally:
            spent = time.monotonic() - began
            target = environ.get("HTTP_X_AMZ_TARGET", "?").rsplit(".", 1)[-1]
            self.count += 1
            self.busy += spent
            n, t = self.by_target.get(target, (0, 0.0))
            self.by_target[target] = (n + 1, t + spent)
            if spent > self.SLOW_SECONDS:
                print(f"local_dynamodb: slow {target} {spent * 1000:.0f} ms", flush=True)
            if began - self.started >= 60:
                self.report(began)

    def report(self, now):
        window = now - self.started
        top = sorted(self.by_target.items(), key=lambda kv: -kv[1][1])[:4]
        parts = ", ".join(f"{k} {n} in {t:.1f} s" for k, (n, t) in top)
        print(
            f"local_dynamodb: {self.count} requests, busy {100 * self.busy / window:.0f} % "
            f"of {window:.0f} s ({parts})",
            flush=True,
        )
        self.started, self.busy, self.count, self.by_target = now, 0.0, 0, {}


def serve(host: str, port: int) -> None:
    """moto's server, one request at a time (see the top of this file)."""
    run_simple(
        host,
        port,
        LoadLog(DomainDispatcherApplication(create_backend_app)),
        threaded=False,
        processes=1,
        request_handler=MotoRequestHandler,
    )


def log_long_collections() -> None:
    """The collector's full passes walk every object the tables hold; name the long ones."""
    import gc

    began = {}

    def callback(phase, info):
        if phase == "start":
            began["t"] = time.monotonic()
        elif "t" in began:
            spent = time.monotonic() - began.pop("t")
            if spent > 0.2:
                print(f"local_dynamodb: gc generation {info['generation']} {spent * 1000:.0f} ms", flush=True)

    gc.callbacks.append(callback)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    log_long_collections()
    patch(query="--unpatched-query" not in sys.argv,
          streams="--unpatched-streams" not in sys.argv)
    if "--parent-pid" in sys.argv:
        pid = int(sys.argv[sys.argv.index("--parent-pid") + 1])
        threading.Thread(target=exit_with_parent, args=(pid,), daemon=True).start()
    serve(host, port)


if __name__ == "__main__":
    main()
