#!/usr/bin/env python3
"""Test-only HTTP server: a loopback stand-in for the Clever Data API (v3.0
and v3.1) and a OneRoster 1.1 / 1.2 REST server (ClassLink, a district's own
server), with paging and fault injection.

Standard library only, but for OneRoster's --auth oauth1, which checks
signatures with python3-oauthlib (Debian's package): an implementation of
OAuth 1.0a that is not rosterpipe's.  Runs on Python 3.11.  See README.md
beside this file.
Never use it outside the test suite: it binds 127.0.0.1 only, exits by
itself after --max-seconds, and serves whatever is under --root.
"""

import argparse
import json
import os
import signal
import base64
import secrets
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlsplit

PROG = "httpd.py"

CLEVER_PREFIXES = ("/v3.0/", "/v3.1/")  # v3.1 is a superset: the same pages
CLEVER_ENTITIES = ("districts", "schools", "terms", "courses", "sections", "users")
CLEVER_MAX_LIMIT = 10000

OR_PREFIX = "/ims/oneroster/v1p1/"
OR_PREFIXES = {"1.1": OR_PREFIX, "1.2": "/ims/oneroster/rostering/v1p2/"}
TOKEN_PATH = "/oauth/token"
OR_COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users",
                  "enrollments", "demographics")

DEFAULT_LIMIT = 100

# OneRoster 1.1 imsx_CodeMinor values for each status we send.
OR_MINOR = {
    400: "invalid_selection_field",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    405: "forbidden",
    429: "server_busy",
    500: "internal_server_error",
}

REASON = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------
# Fault specs

class Faults:
    """Per-path fault rules and per-path request counters."""

    def __init__(self, specs, prefix, token_path=None):
        self.rules = {}      # path -> list of (kind, args)
        self.counts = {}     # path -> requests seen so far
        self.lock = threading.Lock()
        for spec in specs:
            kind, path, args = self._parse(spec)
            if not path.startswith(prefix) and path != token_path:
                raise UsageError(
                    "--fault %s: path must start with %s in this mode"
                    % (spec, " or ".join(prefix)))
            self.rules.setdefault(path, []).append((kind, args))

    @staticmethod
    def _parse(spec):
        parts = spec.split(":")
        kind = parts[0]
        want = {"429": 4, "500": 3, "502": 3, "503": 4, "504": 3, "401": 2, "403": 2,
                "truncate": 3, "reset": 3, "hang": 3}
        if kind not in want:
            raise UsageError("--fault %s: unknown kind %r (429, 500, 502, 503, 504, 401, "
                             "403, truncate, reset, hang)" % (spec, kind))
        if len(parts) != want[kind] or not parts[1]:
            forms = {"429": "429:PATH:N:S", "500": "500:PATH:N", "502": "502:PATH:N",
                     "503": "503:PATH:N:S", "504": "504:PATH:N", "401": "401:PATH",
                     "403": "403:PATH", "truncate": "truncate:PATH:K",
                     "reset": "reset:PATH:K", "hang": "hang:PATH:S"}
            raise UsageError("--fault %s: expected %s" % (spec, forms[kind]))
        path = parts[1]
        try:
            if kind in ("429", "503"):
                n, s = int(parts[2]), int(parts[3])
                if n < 0 or s < 0:
                    raise ValueError
                args = (n, s)
            elif kind in ("500", "502", "504"):
                n = int(parts[2])
                if n < 0:
                    raise ValueError
                args = (n,)
            elif kind in ("truncate", "reset"):
                k = int(parts[2])
                if k < 1:
                    raise ValueError
                args = (k,)
            elif kind == "hang":
                s = float(parts[2])
                if not 0 <= s <= 3600:
                    raise ValueError
                args = (s,)
            else:
                args = ()
        except ValueError:
            raise UsageError("--fault %s: counts must be whole numbers >= 0 "
                             "(K >= 1), seconds >= 0" % spec) from None
        return kind, path, args

    def count(self, path):
        """Counts one more request to path and returns its 1-based number."""
        with self.lock:
            n = self.counts.get(path, 0) + 1
            self.counts[path] = n
            return n

    def for_path(self, path):
        return self.rules.get(path, ())


