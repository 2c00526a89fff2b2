/*
 * events.c - what the reports make of events.
 *
 * ev_decode turns an events row into an Ev: its kind, the flags the
 * metrics need (a close, a reopen, an AI draft, an edited approval, an
 * override) and one line of text for the task's timeline.  task_metrics
 * computes a task's figures from its events; client_apply_event adds an
 * event to a client's day counts and feed.  Both are pure functions of
 * their input, used identically by full and incremental builds, which is
 * what makes an incremental build byte-identical to a full one.
 *
 * The timeline text shows only what the event says about its own task and
 * client; the phone numbers in message events are left out.
 */
#include "gen/gen.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	EvKind kind;
} kinds[] = {
	{"message_in", EV_MESSAGE_IN},
	{"classified", EV_CLASSIFIED},
	{"task_created", EV_TASK_CREATED},
	{"task_updated", EV_TASK_UPDATED},
	{"task_overridden", EV_TASK_OVERRIDDEN},
	{"message_out", EV_MESSAGE_OUT},
	{"message_sent", EV_MESSAGE_SENT},
	{"message_status", EV_MESSAGE_STATUS},
	{"message_failed", EV_MESSAGE_FAILED},
	{"draft_approved", EV_DRAFT_APPROVED},
	{"draft_rejected", EV_DRAFT_REJECTED},
	{"summary_updated", EV_SUMMARY_UPDATED},
	{"job_dead", EV_JOB_DEAD},
	{"issue_created", EV_ISSUE_CREATED},
	{"github_issue_created", EV_ISSUE_CREATED},
};

/* Event kinds by interned type name, filled lazily. */
static uint8_t *kind_by_name;
static size_t nkind_by_name;

