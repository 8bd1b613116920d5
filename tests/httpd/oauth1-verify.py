#!/usr/bin/env python3
"""Test-only: checks one OAuth 1.0a Authorization header with python3-oauthlib
(SignatureOnlyEndpoint), an implementation that is not rosterpipe's.

usage: oauth1-verify.py METHOD URL CLIENT_ID SECRET_FILE HEADER
Exit 0 when the signature, client, timestamp and nonce are accepted, 1 when not
(the reason on stderr), 3 when the check itself fails."""
import logging
import sys

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint


class Validator(RequestValidator):
    def __init__(self, client_id, secret):
        super().__init__()
        self.client_id, self.secret = client_id, secret

    enforce_ssl = False
    allowed_signature_methods = ("HMAC-SHA256", "HMAC-SHA1")
    client_key_length = (1, 100)
    dummy_client = "dummy-client"

    def check_client_key(self, key):
        return 0 < len(key) <= 100

    def validate_client_key(self, key, request):
        return key == self.client_id

    def get_client_secret(self, key, request):
        return self.secret if key == self.client_id else "dummy"

    def validate_timestamp_and_nonce(self, key, ts, nonce, request, **kw):
        return True


def main(argv):
    method, url, client_id, secret_file, header = argv[1:6]
    with open(secret_file, encoding="utf-8") as f:
        secret = f.readline().rstrip("\r\n")
    log = logging.getLogger("oauthlib")
    log.addHandler(logging.StreamHandler(sys.stderr))
    log.setLevel(logging.INFO)
    ok, _ = SignatureOnlyEndpoint(Validator(client_id, secret)).validate_request(
        url, method, None, {"Authorization": header})
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:  # a broken check is no refusal: exit 3, not 1
        import traceback
        traceback.print_exc()
        sys.exit(3)
