/*
 * webhook_twilio.c - Twilio's inbound SMS webhook and delivery-status
 * callbacks.
 *
 * Both are public but signed: X-Twilio-Signature is checked with
 * TWILIO_AUTH_TOKEN over SWITCHBOARD_PUBLIC_URL + the request path and
 * query (both port variants; the bodySHA256 form for JSON bodies).  A
 * missing or wrong signature gets 403, a log line naming the URL checked,
 * and nothing is stored.  The answer never waits on an outside service:
 * the message, its event and its classify job are committed in one
 * transaction and everything slow happens in the worker.
 */
#include "config.h"
#include "desk.h"
#include "handlers.h"
#include "twilio.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_json(const char *ct)
{
	return ct && strncasecmp(ct, "application/json", 16) == 0;
}

/* Verify the signature; on failure answer 403 and return -1.  For form
 * bodies the caller has parsed c->form already. */
static int verify(Ctx *c)
{
	const char *token = config_get("TWILIO_AUTH_TOKEN");
	const char *sig = c->header(c, "HTTP_X_TWILIO_SIGNATURE");
	char *url = arena_printf(c->arena, "%s%s", config_get("SWITCHBOARD_PUBLIC_URL"), c->raw_uri);
	if (!*token) {
		ctx_log(c, "TWILIO_AUTH_TOKEN is not set: refusing the webhook (cannot verify %s)", url);
		respond_error(c, 403, "not_configured", "Webhook signatures cannot be verified on this server.", NULL);
		return -1;
	}
	if (!sig || !*sig) {
		ctx_log(c, "webhook without X-Twilio-Signature refused; URL checked: %s", url);
		respond_error(c, 403, "missing_signature", "The X-Twilio-Signature header is missing.", NULL);
		return -1;
	}
	Buf tried = {0};
	int valid;
	if (is_json(c->content_type)) {
		valid = twilio_signature_valid_json(token, url, c->body ? c->body : "", c->body_len, sig, &tried);
	} else {
		TwParam *p = arena_alloc(c->arena, (c->form.n + 1) * sizeof *p);
		for (size_t i = 0; i < c->form.n; i++) {
			p[i].name = c->form.v[i].name;
			p[i].value = c->form.v[i].value;
		}
		valid = twilio_signature_valid(token, url, p, c->form.n, sig, &tried);
	}
	if (!valid) {
		for (char *nl; (nl = strchr(buf_cstr(&tried), '\n'));)
			*nl = ' ';
		ctx_log(c, "invalid X-Twilio-Signature; URL checked: %s (variants: %s). Is SWITCHBOARD_PUBLIC_URL "
			   "the address Twilio calls? `switchboard twilio-verify` helps.",
			url, buf_cstr(&tried));
		buf_free(&tried);
		respond_error(c, 403, "bad_signature", "The request signature is not valid.", NULL);
		return -1;
	}
	buf_free(&tried);
	return 0;
}

/* Parse the body into c->form: urlencoded (the SMS webhook) or a flat JSON
 * object of strings.  Answers 400/415 and returns -1 when it cannot. */
static int parse_body(Ctx *c)
{
	if (is_json(c->content_type)) {
		json_t *v = json_loadb(c->body ? c->body : "", c->body_len, 0, NULL);
		if (!json_is_object(v)) {
			json_decref(v);
			respond_error(c, 400, "bad_json", "The body is not a JSON object.", NULL);
			return -1;
		}
		/* Keep the JSON object's string fields as parameters. */
		Buf b = {0};
		const char *k;
		json_t *val;
		json_object_foreach(v, k, val) {
			if (!json_is_string(val))
				continue;
			if (b.len)
				buf_putc(&b, '&');
			buf_url_escape(&b, k);
			buf_putc(&b, '=');
			buf_url_escape(&b, json_string_value(val));
		}
		json_decref(v);
		int rc = form_parse(buf_cstr(&b), b.len, &c->form);
		buf_free(&b);
		if (rc != 0) {
			respond_error(c, 400, "bad_json", "The JSON body has invalid text.", NULL);
			return -1;
		}
		return 0;
	}
	if (!c->content_type || strncasecmp(c->content_type, "application/x-www-form-urlencoded", 33) != 0) {
		respond_error(c, 415, "unsupported_media_type", "Twilio webhooks are form-encoded.", NULL);
		return -1;
	}
	if (form_parse(c->body ? c->body : "", c->body_len, &c->form) != 0) {
		ctx_log(c, "malformed webhook form: %s", form_error());
		respond_error(c, 400, "bad_form", "The form body is malformed.", NULL);
		return -1;
	}
	return 0;
}