static EvKind kind_of(uint32_t type_name)
{
	if (type_name >= nkind_by_name) {
		size_t n = type_name + 64;
		kind_by_name = xrealloc(kind_by_name, n);
		memset(kind_by_name + nkind_by_name, 0xff, n - nkind_by_name);
		nkind_by_name = n;
	}
	if (kind_by_name[type_name] == 0xff) {
		EvKind k = EV_OTHER;
		for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
			if (strcmp(kinds[i].name, gen_str(type_name)) == 0)
				k = kinds[i].kind;
		kind_by_name[type_name] = (uint8_t)k;
	}
	return (EvKind)kind_by_name[type_name];
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *label_of(const char *value)
{
	int i;
	if ((i = gen_type_index(value)) >= 0)
		return gen_type_labels[i];
	if ((i = gen_urg_index(value)) >= 0)
		return gen_urg_labels[i];
	if ((i = gen_status_index(value)) >= 0)
		return gen_status_labels[i];
	return value;
}

/* Append at most max bytes of s, cut at a UTF-8 boundary, without
 * control characters. */
static void put_clipped(Buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++)
		buf_putc(b, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
	if (n < strlen(s))
		buf_puts(b, "…");
}

static void words(Buf *b, const char *s)
{
	int first = 1;
	for (const char *p = s; *p; p++) {
		char ch = *p == '_' ? ' ' : *p;
		buf_putc(b, first ? (char)toupper((unsigned char)ch) : ch);
		first = 0;
	}
}

/* The one-line text of an event (into b) and its flags. */
static void describe(Ev *e, const char *type, json_t *d, Buf *b)
{
	switch ((EvKind)e->kind) {
	case EV_MESSAGE_IN: {
		buf_puts(b, "Message received");
		json_int_t media = json_integer_value(json_object_get(d, "num_media"));
		if (media > 0)
			buf_printf(b, " with %lld attachment%s", (long long)media, media == 1 ? "" : "s");
		break;
	}
	case EV_CLASSIFIED: {
		int t = gen_type_index(jstr(d, "type")), u = gen_urg_index(jstr(d, "urgency"));
		e->cls_type = (int8_t)t;
		e->cls_urgency = (int8_t)u;
		buf_printf(b, "Classified: %s, %s", t >= 0 ? gen_type_labels[t] : "unknown type",
			   u >= 0 ? gen_urg_labels[u] : "unknown urgency");
		json_t *c = json_object_get(d, "confidence");
		if (json_is_number(c))
			buf_printf(b, " (%d%% confident)", (int)(json_number_value(c) * 100.0 + 0.5));
		if (json_is_true(json_object_get(d, "fallback")))
			buf_puts(b, "; built-in classifier used as a fallback");
		break;
	}
	case EV_TASK_CREATED: {
		const char *route = jstr(d, "route");
		buf_puts(b, "Task opened");
		if (strcmp(route, "AI") == 0)
			buf_puts(b, ", routed to the AI");
		else if (strcmp(route, "HUMAN") == 0)
			buf_puts(b, ", routed to a person");
		if (json_is_true(json_object_get(d, "low_confidence")))
			buf_puts(b, " (low confidence)");
		break;
	}
	case EV_TASK_UPDATED: {
		json_t *changes = json_object_get(d, "changes");
		if (json_is_object(changes) && json_object_size(changes) > 0) {
			/* Fields in a fixed order, so the text never depends on
			 * the order keys were written in. */
			static const char *const order[] = {"status", "type", "urgency", "title", "assignee"};
			int n = 0;
			for (size_t i = 0; i < ARRAY_LEN(order); i++) {
				json_t *ch = json_object_get(changes, order[i]);
				if (!ch)
					continue;
				if (n++)
					buf_puts(b, "; ");
				const char *from = json_string_value(json_object_get(ch, "from"));
				const char *to = json_string_value(json_object_get(ch, "to"));
				if (strcmp(order[i], "status") == 0) {
					buf_printf(b, "Status: %s → %s", label_of(from ? from : "?"), label_of(to ? to : "?"));
					if (to && strcmp(to, "closed") == 0)
						e->flags |= EVF_CLOSE;
					else if (from && strcmp(from, "closed") == 0)
						e->flags |= EVF_REOPEN;
				} else if (strcmp(order[i], "title") == 0) {
					buf_puts(b, "Title changed");
				} else if (strcmp(order[i], "assignee") == 0) {
					const char *who = json_string_value(json_object_get(d, "assignee_login"));
					if (who) {
						buf_puts(b, "Assigned to ");
						put_clipped(b, who, 64);
					} else {
						buf_puts(b, json_is_null(json_object_get(ch, "to")) ? "Unassigned" : "Assignee changed");
					}
				} else {
					buf_printf(b, "%s: %s → %s", strcmp(order[i], "type") == 0 ? "Type" : "Urgency",
						   label_of(from ? from : "?"), label_of(to ? to : "?"));
				}
			}
			if (n == 0)
				buf_puts(b, "Task updated");
		} else if (json_is_object(json_object_get(d, "classification"))) {
			json_t *c = json_object_get(d, "classification");
			int t = gen_type_index(jstr(c, "type")), u = gen_urg_index(jstr(c, "urgency"));
			buf_printf(b, "Another message joined the task (%s, %s)", t >= 0 ? gen_type_labels[t] : "?",
				   u >= 0 ? gen_urg_labels[u] : "?");
		} else {
			buf_puts(b, "Task updated");
		}
		break;
	}
	case EV_TASK_OVERRIDDEN: {
		const char *field = jstr(d, "field");
		if (strcmp(field, "type") == 0)
			e->flags |= EVF_OVR_TYPE;
		else if (strcmp(field, "urgency") == 0)
			e->flags |= EVF_OVR_URGENCY;
		buf_printf(b, "Classifier corrected: %s %s → %s", strcmp(field, "type") == 0 ? "type" : "urgency",
			   label_of(jstr(d, "from")), label_of(jstr(d, "to")));
		break;
	}
	case EV_MESSAGE_OUT: {
		int draft = json_is_true(json_object_get(d, "draft"));
		int ai = json_is_true(json_object_get(d, "ai_generated"));
		if (draft)
			e->flags |= EVF_DRAFT;
		if (ai)
			e->flags |= EVF_AI;
		buf_puts(b, ai ? (draft ? "AI draft written, waiting for review" : "AI reply written, sent without review")
			       : (draft ? "Draft written by a person" : "Reply written by a person"));
		json_int_t len = json_integer_value(json_object_get(d, "length"));
		if (len > 0)
			buf_printf(b, " (%lld characters)", (long long)len);
		break;
	}
	case EV_MESSAGE_SENT: {
		const char *tr = jstr(d, "transport");
		buf_puts(b, "Reply sent");
		if (strcmp(tr, "log") == 0)
			buf_puts(b, " (recorded locally, no SMS provider configured)");
		else if (*tr) {
			buf_puts(b, " through ");
			buf_puts(b, strcmp(tr, "twilio") == 0 ? "Twilio" : "the SMS provider");
		}
		break;
	}
	case EV_MESSAGE_STATUS: {
		buf_puts(b, "Delivery status: ");
		put_clipped(b, jstr(d, "status"), 24);
		const char *code = jstr(d, "error_code");
		if (*code) {
			buf_puts(b, " (error ");
			put_clipped(b, code, 16);
			buf_putc(b, ')');
		}
		break;
	}
	case EV_MESSAGE_FAILED: {
		buf_puts(b, "Sending failed");
		json_int_t code = json_integer_value(json_object_get(d, "error_code"));
		if (code)
			buf_printf(b, " (error %lld)", (long long)code);
		const char *m = jstr(d, "message");
		if (*m) {
			buf_puts(b, ": ");
			put_clipped(b, m, 120);
		}
		break;
	}
	case EV_DRAFT_APPROVED:
		if (strcmp(jstr(d, "decision"), "edited") == 0) {
			e->flags |= EVF_EDITED;
			buf_puts(b, "Draft edited by a person, then approved");
		} else {
			buf_puts(b, "Draft approved as written");
		}
		break;
	case EV_DRAFT_REJECTED:
		buf_puts(b, "Draft rejected");
		break;
	case EV_SUMMARY_UPDATED:
		buf_puts(b, "Client summary updated");
		break;
	case EV_JOB_DEAD: {
		buf_puts(b, "A background job gave up");
		const char *k = jstr(d, "kind");
		if (*k) {
			buf_puts(b, " (");
			put_clipped(b, k, 24);
			buf_putc(b, ')');
		}
		break;
	}
	case EV_ISSUE_CREATED:
		buf_puts(b, "Issue created");
		break;
	case EV_OTHER:
		if (strcmp(type, "llm_fallback") == 0)
			buf_puts(b, "Language model unavailable; the built-in fallback was used");
		else
			words(b, type);
		break;
	}
}

/* Which kinds read their details (the others need only the type). */
static int needs_details(EvKind k)
{
	return k != EV_SUMMARY_UPDATED && k != EV_DRAFT_REJECTED && k != EV_OTHER && k != EV_ISSUE_CREATED;
}

void ev_decode(Rows *st, Ev *e)
{
	memset(e, 0, sizeof *e);
	e->id = rows_int(st, 0);
	const char *type = rows_text(st, 1);
	e->type_name = gen_intern(type);
	e->client_id = rows_int(st, 2);
	e->task_id = rows_int(st, 3);
	e->message_id = rows_int(st, 4);
	e->actor = gen_intern(rows_text(st, 5));
	e->at = rows_int(st, 7);
	e->kind = (uint8_t)kind_of(e->type_name);
	e->cls_type = e->cls_urgency = -1;
	json_t *d = NULL;
	if (needs_details((EvKind)e->kind)) {
		const char *txt = rows_text_or_null(st, 6);
		size_t n = rows_bytes(st, 6);
		if (txt)
			d = json_loadb(txt, n, JSON_DECODE_ANY, NULL);
	}
	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	static Buf b; /* reused: one event at a time */
	buf_reset(&b);
	describe(e, type, d, &b);
	json_decref(d);
	/* Most lines repeat; interning keeps one copy of each. */
	e->text = gen_intern(buf_cstr(&b));
}

/* ---- one task's metrics ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int by_id(const void *a, const void *b)
{
	const Ev *x = *(Ev *const *)a, *y = *(Ev *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t ev_sort_unique(Ev **evs, size_t n)
{
	if (n < 2)
		return n;
	/* Usually sorted already (the scan is in id order); check first. */
	int sorted = 1;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = evs[i - 1]->id < evs[i]->id;
	if (sorted)
		return n;
	qsort(evs, n, sizeof *evs, by_id);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (evs[i]->id != evs[k - 1]->id)
			evs[k++] = evs[i];
	return k;
}