# --------------------------------------------------------------------------
# Request log

class RequestLog:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8") if path else None

    def write(self, method, target, status, auth_ok, fault):
        if self.f is None:
            return
        line = "%s %s %d auth=%s" % (method, target, status, "ok" if auth_ok else "bad")
        if fault:
            line += " fault=" + ",".join(fault)
        # Keep one request on one line whatever the client sent.
        line = line.replace("\r", "%0D").replace("\n", "%0A")
        with self.lock:
            if self.f is not None:
                self.f.write(line + "\n")
                self.f.flush()

    def close(self):
        with self.lock:
            if self.f is not None:
                self.f.close()
                self.f = None


# --------------------------------------------------------------------------
# Data

def load_collection(root, mode, name):
    """All records of one collection, or None when the file is missing.
    Raises ValueError when the file is not the expected shape."""
    path = os.path.join(root, name + ".json")
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError("%s: %s" % (path, e)) from None
    key = "data" if mode == "clever" else name
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise ValueError('%s: expected an object with a "%s" array' % (path, key))
    items = doc[key]
    if mode == "clever":
        for i, item in enumerate(items):
            if not (isinstance(item, dict) and isinstance(item.get("data"), dict)
                    and isinstance(item["data"].get("id"), str)):
                raise ValueError('%s: data[%d] has no {"data":{"id":"..."}}' % (path, i))
    return items


