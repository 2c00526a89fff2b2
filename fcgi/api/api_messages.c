/*
 * api_messages.c - the JSON API for messages: list (both directions) and
 * send an SMS to a client.
 *
 * Sending never talks to Twilio here: the outbound message, its event and
 * its send job are committed in one transaction (desk_task_reply within a
 * task, as the admin pages reply; desk_outbound otherwise) and the worker
 * delivers it, so the answer is 202.  Bodies are counted in characters,
 * not bytes, as the person typing them counts.  A token acting for a user
 * reads and texts only that user's clients (apiq_messages' isolation rule): another client,
 * by id or by its number, is 404 and never gets a duplicate.
 * Authentication (bearer token) is the dispatcher's job.
 */
#include "fcgi/api/api.h"
#include "desk/api_queries.h"
#include "desk/client_lookup.h"
#include "desk/clients.h"
#include "desk/desk.h"
#include "desk/desk_tasks.h"
#include "fcgi/handlers.h"
#include "desk/phone.h"

#include <stdlib.h>
#include <string.h>

static const char *const directions[] = {"in", "out", NULL};
/* Every status a message can hold (see migrations/0001_core.sql and
 * desk_status_rank; "superseded": a draft a person's reply replaced). */
static const char *const message_statuses[] = {"received", "draft", "queued", "submitting", "accepted",
					       "scheduled", "sending", "sent", "delivered", "undelivered",
					       "failed", "read", "canceled", "rejected", "superseded", NULL};

/* One message row (apiq_messages' columns) as JSON. */
static json_t *message_json(Rows *r)
{
	static const char *const names[] = {"id", "client_id", "task_id", "channel", "direction", "from", "to",
					    "body", "status", "error_code", "error_message", "type", "urgency",
					    "confidence", "ai_generated", "transport", "author", "external_id",
					    "created_at", "updated_at"};
	json_t *o = json_object();
	for (int i = 0; i < (int)ARRAY_LEN(names); i++) {
		json_t *v;
		if (i <= 2)
			v = api_col_int(r, i);
		else if (i == 13)
			v = api_col_real(r, i);
		else if (i == 14)
			v = api_col_bool(r, i);
		else if (i >= 18)
			v = api_col_time(r, i);
		else
			v = api_col_str(r, i);
		json_object_set_new(o, names[i], v);
	}
	return o;
}

/* GET /api/messages - API token (a user's token: messages of that user's
 * clients only).  Query: client_id, task_id, direction
 * (in | out), status, since (ISO 8601 or unix ms; created at or after),
 * limit (1..200, default 50), cursor.  Newest first.
 * 200 {"data":[message...], "next_cursor": "..." | null}. */
void h_api_messages_list(Ctx *c)
{
	ApiPage page;
	int64_t client = 0, task = 0, since = 0;
	const char *direction = NULL, *status = NULL;
	int has_since;
	if (api_query_id(c, "client_id", &client) < 0 || api_query_id(c, "task_id", &task) < 0 ||
	    api_query_enum(c, "direction", directions, &direction) < 0 ||
	    api_query_enum(c, "status", message_statuses, &status) < 0 ||
	    (has_since = api_query_time(c, "since", &since)) < 0 || api_page(c, &page) < 0)
		return;
	ApiqMessageFilter f = {.client_id = client, .task_id = task, .direction = direction, .status = status,
			       .has_since = has_since, .since = since};
	Rows *r = apiq_messages(c->store, API_VIEWER(c), &f, page.cursor, API_FETCH(&page));
	json_t *out = api_list(r, &page, message_json);
	if (!out) {
		api_store_failed(c, "listing messages");
		return;
	}
	respond_json(c, 200, out);
}

/* Answer a send the desk library refused (after rolling back). */
static void send_refused(Ctx *c, DeskTaskErr e, int64_t task)
{
	if (e == DT_STORE) {
		api_store_failed(c, "queueing the message");
		return;
	}
	store_rollback(c->store);
	if (e == DT_NOT_FOUND)
		api_not_found(c, "task", task, "task_id");
	else
		respond_error(c, 422, e == DT_NO_PHONE ? "no_phone" : "invalid_value", desk_task_err_message(e),
			      e == DT_NO_PHONE ? "client_id" : desk_task_err_field(e));
}

