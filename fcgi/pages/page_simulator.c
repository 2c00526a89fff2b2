/*
 * page_simulator.c - send a simulated inbound SMS from the browser, so a
 * newcomer can watch the whole flow: message, classification, task, draft.
 *
 * The message takes Twilio's own path: the form parameters Twilio would
 * post (as `switchboard simulate-sms` builds them, with a random
 * MessageSid) are signed with TWILIO_AUTH_TOKEN over
 * SWITCHBOARD_PUBLIC_URL/webhook/twilio and handed to the webhook's
 * verify-and-store core in this process.  It must not make an HTTP request
 * to our own server: with a single FastCGI process that request would wait
 * for itself.
 */
#include "core/config.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/phone.h"
#include "desk/simulator.h"
#include "providers/twilio.h"

#include <stdlib.h>
#include <string.h>

#define SIM_BODY_MAX 1600

static const char *webhook_url(Ctx *c)
{
	return arena_printf(c->arena, "%s/webhook/twilio", config_get("SWITCHBOARD_PUBLIC_URL"));
}

/* The latest inbound messages, so the page shows what happened next. */
static json_t *recent(Ctx *c)
{
	Rows *r = simulator_recent(c->store);
	json_t *a = json_array();
	while (rows_next(r)) {
		json_t *m = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)rows_int(r, 0),
				      "client_id", (json_int_t)rows_int(r, 1), "from", rows_text(r, 2),
				      "body", rows_text(r, 3), "time", manage_time(c, rows_int(r, 7)),
				      "client", *rows_text(r, 8) ? rows_text(r, 8) : rows_text(r, 2));
		if (!rows_null(r, 4))
			json_object_set_new(m, "classified",
					    json_pack("{s:s,s:s,s:s}", "type", manage_label(rows_text(r, 4)), "urgency",
						      rows_text(r, 5), "urgency_label", manage_label(rows_text(r, 5))));
		if (!rows_null(r, 6))
			json_object_set_new(m, "task_id", json_integer(rows_int(r, 6)));
		json_array_append_new(a, m);
	}
	rows_done(r);
	return a;
}

/* Render the form; errors (stolen, may be NULL) holds e_from, e_body or
 * error. */
static void sim_page(Ctx *c, int status, const char *from, const char *body, json_t *errors)
{
	json_t *d = page_data(c, "Simulator", "simulator");
	json_object_set_new(d, "from", json_string(from ? from : "+14155550100"));
	json_object_set_new(d, "body", json_string(body ? body : ""));
	json_object_set_new(d, "url", json_string(webhook_url(c)));
	json_object_set_new(d, "body_max", json_integer(SIM_BODY_MAX));
	if (!*config_get("TWILIO_AUTH_TOKEN"))
		json_object_set_new(d, "no_token", json_true());
	json_t *r = recent(c);
	json_object_set_new(d, "has_recent", json_boolean(json_array_size(r) > 0));
	json_object_set_new(d, "recent", r);
	if (errors) {
		json_object_update(d, errors);
		json_decref(errors);
	}
	respond_page(c, status, "pages/simulator", d);
}

/* GET /simulator - admins.  The form: from number, message text. */
void h_simulator_form(Ctx *c)
{
	sim_page(c, 200, NULL, NULL, NULL);
}

/* POST /simulator - admins (CSRF).  Form: from (a phone number), body
 * (1..1600 characters).  Builds and signs an inbound SMS webhook and runs
 * the webhook's verify-and-store in-process, then 303 to the profile of
 * the message's client.  422 with errors next to the fields; 409 when
 * TWILIO_AUTH_TOKEN is unset (the webhook would refuse it). */
void h_simulator(Ctx *c)
{
	const char *from = params_get(&c->form, "from");
	const char *body = params_get(&c->form, "body");
	if (!from)
		from = "";
	if (!body)
		body = "";
	char e164[32];
	json_t *errors = json_object();
	if (phone_e164(from, e164, sizeof e164) != 0)
		json_object_set_new(errors, "e_from", json_string("Enter the sender's number with its country code, e.g. +14155550100."));
	const char *p = body;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (!*p)
		json_object_set_new(errors, "e_body", json_string("Write the text the client sends."));
	else if (manage_chars(body) > SIM_BODY_MAX)
		json_object_set_new(errors, "e_body", json_string("An SMS here is at most 1600 characters."));
	if (json_object_size(errors) > 0) {
		json_object_set_new(errors, "error", json_string("Nothing was sent: correct the marked field."));
		sim_page(c, 422, from, body, errors);
		return;
	}
	json_decref(errors);
	const char *token = config_get("TWILIO_AUTH_TOKEN");
	if (!*token) {
		sim_page(c, 409, from, body,
			 json_pack("{s:s}", "error", "TWILIO_AUTH_TOKEN is not set, so the webhook would refuse this message."));
		return;
	}

	char sid[35];
	sid[0] = 'S';
	sid[1] = 'M';
	auth_random_hex(sid + 2, 16);
	const char *account = *config_get("TWILIO_ACCOUNT_SID") ? config_get("TWILIO_ACCOUNT_SID")
							   : "AC00000000000000000000000000000000";
	const char *to = *config_get("TWILIO_FROM_NUMBER") ? config_get("TWILIO_FROM_NUMBER") : "+15005550006";
	TwParam tp[] = {
		{"AccountSid", account}, {"ApiVersion", "2010-04-01"}, {"Body", body},
		{"From", e164}, {"MessageSid", sid}, {"NumMedia", "0"}, {"NumSegments", "1"},
		{"SmsMessageSid", sid}, {"SmsSid", sid}, {"SmsStatus", "received"}, {"To", to},
	};
	size_t np = ARRAY_LEN(tp);
	/* Encode and decode the form as the webhook would receive it, so the
	 * parameters it verifies are exactly those a real request carries. */
	Buf enc = {0};
	for (size_t i = 0; i < np; i++) {
		if (i)
			buf_putc(&enc, '&');
		buf_url_escape(&enc, tp[i].name);
		buf_putc(&enc, '=');
		buf_url_escape(&enc, tp[i].value);
	}
	Params form = {0};
	int parsed = form_parse(buf_cstr(&enc), enc.len, &form);
	buf_free(&enc);
	if (parsed != 0) {
		ctx_log(c, "simulator built a form it cannot parse: %s", form_error());
		respond_error(c, 500, "internal", "The simulated message could not be built.", NULL);
		return;
	}
	const char *url = webhook_url(c);
	char *sig = twilio_signature(token, url, tp, np);
	TwilioInbound o;
	twilio_inbound_accept(c, url, sig, &form, NULL, 0, &o);
	free(sig);
	params_free(&form);
	if (o.status != 200) {
		sim_page(c, o.status == 503 ? 503 : 500, from, body,
			 json_pack("{s:s}", "error",
				   arena_printf(c->arena, "The webhook refused the message (%d %s): %s", o.status,
						o.code ? o.code : "", o.message ? o.message : "")));
		return;
	}
	int64_t client = simulator_message_client(c->store, o.message_id);
	ctx_log(c, "simulated inbound SMS %s message=%lld client=%lld by %s", sid, (long long)o.message_id,
		(long long)client, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/clients/%lld?done=simulated", (long long)client));
}
