#!/usr/bin/env python3
"""fake_github.py - a stand-in for GitHub's REST API (issues, comments) and
its webhooks, for tests.

Usage: fake_github.py --port N --log FILE [--token T]

API (every request must carry Accept: application/vnd.github+json,
X-GitHub-Api-Version: 2022-11-28, a User-Agent, and Authorization: Bearer T
when --token is given, else any bearer token; otherwise 400/403/401 with a
GitHub error body):

  POST /repos/{o}/{r}/issues                 201 issue (number, html_url, ...)
  POST /repos/{o}/{r}/issues/{n}/comments    201 comment (id, html_url, ...)
  GET  /repos/{o}/{r}/issues?state=&since=&per_page=&labels=   newest first
  GET  /repos/{o}/{r}/issues/{n}/comments?since=&per_page=
  GET  /search/issues?q=repo:o/r+"text"      {"total_count", "items"}

Every API request is logged as one JSON line in FILE: {"time", "method",
"path", "query", "json", "headers": {accept, api_version, user_agent,
authorization_scheme}, "auth_ok", "headers_ok", "mode", "status"}.  The
token itself is never logged.

Test endpoints:
  POST /_control  {"mode": M, "count": K}: the next K API requests get M:
                  ok | 500 (nothing created) | 502 (created, then 502) |
                  403-ratelimit (x-ratelimit-remaining: 0, reset now+1) |
                  secondary (403 with retry-after: 1) | 429 | 401 | 404 |
                  410 | 422 | hang (created, answer after 30 s)
  GET  /_log      the log lines (application/x-ndjson)
  GET  /_issues   every issue with its comments (JSON)
  POST /_issues/{o}/{r}/{n}/state {"state": "closed"|"open"}: change an
                  issue as a person on GitHub would (no webhook sent)
  POST /_webhook  {"url", "event", "payload" (object or raw string),
                  "secret", "delivery", "signature" (optional: sent as
                  is), "content_type" (optional)}: POST a signed webhook
                  delivery to url as GitHub does; answers 200 {"status",
                  "body", "signature"} (status 0 when url is unreachable)

Prints "listening PORT" once ready (--port 0 picks a free port) and exits
cleanly on SIGTERM.  Standard library only; it never talks to GitHub.
"""

import argparse
import calendar
import hashlib
import hmac
import json
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ISSUES = re.compile(r"^/repos/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/issues$")
COMMENTS = re.compile(r"^/repos/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/issues/([0-9]+)/comments$")
MODES = ("ok", "500", "502", "403-ratelimit", "secondary", "429", "401", "404", "410", "422", "hang")
HANG_SECONDS = 30

stop = threading.Event()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(s):
    try:
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, TypeError):
        return None


class State:
    def __init__(self, log_path, token):
        self.lock = threading.Lock()
        self.log_path = log_path
        self.token = token
        self.mode, self.count = "ok", 0
        self.issues = {}  # (owner, repo) -> list of issues, oldest first
        self.next_id = 1000
        open(log_path, "a").close()

    def next_mode(self):
        with self.lock:
            if self.count > 0:
                self.count -= 1
                return self.mode
            return "ok"

    def log(self, rec):
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line)

    def new_id(self):
        with self.lock:
            self.next_id += 1
            return self.next_id


