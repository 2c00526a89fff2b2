#!/usr/bin/env python3
"""fake_twilio.py - a stand-in for Twilio's Messages REST API, for tests.

Usage: fake_twilio.py --port N --log FILE [--token T]

Serves POST /2010-04-01/Accounts/{sid}/Messages.json like Twilio does
(Basic auth sid:token, 201 with a message JSON, Twilio error JSON on
failure) and records every API request (and any POST to an unknown path)
as one JSON line in FILE: {"time", "method", "path", "form", "auth_ok",
"mode", "content_type"}.  Test
endpoints:

  POST /_control   {"mode": "ok"|"429"|"500"|"error21211"|"hang", "count": K,
                    "page_size_max": P}
                   the next K API requests get that behaviour (default K=1);
                   lists are cut into pages of at most P (default 1000)
  GET  /_log       the log lines (application/x-ndjson)

It also lists (GET .../Messages.json?To=&From=&DateSent>=&PageSize=&Page=,
newest first, with next_page_uri) and
fetches (GET .../Messages/{Sid}.json) the messages it created, including
those whose creation the client gave up on during "hang".
  POST /_callback  {"url": U, "MessageSid": S, "MessageStatus": ST,
                   "token": T, ...other form fields}: POST a signed status
                   callback to U as Twilio would (SmsSid, SmsStatus,
                   AccountSid, ApiVersion added when absent); answers 200
                   {"status": <code U returned, 0 if unreachable>, "body",
                   "signature", "params"}

To +15005550001 always gets 400 / code 21211.  Prints "listening PORT" once
ready (--port 0 picks a free port) and exits cleanly on SIGTERM.  Standard
library only; it must never talk to the real Twilio.
"""

import argparse
import base64
import hashlib
import hmac
import json
import re
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PATH = re.compile(r"^/2010-04-01/Accounts/([A-Za-z0-9]+)/Messages\.json$")
ONE_PATH = re.compile(r"^/2010-04-01/Accounts/([A-Za-z0-9]+)/Messages/([A-Za-z0-9]+)\.json$")
MODES = ("ok", "429", "500", "error21211", "hang")
HANG_SECONDS = 30

stop = threading.Event()


class State:
    """Shared between handler threads: behaviour queue and the log file."""

    def __init__(self, log_path, token):
        self.lock = threading.Lock()
        self.log_path = log_path
        self.token = token
        self.mode = "ok"
        self.count = 0
        self.last_account = "AC" + "0" * 32
        self.messages = []  # created messages, newest first, as Twilio lists them
        self.page_size_max = 1000  # Twilio's; lower it to test paging
        open(log_path, "a").close()

    def next_mode(self):
        with self.lock:
            if self.count > 0:
                self.count -= 1
                return self.mode
            return "ok"

    def set_mode(self, mode, count):
        with self.lock:
            self.mode, self.count = mode, count

    def log(self, record):
        line = json.dumps(record, sort_keys=True) + "\n"
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line)

    def add_message(self, msg):
        with self.lock:
            self.messages.insert(0, msg)

    def find_messages(self, account, pred):
        with self.lock:
            return [m for m in self.messages if m["account_sid"] == account and pred(m)]

    def read_log(self):
        with self.lock:
            with open(self.log_path, "rb") as f:
                return f.read()


def twilio_signature(token, url, params):
    """X-Twilio-Signature: base64 HMAC-SHA1 of url + sorted name+value."""
    s = url + "".join(k + v for k, v in sorted(params))
    mac = hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def rfc2822_now():
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())


def message_json(account, form):
    sid = "SM" + secrets.token_hex(16)
    body = form.get("Body", "")
    service = form.get("MessagingServiceSid")
    segments = max(1, (len(body) + 152) // 153) if len(body) > 160 else 1
    now = rfc2822_now()
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": now,
        "date_sent": now,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": "0" if service else str(segments),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "accepted" if service else "queued",
        "subresource_uris": {
            "media": "/2010-04-01/Accounts/%s/Messages/%s/Media.json" % (account, sid)
        },
        "to": form.get("To"),
        "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (account, sid),
    }


