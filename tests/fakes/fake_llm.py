#!/usr/bin/env python3
"""fake_llm.py - a stand-in for an OpenAI-compatible chat completions server.

Usage: fake_llm.py --port N --log FILE

POST /v1/chat/completions (or /chat/completions) answers like OpenAI: the
assistant content is JSON chosen by the shape of the request's json_schema:
the client's name, company and email stated in the <message> (profile), a
PRD from the <client_data> messages (overview, requirements, ...), a
revision of the <prd> with the <feedback>, a short reply, else a
classification from keywords in the last user message ({"type", "urgency", "confidence",
"summary"}); keys not in the schema's properties are dropped and missing
required ones filled; with usage tokens.  Every completion request
is logged as one JSON line {"time", "path", "auth", "mode", "body"}.

Test endpoints:
  POST /_control  {"mode": M, "count": K}: the next K completions (default 1)
                  behave as M, then back to "ok".  Modes:
                  ok, malformed (content not JSON), bad_values (valid JSON,
                  invalid enum values), 429 (Retry-After: 1), quota (429 with
                  code insufficient_quota), 500, hang (sleep 30 s),
                  echo (content = the last user message verbatim)
  GET  /_log      the log lines (application/x-ndjson)

Prints "listening PORT" once ready (--port 0 picks a free port) and exits
cleanly on SIGTERM.  Standard library only.
"""

import argparse
import json
import re
import secrets
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "malformed", "bad_values", "429", "quota", "500", "hang", "echo")
HANG_SECONDS = 30

# First match wins, so the more specific types come first.
TYPE_WORDS = [
    ("bug", r"\b(bug|crash\w*|error|broken|fails?|failing|not working|doesn'?t work|500)\b"),
    ("feature_request", r"\b(feature|add|could you|would be (nice|great)|wish|support for|request)\b"),
    ("consult", r"\b(advice|advise|consult\w*|strategy|recommend\w*|meeting|call me|opinion)\b"),
    ("question", r"(\?|\b(how|what|when|where|why|which|can i|is there)\b)"),
]
URGENT_WORDS = r"\b(urgent|asap|emergency|immediately|down|outage|on fire|critical)\b"
LOW_WORDS = r"\b(whenever|no rush|sometime|low priority|eventually|not urgent)\b"

stop = threading.Event()


def classify(text):
    t = text.lower()
    kind = next((k for k, rx in TYPE_WORDS if re.search(rx, t)), "other")
    if re.search(LOW_WORDS, t):
        urgency = "low"
    elif re.search(URGENT_WORDS, t):
        urgency = "urgent"
    else:
        urgency = "medium"
    return {
        "type": kind,
        "urgency": urgency,
        "confidence": 0.9 if kind != "other" else 0.4,
        "summary": " ".join(text.split())[:80],
    }


def schema_props(request):
    rf = request.get("response_format") or {}
    schema = (rf.get("json_schema") or {}).get("schema") or rf.get("schema")
    props = schema.get("properties") if isinstance(schema, dict) else None
    return set(props) if isinstance(props, dict) else set()


def section(text, tag):
    """The text between <tag> and </tag> in a prompt, stripped."""
    m = re.search(r"<%s>\s*(.*?)\s*</%s>" % (tag, tag), text, re.S)
    return m.group(1) if m else ""


def profile(text):
    """Name, company and email a client states about themselves."""
    msg = section(text, "message") or text
    name = re.search(r"\b(?i:my name is|this is|i am|i'm)\s+([A-Z][a-z]+(?: [A-Z][a-z]+)?)", msg)
    company = re.search(r"\bfrom\s+([A-Z][\w&]*(?: [A-Z][\w&]*)*)", msg)
    email = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", msg)
    return {"name": name.group(1) if name else None,
            "company": company.group(1) if company else None,
            "email": email.group(0) if email else None,
            "confidence": 0.85}


def prd(text):
    """A PRD drafted from the client's messages in the prompt."""
    data = section(text, "client_data")
    title = re.search(r"Request \(task #\d+\): (.*)", data)
    client = re.search(r"Client: ([^(\n]*)", data)
    msgs = [m.strip() for m in re.findall(r"^- (.*)$", data, re.M)]
    sentences = [x.strip() for m in msgs for x in re.split(r"(?<=[.?!])\s+", m) if x.strip()]
    wants = [x[:300] for x in sentences if re.search(r"\b(add|could|need|want|should|must)\b", x, re.I)]
    return {
        "overview": "The client asks for: %s. (Drafted by the language model.)" % (title.group(1) if title else "a change"),
        "problem": " ".join(msgs)[:2000] or "Not stated.",
        "timeline": next((x for x in sentences if re.search(r"\b(before|by|next|until)\b", x, re.I)), "To be agreed."),
        "requirements": wants[:12] or ["To be agreed with the client."],
        "non_goals": [],
        "constraints": [x[:300] for x in sentences if re.search(r"\bmust\b", x, re.I)][:12],
        "stakeholders": [client.group(1).strip()] if client and client.group(1).strip() else [],
        "open_questions": ["Which users need it first?"],
    }