def whole_number(text):
    """A decimal integer >= 0 from a query value, or None."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)


# --------------------------------------------------------------------------
# Handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rosterpipe-test-httpd/1"
    sys_version = ""
    timeout = 60  # idle keep-alive connections

    # The server object carries: mode, root, token, faults, reqlog, stopping.

    def log_message(self, format, *args):  # quiet: the --log file is the record
        pass

    # ---- replies

    def error_body(self, status, message):
        if self.server.mode == "clever":
            return {"message": message}
        return {"imsx_statusInfo": {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": message,
            "imsx_CodeMinor": {"imsx_codeMinorField": [{
                "imsx_codeMinorFieldName": "TargetEndSystem",
                "imsx_codeMinorFieldValue": OR_MINOR.get(status, "internal_server_error"),
            }]},
        }}

    def reply(self, status, body, headers=(), truncate=False, reset=False):
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if truncate:
            data = data[:len(data) // 2]
            self.fault.append("truncate")
        if reset:
            self.fault.append("reset")
        self.server.reqlog.write(self.command, self.path, status, self.auth_ok, self.fault)
        try:
            self.send_response(status, REASON.get(status))
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if reset:
                # half the body, then a TCP reset: the connection dies
                # mid-answer, as when a proxy or the network drops it
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if self.command != "HEAD":
                self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True

    def error(self, status, message, headers=()):
        if status == 401 and not any(k == "WWW-Authenticate" for k, _ in headers):
            headers = list(headers) + [("WWW-Authenticate", self.server.auth.challenge(self))]
        self.reply(status, self.error_body(status, message), headers)

    # ---- methods

    def do_GET(self):
        try:
            self.serve()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def not_allowed(self):
        self.close_connection = True  # a request body may follow; do not read it
        self.auth_ok = self.check_auth()
        self.fault = []
        self.error(405, "Method Not Allowed", [("Allow", "GET")])

    do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = not_allowed

    def do_POST(self):
        srv = self.server
        if srv.auth.name != "oauth2" or urlsplit(self.path).path != srv.auth.token_path:
            return self.not_allowed()
        try:
            srv.auth.serve_token(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def check_auth(self):
        return self.server.auth.check(self)

    def faults_first(self, path):
        """The faults that answer before the request is served: hang, 401,
        403, the auth check, 429, 5xx. Returns True when one answered (or
        the server is stopping), and the truncate / reset flags otherwise."""
        srv = self.server
        n = srv.faults.count(path)
        rules = srv.faults.for_path(path)
        for kind, args in rules:
            if kind == "hang" and n == 1:
                self.fault.append("hang")
                if srv.stopping.wait(args[0]):
                    self.close_connection = True
                    return True, False, False  # shutting down: drop it unanswered
        if any(kind == "401" for kind, _ in rules):
            self.fault.append("401")
            self.error(401, "Unauthorized")
            return True, False, False
        if not self.auth_ok:
            self.error(401, "Unauthorized")
            return True, False, False
        if any(kind == "403" for kind, _ in rules):
            self.fault.append("403")
            self.error(403, "Forbidden", [("WWW-Authenticate",
                       'Bearer realm="rosterpipe-test", error="insufficient_scope"')]
                       if srv.auth.name in ("bearer", "oauth2") else ())
            return True, False, False
        for kind, args in rules:
            if kind in ("429", "503") and n <= args[0]:
                self.fault.append(kind)
                wait = args[1]
                headers = [("Retry-After", str(wait))]
                if srv.mode == "clever" and kind == "429":
                    headers.append(("X-RateLimit-Reset", str(int(time.time()) + wait)))
                self.error(int(kind), REASON[int(kind)], headers)
                return True, False, False
        for kind, args in rules:
            if kind in ("500", "502", "504") and n <= args[0]:
                self.fault.append(kind)
                self.error(int(kind), REASON[int(kind)])
                return True, False, False
        truncate = any(kind == "truncate" and n == args[0] for kind, args in rules)
        reset = any(kind == "reset" and n == args[0] for kind, args in rules)
        return False, truncate, reset

    # ---- the one route

    def serve(self):
        srv = self.server
        split = urlsplit(self.path)
        path = split.path
        self.fault = []  # names of the faults that fired, for the log
        self.auth_ok = self.check_auth()
        done, truncate, self.reset = self.faults_first(path)
        if done:
            return

        try:
            query = parse_qs(split.query, keep_blank_values=True, strict_parsing=False)
        except ValueError:
            return self.error(400, "bad query string")
        if srv.mode == "clever":
            self.serve_clever(path, query, truncate)
        else:
            self.serve_oneroster(path, query, truncate)

    def one(self, query, name):
        """The single value of a query parameter, None when absent."""
        values = query.get(name)
        if values is None:
            return None
        if len(values) != 1:
            raise UsageError("%s given %d times" % (name, len(values)))
        return values[0]

    def load(self, name):
        try:
            items = load_collection(self.server.root, self.server.mode, name)
        except ValueError as e:
            print("%s: %s" % (PROG, e), file=sys.stderr, flush=True)
            return None, (500, "bad data file for %s" % name)
        if items is None:
            # no file: a server that does not offer the collection
            return None, (404, "Not Found")
        return items, None

    def serve_clever(self, path, query, truncate):
        prefix = next((p for p in CLEVER_PREFIXES if path.startswith(p)), None)
        entity = path[len(prefix):] if prefix else None
        if entity not in CLEVER_ENTITIES:
            return self.error(404, "Not Found")
        try:
            limit_s = self.one(query, "limit")
            after = self.one(query, "starting_after")
        except UsageError as e:
            return self.error(400, str(e))
        if limit_s is None:
            limit = DEFAULT_LIMIT
        else:
            limit = whole_number(limit_s)
            if limit is None or limit < 1:
                return self.error(400, "limit must be a whole number from 1 to %d"
                                  % CLEVER_MAX_LIMIT)
            if limit > CLEVER_MAX_LIMIT:
                return self.error(413, "limit must not exceed %d" % CLEVER_MAX_LIMIT)
        items, err = self.load(entity)
        if err:
            return self.error(*err)
        start = 0
        if after is not None:
            for i, item in enumerate(items):
                if item["data"]["id"] == after:
                    start = i + 1
                    break
            else:
                return self.error(400, "starting_after: no %s record has id %s"
                                  % (entity, after))
        page = [with_version(item, prefix) for item in items[start:start + limit]]
        links = [{"rel": "self", "uri": self.path}]
        if start + limit < len(items):
            links.append({"rel": "next", "uri": "%s%s?limit=%d&starting_after=%s"
                          % (prefix, entity, limit, page[-1]["data"]["id"])})
        links = self.next_override(prefix, entity, start, limit, query, len(items), links)
        self.reply(200, {"data": page, "links": links}, truncate=truncate, reset=self.reset)

    def next_override(self, prefix, entity, start, limit, query, total, links):
        """--next-link and --endless: next links a test asks for (an
        --endless link in the version the page was asked in)."""
        srv = self.server
        page_no = start // limit + 1
        link = srv.next_links.get((entity, page_no))
        if link is None and entity in srv.endless:
            lap = whole_number(query.get("lap", ["0"])[0]) or 0
            if start + limit >= total:  # the last page: the first again
                link = "%s%s?limit=%d&lap=%d" % (prefix, entity, limit, lap + 1)
            elif lap:  # within a lap, its pages' links carry it
                return [dict(l, uri=l["uri"] + "&lap=%d" % lap) if l["rel"] == "next" else l
                        for l in links]
        if link is None:
            return links
        return [l for l in links if l["rel"] != "next"] + [{"rel": "next", "uri": link}]

    def serve_oneroster(self, path, query, truncate):
        prefix = self.server.or_prefix
        coll = path[len(prefix):] if path.startswith(prefix) else None
        if coll not in OR_COLLECTIONS:
            return self.error(404, "Not Found")
        try:
            limit_s = self.one(query, "limit")
            offset_s = self.one(query, "offset")
        except UsageError as e:
            return self.error(400, str(e))
        limit = DEFAULT_LIMIT if limit_s is None else whole_number(limit_s)
        if limit is None or limit < 1:
            return self.error(400, "limit must be a whole number >= 1")
        offset = 0 if offset_s is None else whole_number(offset_s)
        if offset is None:
            return self.error(400, "offset must be a whole number >= 0")
        items, err = self.load(coll)
        if err:
            return self.error(*err)
        if self.server.ignore_offset:
            offset = 0
        if self.server.max_page:
            limit = min(limit, self.server.max_page)
        page = items[offset:offset + limit]
        headers = [] if self.server.no_total else [("X-Total-Count", str(len(items)))]
        if offset + limit < len(items):
            host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
            headers.append(("Link", '<http://%s%s%s?limit=%d&offset=%d>; rel="next"'
                            % (host, prefix, coll, limit, offset + limit)))
        self.reply(200, {coll: page}, headers, truncate=truncate, reset=self.reset)


# --------------------------------------------------------------------------
# Auth: one object per --auth kind. check(handler) says whether a data
# request is authorised; challenge(handler) is the WWW-Authenticate of a 401.

REALM = "rosterpipe-test"


class BearerAuth:
    """--auth bearer: one static token, as ClassLink's proxy and Clever."""
    name = "bearer"

    def __init__(self, token):
        self.token = token

    def check(self, handler):
        values = handler.headers.get_all("Authorization") or []
        return len(values) == 1 and values[0] == "Bearer " + self.token

    def challenge(self, handler):
        return 'Bearer realm="%s"' % REALM


