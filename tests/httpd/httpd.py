#!/usr/bin/env python3
"""Test-only HTTP server: a loopback stand-in for the Clever Data API (v3.0
and v3.1) and a OneRoster 1.1 REST server (ClassLink), with paging and fault
injection.

Standard library only; runs on Python 3.11.  See README.md beside this file.
Never use it outside the test suite: it binds 127.0.0.1 only, exits by
itself after --max-seconds, and serves whatever is under --root.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PROG = "httpd.py"

CLEVER_PREFIXES = ("/v3.0/", "/v3.1/")  # v3.1 is a superset: the same pages
CLEVER_ENTITIES = ("districts", "schools", "terms", "courses", "sections", "users")
CLEVER_MAX_LIMIT = 10000

OR_PREFIX = "/ims/oneroster/v1p1/"
OR_COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users",
                  "enrollments", "demographics")

DEFAULT_LIMIT = 100

# OneRoster 1.1 imsx_CodeMinor values for each status we send.
OR_MINOR = {
    400: "invalid_selection_field",
    401: "unauthorisedrequest",
    404: "unknownobject",
    405: "forbidden",
    429: "server_busy",
    500: "internal_server_error",
}

REASON = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------
# Fault specs

class Faults:
    """Per-path fault rules and per-path request counters."""

    def __init__(self, specs, prefix):
        self.rules = {}      # path -> list of (kind, args)
        self.counts = {}     # path -> requests seen so far
        self.lock = threading.Lock()
        for spec in specs:
            kind, path, args = self._parse(spec)
            if not path.startswith(prefix):
                raise UsageError(
                    "--fault %s: path must start with %s in this mode"
                    % (spec, " or ".join(prefix)))
            self.rules.setdefault(path, []).append((kind, args))

    @staticmethod
    def _parse(spec):
        parts = spec.split(":")
        kind = parts[0]
        want = {"429": 4, "500": 3, "401": 2, "truncate": 3, "hang": 3}
        if kind not in want:
            raise UsageError("--fault %s: unknown kind %r (429, 500, 401, truncate, hang)"
                             % (spec, kind))
        if len(parts) != want[kind] or not parts[1]:
            forms = {"429": "429:PATH:N:S", "500": "500:PATH:N", "401": "401:PATH",
                     "truncate": "truncate:PATH:K", "hang": "hang:PATH:S"}
            raise UsageError("--fault %s: expected %s" % (spec, forms[kind]))
        path = parts[1]
        try:
            if kind == "429":
                n, s = int(parts[2]), int(parts[3])
                if n < 0 or s < 0:
                    raise ValueError
                args = (n, s)
            elif kind == "500":
                n = int(parts[2])
                if n < 0:
                    raise ValueError
                args = (n,)
            elif kind == "truncate":
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

    def reply(self, status, body, headers=(), truncate=False):
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if truncate:
            data = data[:len(data) // 2]
            self.fault.append("truncate")
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
            if self.command != "HEAD":
                self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True

    def error(self, status, message, headers=()):
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

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = not_allowed

    def check_auth(self):
        values = self.headers.get_all("Authorization") or []
        return len(values) == 1 and values[0] == "Bearer " + self.server.token

    # ---- the one route

    def serve(self):
        srv = self.server
        split = urlsplit(self.path)
        path = split.path
        self.fault = []  # names of the faults that fired, for the log
        self.auth_ok = self.check_auth()
        n = srv.faults.count(path)
        rules = srv.faults.for_path(path)

        for kind, args in rules:
            if kind == "hang" and n == 1:
                self.fault.append("hang")
                if srv.stopping.wait(args[0]):
                    self.close_connection = True
                    return  # shutting down: drop the connection unanswered

        if any(kind == "401" for kind, _ in rules):
            self.fault.append("401")
            return self.error(401, "Unauthorized")
        if not self.auth_ok:
            return self.error(401, "Unauthorized")

        for kind, args in rules:
            if kind == "429" and n <= args[0]:
                self.fault.append("429")
                wait = args[1]
                headers = [("Retry-After", str(wait))]
                if srv.mode == "clever":
                    headers.append(("X-RateLimit-Reset", str(int(time.time()) + wait)))
                return self.error(429, "Too Many Requests", headers)
        for kind, args in rules:
            if kind == "500" and n <= args[0]:
                self.fault.append("500")
                return self.error(500, "Internal Server Error")

        truncate = False
        for kind, args in rules:
            if kind == "truncate" and n == args[0]:
                truncate = True  # applies only if the answer is a 200

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
        self.reply(200, {"data": page, "links": links}, truncate=truncate)

    def serve_oneroster(self, path, query, truncate):
        coll = path[len(OR_PREFIX):] if path.startswith(OR_PREFIX) else None
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
                            % (host, OR_PREFIX, coll, limit, offset + limit)))
        self.reply(200, {coll: page}, headers, truncate=truncate)


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
        description="Test-only Clever v3.0 and v3.1 / OneRoster 1.1 REST server on 127.0.0.1.")
    p.add_argument("--mode", required=True, choices=("clever", "oneroster"))
    p.add_argument("--root", required=True, metavar="DIR",
                   help="one <collection>.json per collection")
    p.add_argument("--port", type=int, default=0, metavar="P", help="0 = any free port")
    p.add_argument("--port-file", metavar="F", help="gets the port once listening")
    p.add_argument("--token-file", required=True, metavar="F",
                   help="the expected bearer token")
    p.add_argument("--log", metavar="F", help="one line per request, appended")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="429:PATH:N:S 500:PATH:N 401:PATH truncate:PATH:K hang:PATH:S")
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
    try:
        with open(a.token_file, encoding="utf-8") as f:
            a.token = f.read().strip()
    except OSError as e:
        p.error("--token-file: %s" % e)
    if not a.token:
        p.error("--token-file %s: empty" % a.token_file)
    prefix = CLEVER_PREFIXES if a.mode == "clever" else (OR_PREFIX,)
    try:
        a.faults = Faults(a.fault, prefix)
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