/*
 * The rules (the reports explain them in words):
 *  - start: the first inbound message of the task (its message_in event,
 *    reached through the classified event that put it in the task), else
 *    the task_created event, else the row's created_at;
 *  - first response: the first message_sent event of the task at or after
 *    the start; who wrote it comes from its message_out (AI or a person)
 *    and draft_approved (edited or not) events;
 *  - resolution: the task's last close, counted only while it is closed;
 *  - reopens: status changes from closed to anything else;
 *  - overrides: task_overridden events for the type or the urgency.
 */
void task_metrics(const TaskRow *row, Ev *const *evs, size_t n, TaskRec *t)
{
	memset(t, 0, sizeof *t);
	t->id = row->id;
	t->client_id = row->client_id;
	t->type = row->type;
	t->urgency = row->urgency;
	t->status = row->status;
	t->route = row->route;
	t->row_hash = row->hash;
	t->cls_type = t->cls_urgency = -1;
	int64_t first_in = 0, last_close = 0;
	for (size_t i = 0; i < n; i++) {
		const Ev *e = evs[i];
		t->last_event_id = e->id > t->last_event_id ? e->id : t->last_event_id;
		switch ((EvKind)e->kind) {
		case EV_MESSAGE_IN:
			t->msgs_in++;
			if (!first_in || e->at < first_in)
				first_in = e->at;
			break;
		case EV_TASK_CREATED:
			if (!t->opened_at)
				t->opened_at = e->at;
			break;
		case EV_CLASSIFIED:
			if (t->cls_type < 0 && e->cls_type >= 0) {
				t->cls_type = e->cls_type;
				t->cls_urgency = e->cls_urgency;
			}
			break;
		case EV_TASK_UPDATED:
			if (e->flags & EVF_CLOSE) {
				last_close = e->at;
			} else if (e->flags & EVF_REOPEN) {
				t->reopens++;
				last_close = 0;
			}
			break;
		case EV_TASK_OVERRIDDEN:
			if (e->flags & EVF_OVR_TYPE)
				t->ovr_type = 1;
			if (e->flags & EVF_OVR_URGENCY)
				t->ovr_urgency = 1;
			break;
		case EV_DRAFT_APPROVED:
			if (e->flags & EVF_EDITED)
				t->drafts_edited++;
			else
				t->drafts_approved++;
			break;
		case EV_DRAFT_REJECTED:
			t->drafts_rejected++;
			break;
		case EV_MESSAGE_FAILED:
			t->failed_sends++;
			break;
		default:
			break;
		}
	}
	if (!t->opened_at)
		t->opened_at = row->created_at;
	t->start_at = first_in ? first_in : t->opened_at;

	/* Replies: each message_sent, attributed through the same message's
	 * message_out (AI or a person) and draft_approved (edited) events. */
	int64_t small[64], *marks = n * 2 <= ARRAY_LEN(small) ? small : xmalloc(n * 2 * sizeof *marks);
	size_t nai = 0, ned = 0;
	int64_t *ai_ids = marks, *edited_ids = marks + n;
	for (size_t i = 0; i < n; i++) {
		const Ev *e = evs[i];
		if (!e->message_id)
			continue;
		if (e->kind == EV_MESSAGE_OUT && (e->flags & EVF_AI))
			ai_ids[nai++] = e->message_id;
		else if (e->kind == EV_DRAFT_APPROVED && (e->flags & EVF_EDITED))
			edited_ids[ned++] = e->message_id;
	}
	qsort(ai_ids, nai, sizeof *ai_ids, cmp_i64);
	qsort(edited_ids, ned, sizeof *edited_ids, cmp_i64);
	for (size_t i = 0; i < n; i++) {
		const Ev *e = evs[i];
		if (e->kind != EV_MESSAGE_SENT)
			continue;
		int ai = e->message_id && bsearch(&e->message_id, ai_ids, nai, sizeof *ai_ids, cmp_i64);
		int edited = e->message_id && bsearch(&e->message_id, edited_ids, ned, sizeof *edited_ids, cmp_i64);
		int by = ai ? (edited ? BY_AI_EDITED : BY_AI) : BY_HUMAN;
		t->replies++;
		if (by == BY_AI)
			t->ai_replies++;
		else if (by == BY_AI_EDITED)
			t->ai_edited_replies++;
		else
			t->human_replies++;
		if (e->at >= t->start_at && (!t->first_response_at || e->at < t->first_response_at)) {
			t->first_response_at = e->at;
			t->first_by = (uint8_t)by;
		}
	}
	if (marks != small)
		free(marks);
	if (t->status == ST_CLOSED)
		t->closed_at = last_close ? last_close : (row->closed_at ? row->closed_at : 0);
}