class OAuth1Auth:
    """--auth oauth1: OAuth 1.0a signatures (RFC 5849) as a district's
    OneRoster 1.1 server checks them, by python3-oauthlib's
    SignatureOnlyEndpoint: HMAC-SHA256 only, the clock within 10 minutes,
    a nonce never seen before."""
    name = "oauth1"

    def __init__(self, client_id, secret):
        import logging
        from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
        logging.getLogger("oauthlib").setLevel(logging.CRITICAL)
        seen, lock = set(), threading.Lock()

        class Validator(RequestValidator):
            enforce_ssl = False  # loopback HTTP
            allowed_signature_methods = ("HMAC-SHA256",)
            dummy_client = "dummyclient0000000000000"

            def validate_client_key(self, key, request):
                return key == client_id

            def get_client_secret(self, key, request):
                return secret if key == client_id else "dummy"

            def validate_timestamp_and_nonce(self, key, timestamp, nonce, request,
                                             request_token=None, access_token=None):
                with lock:
                    if (key, timestamp, nonce) in seen:
                        return False  # a replay
                    seen.add((key, timestamp, nonce))
                    return True

        self.endpoint = SignatureOnlyEndpoint(Validator())

    def check(self, handler):
        values = handler.headers.get_all("Authorization") or []
        if len(values) != 1:
            return False
        host = handler.headers.get("Host") or "127.0.0.1:%d" % handler.server.server_address[1]
        try:
            ok, _ = self.endpoint.validate_request(
                "http://%s%s" % (host, handler.path), handler.command, None,
                {"Authorization": values[0]})
        except Exception:  # whatever oauthlib makes of a hostile header: refused
            ok = False
        return ok

    def challenge(self, handler):
        return 'OAuth realm="%s"' % REALM


