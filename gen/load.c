/*
 * load.c - every SQL statement of the generator.  All reads, through the
 * read-only connection, inside the one read transaction build() opens, so
 * a run sees one consistent snapshot of the database.
 */
#include "gen/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int step_error(Gen *g, int rc, const char *what)
{
	if (rc == STORE_OK)
		return 0;
	fprintf(stderr, "switchboard-gen: reading %s: %s\n", what, store_errmsg(g->store));
	return -1;
}

int load_task_rows(Gen *g)
{
	Rows *st = store_query(g->store,
		"SELECT id, client_id, title, type, urgency, status, route, created_at, coalesce(closed_at, 0) "
		"FROM tasks ORDER BY id", SQL_END);
	/* Sized from the table's row count; titles go into one buffer (the
	 * pointers are set once it has stopped moving). */
	size_t cap = (size_t)store_int(g->store, 0, "SELECT max(id) - min(id) + 1 FROM tasks", SQL_END) + 16;
	if (cap > 50000000)
		cap = 1024;
	g->rows = xmalloc(cap * sizeof *g->rows);
	g->nrows = 0;
	Buf *titles = &g->titles;
	buf_reset(titles);
	buf_grow(titles, cap * 64);
	int rc;
	while ((rc = rows_step(st)) == STORE_ROW) {
		if (g->nrows == cap) {
			cap *= 2;
			g->rows = xrealloc(g->rows, cap * sizeof *g->rows);
		}
		TaskRow *r = &g->rows[g->nrows++];
		r->id = rows_int(st, 0);
		r->client_id = rows_int(st, 1);
		const char *title = rows_text(st, 2);
		size_t tlen = rows_bytes(st, 2);
		r->title = (char *)(uintptr_t)titles->len;
		buf_append(titles, title, tlen + 1);
		r->type = (int8_t)gen_type_index(rows_text(st, 3));
		r->urgency = (int8_t)gen_urg_index(rows_text(st, 4));
		r->status = (int8_t)gen_status_index(rows_text(st, 5));
		r->route = strcmp(rows_text(st, 6), "AI") == 0 ? ROUTE_AI : ROUTE_HUMAN;
		r->created_at = rows_int(st, 7);
		r->closed_at = rows_int(st, 8);
		/* The CHECK constraints make these impossible; be safe anyway. */
		if (r->type < 0)
			r->type = TYPE_OTHER;
		if (r->urgency < 0)
			r->urgency = URG_LOW;
		if (r->status < 0)
			r->status = ST_OPEN;
		int64_t fields[5] = {r->id, r->client_id,
				     ((int64_t)r->type << 24) | ((int64_t)r->urgency << 16) | (r->status << 8) | r->route,
				     r->created_at, r->closed_at};
		r->hash = hash_fast(hash_fast(HASH_SEED, fields, sizeof fields), title, tlen);
	}
	rows_done(st);
	for (size_t i = 0; i < g->nrows; i++)
		g->rows[i].title = titles->s + (uintptr_t)g->rows[i].title;
	return step_error(g, rc, "tasks");
}

int load_client_rows(Gen *g)
{
	Rows *st = store_query(g->store,
		"SELECT id, name, coalesce(phone, ''), coalesce(company, ''), created_at FROM clients ORDER BY id",
		SQL_END);
	size_t cap = 256;
	g->clients = xmalloc(cap * sizeof *g->clients);
	g->nclients = 0;
	int rc;
	while ((rc = rows_step(st)) == STORE_ROW) {
		if (g->nclients == cap) {
			cap *= 2;
			g->clients = xrealloc(g->clients, cap * sizeof *g->clients);
		}
		ClientRow *c = &g->clients[g->nclients++];
		c->id = rows_int(st, 0);
		c->name = xstrdup(rows_text(st, 1));
		c->phone = xstrdup(rows_text(st, 2));
		c->company = xstrdup(rows_text(st, 3));
		c->created_at = rows_int(st, 4);
		uint64_t h = hash_i64(HASH_SEED, c->id);
		h = hash_str(h, c->name);
		h = hash_str(h, c->phone);
		h = hash_str(h, c->company);
		c->hash = hash_i64(h, c->created_at);
	}
	rows_done(st);
	return step_error(g, rc, "clients");
}

