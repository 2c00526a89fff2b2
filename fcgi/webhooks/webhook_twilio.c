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
 * transaction (a group commit shared with the webhooks arriving at the
 * same time: serve_inbound_sms) and everything slow happens in the
 * worker.  A sender that is not a valid address for its channel (From
 * "garbage") creates no client: the message is kept as an inbound_rejected
 * event for the admin (/inbound/rejected) and Twilio still gets 200, so
 * it does not redeliver it forever.
 *
 * twilio_inbound_accept() is the verify-and-store core on its own, so the
 * admin's simulator can push a signed message through exactly the same
 * path in-process (a request to our own server could deadlock with one
 * FastCGI process).
 */
#include "core/config.h"
#include "desk/desk.h"
#include "fcgi/handlers.h"
#include "fcgi/serve.h"
#include "providers/twilio.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_json(const char *ct)
{
	return ct && strncasecmp(ct, "application/json", 16) == 0;
}

/* Check X-Twilio-Signature over url for the parameters in form (or, when
 * json is non-NULL, for that raw JSON body through bodySHA256).  Returns 0
 * when valid; otherwise fills *out with the 403 to answer, logs the URL
 * checked and returns -1. */
static int verify_signature(Ctx *c, const char *url, const char *sig, const Params *form, const char *json,
			    size_t json_len, TwilioInbound *out)
{
	const char *token = config_get("TWILIO_AUTH_TOKEN");
	out->status = 403;
	if (!*token) {
		ctx_log(c, "TWILIO_AUTH_TOKEN is not set: refusing the webhook (cannot verify %s)", url);
		out->code = "not_configured";
		out->message = "Webhook signatures cannot be verified on this server.";
		return -1;
	}
	if (!sig || !*sig) {
		ctx_log(c, "webhook without X-Twilio-Signature refused; URL checked: %s", url);
		out->code = "missing_signature";
		out->message = "The X-Twilio-Signature header is missing.";
		return -1;
	}
	Buf tried = {0};
	int valid;
	if (json) {
		valid = twilio_signature_valid_json(token, url, json, json_len, sig, &tried);
	} else {
		TwParam *p = arena_alloc(c->arena, (form->n + 1) * sizeof *p);
		for (size_t i = 0; i < form->n; i++) {
			p[i].name = form->v[i].name;
			p[i].value = form->v[i].value;
		}
		valid = twilio_signature_valid(token, url, p, form->n, sig, &tried);
	}
	if (!valid) {
		for (char *nl; (nl = strchr(buf_cstr(&tried), '\n'));)
			*nl = ' ';
		ctx_log(c, "invalid X-Twilio-Signature; URL checked: %s (variants: %s). Is SWITCHBOARD_PUBLIC_URL "
			   "the address Twilio calls? `switchboard twilio-verify` helps.",
			url, buf_cstr(&tried));
		buf_free(&tried);
		out->code = "bad_signature";
		out->message = "The request signature is not valid.";
		return -1;
	}
	buf_free(&tried);
	out->status = 200;
	return 0;
}

/* The URL Twilio signed for this request: the public base and the raw
 * request-target. */
static const char *signed_url(Ctx *c)
{
	return arena_printf(c->arena, "%s%s", config_get("SWITCHBOARD_PUBLIC_URL"), c->raw_uri);
}

/* Verify this request's signature; on failure answer 403 and return -1.
 * For form bodies the caller has parsed c->form already. */
static int verify(Ctx *c)
{
	TwilioInbound o = {0};
	if (verify_signature(c, signed_url(c), c->header(c, "HTTP_X_TWILIO_SIGNATURE"), &c->form,
			     is_json(c->content_type) ? (c->body ? c->body : "") : NULL, c->body_len, &o) == 0)
		return 0;
	respond_error(c, o.status, o.code, o.message, NULL);
	return -1;
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

void twilio_inbound_accept(Ctx *c, const char *url, const char *signature, const Params *form, const char *json,
			   size_t json_len, TwilioInbound *out)
{
	memset(out, 0, sizeof *out);
	if (verify_signature(c, url, signature, form, json, json_len, out) != 0)
		return;
	const char *sid = params_get(form, "MessageSid");
	if (!sid || !*sid)
		sid = params_get(form, "SmsMessageSid");
	if (!sid || !*sid)
		sid = params_get(form, "SmsSid");
	const char *from = params_get(form, "From");
	if (!sid || !*sid || strlen(sid) > 64) {
		*out = (TwilioInbound){400, "missing_field", "MessageSid is required.", "MessageSid", 0, 0, 0};
		return;
	}
	if (!from || !*from || strlen(from) > 64) {
		*out = (TwilioInbound){400, "missing_field", "From is required.", "From", 0, 0, 0};
		return;
	}
	InboundSms m = {0};
	m.message_sid = sid;
	m.from = from;
	m.to = params_get(form, "To");
	m.body = params_get(form, "Body");
	m.account_sid = params_get(form, "AccountSid");
	m.messaging_service_sid = params_get(form, "MessagingServiceSid");
	const char *nm = params_get(form, "NumMedia");
	m.num_media = nm ? atoi(nm) : 0;
	if (m.num_media < 0 || m.num_media > 10)
		m.num_media = 0;
	json_t *media = json_array();
	for (int i = 0; i < m.num_media; i++) {
		char k1[24], k2[32];
		snprintf(k1, sizeof k1, "MediaUrl%d", i);
		snprintf(k2, sizeof k2, "MediaContentType%d", i);
		const char *u = params_get(form, k1), *t = params_get(form, k2);
		if (u)
			json_array_append_new(media, json_pack("{s:s,s:s}", "url", u, "content_type", t ? t : ""));
	}
	m.media = media;
	int64_t mid = 0;
	char *err = NULL;
	InboundResult r = serve_inbound_sms(c, &m, &mid, &err);
	json_decref(media);
	if (r == INBOUND_ERROR) {
		/* Not committed: let Twilio retry rather than claim success. */
		out->status = 503;
		out->code = "store_failed";
		out->message = arena_strdup(c->arena, err ? err : "could not store the message");
		free(err);
		return;
	}
	if (r == INBOUND_REJECTED) {
		/* Answered 200 all the same: Twilio would redeliver it forever. */
		ctx_log(c, "inbound rejected: From is not a valid address; event=%lld sid=%s", (long long)mid, sid);
		out->status = 200;
		out->message_id = mid;
		out->rejected = 1;
		return;
	}
	ctx_log(c, "inbound %s message=%lld sid=%s", r == INBOUND_DUPLICATE ? "duplicate" : "stored",
		(long long)mid, sid);
	out->status = 200;
	out->message_id = mid;
	out->duplicate = r == INBOUND_DUPLICATE;
}

/* POST /webhook/twilio - Twilio (signed).  Form: MessageSid, From, To,
 * Body, NumMedia, MediaUrlN, ... (every parameter is signed, known or not).
 * 200 empty TwiML once the message is committed (or was already). */
void h_webhook_twilio(Ctx *c)
{
	if (parse_body(c) != 0)
		return;
	TwilioInbound o;
	twilio_inbound_accept(c, signed_url(c), c->header(c, "HTTP_X_TWILIO_SIGNATURE"), &c->form,
			      is_json(c->content_type) ? (c->body ? c->body : "") : NULL, c->body_len, &o);
	if (o.status != 200) {
		respond_error(c, o.status, o.code, o.message, o.field);
		return;
	}
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
