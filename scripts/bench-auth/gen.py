#!/usr/bin/env python3
"""Pre-signs the per-request JWTs of a token-endpoint load test, one request
per line, so that the load generator (wrk) only sends them.

  gen.py key  OUT_DIR                 an ES256 key: OUT_DIR/key.pem, OUT_DIR/jwks.json (public)
  gen.py lines KIND OUT_DIR N ...     N lines of "<form body>\t<DPoP proof or ->"

KIND private_key_jwt  CLIENT_ID AUDIENCE   client_credentials with a client
                                           assertion (RFC 7523 §2.2), unique jti
KIND dpop             TOKEN_URL            client_credentials with a DPoP proof
                                           (RFC 9449 §4.2), unique jti
Assertions and proofs carry iat = now, so a file is good for the server's
freshness window (a few minutes): generate it just before the run.
"""
import base64
import json
import os
import sys
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key) -> dict:
    n = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(n.x.to_bytes(32, "big")),
            "y": b64(n.y.to_bytes(32, "big"))}


def sign(key, header: dict, claims: dict) -> str:
    signing_input = f"{b64(json.dumps(header, separators=(',', ':')).encode())}." \
                    f"{b64(json.dumps(claims, separators=(',', ':')).encode())}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def make_key(out: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    with open(os.path.join(out, "key.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    jwk = dict(public_jwk(key), kid="bench-1", use="sig", alg="ES256")
    with open(os.path.join(out, "jwks.json"), "w") as f:
        json.dump({"keys": [jwk]}, f)


def load_key(out: str):
    with open(os.path.join(out, "key.pem"), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def lines(kind: str, out: str, count: int, args: list[str]) -> None:
    key = load_key(out)
    now = int(time.time())
    path = os.path.join(out, f"{kind}.lines")
    with open(path, "w") as f:
        for _ in range(count):
            if kind == "private_key_jwt":
                client_id, audience = args
                assertion = sign(key, {"alg": "ES256", "kid": "bench-1", "typ": "JWT"},
                                 {"iss": client_id, "sub": client_id, "aud": audience,
                                  "jti": str(uuid.uuid4()), "iat": now, "exp": now + 240})
                body = ("grant_type=client_credentials&client_id=" + client_id +
                        "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                        "client-assertion-type%3Ajwt-bearer&client_assertion=" + assertion)
                f.write(f"{body}\t-\n")
            elif kind == "dpop":
                (token_url,) = args
                proof = sign(key, {"alg": "ES256", "typ": "dpop+jwt", "jwk": public_jwk(key)},
                             {"htm": "POST", "htu": token_url, "jti": str(uuid.uuid4()),
                              "iat": now})
                f.write(f"grant_type=client_credentials\t{proof}\n")
            else:
                sys.exit(f"unknown kind {kind}")
    print(path)


if __name__ == "__main__":
    if sys.argv[1] == "key":
        make_key(sys.argv[2])
    else:
        lines(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
