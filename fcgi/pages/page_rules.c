/*
 * page_rules.c - the routing rules: for each (type, urgency) whether a
 * message goes to the AI or to a person and whether the AI's reply is sent
 * without review, plus the confidence threshold below which everything
 * goes to a person.
 *
 * One form edits the whole table; saving is all or nothing: every value
 * is checked first, a bad one is shown next to its cell (422) and nothing
 * is written.  The saved changes and their rules_updated event share one
 * transaction.  route_decide() in lib/desk/desk.c reads what this page writes;
 * this file must not decide routes itself.
 */
#include "core/config.h"
#include "desk/desk.h"
#include "desk/rule_admin.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TYPES[] = {"bug", "consult", "feature_request", "question", "other"};
static const char *const URGENCIES[] = {"urgent", "medium", "low"};
#define NT ARRAY_LEN(TYPES)
#define NU ARRAY_LEN(URGENCIES)

typedef struct {
	int ai;         /* route AI (else HUMAN) */
	int auto_send;
	const char *error; /* why the submitted cell is refused */
} Cell;

typedef struct {
	Cell cell[NT][NU];
	const char *threshold_text; /* as shown in the field */
	double threshold;
	const char *threshold_error;
} Rules;

/* The rules as stored; a missing row reads as HUMAN without auto-send
 * (what route_decide does). */
static void load(Ctx *c, Rules *r)
{
	memset(r, 0, sizeof *r);
	Rows *rows = rule_admin_rows(c->store);
	while (rows_next(rows))
		for (size_t t = 0; t < NT; t++)
			for (size_t u = 0; u < NU; u++)
				if (strcmp(rows_text(rows, 0), TYPES[t]) == 0 && strcmp(rows_text(rows, 1), URGENCIES[u]) == 0) {
					r->cell[t][u].ai = strcmp(rows_text(rows, 2), "AI") == 0;
					r->cell[t][u].auto_send = rows_int(rows, 3) != 0;
				}
	rows_done(rows);
	r->threshold = route_threshold(c->store);
	r->threshold_text = arena_printf(c->arena, "%g", r->threshold);
}

static void rules_page(Ctx *c, int status, const Rules *r, const char *error)
{
	json_t *d = page_data(c, "Routing rules", "rules");
	json_t *heads = json_array();
	for (size_t u = 0; u < NU; u++)
		json_array_append_new(heads, json_pack("{s:s,s:s}", "urgency", URGENCIES[u], "label",
						       manage_label(URGENCIES[u])));
	json_t *rows = json_array();
	for (size_t t = 0; t < NT; t++) {
		json_t *cells = json_array();
		for (size_t u = 0; u < NU; u++) {
			const Cell *x = &r->cell[t][u];
			json_t *cell = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "key",
						 arena_printf(c->arena, "%s_%s", TYPES[t], URGENCIES[u]), "type_label",
						 manage_label(TYPES[t]), "urgency", URGENCIES[u], "urgency_label",
						 manage_label(URGENCIES[u]), "ai", x->ai, "auto", x->auto_send);
			if (x->error)
				json_object_set_new(cell, "cell_error", json_string(x->error));
			json_array_append_new(cells, cell);
		}
		json_array_append_new(rows, json_pack("{s:s,s:s,s:o}", "type", TYPES[t], "label", manage_label(TYPES[t]),
						      "cells", cells));
	}
	json_object_set_new(d, "urgencies", heads);
	json_object_set_new(d, "rows", rows);
	json_object_set_new(d, "threshold", json_string(r->threshold_text));
	int from_settings = rule_admin_threshold_is_set(c->store);
	if (!from_settings)
		json_object_set_new(d, "threshold_default", json_true());
	if (r->threshold_error)
		json_object_set_new(d, "e_threshold", json_string(r->threshold_error));
	if (error)
		json_object_set_new(d, "error", json_string(error));
	static const ManageFlash flash[] = {
		{"saved", "Routing rules saved. New messages are routed by them from now on."},
		{"unchanged", "Nothing changed."},
		{NULL, NULL},
	};
	manage_flash(c, d, flash);
	respond_page(c, status, "pages/rules", d);
}

/* GET /rules - admins.  The type × urgency table and the threshold. */
void h_rules(Ctx *c)
{
	Rules r;
	load(c, &r);
	rules_page(c, 200, &r, NULL);
}

/* Parse a threshold: a decimal number from 0 to 1.  0 or -1. */
static int parse_threshold(const char *s, double *out)
{
	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	if (!*s || strlen(s) > 20)
		return -1;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == ' '))
			return -1;
	char *end;
	double v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (*end || !isfinite(v) || v < 0 || v > 1)
		return -1;
	*out = v;
	return 0;
}

