#!/usr/bin/env bash
# t0200-webhook: the signed inbound SMS webhook stores each message exactly
# once and refuses forged, unsigned and malformed requests without storing
# anything.
. "$(dirname "$0")/../lib.sh"
export TWILIO_AUTH_TOKEN=secret-token-for-tests
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
post() { python3 "$SB_ROOT/tests/twilio_post.py" "$SB_URL/webhook/twilio" "$TWILIO_AUTH_TOKEN" "$@"; }
count() { sql "SELECT count(*) FROM messages"; }

r=$(post MessageSid=SM00000000000000000000000000000001 AccountSid=AC1 From=+14155550100 To=+15005550006 Body="Hello there" NumMedia=0)
is "$(status_of "$r")" 200 "signed webhook answers 200"
is "$(body_of "$r")" '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' "answer is empty TwiML"
is "$(count)" 1 "message stored"
is "$(sql "SELECT external_id||'|'||from_addr||'|'||body||'|'||status FROM messages")" \
   "SM00000000000000000000000000000001|+14155550100|Hello there|received" "message fields"
is "$(sql "SELECT phone FROM clients")" "+14155550100" "client created by phone"
is "$(sql "SELECT event_type FROM events ORDER BY id" | tr '\n' ' ')" "client_created message_in " "events written"
is "$(sql "SELECT kind||':'||state FROM jobs")" "classify:queued" "classify job enqueued"

r=$(post MessageSid=SM00000000000000000000000000000001 AccountSid=AC1 From=+14155550100 To=+15005550006 Body="Hello there" NumMedia=0)
is "$(status_of "$r")" 200 "duplicate delivery answers 200"
is "$(count)" 1 "duplicate delivery stores nothing"
is "$(sql "SELECT count(*) FROM events")" 2 "duplicate delivery writes no event"
is "$(sql "SELECT count(*) FROM jobs")" 1 "duplicate delivery enqueues nothing"

