#!/usr/bin/env python3
"""gen_webhooks.py - pre-generate signed Twilio inbound-SMS webhooks for wrk.

  gen_webhooks.py COUNT PUBLIC_URL TOKEN CORPUS.tsv OUT [--seed S] [--clients K]

Writes COUNT lines to OUT, one request each, for bench/drive.lua:
  POST<TAB>/webhook/twilio<TAB>BODY<TAB>Content-Type: ...<TAB>X-Twilio-Signature: SIG
Every request has its own MessageSid; bodies are SMS texts from the corpus
sent from K distinct client numbers.  The signature is Twilio's: base64
HMAC-SHA1 with TOKEN over PUBLIC_URL + "/webhook/twilio" + the parameters
sorted by name, each name followed by its value.  wrk's Lua cannot compute
HMAC-SHA1 cheaply, hence this generator.
"""
import base64, hashlib, hmac, random, sys, urllib.parse

def main():
    args = sys.argv[1:]
    seed, clients = 1, 500
    while "--seed" in args:
        i = args.index("--seed"); seed = int(args[i + 1]); del args[i:i + 2]
    while "--clients" in args:
        i = args.index("--clients"); clients = int(args[i + 1]); del args[i:i + 2]
    count, public_url, token, corpus, out = int(args[0]), args[1].rstrip("/"), args[2], args[3], args[4]
    texts = [l.rstrip("\n").split("\t", 2)[2] for l in open(corpus, encoding="utf-8")
             if l.strip() and not l.startswith("#") and l.count("\t") >= 2]
    rnd = random.Random(seed)
    account = "AC" + "%032x" % rnd.getrandbits(128)
    url = public_url + "/webhook/twilio"
    key = token.encode()
    with open(out, "w", encoding="utf-8") as f:
        for n in range(count):
            sid = "SM%032x" % rnd.getrandbits(128)
            params = {
                "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
                "ToCity": "SAN FRANCISCO", "FromZip": "94105", "SmsSid": sid, "FromState": "CA",
                "SmsStatus": "received", "FromCity": "SAN FRANCISCO",
                "Body": rnd.choice(texts), "FromCountry": "US", "To": "+14155550000",
                "ToZip": "94105", "NumSegments": "1", "MessageSid": sid, "AccountSid": account,
                "From": "+1415%07d" % (5550100 + rnd.randrange(clients)), "ApiVersion": "2010-04-01",
            }
            s = url + "".join(k + params[k] for k in sorted(params))
            sig = base64.b64encode(hmac.new(key, s.encode(), hashlib.sha1).digest()).decode()
            body = urllib.parse.urlencode(params)
            f.write("POST\t/webhook/twilio\t%s\tContent-Type: application/x-www-form-urlencoded\t"
                    "X-Twilio-Signature: %s\n" % (body, sig))

main()