int load_events_after(Gen *g, int64_t after_id, void (*fn)(Gen *, Ev *, void *), void *arg)
{
	Rows *st = store_query(g->store,
		"SELECT " GEN_EVENT_COLS " FROM events WHERE id > :after ORDER BY id",
		SQL_INT(":after", after_id), SQL_END);
	int rc;
	Ev e;
	while ((rc = rows_step(st)) == STORE_ROW) {
		ev_decode(st, &e);
		fn(g, &e, arg);
	}
	rows_done(st);
	return step_error(g, rc, "events");
}

int64_t load_event_time(Gen *g, int64_t id)
{
	return store_int(g->store, -1, "SELECT created_at FROM events WHERE id = :id", SQL_INT(":id", id), SQL_END);
}

static void push_ev(Ev **evs, size_t *n, size_t *cap, const Ev *e)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*evs = xrealloc(*evs, *cap * sizeof **evs);
	}
	(*evs)[(*n)++] = *e;
}

static int cmp_ev(const void *a, const void *b)
{
	const Ev *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

long load_task_events(Gen *g, int64_t task_id, Ev **out)
{
	Ev *evs = NULL, e;
	size_t n = 0, cap = 0;
	Rows *st = store_query(g->store,
		"SELECT " GEN_EVENT_COLS " FROM events WHERE task_id = :t ORDER BY id", SQL_INT(":t", task_id), SQL_END);
	int rc;
	while ((rc = rows_step(st)) == STORE_ROW) {
		ev_decode(st, &e);
		push_ev(&evs, &n, &cap, &e);
	}
	rows_done(st);
	if (step_error(g, rc, "a task's events") < 0) {
		free(evs);
		return -1;
	}
	/* The inbound messages of the task: their message_in events were
	 * written before the message had a task (the first of each). */
	size_t own = n;
	for (size_t i = 0; i < own; i++) {
		if (evs[i].kind != EV_CLASSIFIED || !evs[i].message_id)
			continue;
		st = store_query(g->store,
			"SELECT " GEN_EVENT_COLS " FROM events WHERE message_id = :m AND event_type = 'message_in' "
			"ORDER BY id LIMIT 1", SQL_INT(":m", evs[i].message_id), SQL_END);
		rc = rows_step(st);
		if (rc == STORE_ROW) {
			ev_decode(st, &e);
			push_ev(&evs, &n, &cap, &e);
		}
		rows_done(st);
		if (rc != STORE_ROW && step_error(g, rc, "a message's events") < 0) {
			free(evs);
			return -1;
		}
	}
	qsort(evs, n, sizeof *evs, cmp_ev);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || evs[i].id != evs[k - 1].id)
			evs[k++] = evs[i];
	*out = evs;
	return (long)k;
}

int load_usage_after(Gen *g, int64_t after_id,
		     void (*fn)(Gen *, int64_t, int64_t, const char *, int64_t, int64_t, void *), void *arg)
{
	Rows *st = store_query(g->store,
		"SELECT id, coalesce(client_id, 0), created_at, model, prompt_tokens, completion_tokens "
		"FROM usage WHERE id > :after ORDER BY id", SQL_INT(":after", after_id), SQL_END);
	int rc;
	while ((rc = rows_step(st)) == STORE_ROW) {
		int64_t id = rows_int(st, 0);
		if (id > g->last_usage_id)
			g->last_usage_id = id;
		fn(g, rows_int(st, 1), rows_int(st, 2), rows_text(st, 3),
		   rows_int(st, 4), rows_int(st, 5), arg);
	}
	rows_done(st);
	return step_error(g, rc, "usage");
}