/* POST /api/messages/send - API token.  JSON {"to_number": "+1..." (any
 * common format; the client is found or created) or "client_id": N,
 * "body": 1..1600 characters (newlines and tabs, no other control
 * characters), "task_id": optional, must be that client's}.  A client or
 * task the token may not see is 404 naming the field, like an unknown one
 * (and a number of such a client is never created again); a user's token
 * is attached to a client it creates.  202 {"success":true,
 * "message_id":N, "client_id":N, "status":"queued"} once the message and
 * its send job are committed; the worker sends it.  Events: message_out
 * (and client_created, member_added for a new number). */
void h_api_messages_send(Ctx *c)
{
	static const char *const fields[] = {"to_number", "client_id", "body", "task_id", NULL};
	json_t *in = api_body(c);
	if (!in)
		return;
	const char *to = NULL, *body = NULL;
	int64_t client = 0, task = 0;
	int has_to, has_client;
	char e164[32];
	if (api_known_fields(c, in, fields) < 0 ||
	    (has_to = api_field_str(c, in, "to_number", F_ONE_LINE, 64, &to)) < 0 ||
	    (has_client = api_field_id(c, in, "client_id", 0, &client, NULL)) < 0 ||
	    api_field_str(c, in, "body", F_REQUIRED | F_NONBLANK, DESK_SMS_MAX, &body) < 0 ||
	    api_field_id(c, in, "task_id", F_NULLABLE, &task, NULL) < 0)
		goto out;
	if (!has_to && !has_client) {
		respond_error(c, 422, "missing_field", "Give to_number or client_id.", "to_number");
		goto out;
	}
	if (has_to && has_client) {
		respond_error(c, 422, "invalid_value", "Give to_number or client_id, not both.", "client_id");
		goto out;
	}
	if (has_to && phone_e164(to, e164, sizeof e164) != 0) {
		respond_error(c, 422, "invalid_value",
			      "to_number must be a phone number with its country code, e.g. +14155550100.",
			      "to_number");
		goto out;
	}
	DeskTaskErr e = desk_check_sms_body(body);
	if (e != DT_OK) {
		respond_error(c, 422, "invalid_value", desk_task_err_message(e), "body");
		goto out;
	}

	if (api_begin(c) < 0)
		goto out;
	if (has_to) {
		client = client_lookup_by_phone(c->store, e164);
		if (client && !api_client_visible(c, client)) {
			store_rollback(c->store);
			respond_error(c, 404, "not_found",
				      "That number belongs to a client this token may not see.", "to_number");
			goto out;
		}
		if (!client) {
			int created;
			client = desk_client_for_address(c->store, e164, c->actor, &created);
			if (client < 0 ||
			    (!c->user.is_admin && client_add_member(c->store, client, c->user.id, c->actor) < 0)) {
				api_store_failed(c, "creating the client");
				goto out;
			}
		}
	} else {
		if (!api_client_visible(c, client)) {
			store_rollback(c->store);
			api_not_found(c, "client", client, "client_id");
			goto out;
		}
		char *phone = client_lookup_phone(c->store, client);
		int textable = phone && phone_e164(phone, e164, sizeof e164) == 0;
		free(phone);
		if (!textable) {
			store_rollback(c->store);
			respond_error(c, 422, "no_phone",
				      arena_printf(c->arena, "Client %lld has no phone number to text.", (long long)client),
				      "client_id");
			goto out;
		}
	}
	int64_t mid = 0;
	if (task) {
		int64_t owner = desk_task_client(c->store, API_VIEWER(c), task);
		if (!owner) {
			store_rollback(c->store);
			api_not_found(c, "task", task, "task_id");
			goto out;
		}
		if (owner != client) {
			store_rollback(c->store);
			respond_error(c, 422, "wrong_client",
				      arena_printf(c->arena, "Task %lld belongs to another client.", (long long)task),
				      "task_id");
			goto out;
		}
		if ((e = desk_task_reply(c->store, API_VIEWER(c), task, body, c->actor, &mid, NULL)) != DT_OK) {
			send_refused(c, e, task);
			goto out;
		}
	} else if ((mid = desk_outbound(c->store, client, 0, body, c->actor, 0, 0)) < 0) {
		api_store_failed(c, "queueing the message");
		goto out;
	}
	if (api_commit(c) < 0)
		goto out;
	ctx_log(c, "message=%lld client=%lld task=%lld queued by %s", (long long)mid, (long long)client,
		(long long)task, c->actor);
	respond_json(c, 202, json_pack("{s:b,s:I,s:I,s:s}", "success", 1, "message_id", (json_int_t)mid,
				       "client_id", (json_int_t)client, "status", "queued"));
out:
	json_decref(in);
}
