"""Creates the loyalty table on a DynamoDB endpoint exactly as template.yaml defines it.

usage: local_table.py --endpoint URL --table NAME [--template template.yaml]
Idempotent: an existing table is left as it is.
"""
import argparse
import os
import sys

import boto3
import yaml


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, ...) as plain values."""


def _any_tag(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


CfnLoader.add_multi_constructor("!", _any_tag)


def table_properties(template_path):
    with open(template_path) as f:
        template = yaml.load(f, Loader=CfnLoader)
    tables = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    ]
    if len(tables) != 1:
        sys.exit(f"expected one table in {template_path}, found {len(tables)}")
    return tables[0]


def create(endpoint, name, props):
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )
    if name in client.list_tables()["TableNames"]:
        return
    args = {
        "TableName": name,
        "BillingMode": props["BillingMode"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
    }
    for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        if key in props:
            args[key] = props[key]
    if "StreamSpecification" in props:
        args["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": props["StreamSpecification"]["StreamViewType"],
        }
    client.create_table(**args)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": True,
                "AttributeName": ttl["AttributeName"],
            },
        )


def create_in_backend(backend, name, props, streams=True):
    """The same table straight in a moto backend, in-process (harnesses that fill or count
    without HTTP)."""
    stream = props.get("StreamSpecification")
    return backend.create_table(
        name,
        schema=props["KeySchema"],
        throughput=None,
        attr=props["AttributeDefinitions"],
        global_indexes=props.get("GlobalSecondaryIndexes"),
        indexes=props.get("LocalSecondaryIndexes"),
        streams={"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        if streams and stream
        else None,
        billing_mode=props["BillingMode"],
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--template", default=os.path.join(here, "..", "template.yaml"))
    parser.add_argument("--region", default=None)
    args = parser.parse_args()
    if args.region:
        os.environ["AWS_REGION"] = args.region
    create(args.endpoint, args.table, table_properties(args.template))


if __name__ == "__main__":
    main()