class OAuth2Auth:
    """--auth oauth2: the client credentials grant (RFC 6749 4.4) at the
    token path, client authentication by HTTP Basic (2.3.1, form-encoded
    parts); Bearer tokens that expire after --token-requests N requests
    or --token-seconds S seconds, whichever comes first."""
    name = "oauth2"

    def __init__(self, client_id, secret, token_path, requests, seconds, scope):
        self.client_id, self.secret = client_id, secret
        self.token_path, self.max_requests, self.seconds = token_path, requests, seconds
        self.scope = scope
        self.tokens = {}  # token -> [issued (monotonic), requests served]
        self.lock = threading.Lock()
        self.expired = threading.local()

    def check(self, handler):
        self.expired.flag = False
        values = handler.headers.get_all("Authorization") or []
        if len(values) != 1 or not values[0].startswith("Bearer "):
            return False
        token = values[0][len("Bearer "):]
        with self.lock:
            t = self.tokens.get(token)
            if t is None:
                return False
            if ((self.seconds and time.monotonic() - t[0] >= self.seconds) or
                    (self.max_requests and t[1] >= self.max_requests)):
                self.expired.flag = True
                return False
            t[1] += 1
            return True

    def challenge(self, handler):
        if getattr(self.expired, "flag", False):
            return ('Bearer realm="%s", error="invalid_token", '
                    'error_description="The access token expired"' % REALM)
        return 'Bearer realm="%s"' % REALM

    def client_ok(self, handler):
        values = handler.headers.get_all("Authorization") or []
        if len(values) != 1 or not values[0].startswith("Basic "):
            return False
        try:
            pair = base64.b64decode(values[0][6:], validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        user, sep, password = pair.partition(":")
        return (sep == ":" and unquote_plus(user) == self.client_id
                and secrets.compare_digest(unquote_plus(password).encode(),
                                           self.secret.encode()))

    def oauth_error(self, handler, status, code, headers=()):
        handler.reply(status, {"error": code}, list(headers) + [("Cache-Control", "no-store")])

    def serve_token(self, handler):
        handler.fault = []
        handler.auth_ok = self.client_ok(handler)
        try:
            length = int(handler.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if not 0 <= length <= 65536:
            handler.close_connection = True
            return self.oauth_error(handler, 400, "invalid_request")
        body = handler.rfile.read(length).decode("utf-8", "replace")
        if not handler.auth_ok:  # RFC 6749 5.2: 401 when Basic was tried
            return self.oauth_error(handler, 401, "invalid_client",
                                    [("WWW-Authenticate", 'Basic realm="%s"' % REALM)])
        # faults on the token path (5xx, 429, hang, reset...) after the
        # client check, as for data requests
        done, truncate, handler.reset = handler.faults_first(self.token_path)
        if done:
            return
        ctype = handler.headers.get("Content-Type") or ""
        if not ctype.startswith("application/x-www-form-urlencoded"):
            return self.oauth_error(handler, 400, "invalid_request")
        form = parse_qs(body, keep_blank_values=True)
        if form.get("grant_type") != ["client_credentials"]:
            return self.oauth_error(handler, 400, "unsupported_grant_type")
        asked = form.get("scope", [""])
        if len(asked) != 1:
            return self.oauth_error(handler, 400, "invalid_request")
        if self.scope and self.scope not in asked[0].split():
            return self.oauth_error(handler, 400, "invalid_scope")
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = [time.monotonic(), 0]
        answer = {"access_token": token, "token_type": "Bearer"}
        if self.seconds:
            answer["expires_in"] = int(self.seconds)
        if asked[0]:
            answer["scope"] = asked[0]
        handler.reply(200, answer, [("Cache-Control", "no-store"), ("Pragma", "no-cache")],
                      truncate=truncate, reset=handler.reset)


def with_version(item, prefix):
    """The item with its uri in the version asked for, as Clever serves it
    ("/v3.0/users/ID" in the file is "/v3.1/users/ID" on a v3.1 page)."""
    uri = item.get("uri")
    if isinstance(uri, str):
        for p in CLEVER_PREFIXES:
            if uri.startswith(p) and p != prefix:
                return dict(item, uri=prefix + uri[len(p):])
    return item


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for hanging or keep-alive handlers

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, socket.timeout)):
            return
        super().handle_error(request, client_address)  # traceback on stderr: a real bug


