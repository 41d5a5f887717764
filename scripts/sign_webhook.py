"""Prints a payment webhook request with a fresh signature, as the provider would send it.

usage: sign_webhook.py PURCHASE_ID AMOUNT [--type payment.succeeded] [--shop s1]
                       [--currency MYR] [--secret whsec_...] [--event evt_...] [--curl URL]
The secret must be the shop's webhook_secret (PUT /admin/settings). With --curl, prints a
curl command for the local stack instead of the JSON event for `cargo lambda invoke`.
"""
import argparse
import hashlib
import hmac
import json
import shlex
import time
import uuid


def main():
    p = argparse.ArgumentParser()
    p.add_argument("purchase_id")
    p.add_argument("amount")
    p.add_argument("--type", default="payment.succeeded")
    p.add_argument("--shop", default="s1")
    p.add_argument("--currency", default="MYR")
    p.add_argument("--secret", default="whsec_0123456789abcdef")
    p.add_argument("--event", default=f"evt_{uuid.uuid4().hex[:16]}")
    p.add_argument("--curl", metavar="URL")
    a = p.parse_args()
    body = json.dumps({"id": a.event, "type": a.type,
                       "data": {"reference": a.purchase_id, "amount": a.amount, "currency": a.currency}})
    t = int(time.time())
    sig = hmac.new(a.secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    headers = {"webhook-shop": a.shop, "webhook-signature": f"t={t},v1={sig}", "content-type": "application/json"}
    if a.curl:
        hs = " ".join(f"-H {shlex.quote(k + ': ' + v)}" for k, v in headers.items())
        print(f"curl -s -X POST {a.curl}/webhooks/payments {hs} -d {shlex.quote(body)}")
        return
    print(json.dumps({"version": "2.0", "routeKey": "POST /webhooks/payments", "rawPath": "/webhooks/payments",
                      "rawQueryString": "", "headers": headers, "body": body, "isBase64Encoded": False,
                      "requestContext": {"http": {"method": "POST", "path": "/webhooks/payments", "protocol": "HTTP/1.1",
                                                  "sourceIp": "127.0.0.1", "userAgent": "provider"},
                                         "requestId": "webhook", "routeKey": "POST /webhooks/payments", "stage": "$default"}},
                     indent=2))


if __name__ == "__main__":
    main()
