#!/usr/bin/env python3
"""twilio_post.py - post a webhook the way Twilio does, for the tests.

Signs independently of the program (Python's hmac), so the tests check the
C implementation against a second one.

  twilio_post.py URL TOKEN [--sign-url U] [--sig S|--no-sig] [--json BODY]
                 [--raw BODY] [k=v ...]
Prints the HTTP status, a newline, then the response body.
"""
import base64, hashlib, hmac, sys, urllib.parse, urllib.request, urllib.error

def sign(token, url, params):
    s = url
    for k in sorted(set(k for k, _ in params)):
        for v in sorted(v for kk, v in params if kk == k):
            s += k + v
    return base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()

def main():
    args = sys.argv[1:]
    url, token = args[0], args[1]
    sign_url, sig, json_body, raw, params, no_sig = url, None, None, None, [], False
    i = 2
    while i < len(args):
        a = args[i]
        if a == "--sign-url": sign_url = args[i + 1]; i += 2
        elif a == "--sig": sig = args[i + 1]; i += 2
        elif a == "--no-sig": no_sig = True; i += 1
        elif a == "--json": json_body = args[i + 1]; i += 2
        elif a == "--raw": raw = args[i + 1]; i += 2
        elif a == "--raw-file": raw = open(args[i + 1]).read(); i += 2
        else:
            k, _, v = a.partition("="); params.append((k, v)); i += 1
    headers = {}
    if json_body is not None:
        h = hashlib.sha256(json_body.encode()).hexdigest()
        sep = "&" if "?" in url else "?"
        url = url + sep + "bodySHA256=" + h
        sign_url = sign_url + sep + "bodySHA256=" + h
        data = json_body.encode()
        headers["Content-Type"] = "application/json"
        computed = sign(token, sign_url, [])
    else:
        data = raw.encode() if raw is not None else urllib.parse.urlencode(params).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        computed = sign(token, sign_url, params)
    if not no_sig:
        headers["X-Twilio-Signature"] = sig if sig is not None else computed
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    sys.stdout.write("%d\n%s" % (status, body.decode("utf-8", "replace")))

main()