static void twiml_empty(Ctx *c)
{
	static const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
	respond(c, 200, "text/xml; charset=utf-8", xml, sizeof xml - 1);
}

/* POST /webhook/twilio - Twilio (signed).  Form: MessageSid, From, To,
 * Body, NumMedia, MediaUrlN, ... (every parameter is signed, known or not).
 * 200 empty TwiML once the message is committed (or was already). */
void h_webhook_twilio(Ctx *c)
{
	if (parse_body(c) != 0 || verify(c) != 0)
		return;
	const char *sid = params_get(&c->form, "MessageSid");
	if (!sid || !*sid)
		sid = params_get(&c->form, "SmsMessageSid");
	if (!sid || !*sid)
		sid = params_get(&c->form, "SmsSid");
	const char *from = params_get(&c->form, "From");
	if (!sid || !*sid || strlen(sid) > 64) {
		respond_error(c, 400, "missing_field", "MessageSid is required.", "MessageSid");
		return;
	}
	if (!from || !*from || strlen(from) > 64) {
		respond_error(c, 400, "missing_field", "From is required.", "From");
		return;
	}
	InboundSms m = {0};
	m.message_sid = sid;
	m.from = from;
	m.to = params_get(&c->form, "To");
	m.body = params_get(&c->form, "Body");
	m.account_sid = params_get(&c->form, "AccountSid");
	m.messaging_service_sid = params_get(&c->form, "MessagingServiceSid");
	const char *nm = params_get(&c->form, "NumMedia");
	m.num_media = nm ? atoi(nm) : 0;
	if (m.num_media < 0 || m.num_media > 10)
		m.num_media = 0;
	json_t *media = json_array();
	for (int i = 0; i < m.num_media; i++) {
		char k1[24], k2[32];
		snprintf(k1, sizeof k1, "MediaUrl%d", i);
		snprintf(k2, sizeof k2, "MediaContentType%d", i);
		const char *u = params_get(&c->form, k1), *t = params_get(&c->form, k2);
		if (u)
			json_array_append_new(media, json_pack("{s:s,s:s}", "url", u, "content_type", t ? t : ""));
	}
	m.media = media;
	int64_t mid = 0;
	char *err = NULL;
	InboundResult r = desk_inbound_sms(c->store, &m, &mid, &err);
	json_decref(media);
	if (r == INBOUND_ERROR) {
		/* Not committed: let Twilio retry rather than claim success. */
		respond_error(c, 503, "store_failed", err ? err : "could not store the message", NULL);
		free(err);
		return;
	}
	ctx_log(c, "inbound %s message=%lld sid=%s", r == INBOUND_DUPLICATE ? "duplicate" : "stored",
		(long long)mid, sid);
	twiml_empty(c);
}

/* POST /webhook/twilio/status - Twilio (signed) delivery status callback:
 * MessageSid, MessageStatus, ErrorCode, ErrorMessage.  Moves the outbound
 * message forward; a late or repeated callback changes nothing. */
void h_webhook_twilio_status(Ctx *c)
{
	if (parse_body(c) != 0 || verify(c) != 0)
		return;
	const char *sid = params_get(&c->form, "MessageSid");
	if (!sid || !*sid)
		sid = params_get(&c->form, "SmsSid");
	const char *status = params_get(&c->form, "MessageStatus");
	if (!status)
		status = params_get(&c->form, "SmsStatus");
	if (!sid || !*sid || !status || !*status) {
		respond_error(c, 400, "missing_field", "MessageSid and MessageStatus are required.",
			      !sid || !*sid ? "MessageSid" : "MessageStatus");
		return;
	}
	int r = desk_status_callback(c->store, sid, status, params_get(&c->form, "ErrorCode"),
				     params_get(&c->form, "ErrorMessage"));
	if (r < 0)
		ctx_log(c, "status callback for unknown message %s (%s) ignored", sid, status);
	else
		ctx_log(c, "status %s for %s%s", status, sid, r == 0 ? " (stale, ignored)" : "");
	respond(c, 204, "text/plain", "", 0);
}
