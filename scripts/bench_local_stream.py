"""How long the local DynamoDB holds its one request slot for a stream read, patched
(`stream_records_as_text` in local_dynamodb.py) and as moto ships it: 1,000 writes of an
item shaped like a member's points account (a few lots, a ledger-sized map), then the
stream read from its start in pages of 100 and of 1,000, twice (the stack's pollers read
every record more than once).

usage: .venv/bin/python scripts/bench_local_stream.py
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_local_dynamodb import TABLE, start, stream  # noqa: E402


def account(i):
    lots = {"L": [{"M": {"id": {"S": f"lot-{i}-{n}"}, "amount": {"N": str(100 + n)},
                         "remaining": {"N": str(50 + n)}, "expires_at": {"S": "2027-12-31"},
                         "source": {"S": f"order-{i}-{n}"}}} for n in range(6)]}
    return {"PK": {"S": f"SHOP#bench#M#m{i}"}, "SK": {"S": "ACCOUNT#points"},
            "version": {"N": "3"}, "balance": {"N": "12345"}, "lots": lots,
            "entity_type": {"S": "account"}}


def main():
    for flags in ((), ("--unpatched-streams",)):
        server = start(*flags)
        proc, client = server
        for i in range(1000):
            client.put_item(TableName=TABLE, Item=account(i))
        name = "moto as shipped" if flags else "patched"
        for limit in (100, 1000):
            for read in (1, 2):
                began = time.perf_counter()
                got = stream(server, limit)
                spent = time.perf_counter() - began
                pages = -(-len(got) // limit)
                print(f"{name:16} pages of {limit:4}, read {read}: {len(got)} records in "
                      f"{spent:.2f} s ({1000 * spent / pages:.0f} ms a page)")
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
