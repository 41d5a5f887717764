"""Prints an HS256 bearer token for the local stack (standard library only).

usage: make_token.py [--role admin] [--shop s1] [--sub u1] [--ttl 86400]
The secret is LOYALTY_JWT_SECRET (default local-dev-secret), as the functions read it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import time


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(role: str, shop: str, sub: str, ttl: int, secret: str) -> str:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    claims = {"shop": shop, "sub": sub, "role": role, "iat": now, "exp": now + ttl}
    payload = b64(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--role", default="admin")
    p.add_argument("--shop", default="s1")
    p.add_argument("--sub", default="u1")
    p.add_argument("--ttl", type=int, default=86400)
    a = p.parse_args()
    secret = os.environ.get("LOYALTY_JWT_SECRET", "local-dev-secret")
    print(token(a.role, a.shop, a.sub, a.ttl, secret))


if __name__ == "__main__":
    main()