def revise(text):
    """The PRD in the prompt with the reviewer's feedback worked in."""
    doc, feedback = section(text, "prd"), section(text, "feedback")
    return {"prd": doc.rstrip() + "\n\n## Revision\n\nRevised by the language model: " + " ".join(feedback.split()) + "\n"}


def answer_for(request, text):
    """What the model answers, by the shape of the schema it was given."""
    props = schema_props(request)
    if {"name", "company", "email"} <= props:
        return profile(text)
    if "overview" in props and "requirements" in props:
        return prd(text)
    if props == {"prd"}:
        return revise(text)
    if props == {"reply"}:
        return {"reply": "Thank you, we have your message and will get back to you today."}
    return classify(text)


def fit_to_schema(obj, request):
    """Keep only the schema's properties and fill missing required ones."""
    rf = request.get("response_format") or {}
    schema = (rf.get("json_schema") or {}).get("schema") or rf.get("schema")
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return obj
    out = {k: v for k, v in obj.items() if k in props}
    for name in schema.get("required", []):
        if name in out:
            continue
        spec = props.get(name, {})
        if spec.get("enum"):
            out[name] = spec["enum"][0]
        elif spec.get("type") in ("number", "integer"):
            out[name] = 0
        elif spec.get("type") == "boolean":
            out[name] = False
        elif spec.get("type") == "array":
            out[name] = []
        else:
            out[name] = ""
    return out


def last_user_text(request):
    for m in reversed(request.get("messages") or []):
        if isinstance(m, dict) and m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):
                return "".join(p.get("text", "") for p in c if isinstance(p, dict))
            return c if isinstance(c, str) else ""
    return ""


def completion(request, content):
    prompt = json.dumps(request.get("messages", []))
    return {
        "id": "chatcmpl-" + secrets.token_hex(12),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "system_fingerprint": "fp_fake",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": {
            "prompt_tokens": max(1, len(prompt) // 4),
            "completion_tokens": max(1, len(content) // 4),
            "total_tokens": max(1, len(prompt) // 4) + max(1, len(content) // 4),
        },
    }


def api_error(message, etype, code):
    return {"error": {"message": message, "type": etype, "param": None, "code": code}}


class State:
    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.log_path = log_path
        self.mode = "ok"
        self.count = 0
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

    def read_log(self):
        with self.lock:
            with open(self.log_path, "rb") as f:
                return f.read()


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeLLM/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj=None, headers=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req_" + secrets.token_hex(8))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_log":
            return self.reply(200, raw=self.server.state.read_log(), ctype="application/x-ndjson")
        self.reply(404, api_error("Not found", "not_found_error", None))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        if self.path == "/_control":
            return self.control(body)
        if self.path in ("/v1/chat/completions", "/chat/completions"):
            return self.chat(body)
        self.reply(404, api_error("Unknown path %s" % self.path, "not_found_error", None))

    def control(self, body):
        try:
            req = json.loads(body or b"{}")
            mode, count = req.get("mode", "ok"), int(req.get("count", 1))
        except (ValueError, AttributeError):
            return self.reply(400, {"error": "bad JSON"})
        if mode not in MODES:
            return self.reply(400, {"error": "unknown mode", "modes": MODES})
        self.server.state.set_mode(mode, count)
        self.reply(200, {"mode": mode, "count": count})

    def chat(self, body):
        state = self.server.state
        try:
            request = json.loads(body)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError as e:
            state.log({"time": time.time(), "path": self.path, "bad_body": body.decode("utf-8", "replace")})
            return self.reply(400, api_error("Invalid JSON body: %s" % e, "invalid_request_error", None))
        mode = state.next_mode()
        state.log({
            "time": time.time(),
            "path": self.path,
            "auth": self.headers.get("Authorization"),
            "mode": mode,
            "body": request,
        })
        if not request.get("model") or not isinstance(request.get("messages"), list):
            return self.reply(400, api_error("model and messages are required",
                                             "invalid_request_error", None))
        if mode == "429":
            return self.reply(429, api_error("Rate limit reached for requests", "requests",
                                             "rate_limit_exceeded"), headers={"Retry-After": "1"})
        if mode == "quota":
            return self.reply(429, api_error("You exceeded your current quota, please check your plan and billing details.",
                                             "insufficient_quota", "insufficient_quota"))
        if mode == "500":
            return self.reply(500, api_error("The server had an error while processing your request.",
                                             "server_error", None))
        if mode == "hang" and stop.wait(HANG_SECONDS):
            return
        text = last_user_text(request)
        if mode == "malformed":
            content = "Sure! Here is the classification: type=bug, urgency=high"
        elif mode == "bad_values":
            content = json.dumps({"type": "spaceship", "urgency": "whenever",
                                  "confidence": 7, "summary": 42})
        elif mode == "echo":
            content = text
        else:
            content = json.dumps(fit_to_schema(answer_for(request, text), request))
        self.reply(200, completion(request, content))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.log)

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