def error_json(code, message, status):
    return {
        "code": code,
        "message": message,
        "more_info": "https://www.twilio.com/docs/errors/%d" % code,
        "status": status,
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def reply(self, status, obj=None, headers=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Twilio-Request-Id", "RQ" + secrets.token_hex(16))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_log":
            return self.reply(200, raw=self.server.state.read_log(), ctype="application/x-ndjson")
        path, _, query = self.path.partition("?")
        m = API_PATH.match(path)
        if m:
            return self.list_messages(m.group(1), path, query)
        m = ONE_PATH.match(path)
        if m:
            return self.fetch_message(m.group(1), m.group(2))
        self.reply(404, error_json(20404, "The requested resource was not found", 404))

    def log_get(self, account):
        auth = self.auth_ok(account)
        self.server.state.log({
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "method": "GET",
            "path": self.path,
            "form": {},
            "auth_ok": auth,
            "mode": "ok",
        })
        if not auth:
            self.reply(401, error_json(20003, "Authenticate", 401))
        return auth

    def list_messages(self, account, path, query):
        """GET Messages.json: filters To, From, DateSent, DateSent<, DateSent>
        (YYYY-MM-DD, on the day the fake created the message), PageSize."""
        if not self.log_get(account):
            return
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))

        def day(m):
            return time.strftime("%Y-%m-%d", time.strptime(m["date_created"], "%a, %d %b %Y %H:%M:%S +0000"))

        def keep(m):
            return ((not q.get("To") or m["to"] == q["To"])
                    and (not q.get("From") or m["from"] == q["From"])
                    and (not q.get("DateSent") or day(m) == q["DateSent"])
                    and (not q.get("DateSent>") or day(m) >= q["DateSent>"])
                    and (not q.get("DateSent<") or day(m) <= q["DateSent<"]))

        state = self.server.state
        size = max(1, min(state.page_size_max, int(q.get("PageSize") or 50)))
        try:
            page = max(0, int(q.get("Page") or 0))
        except ValueError:
            page = 0
        found = state.find_messages(account, keep)
        msgs = found[page * size:(page + 1) * size]
        path = self.path.split("?", 1)[0]

        def page_uri(n):
            rest = [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)
                    if k not in ("Page", "PageToken", "PageSize")]
            rest += [("PageSize", str(size)), ("Page", str(n)), ("PageToken", "PASM%032d" % n)]
            return path + "?" + urllib.parse.urlencode(rest)

        self.reply(200, {
            "messages": msgs,
            "end": page * size + max(0, len(msgs) - 1),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if (page + 1) * size < len(found) else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "start": page * size,
            "uri": self.path,
        })

    def fetch_message(self, account, sid):
        if not self.log_get(account):
            return
        found = self.server.state.find_messages(account, lambda m: m["sid"] == sid)
        if found:
            return self.reply(200, found[0])
        self.reply(404, error_json(20404, "The requested resource %s was not found" % self.path, 404))

    def do_POST(self):
        body = self.read_body()
        if self.path == "/_control":
            return self.control(body)
        if self.path == "/_callback":
            return self.callback(body)
        m = API_PATH.match(self.path)
        if not m:
            self.server.state.log({
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "method": "POST",
                "path": self.path,
                "form": dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"))),
                "auth_ok": False,
                "mode": "404",
            })
            return self.reply(404, error_json(20404, "The requested resource was not found", 404))
        self.messages(m.group(1), body)

    def control(self, body):
        try:
            req = json.loads(body or b"{}")
            mode = req.get("mode", "ok")
            count = int(req.get("count", 1))
            page_size_max = int(req.get("page_size_max", self.server.state.page_size_max))
        except (ValueError, AttributeError, TypeError):
            return self.reply(400, {"error": "bad JSON"})
        self.server.state.page_size_max = max(1, min(1000, page_size_max))
        if mode not in MODES:
            return self.reply(400, {"error": "unknown mode", "modes": MODES})
        self.server.state.set_mode(mode, count)
        self.reply(200, {"mode": mode, "count": count})

    def auth_ok(self, account):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(h[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        token = self.server.state.token
        return user == account and (token is None or password == token)

    def messages(self, account, body):
        state = self.server.state
        pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        form = dict(pairs)
        auth = self.auth_ok(account)
        mode = state.next_mode() if auth else "ok"
        state.last_account = account
        state.log({
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "method": "POST",
            "path": self.path,
            "form": form,
            "auth_ok": auth,
            "mode": mode,
            "content_type": self.headers.get("Content-Type"),
        })
        if not auth:
            return self.reply(401, error_json(20003, "Authenticate", 401))
        if mode == "429":
            return self.reply(429, error_json(20429, "Too Many Requests", 429),
                              headers={"Retry-After": "1"})
        if mode == "500":
            return self.reply(500, error_json(20500, "Internal Server Error", 500))
        if mode == "error21211" or form.get("To") == "+15005550001":
            return self.reply(400, error_json(
                21211, "The 'To' number %s is not a valid phone number." % form.get("To"), 400))
        if not form.get("To"):
            return self.reply(400, error_json(21604, "A 'To' phone number is required.", 400))
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self.reply(400, error_json(
                21603, "A 'From' or 'MessagingServiceSid' parameter is required.", 400))
        msg = message_json(account, form)
        state.add_message(msg)
        # "hang" creates the message first, like a Twilio that answers too
        # late: the client times out although the SMS exists.
        if mode == "hang" and stop.wait(HANG_SECONDS):
            return  # shutting down
        self.reply(201, msg)

    def callback(self, body):
        state = self.server.state
        try:
            req = json.loads(body or b"{}")
            url = req.pop("url")
        except (ValueError, KeyError, AttributeError, TypeError):
            return self.reply(400, {"error": "need JSON with url"})
        token = req.pop("token", None) or state.token or ""
        params = {k: "" if v is None else str(v) for k, v in req.items()}
        sid = params.get("MessageSid", "SM" + secrets.token_hex(16))
        params.setdefault("MessageSid", sid)
        params.setdefault("SmsSid", sid)
        if "MessageStatus" in params:
            params.setdefault("SmsStatus", params["MessageStatus"])
        params.setdefault("AccountSid", state.last_account)
        params.setdefault("ApiVersion", "2010-04-01")
        pairs = sorted(params.items())
        sig = twilio_signature(token, url, pairs)
        data = urllib.parse.urlencode(pairs).encode()
        out = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Twilio-Signature": sig,
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        })
        try:
            with urllib.request.urlopen(out, timeout=10) as r:
                status, text = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as e:
            status, text = 0, str(e)
        self.reply(200, {"status": status, "body": text, "signature": sig, "params": params})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token", default=None)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.log, args.token)

    def on_term(signum, frame):
        stop.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    print("listening %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
