"""Builds what the reports read (API 1.2 "Reports") for ledger entries written before the
reports existed: each entry's place in the shop's ledger index (GSI1) and the movement
counters per shop, shard and shop-local day. Since issue 34 it also lists every configured
shop (for the monthly close) and closes each shard's months that ended a whole shop-local
day before --now: every day of them sealed, the balance carried through each month's end
(what expire-lots' close writes; docs/reports.md). Everything is computed from the whole
ledger and written as absolute figures, so a second run gives the same table (idempotent);
run it once before deploying, while nothing writes (like copy_config.py).

usage: backfill_reports.py --table NAME [--endpoint URL] [--region R] [--now ISO] [--dry-run]
"""
import argparse
import collections
import decimal
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import boto3

SHARDS = 8  # shared/store keys::REPORT_SHARDS


def shard(member):
    """keys::report_shard: FNV-1a of the member id, modulo the shards."""
    h = 0x811C9DC5
    for b in member.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h % SHARDS


def parse_member_pk(pk):
    rest = pk[len("SHOP#"):] if pk.startswith("SHOP#") else None
    if not rest or "#M#" not in rest:
        return None
    shop, member = rest.split("#M#", 1)
    return shop, member


def scan(ddb, table, **kw):
    start = None
    while True:
        args = dict(TableName=table, **kw)
        if start:
            args["ExclusiveStartKey"] = start
        page = ddb.scan(**args)
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True)
    ap.add_argument("--endpoint")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--now", help="the instant months are closable at (default: now)")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else datetime.now(timezone.utc)
    ddb = boto3.client("dynamodb", endpoint_url=args.endpoint, region_name=args.region)
    zones = {}

    def zone(shop):
        if shop not in zones:
            got = ddb.get_item(TableName=args.table, Key={"PK": {"S": f"SHOP#{shop}"}, "SK": {"S": "SETTINGS"}},
                               ConsistentRead=True).get("Item")
            zones[shop] = ZoneInfo(got["timezone"]["S"]) if got else timezone.utc
        return zones[shop]

    counters = collections.defaultdict(lambda: collections.defaultdict(decimal.Decimal))
    indexed = entries = 0
    for it in scan(ddb, args.table, FilterExpression="entity_type = :l",
                   ExpressionAttributeValues={":l": {"S": "ledger"}}):
        parsed = parse_member_pk(it["PK"]["S"])
        if not parsed:
            continue
        shop, member = parsed
        entries += 1
        at = datetime.fromisoformat(it["at"]["S"].replace("Z", "+00:00"))
        day = at.astimezone(zone(shop)).date().isoformat()
        name = f"m_{it['account']['S']}_{it['kind']['S']}"
        counters[(shop, shard(member), day)][name] += decimal.Decimal(it["amount"]["N"])
        index_pk = f"SHOP#{shop}#LDG#{shard(member)}"
        if it.get("GSI1PK", {}).get("S") != index_pk and not args.dry_run:
            ddb.update_item(TableName=args.table, Key={"PK": it["PK"], "SK": it["SK"]},
                            UpdateExpression="SET GSI1PK = :pk, GSI1SK = :sk",
                            ExpressionAttributeValues={":pk": {"S": index_pk}, ":sk": it["entry_id"]})
            indexed += 1
    configured = {it["PK"]["S"][len("SHOP#"):] for it in scan(
        ddb, args.table, FilterExpression="SK = :s", ExpressionAttributeValues={":s": {"S": "SETTINGS"}})
        if it["PK"]["S"].count("#") == 1}
    closable = {shop: last_closable(now.astimezone(zone(shop)).date())
                for shop in configured | {shop for (shop, _, _) in counters}}
    sealed = carried = listed = 0
    for shop in sorted(closable):
        listed += 1
        if not args.dry_run:
            ddb.put_item(TableName=args.table, Item={
                "PK": {"S": "SHOPS"}, "SK": {"S": f"SHOP#{shop}"},
                "entity_type": {"S": "shop"}, "shop": {"S": shop}})
    shards = sorted({(shop, k) for (shop, k, _) in counters})
    for shop, k in shards:
        days = {day: sums for (s, kk, day), sums in counters.items() if (s, kk) == (shop, k)}
        first = date.fromisoformat(min(days)).replace(day=1)
        balances = collections.defaultdict(decimal.Decimal)
        month = first
        # Every day from the shard's first month: the closed ones sealed (even without
        # movements, as the close does), the carry written at each closed month's end.
        while True:
            nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
            is_closed = month <= closable[shop]
            day = month
            while day < nxt:
                sums = days.get(day.isoformat(), {})
                if sums or is_closed:
                    item = {"PK": {"S": f"SHOP#{shop}#CNT#{k}"}, "SK": {"S": f"D#{day.isoformat()}"},
                            "entity_type": {"S": "counters"}, "shop": {"S": shop}}
                    for name, total in sums.items():
                        item[name] = {"N": str(total)}
                        balances[name.split("_")[1]] += total
                    if is_closed:
                        item["sealed"] = {"BOOL": True}
                        sealed += 1
                    if not args.dry_run:
                        ddb.put_item(TableName=args.table, Item=item)
                day += timedelta(days=1)
            if is_closed:
                carry = {"PK": {"S": f"SHOP#{shop}#CNT#{k}"}, "SK": {"S": f"C#{month:%Y-%m}"},
                         "entity_type": {"S": "carry"}, "shop": {"S": shop}}
                for account, total in balances.items():
                    carry[f"b_{account}"] = {"N": str(total)}
                carried += 1
                if not args.dry_run:
                    ddb.put_item(TableName=args.table, Item=carry)
            if nxt > max(closable[shop], date.fromisoformat(max(days))):
                break
            month = nxt
    print(f"{entries} ledger entries: {indexed} indexed now, {len(counters)} counter items written, "
          f"{listed} shops listed, {sealed} days sealed, {carried} month balances carried"
          + (" (dry run)" if args.dry_run else ""))


def last_closable(today):
    """domain::report::last_closable: the month before the one a day ago was in."""
    day_ago = today - timedelta(days=1)
    return (day_ago.replace(day=1) - timedelta(days=1)).replace(day=1)


if __name__ == "__main__":
    sys.exit(main())