/* POST /rules - admins (CSRF).  Form: route_TYPE_URGENCY = AI | HUMAN and
 * auto_TYPE_URGENCY = 1 (a ticked box) for each of the 15 cells, and
 * threshold (0..1).  Auto-send needs the AI route.  All valid: the changed
 * cells and threshold are saved in one transaction with a rules_updated
 * event listing each change, then 303 /rules.  Anything invalid: 422 with
 * the errors next to their cells and nothing saved. */
void h_rules_save(Ctx *c)
{
	Rules cur, want;
	load(c, &cur);
	want = cur;
	int bad = 0;
	for (size_t t = 0; t < NT; t++)
		for (size_t u = 0; u < NU; u++) {
			Cell *x = &want.cell[t][u];
			char name[64];
			snprintf(name, sizeof name, "route_%s_%s", TYPES[t], URGENCIES[u]);
			const char *route = params_get(&c->form, name);
			snprintf(name, sizeof name, "auto_%s_%s", TYPES[t], URGENCIES[u]);
			const char *au = params_get(&c->form, name);
			x->auto_send = au && (strcmp(au, "1") == 0 || strcmp(au, "on") == 0);
			if (au && !x->auto_send)
				x->error = "Auto-send is either ticked or not.";
			if (!route || (strcmp(route, "AI") != 0 && strcmp(route, "HUMAN") != 0)) {
				x->error = "Choose AI or Person.";
			} else {
				x->ai = strcmp(route, "AI") == 0;
				if (x->auto_send && !x->ai)
					x->error = "Auto-send works only on the AI route: untick it or choose AI.";
			}
			bad += x->error != NULL;
		}
	const char *th = params_get(&c->form, "threshold");
	want.threshold_text = th ? th : "";
	if (parse_threshold(th, &want.threshold) != 0) {
		want.threshold_error = "Enter a number from 0 to 1, for example 0.6.";
		bad++;
	}
	if (bad) {
		rules_page(c, 422, &want,
			   arena_printf(c->arena, "Nothing was saved: %d value%s to correct, marked below.", bad,
					bad == 1 ? "" : "s"));
		return;
	}

	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	json_t *changes = json_array();
	int64_t now = now_ms();
	for (size_t t = 0; t < NT; t++)
		for (size_t u = 0; u < NU; u++) {
			const Cell *a = &cur.cell[t][u], *b = &want.cell[t][u];
			if (a->ai == b->ai && a->auto_send == b->auto_send)
				continue;
			if (rule_admin_save(c->store, TYPES[t], URGENCIES[u], b->ai ? "AI" : "HUMAN", b->auto_send, now) !=
			    STORE_OK) {
				json_decref(changes);
				manage_store_failed(c, "saving a routing rule");
				return;
			}
			json_t *ch = json_pack("{s:s,s:s}", "type", TYPES[t], "urgency", URGENCIES[u]);
			if (a->ai != b->ai)
				json_object_set_new(ch, "route", json_pack("{s:s,s:s}", "from", a->ai ? "AI" : "HUMAN",
									   "to", b->ai ? "AI" : "HUMAN"));
			if (a->auto_send != b->auto_send)
				json_object_set_new(ch, "auto_send",
						    json_pack("{s:b,s:b}", "from", a->auto_send, "to", b->auto_send));
			json_array_append_new(changes, ch);
		}
	json_t *details = json_pack("{s:o}", "changes", changes);
	if (fabs(cur.threshold - want.threshold) > 1e-9) {
		char v[32];
		snprintf(v, sizeof v, "%.6g", want.threshold);
		if (rule_admin_save_threshold(c->store, v, now) != STORE_OK) {
			json_decref(details);
			manage_store_failed(c, "saving the threshold");
			return;
		}
		json_object_set_new(details, "threshold",
				    json_pack("{s:f,s:f}", "from", cur.threshold, "to", want.threshold));
	}
	int changed = json_array_size(changes) > 0 || json_object_get(details, "threshold");
	if (changed) {
		char *dt = json_dumps(details, JSON_COMPACT | JSON_REAL_PRECISION(6));
		int64_t ev = store_event(c->store, "rules_updated", 0, 0, 0, c->actor, dt);
		free(dt);
		if (ev < 0) {
			json_decref(details);
			manage_store_failed(c, "recording rules_updated");
			return;
		}
	}
	json_decref(details);
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing the routing rules");
		return;
	}
	if (changed)
		ctx_log(c, "routing rules changed by %s", c->actor);
	respond_redirect(c, changed ? "/rules?done=saved" : "/rules?done=unchanged");
}
