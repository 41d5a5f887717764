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


def exit_with_parent(pid: int) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)
        time.sleep(0.5)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
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