r=$(post --sig 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' MessageSid=SM2 From=+14155550101 Body=forged)
is "$(status_of "$r")" 403 "forged signature is 403"
r=$(post --no-sig MessageSid=SM3 From=+14155550101 Body=unsigned)
is "$(status_of "$r")" 403 "missing signature is 403"
r=$(post --sign-url "http://evil.example/webhook/twilio" MessageSid=SM4 From=+14155550101 Body=wrongurl)
is "$(status_of "$r")" 403 "signature over another URL is 403"
is "$(count)" 1 "nothing stored for refused requests"
like "$(sb_log)" "URL checked: $SB_URL/webhook/twilio" "refusal log names the URL checked"

r=$(post --raw 'MessageSid=SM5&From=%ZZ' )
is "$(status_of "$r")" 400 "malformed form is 400"
r=$(post MessageSid=SM6 Body="no sender")
is "$(status_of "$r")" 400 "missing From is 400"
like "$(body_of "$r")" 'From' "the error names the field"
{ printf 'MessageSid=SM7&From=%%2B1415&Body='; head -c 1100000 /dev/zero | tr '\0' a; } > "$SB_TMP/big"
r=$(post --raw-file "$SB_TMP/big")
is "$(status_of "$r")" 413 "oversized body is 413"
is "$(count)" 1 "nothing stored for bad input"

emoji='Ça marche 👍 — 日本語 ✓'
r=$(post MessageSid=SM00000000000000000000000000000008 From=+442079460018 To=+15005550006 Body="$emoji")
is "$(status_of "$r")" 200 "Unicode and emoji body accepted"
is "$(sql "SELECT body FROM messages WHERE external_id='SM00000000000000000000000000000008'")" "$emoji" "Unicode stored intact"
long=$(python3 -c 'print(("0123456789" * 160), end="")')
r=$(post MessageSid=SM00000000000000000000000000000009 From=+14155550102 Body="$long")
is "$(status_of "$r")" 200 "1,600-character body accepted"
is "$(sql "SELECT length(body) FROM messages WHERE external_id='SM00000000000000000000000000000009'")" 1600 "1,600 characters stored"

r=$(post MessageSid=SM00000000000000000000000000000010 From="(415) 555-0100" MessagingServiceSid=MG123 To=MG123 Body="via a messaging service")
is "$(status_of "$r")" 200 "Messaging Service message accepted"
is "$(sql "SELECT count(*) FROM clients WHERE phone='+14155550100'")" 1 "number normalised to E.164 and matched to the client"
# A sender that is not a valid address for its channel: kept for the
# record, answered 200 (or Twilio redelivers forever), but no client.
clients_before=$(sql "SELECT count(*) FROM clients")
msgs_before=$(count)
jobs_before=$(sql "SELECT count(*) FROM jobs")
for from in ALPHA-ID garbage 'whatsapp:garbage' 'whatsapp:14155550100' '+0123'; do
	r=$(post MessageSid="SMbad-$from" From="$from" Body="from $from")
	is "$(status_of "$r")" 200 "invalid sender $from answers 200"
	is "$(body_of "$r")" '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' "invalid sender $from gets empty TwiML"
done
is "$(sql "SELECT count(*) FROM clients")" "$clients_before" "an invalid sender creates no client"
is "$(sql "SELECT count(*) FROM clients WHERE name = 'garbage' OR phone = 'garbage'")" 0 "no client named garbage"
is "$(count)" "$msgs_before" "an invalid sender stores no message"
is "$(sql "SELECT count(*) FROM jobs")" "$jobs_before" "an invalid sender enqueues no job"
is "$(sql "SELECT count(*) FROM events WHERE event_type='inbound_rejected' AND client_id IS NULL")" 5 \
   "each invalid sender is recorded once as inbound_rejected"
is "$(sql "SELECT json_extract(details,'\$.from')||'|'||json_extract(details,'\$.body') FROM events
           WHERE json_extract(details,'\$.message_sid')='SMbad-garbage'")" "garbage|from garbage" \
   "the rejected event keeps the sender and the text"
r=$(post MessageSid=SMbad-garbage From=garbage Body="from garbage")
is "$(status_of "$r")" 200 "a redelivered rejected message answers 200"
is "$(sql "SELECT count(*) FROM events WHERE event_type='inbound_rejected'")" 5 "a redelivery records nothing new"
r=$(post MessageSid=SM00000000000000000000000000000015 From=whatsapp:+14155550107 Body="via WhatsApp")
is "$(status_of "$r")" 200 "a WhatsApp sender is accepted"
is "$(sql "SELECT count(*) FROM messages WHERE external_id='SM00000000000000000000000000000015'")" 1 \
   "the WhatsApp message is stored"

r=$(post MessageSid=SM00000000000000000000000000000012 Extra=unknown-param From=+14155550103 Body="x" FutureField=yes)
is "$(status_of "$r")" 200 "unknown parameters are signed and accepted"

# Port variants: Twilio may sign with or without the default port.
r=$(post --sign-url "$SB_URL/webhook/twilio" MessageSid=SM00000000000000000000000000000013 From=+14155550104 Body=port)
is "$(status_of "$r")" 200 "signature over the configured URL"

# JSON body with bodySHA256
r=$(post --json '{"MessageSid":"SM00000000000000000000000000000014","From":"+14155550105","Body":"json body"}')
is "$(status_of "$r")" 200 "JSON body with a valid bodySHA256 signature"
is "$(sql "SELECT body FROM messages WHERE external_id='SM00000000000000000000000000000014'")" "json body" "JSON message stored"

# The CLI simulator goes through the same signed path.
out=$("$SB_BIN" simulate-sms --from +14155550106 --body "simulated hello" --url "$SB_URL")
like "$out" 'HTTP 200' "simulate-sms delivers through the webhook"
is "$(sql "SELECT count(*) FROM messages WHERE body='simulated hello'")" 1 "simulated message stored"

# twilio-verify
sig=$(python3 -c 'import base64,hmac,hashlib; print(base64.b64encode(hmac.new(b"12345", b"https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212", hashlib.sha1).digest()).decode())')
out=$(printf 'CallSid=CA1234567890ABCDE&Caller=%%2B14158675309&Digits=1234&From=%%2B14158675309&To=%%2B18005551212' | \
      TWILIO_AUTH_TOKEN=12345 "$SB_BIN" twilio-verify --url 'https://mycompany.com/myapp.php?foo=1&bar=2' --signature "$sig")
ok $? "twilio-verify accepts the reference vector"
like "$out" 'mycompany.com:443' "twilio-verify lists the port variant it tried"
printf 'CallSid=x' | TWILIO_AUTH_TOKEN=12345 "$SB_BIN" twilio-verify --url 'https://mycompany.com/' --signature "$sig" >/dev/null
is $? 1 "twilio-verify exits 1 for a wrong signature"
done_testing