# --------------------------------------------------------------------------
# Main

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Test-only Clever v3.0 and v3.1 / OneRoster 1.1 and 1.2 REST server on 127.0.0.1.")
    p.add_argument("--mode", required=True, choices=("clever", "oneroster"))
    p.add_argument("--root", required=True, metavar="DIR",
                   help="one <collection>.json per collection")
    p.add_argument("--port", type=int, default=0, metavar="P", help="0 = any free port")
    p.add_argument("--port-file", metavar="F", help="gets the port once listening")
    p.add_argument("--token-file", metavar="F",
                   help="the expected bearer token (--auth bearer: required)")
    p.add_argument("--auth", choices=("bearer", "oauth1", "oauth2"), default="bearer",
                   help="OneRoster: bearer (default), oauth1 (OAuth 1.0a signatures,"
                        " checked with python3-oauthlib) or oauth2 (client credentials)")
    p.add_argument("--client-id", metavar="ID", help="oauth1, oauth2: the client id")
    p.add_argument("--client-secret-file", metavar="F",
                   help="oauth1, oauth2: the client secret (its first line)")
    p.add_argument("--token-path", default=TOKEN_PATH, metavar="PATH",
                   help="oauth2: where tokens are had (POST; default %s)" % TOKEN_PATH)
    p.add_argument("--token-requests", type=int, default=0, metavar="N",
                   help="oauth2: a token serves N requests, then is refused (0: no limit)")
    p.add_argument("--token-seconds", type=float, default=3600.0, metavar="S",
                   help="oauth2: a token lives S seconds (expires_in; default 3600)")
    p.add_argument("--scope", metavar="S",
                   help="oauth2: a token request must ask for scope S")
    p.add_argument("--or-version", choices=("1.1", "1.2"), default="1.1",
                   help="OneRoster: 1.1 (/ims/oneroster/v1p1/, the default) or 1.2"
                        " (/ims/oneroster/rostering/v1p2/)")
    p.add_argument("--next-link", action="append", default=[], metavar="ENTITY:N:LINK",
                   help="Clever: page N of ENTITY links to LINK as its next page")
    p.add_argument("--endless", action="append", default=[], metavar="ENTITY",
                   help="Clever: the last page of ENTITY links to the first again"
                        " (another URL each lap)")
    p.add_argument("--log", metavar="F", help="one line per request, appended")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="429:PATH:N:S 500:PATH:N 502:PATH:N 503:PATH:N:S 504:PATH:N"
                        " 401:PATH 403:PATH truncate:PATH:K reset:PATH:K hang:PATH:S")
    p.add_argument("--max-seconds", type=float, default=120.0, metavar="S",
                   help="exit after S seconds (default 120)")
    p.add_argument("--max-page", type=int, default=0, metavar="N",
                   help="OneRoster: serve at most N items a page whatever limit asks"
                        " (servers cap their pages)")
    p.add_argument("--no-total", action="store_true",
                   help="OneRoster: send no X-Total-Count header")
    p.add_argument("--ignore-offset", action="store_true",
                   help="OneRoster: serve the first page whatever offset asks")
    a = p.parse_args(argv)
    if not os.path.isdir(a.root):
        p.error("--root %s: not a directory" % a.root)
    if not 0 <= a.port <= 65535:
        p.error("--port: 0 to 65535")
    if not a.max_seconds > 0:
        p.error("--max-seconds: must be > 0")
    a.token = None
    if a.token_file:
        try:
            with open(a.token_file, encoding="utf-8") as f:
                a.token = f.read().strip()
        except OSError as e:
            p.error("--token-file: %s" % e)
        if not a.token:
            p.error("--token-file %s: empty" % a.token_file)
    if a.auth != "bearer" and a.mode != "oneroster":
        p.error("--auth %s: OneRoster mode only" % a.auth)
    if a.auth == "bearer":
        if not a.token:
            p.error("--token-file is required with --auth bearer")
        a.auth_obj = BearerAuth(a.token)
    else:
        if not a.client_id or not a.client_secret_file:
            p.error("--auth %s needs --client-id and --client-secret-file" % a.auth)
        try:
            with open(a.client_secret_file, encoding="utf-8") as f:
                secret = f.readline().rstrip("\r\n")
        except OSError as e:
            p.error("--client-secret-file: %s" % e)
        if not secret:
            p.error("--client-secret-file %s: empty" % a.client_secret_file)
        if a.auth == "oauth1":
            try:
                a.auth_obj = OAuth1Auth(a.client_id, secret)
            except ImportError:
                p.error("--auth oauth1 needs python3-oauthlib (Debian's package)")
        else:
            if a.token_requests < 0 or not a.token_seconds >= 0:
                p.error("--token-requests and --token-seconds: >= 0")
            if not a.token_path.startswith("/"):
                p.error("--token-path: a path starting with /")
            a.auth_obj = OAuth2Auth(a.client_id, secret, a.token_path, a.token_requests,
                                    a.token_seconds, a.scope)
    a.or_prefix = OR_PREFIXES[a.or_version]
    prefix = CLEVER_PREFIXES if a.mode == "clever" else (a.or_prefix,)
    a.next_links = {}
    for spec in a.next_link:
        entity, _, rest = spec.partition(":")
        n, _, link = rest.partition(":")
        if a.mode != "clever" or entity not in CLEVER_ENTITIES or not n.isdigit() or not link:
            p.error("--next-link %s: ENTITY:N:LINK, Clever mode" % spec)
        a.next_links[(entity, int(n))] = link
    for entity in a.endless:
        if a.mode != "clever" or entity not in CLEVER_ENTITIES:
            p.error("--endless %s: a Clever entity, Clever mode" % entity)
    try:
        a.faults = Faults(a.fault, prefix, a.token_path if a.auth == "oauth2" else None)
    except UsageError as e:
        p.error(str(e))
    return a


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv):
    a = parse_args(argv)
    stop = threading.Event()
    got_signal = []

    def on_signal(signum, frame):
        got_signal.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        srv = Server(("127.0.0.1", a.port), Handler)
    except OSError as e:
        print("%s: cannot listen on 127.0.0.1:%d: %s" % (PROG, a.port, e.strerror or e),
              file=sys.stderr)
        return 1
    srv.mode = a.mode
    srv.root = a.root
    srv.token = a.token
    srv.auth = a.auth_obj
    srv.or_prefix = a.or_prefix
    srv.next_links = a.next_links
    srv.endless = set(a.endless)
    srv.faults = a.faults
    srv.max_page = a.max_page
    srv.no_total = a.no_total
    srv.ignore_offset = a.ignore_offset
    srv.stopping = stop
    try:
        srv.reqlog = RequestLog(a.log)
    except OSError as e:
        print("%s: --log %s: %s" % (PROG, a.log, e.strerror or e), file=sys.stderr)
        srv.server_close()
        return 1

    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True)
    t.start()
    status = 0
    if a.port_file:
        try:
            write_port_file(a.port_file, srv.server_address[1])
        except OSError as e:
            print("%s: --port-file %s: %s" % (PROG, a.port_file, e.strerror or e),
                  file=sys.stderr)
            status = 1
    deadline = time.monotonic() + a.max_seconds
    while status == 0 and not got_signal and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    srv.shutdown()
    srv.server_close()
    srv.reqlog.close()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
