"""The local DynamoDB: moto's server, single-threaded.

moto's own threaded server takes no lock around an operation, so conditional writes and
transactions are not atomic under concurrent requests (../shared/TOOLING.md). Serving one
request at a time makes every request atomic; the races our tests provoke are then real
races between function instances, decided by DynamoDB semantics.

usage: local_dynamodb.py HOST PORT [--parent-pid PID]
With --parent-pid the server exits when that process is gone (test harnesses).
"""
import os
import sys
import threading
import time

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


def exit_with_parent(pid: int) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)
        time.sleep(0.5)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    roll_back_touched_items_only()
    if "--parent-pid" in sys.argv:
        pid = int(sys.argv[sys.argv.index("--parent-pid") + 1])
        threading.Thread(target=exit_with_parent, args=(pid,), daemon=True).start()
    run_simple(
        host,
        port,
        DomainDispatcherApplication(create_backend_app),
        threaded=False,
        processes=1,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