def user(login):
    return {"login": login, "id": abs(hash(login)) % 100000, "type": "User",
            "html_url": "https://github.com/" + login}


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeGitHub/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    @property
    def st(self):
        return self.server.state

    def base(self):
        return "http://%s:%d" % self.server.server_address[:2]

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def reply(self, status, obj=None, headers=None, raw=None, ctype="application/json; charset=utf-8"):
        data = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-github-request-id", uuid.uuid4().hex[:16].upper())
        self.send_header("x-ratelimit-limit", "5000")
        hs = dict(headers or {})
        hs.setdefault("x-ratelimit-remaining", "4999")
        hs.setdefault("x-ratelimit-reset", str(int(time.time()) + 3600))
        for k, v in hs.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message, headers=None, errors=None):
        obj = {"message": message, "documentation_url": "https://docs.github.com/rest", "status": str(status)}
        if errors:
            obj["errors"] = errors
        self.reply(status, obj, headers=headers)

    # ---- checks -------------------------------------------------------

    def check(self, method, path, query, payload):
        """Log the request and return (mode, ok).  When not ok the error
        reply has been sent."""
        h = self.headers
        auth = h.get("Authorization", "")
        scheme, _, tok = auth.partition(" ")
        headers_ok = (h.get("Accept") == "application/vnd.github+json"
                      and h.get("X-GitHub-Api-Version") == "2022-11-28"
                      and bool(h.get("User-Agent")))
        auth_ok = scheme == "Bearer" and bool(tok) and (self.st.token is None or tok == self.st.token)
        mode = self.st.next_mode() if headers_ok and auth_ok else "ok"
        rec = {"time": iso(time.time()), "method": method, "path": path, "query": query, "json": payload,
               "headers": {"accept": h.get("Accept"), "api_version": h.get("X-GitHub-Api-Version"),
                           "user_agent": h.get("User-Agent"), "authorization_scheme": scheme or None,
                           "content_type": h.get("Content-Type")},
               "auth_ok": auth_ok, "headers_ok": headers_ok, "mode": mode}
        status = None
        if not h.get("User-Agent"):
            status = 403
            self.error(403, "Request forbidden by administrative rules. Please make sure your request has a "
                       "User-Agent header")
        elif not auth_ok:
            status = 401
            self.error(401, "Bad credentials")
        elif not headers_ok:
            status = 400
            self.error(400, "Missing Accept: application/vnd.github+json or X-GitHub-Api-Version: 2022-11-28")
        elif mode == "500":
            status = 500
            self.error(500, "Internal Server Error")
        elif mode == "403-ratelimit":
            status = 403
            self.error(403, "API rate limit exceeded for user ID 1.",
                       headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 1),
                                "x-ratelimit-used": "5000", "x-ratelimit-resource": "core"})
        elif mode == "secondary":
            status = 403
            self.error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you "
                       "try again.", headers={"retry-after": "1"})
        elif mode == "429":
            status = 429
            self.error(429, "Too many requests", headers={"retry-after": "1"})
        elif mode == "401":
            status = 401
            self.error(401, "Bad credentials")
        elif mode == "404":
            status = 404
            self.error(404, "Not Found")
        elif mode == "410":
            status = 410
            self.error(410, "Issues are disabled for this repo")
        elif mode == "422":
            status = 422
            self.error(422, "Validation Failed",
                       errors=[{"resource": "Issue", "code": "invalid", "field": "assignees"}])
        rec["status"] = status
        self.st.log(rec)
        return mode, status is None

    # ---- API ------------------------------------------------------------

    def issue_json(self, o, r, issue):
        out = dict(issue)
        out.pop("_comments", None)
        return out

    def do_GET(self):
        path, _, query = self.path.partition("?")
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if path == "/_log":
            with self.st.lock:
                data = open(self.st.log_path, "rb").read()
            return self.reply(200, raw=data, ctype="application/x-ndjson")
        if path == "/_issues":
            with self.st.lock:
                out = [dict(i, repo="%s/%s" % k) for k, lst in self.st.issues.items() for i in lst]
            return self.reply(200, out)
        m = ISSUES.match(path)
        c = COMMENTS.match(path)
        if not (m or c or path == "/search/issues"):
            return self.error(404, "Not Found")
        mode, ok = self.check("GET", path, q, None)
        if not ok:
            return
        since = parse_iso(q.get("since")) if q.get("since") else None
        per_page = max(1, min(100, int(q.get("per_page") or 30)))
        with self.st.lock:
            if m:
                lst = list(reversed(self.st.issues.get((m.group(1), m.group(2)), [])))
                state = q.get("state", "open")
                labels = [x for x in q.get("labels", "").split(",") if x]
                res = [self.issue_json(m.group(1), m.group(2), i) for i in lst
                       if (state == "all" or i["state"] == state)
                       and (since is None or parse_iso(i["updated_at"]) >= since)
                       and all(any(lab["name"] == x for lab in i["labels"]) for x in labels)]
            elif c:
                lst = self.st.issues.get((c.group(1), c.group(2)), [])
                found = [i for i in lst if i["number"] == int(c.group(3))]
                if not found:
                    res = None
                else:
                    res = [x for x in found[0]["_comments"]
                           if since is None or parse_iso(x["updated_at"]) >= since]
            else:
                terms = q.get("q", "")
                repo = re.search(r"repo:([^\s]+)", terms)
                phrases = re.findall(r'"([^"]*)"', terms)
                items = []
                for (o, r), lst in self.st.issues.items():
                    if repo and repo.group(1) != "%s/%s" % (o, r):
                        continue
                    items += [self.issue_json(o, r, i) for i in reversed(lst)
                              if all(p in (i["body"] or "") for p in phrases)]
                return self.reply(200, {"total_count": len(items), "incomplete_results": False,
                                        "items": items[:per_page]})
        if res is None:
            return self.error(404, "Not Found")
        self.reply(200, res[:per_page])

    def do_POST(self):
        raw = self.body()
        path, _, query = self.path.partition("?")
        if path == "/_control":
            return self.control(raw)
        if path == "/_webhook":
            return self.webhook(raw)
        sm = re.match(r"^/_issues/([^/]+)/([^/]+)/([0-9]+)/state$", path)
        if sm:
            return self.set_state(sm, raw)
        m = ISSUES.match(path)
        c = COMMENTS.match(path)
        if not (m or c):
            return self.error(404, "Not Found")
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            payload = None
        mode, ok = self.check("POST", path, {}, payload)
        if not ok:
            return
        if not isinstance(payload, dict):
            return self.error(400, "Problems parsing JSON")
        now = time.time()
        if m:
            o, r = m.group(1), m.group(2)
            title = payload.get("title")
            if not title:
                return self.error(422, "Validation Failed",
                                  errors=[{"resource": "Issue", "code": "missing_field", "field": "title"}])
            with self.st.lock:
                lst = self.st.issues.setdefault((o, r), [])
                number = len(lst) + 1
                iid = self.st.next_id = self.st.next_id + 1
                issue = {
                    "id": iid, "node_id": "I_%d" % iid, "number": number, "title": title,
                    "body": payload.get("body"), "state": "open", "state_reason": None,
                    "url": "%s/repos/%s/%s/issues/%d" % (self.base(), o, r, number),
                    "html_url": "https://github.com/%s/%s/issues/%d" % (o, r, number),
                    "labels": [{"id": 100 + k, "name": n, "color": "f29513", "default": n == "bug"}
                               for k, n in enumerate(payload.get("labels") or [])],
                    "assignees": [user(a) for a in payload.get("assignees") or []],
                    "user": user("switchboard-bot"), "comments": 0,
                    "created_at": iso(now), "updated_at": iso(now), "closed_at": None,
                    "_comments": [],
                }
                lst.append(issue)
                out = self.issue_json(o, r, issue)
            headers = {"Location": out["url"]}
        else:
            o, r, n = c.group(1), c.group(2), int(c.group(3))
            if not payload.get("body"):
                return self.error(422, "Validation Failed",
                                  errors=[{"resource": "IssueComment", "code": "missing_field", "field": "body"}])
            with self.st.lock:
                found = [i for i in self.st.issues.get((o, r), []) if i["number"] == n]
                if not found:
                    out = None
                else:
                    cid = self.st.next_id = self.st.next_id + 1
                    out = {"id": cid, "node_id": "IC_%d" % cid, "body": payload["body"],
                           "user": user("switchboard-bot"),
                           "html_url": "https://github.com/%s/%s/issues/%d#issuecomment-%d" % (o, r, n, cid),
                           "issue_url": found[0]["url"], "created_at": iso(now), "updated_at": iso(now)}
                    found[0]["_comments"].append(out)
                    found[0]["comments"] += 1
                    found[0]["updated_at"] = iso(now)
            if out is None:
                return self.error(404, "Not Found")
            headers = {"Location": "%s/repos/%s/%s/issues/comments/%d" % (self.base(), o, r, out["id"])}
        if mode == "502":
            return self.error(502, "Server Error")
        if mode == "hang" and stop.wait(HANG_SECONDS):
            return
        self.reply(201, out, headers=headers)

    def control(self, raw):
        try:
            req = json.loads(raw or b"{}")
            mode, count = req.get("mode", "ok"), int(req.get("count", 1))
        except (ValueError, AttributeError, TypeError):
            return self.reply(400, {"error": "bad JSON"})
        if mode not in MODES:
            return self.reply(400, {"error": "unknown mode", "modes": MODES})
        with self.st.lock:
            self.st.mode, self.st.count = mode, count
        self.reply(200, {"mode": mode, "count": count})

    def set_state(self, m, raw):
        try:
            state = json.loads(raw or b"{}").get("state")
        except (ValueError, AttributeError):
            state = None
        with self.st.lock:
            found = [i for i in self.st.issues.get((m.group(1), m.group(2)), []) if i["number"] == int(m.group(3))]
            if not found or state not in ("open", "closed"):
                return self.reply(404, {"error": "no such issue or bad state"})
            i = found[0]
            i["state"] = state
            i["state_reason"] = "completed" if state == "closed" else "reopened"
            i["closed_at"] = iso(time.time()) if state == "closed" else None
            i["updated_at"] = iso(time.time())
            out = dict(i)
            out.pop("_comments")
        self.reply(200, out)

    def webhook(self, raw):
        try:
            req = json.loads(raw or b"{}")
            url, event = req["url"], req["event"]
        except (ValueError, KeyError, TypeError):
            return self.reply(400, {"error": "need JSON with url and event"})
        payload = req.get("payload", {})
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload, indent=2).encode()
        ctype = req.get("content_type") or "application/json"
        if ctype.startswith("application/x-www-form-urlencoded"):
            body = urllib.parse.urlencode({"payload": body.decode()}).encode()
        secret = req.get("secret") or ""
        sig = req.get("signature")
        if sig is None:
            sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": ctype,
            "User-Agent": "GitHub-Hookshot/fake",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": req.get("delivery") or str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "1",
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": "1",
        }
        if sig:
            headers["X-Hub-Signature-256"] = sig
        out = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(out, timeout=10) as r:
                status, text = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as e:
            status, text = 0, str(e)
        self.reply(200, {"status": status, "body": text, "signature": sig, "delivery": headers["X-GitHub-Delivery"]})


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
