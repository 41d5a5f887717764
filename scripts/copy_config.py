"""Writes the copies of every shop's configuration items (keys::CONFIG_COPIES) for tables
whose shops were configured before copies existed. Safe to run again: a copy is the item.

usage: copy_config.py --table NAME [--endpoint URL]
Run it before deploying functions that read copies; from then on every write of a
configuration item writes its copies in the same transaction.
"""
import argparse

import boto3

COPIES = 8  # keys::CONFIG_COPIES
CONFIG = ("SETTINGS", "LEVELS", "CARDSUMMARY", "EXCHANGE")


def is_config(pk, sk):
    return pk.startswith("SHOP#") and pk.count("#") == 1 and (sk in CONFIG or sk.startswith("PROGRAM#"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True)
    ap.add_argument("--endpoint")
    args = ap.parse_args()
    table = boto3.resource("dynamodb", endpoint_url=args.endpoint).Table(args.table)
    scan = {"FilterExpression": "begins_with(PK, :p)", "ExpressionAttributeValues": {":p": "SHOP#"}}
    copied = 0
    while True:
        page = table.scan(**scan)
        for item in page["Items"]:
            pk, sk = item["PK"], item["SK"]
            if not is_config(pk, sk):
                continue
            for k in range(1, COPIES):
                table.put_item(Item={**item, "PK": f"{pk}#{sk}#R{k}"})
            copied += 1
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    print(f"copied {copied} configuration items x {COPIES - 1}")


if __name__ == "__main__":
    main()
