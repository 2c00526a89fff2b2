/*
 * page_inbound.c - inbound messages the desk refused to take in: a Twilio
 * webhook whose From is not a valid address for its channel (SMS wants
 * E.164, WhatsApp whatsapp:+E.164).  The webhook keeps each one as an
 * inbound_rejected event (lib/desk/desk.c) and creates no client or task; this
 * page lists those events for the admins, newest first, with the text
 * the sender wrote, so nothing arrives unseen.
 *
 * It only reads the event log; it must not turn a rejected message into
 * a client (an admin who knows the sender adds the client by hand).
 */
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/job_admin.h"

#include <stdint.h>
#include <string.h>

#define REJECTED_PAGE 50

/* GET /inbound/rejected?after=ID - admins.  The rejected inbound messages,
 * newest first, 50 a page; after is the last event id of the previous
 * page. */
void h_inbound_rejected(Ctx *c)
{
	int64_t after = manage_query_id(c, "after");
	Rows *r = job_admin_rejected(c->store, after, REJECTED_PAGE + 1);
	json_t *rows = json_array();
	int more = 0, rc;
	int64_t last = 0;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if (json_array_size(rows) == REJECTED_PAGE) {
			more = 1;
			continue;
		}
		last = rows_int(r, 0);
		json_array_append_new(rows, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)last, "when",
						      manage_time(c, rows_int(r, 1)), "via", rows_text(r, 2),
						      "sid", rows_text(r, 3), "from", rows_text(r, 4), "to",
						      rows_text(r, 5), "body", rows_text(r, 6), "reason", rows_text(r, 7)));
	}
	rows_done(r);
	if (rc != STORE_OK) {
		json_decref(rows);
		ctx_log(c, "listing rejected inbound messages failed: %s", store_errmsg(c->store));
		respond_error(c, 500, "store_failed", "The rejected messages could not be listed.", NULL);
		return;
	}
	json_t *d = page_data(c, "Rejected inbound messages", "jobs");
	json_object_set_new(d, "empty", json_boolean(json_array_size(rows) == 0));
	json_object_set_new(d, "rejected", rows);
	if (more)
		json_object_set_new(d, "next_url",
				    json_string(arena_printf(c->arena, "/inbound/rejected?after=%lld", (long long)last)));
	if (after)
		json_object_set_new(d, "first_url", json_string("/inbound/rejected"));
	respond_page(c, 200, "pages/inbound_rejected", d);
}
