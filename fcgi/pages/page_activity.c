/*
 * page_activity.c - the activity feed: every event the user may see,
 * newest first, filtered by event type and client, paged by event id.
 * Each entry links to the task, client and message it is about.
 *
 * Read-only.  Agents see only their clients' events (events without a
 * client, such as account changes, are for admins); the rule is in
 * lib/desk/desk_tasks.c's query, not here.
 */
#include "desk/desk_tasks.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"

#include <string.h>

#define EVENTS_PER_PAGE 50

/* An event type as typed in a URL: lowercase letters and '_'. */
static int valid_type(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 40)
		return 0;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return 0;
	return 1;
}

static const char *activity_href(Ctx *c, const char *type, const char *client, int64_t before)
{
	Buf b = {0};
	buf_puts(&b, "/activity");
	char sep = '?';
	if (type) {
		buf_printf(&b, "%ctype=", sep);
		buf_url_escape(&b, type);
		sep = '&';
	}
	if (client) {
		buf_printf(&b, "%cclient=", sep);
		buf_url_escape(&b, client);
		sep = '&';
	}
	if (before)
		buf_printf(&b, "%cbefore=%lld", sep, (long long)before);
	const char *href = arena_strdup(c->arena, buf_cstr(&b));
	buf_free(&b);
	return href;
}

/* GET /activity - signed in.  Query: type (an event type), client (id),
 * before (an event id: older events than it).  A bad value is 400 with
 * the error next to its filter. */
void h_activity(Ctx *c)
{
	const char *type = params_get(&c->query, "type"), *client_s = params_get(&c->query, "client"),
		   *before_s = params_get(&c->query, "before");
	if (type && !*type)
		type = NULL;
	if (client_s && !*client_s)
		client_s = NULL;
	json_t *d = page_data(c, "Activity", "activity");
	int bad = 0;
	if (type && !valid_type(type)) {
		json_object_set_new(d, "error_type", json_string("Choose an event type from the list."));
		type = NULL;
		bad = 1;
	}
	int64_t client = client_s ? tp_parse_id(client_s) : 0;
	if (client_s && !client) {
		json_object_set_new(d, "error_client", json_string("A client is chosen by its number."));
		client_s = NULL;
		bad = 1;
	}
	int64_t before = before_s && *before_s ? tp_parse_id(before_s) : 0;
	if (before_s && *before_s && !before) {
		json_object_set_new(d, "error_before", json_string("That page link is not valid; showing the newest events."));
		bad = 1;
	}
	int more = 0;
	json_t *events = desk_event_list(c->store, &c->user, type, client, before, EVENTS_PER_PAGE, &more);
	if (!events) {
		json_decref(d);
		tp_change_failed(c, DT_STORE);
		return;
	}
	size_t i;
	json_t *ev;
	int64_t last = 0;
	json_array_foreach(events, i, ev) {
		tp_event_view(ev);
		last = json_integer_value(json_object_get(ev, "id"));
	}
	json_object_set_new(d, "events", events);
	json_object_set_new(d, "empty", json_boolean(json_array_size(events) == 0));
	json_object_set_new(d, "filtered", json_boolean(type || client_s));
	if (more)
		json_object_set_new(d, "next_href", json_string(activity_href(c, type, client_s, last)));
	if (before)
		json_object_set_new(d, "first_href", json_string(activity_href(c, type, client_s, 0)));
	json_object_set_new(d, "pager", json_boolean(more || before));
	json_object_set_new(d, "next_label", json_string("Older events"));

	json_t *types = json_array();
	for (int k = 0; desk_event_types[k]; k++)
		json_array_append_new(types, json_pack("{s:s,s:s,s:b}", "value", desk_event_types[k], "label",
						       tp_words(c, desk_event_types[k]), "selected",
						       type && !strcmp(type, desk_event_types[k])));
	json_object_set_new(d, "type_options", types);
	json_t *clients = tp_client_options(c, client);
	json_object_set_new(d, "client_select", json_boolean(clients != NULL));
	if (clients)
		json_object_set_new(d, "client_options", clients);
	json_object_set_new(d, "client_value", json_string(client_s ? client_s : ""));
	respond_page(c, bad ? 400 : 200, "pages/activity", d);
}
