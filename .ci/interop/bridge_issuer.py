#!/usr/bin/env python3
"""A token issuer for the bridge acceptance (.ci/interop/bridge.sh), in the
simplest form our auth accepts from a real identity provider: an RSA key
made here, its JWKS served at http://127.0.0.1:PORT/jwks.json, and one
RS256 access token for RESOURCE (iss http://127.0.0.1:PORT, aud RESOURCE,
one hour) printed on the first line of stdout. Then it serves until killed.

    bridge_issuer.py PORT RESOURCE

Needs PyJWT and cryptography (both in the venv of requirements-mcp2.txt).
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

port, resource = int(sys.argv[1]), sys.argv[2]
issuer = f"http://127.0.0.1:{port}"
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
public.update({"kid": "ci", "alg": "RS256", "use": "sig"})
jwks = json.dumps({"keys": [public]}).encode()
now = int(time.time())
claims = {"iss": issuer, "aud": resource, "sub": "ci", "scope": "mcp", "iat": now, "exp": now + 3600}
print(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "ci"}), flush=True)


class Keys(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/jwks.json":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(jwks)))
        self.end_headers()
        self.wfile.write(jwks)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Keys).serve_forever()
