#!/usr/bin/env python3
"""webhook_driver.py - send pre-signed webhooks and record every answer.

  webhook_driver.py URL REQFILE OUT --connections C [--seconds S] [--count N]
                    [--rate R]

REQFILE is bench/gen_webhooks.py's output (METHOD<TAB>PATH<TAB>BODY<TAB>
headers...).  C threads, each with its own keep-alive connection, send the
lines in order, each at most once, until S seconds have passed, N requests
were sent, or the lines run out; with --rate, no more than R requests a second in all.  OUT gets one line per request sent:
"MessageSid STATUS MILLISECONDS" (STATUS 0 when the connection failed before an answer:
the request may or may not have been committed, so it proves nothing either
way).  wrk cannot tell which request an answer belongs to, which is what a
durability check needs, hence this driver.  Prints one summary line:
"DRIVER sent=... ok=... failed=... statuses=200:n,503:n".
"""
import http.client
import sys
import threading
import time
import urllib.parse


def main():
    args = sys.argv[1:]
    url, reqfile, out = args[0], args[1], args[2]
    conns, seconds, count, rate = 8, 0.0, 0, 0.0
    i = 3
    while i < len(args):
        if args[i] == "--connections":
            conns = int(args[i + 1])
        elif args[i] == "--seconds":
            seconds = float(args[i + 1])
        elif args[i] == "--rate":
            rate = float(args[i + 1])
        elif args[i] == "--count":
            count = int(args[i + 1])
        i += 2
    u = urllib.parse.urlparse(url)
    lines = [l.rstrip("\n").split("\t") for l in open(reqfile, encoding="utf-8") if l.strip()]
    if count:
        lines = lines[:count]
    lock = threading.Lock()
    state = {"next": 0}
    results = []
    start = time.monotonic()
    deadline = start + seconds if seconds > 0 else None

    def take():
        with lock:
            if deadline and time.monotonic() >= deadline:
                return None
            if state["next"] >= len(lines):
                return None
            state["next"] += 1
            slot = start + state["next"] / rate if rate > 0 else 0
            line = lines[state["next"] - 1]
        wait = slot - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        return line

    def worker():
        c = None
        mine = []
        while True:
            f = take()
            if f is None:
                break
            method, path, body = f[0], f[1], f[2]
            headers = dict(h.split(": ", 1) for h in f[3:] if ": " in h)
            sid = urllib.parse.parse_qs(body).get("MessageSid", ["?"])[0]
            status = 0
            t0 = time.monotonic()
            try:
                if c is None:
                    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
                c.request(method, path, body=body.encode(), headers=headers)
                r = c.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = None
            except (http.client.HTTPException, OSError):
                if c is not None:
                    c.close()
                c = None
            mine.append((sid, status, (time.monotonic() - t0) * 1000))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = {}
    with open(out, "w") as f:
        for sid, status, ms in results:
            f.write("%s %d %.2f\n" % (sid, status, ms))
            stats[status] = stats.get(status, 0) + 1
    print("DRIVER sent=%d ok=%d failed=%d statuses=%s" % (
        len(results), stats.get(200, 0), stats.get(0, 0),
        ",".join("%d:%d" % kv for kv in sorted(stats.items()))))


main()