/* ---- a client's counters ---- */

static DayCount *day_slot(ClientState *cs, int32_t day)
{
	size_t lo = 0, hi = cs->ndays;
	/* Nearly always the last day or a new one after it. */
	if (cs->ndays && cs->days[cs->ndays - 1].day == day)
		return &cs->days[cs->ndays - 1];
	if (cs->ndays && cs->days[cs->ndays - 1].day < day) {
		lo = hi = cs->ndays;
	} else {
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (cs->days[mid].day < day)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < cs->ndays && cs->days[lo].day == day)
			return &cs->days[lo];
	}
	if (cs->ndays == cs->capdays) {
		cs->capdays = cs->capdays ? cs->capdays * 2 : 64;
		cs->days = xrealloc(cs->days, cs->capdays * sizeof *cs->days);
	}
	memmove(&cs->days[lo + 1], &cs->days[lo], (cs->ndays - lo) * sizeof *cs->days);
	cs->ndays++;
	memset(&cs->days[lo], 0, sizeof cs->days[lo]);
	cs->days[lo].day = day;
	return &cs->days[lo];
}

static int32_t day_of(int64_t ms)
{
	return (int32_t)(ms >= 0 ? ms / DAY_MS : (ms - DAY_MS + 1) / DAY_MS);
}

static void feed_add(ClientState *cs, const Ev *e, int kind)
{
	if (cs->nfeed == FEED_MAX) {
		memmove(&cs->feed[0], &cs->feed[1], (FEED_MAX - 1) * sizeof cs->feed[0]);
		cs->nfeed--;
	}
	FeedEntry *f = &cs->feed[cs->nfeed++];
	memset(f, 0, sizeof *f);
	f->event_id = e->id;
	f->at = e->at;
	f->task_id = e->task_id;
	f->kind = kind;
}

void client_apply_event(ClientState *cs, const Ev *e)
{
	if (e->at > cs->last_at)
		cs->last_at = e->at;
	switch ((EvKind)e->kind) {
	case EV_MESSAGE_IN:
		day_slot(cs, day_of(e->at))->in++;
		break;
	case EV_MESSAGE_SENT:
		day_slot(cs, day_of(e->at))->out++;
		break;
	case EV_TASK_CREATED:
		day_slot(cs, day_of(e->at))->opened++;
		if (e->task_id)
			feed_add(cs, e, FEED_OPENED);
		break;
	case EV_TASK_UPDATED:
		if (e->flags & EVF_CLOSE) {
			day_slot(cs, day_of(e->at))->closed++;
			if (e->task_id)
				feed_add(cs, e, FEED_CLOSED);
		} else if ((e->flags & EVF_REOPEN) && e->task_id) {
			feed_add(cs, e, FEED_REOPENED);
		}
		break;
	case EV_ISSUE_CREATED:
		feed_add(cs, e, FEED_ISSUE);
		break;
	default:
		break;
	}
}

void client_apply_usage(ClientState *cs, int64_t at, const char *model, int64_t prompt, int64_t completion)
{
	int32_t month = month_of(at);
	uint32_t m = gen_intern(model && *model ? model : "unknown");
	size_t i = 0;
	/* Sorted by (month, model name). */
	while (i < cs->nusage && (cs->usage[i].month < month ||
				  (cs->usage[i].month == month && strcmp(gen_str(cs->usage[i].model), gen_str(m)) < 0)))
		i++;
	if (i == cs->nusage || cs->usage[i].month != month || cs->usage[i].model != m) {
		if (cs->nusage == cs->capusage) {
			cs->capusage = cs->capusage ? cs->capusage * 2 : 8;
			cs->usage = xrealloc(cs->usage, cs->capusage * sizeof *cs->usage);
		}
		memmove(&cs->usage[i + 1], &cs->usage[i], (cs->nusage - i) * sizeof *cs->usage);
		cs->nusage++;
		memset(&cs->usage[i], 0, sizeof cs->usage[i]);
		cs->usage[i].month = month;
		cs->usage[i].model = m;
	}
	cs->usage[i].calls++;
	cs->usage[i].prompt += prompt;
	cs->usage[i].completion += completion;
}

void client_state_free(ClientState *cs)
{
	free(cs->days);
	free(cs->usage);
	free(cs->months);
	memset(cs, 0, sizeof *cs);
}
