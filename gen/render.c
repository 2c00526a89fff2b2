/*
 * render.c - the report files: task timelines, a client's report (index,
 * task list, CSV exports, Atom feed) and the overview.
 *
 * HTML and the feed are Mustache templates (templates/reports/); the data
 * is built here.  Charts (chart.c) are SVG we produce ourselves and go in
 * with triple braces; everything else is escaped by the template.  CSV is
 * written here (RFC 4180, and cells that a spreadsheet would take for a
 * formula are prefixed with an apostrophe).
 *
 * What a client's files may contain: that client's row, its tasks, their
 * events and its usage, nothing else (a test greps every client's files
 * for every other client's names and numbers).  Nothing here reads the
 * clock: output is a function of the data, byte for byte.
 */
#include "gen/gen.h"
#include "desk/report_files.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A JSON string of HTML or SVG we produced ourselves from escaped parts
 * (valid UTF-8 when the database's text is): no second scan of it. */
static json_t *ours(const Buf *b)
{
	return json_stringn_nocheck(b->s ? b->s : "", b->len);
}

static int render_to(Gen *g, const char *name, json_t *d, Buf *out)
{
	char *err = NULL;
	if (tpl_render_name(g->tpl, name, d, out, &err) != 0) {
		fprintf(stderr, "switchboard-gen: template %s: %s\n", name, err ? err : "?");
		free(err);
		return -1;
	}
	return 0;
}

static int write_page(Gen *g, const char *path, Buf *b, int atomic)
{
	int rc = atomic ? site_write_atomic(path, b->s ? b->s : "", b->len) : site_write(path, b->s ? b->s : "", b->len);
	if (rc == 0)
		g->files++;
	return rc;
}

/* Write dir/name (a version directory no reader reaches yet). */
static int write_over(Gen *g, const char *dir, const char *name, const Buf *b)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (site_write_over(path, b->s ? b->s : "", b->len) != 0)
		return -1;
	g->files++;
	return 0;
}

/* Write dir/name, or hard-link it from prev_dir/name when its bytes are
 * the same as last time (*hash, updated): a new report version often
 * repeats most of its files, and a link costs no new inode, nor deleting
 * one later.  Same bytes, same hash (a 64-bit hash of the content; the
 * state file is what remembers it). */
static int write_or_link(Gen *g, const char *dir, const char *prev_dir, const char *name, Buf *b, uint64_t *hash)
{
	char path[4096], old[4096];
	uint64_t h = hash_fast(HASH_SEED, b->s ? b->s : "", b->len);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (prev_dir && h == *hash) {
		snprintf(old, sizeof old, "%s/%s", prev_dir, name);
		if (site_link_over(old, path) == 0) {
			g->files++;
			return 0;
		}
	}
	*hash = h;
	return write_over(g, dir, name, b); /* (dir may be a reused spare: its file is overwritten) */
}

static json_t *jtime(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char b[32];
	fmt_time(b, ms);
	return json_string(b);
}

static json_t *jiso(int64_t ms)
{
	char b[32];
	fmt_rfc3339(b, ms);
	return json_string(b);
}

static json_t *jdur(int64_t ms)
{
	char b[32];
	fmt_duration(b, sizeof b, ms);
	return json_string(b);
}

static json_t *jpct(int64_t part, int64_t whole)
{
	if (whole <= 0)
		return json_string("—");
	char b[16];
	snprintf(b, sizeof b, "%.0f%%", 100.0 * (double)part / (double)whole);
	return json_string(b);
}

static json_t *jmoney(double usd)
{
	char b[32];
	snprintf(b, sizeof b, usd >= 1.0 || usd == 0 ? "$%.2f" : "$%.4f", usd);
	return json_string(b);
}

static const char *display_name(const ClientRow *c, char *buf, size_t n)
{
	if (*c->name)
		return c->name;
	if (*c->phone)
		return c->phone;
	snprintf(buf, n, "Client %lld", (long long)c->id);
	return buf;
}

static const char *route_label(int route)
{
	return route == ROUTE_AI ? "AI route" : "handled by a person";
}

static const char *actor_label(const char *actor, char *buf, size_t n)
{
	if (strncmp(actor, "user:", 5) == 0)
		return actor + 5;
	if (strncmp(actor, "api:", 4) == 0) {
		snprintf(buf, n, "API (%s)", actor + 4);
		return buf;
	}
	if (strcmp(actor, "twilio") == 0)
		return "Twilio";
	if (strcmp(actor, "worker") == 0 || strcmp(actor, "system") == 0 || !*actor)
		return "Switchboard";
	return actor;
}

static const char *by_label(int by)
{
	switch (by) {
	case BY_AI: return "the AI";
	case BY_AI_EDITED: return "the AI, edited by a person";
	case BY_HUMAN: return "a person";
	default: return "";
	}
}

/* ---- CSV ---- */

static void csv_cell(Buf *b, const char *s, int first)
{
	if (!first)
		buf_putc(b, ',');
	int formula = *s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r';
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (formula)
		buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void csv_int(Buf *b, int64_t v)
{
	buf_putc(b, ',');
	buf_int(b, v);
}

static void csv_time(Buf *b, int64_t ms)
{
	buf_putc(b, ',');
	if (ms > 0) {
		char t[32];
		fmt_rfc3339(t, ms);
		buf_puts(b, t);
	}
}

static void csv_secs(Buf *b, int64_t ms, int present)
{
	buf_putc(b, ',');
	if (present)
		buf_int(b, ms / 1000);
}

/* ---- a task's timeline ---- */

/* The timeline line a share link shows for e, or NULL when the event is
 * internal (classification, routing, drafts and their review, summaries,
 * jobs, assignments): client-safe reports name no person and no decision. */
static const char *client_safe_text(const Ev *e)
{
	switch ((EvKind)e->kind) {
	case EV_MESSAGE_IN: return "Message received";
	case EV_MESSAGE_SENT: return "Reply sent";
	case EV_TASK_CREATED: return "Task opened";
	case EV_TASK_UPDATED:
		return e->flags & EVF_CLOSE ? "Task closed" : e->flags & EVF_REOPEN ? "Task reopened" : NULL;
	default: return NULL;
	}
}

/* One task page: the full one (ID.html), or with safe the client-safe
 * twin (ID.share.html). */
static int task_page(Gen *g, const TaskRow *row, const TaskRec *t, Ev *const *evs, size_t n, const char *dir,
		     int atomic, Buf *out, int safe)
{
	json_t *d = json_object();
	if (safe)
		json_object_set_new(d, "client_safe", json_true());
	char b[64];
	json_object_set_new(d, "id", json_integer(row->id));
	json_object_set_new(d, "title", json_string(row->title));
	json_object_set_new(d, "type_label", json_string(gen_type_labels[row->type]));
	json_object_set_new(d, "urgency", json_string(gen_urg_names[row->urgency]));
	json_object_set_new(d, "urgency_label", json_string(gen_urg_labels[row->urgency]));
	json_object_set_new(d, "status_label", json_string(gen_status_labels[row->status]));
	json_object_set_new(d, "route_label", json_string(route_label(row->route)));
	json_object_set_new(d, "opened", jtime(t->opened_at));
	json_object_set_new(d, "start", jtime(t->start_at));
	int64_t target = g->set.sla_ms[row->urgency];
	json_object_set_new(d, "target", jdur(target));
	if (t->first_response_at) {
		int64_t frt = t->first_response_at - t->start_at;
		json_object_set_new(d, "first_response", jtime(t->first_response_at));
		json_object_set_new(d, "frt", jdur(frt));
		json_object_set_new(d, "within", json_boolean(frt <= target));
		json_object_set_new(d, "first_by", json_string(by_label(t->first_by)));
	} else if (row->status == ST_CLOSED) {
		json_object_set_new(d, "closed_no_reply", json_true());
	}
	if (t->closed_at) {
		json_object_set_new(d, "closed", jtime(t->closed_at));
		json_object_set_new(d, "resolution", jdur(t->closed_at - t->start_at < 0 ? 0 : t->closed_at - t->start_at));
	}
	if (t->reopens)
		json_object_set_new(d, "reopens", json_integer(t->reopens));
	if (t->cls_type >= 0) {
		json_object_set_new(d, "cls", json_pack("{s:s,s:s}", "type", gen_type_labels[t->cls_type], "urgency",
						       gen_urg_labels[t->cls_urgency]));
		if (t->ovr_type || t->ovr_urgency)
			json_object_set_new(d, "corrected", json_string(t->ovr_type && t->ovr_urgency ? "type and urgency"
									: t->ovr_type ? "type" : "urgency"));
	}
	json_object_set_new(d, "replies", json_integer(t->replies));
	/* Event rows: built here as escaped HTML (the list is the bulk of
	 * 100,000 pages, and a JSON object per event costs more than the
	 * rest of the page). */
	Buf rows = {0};
	size_t shown = 0;
	int64_t last_at = 0;
	for (size_t i = 0; i < n; i++) {
		const Ev *e = evs[i];
		const char *text = safe ? client_safe_text(e) : gen_str(e->text);
		if (!text)
			continue;
		shown++;
		last_at = e->at;
		char iso[32], when[32];
		fmt_rfc3339(iso, e->at);
		fmt_time(when, e->at);
		const char *actor = safe ? NULL : actor_label(gen_str(e->actor), b, sizeof b);
		buf_puts(&rows, "<li><time datetime=\"");
		buf_puts(&rows, iso);
		buf_puts(&rows, "\">");
		buf_puts(&rows, when);
		buf_puts(&rows, "</time> <span class=\"r-ev\">");
		buf_html_escape(&rows, text, strlen(text));
		if (actor) {
			buf_puts(&rows, "</span> <span class=\"r-actor\">");
			buf_html_escape(&rows, actor, strlen(actor));
		}
		buf_puts(&rows, "</span></li>\n");
	}
	json_object_set_new(d, "events_html", ours(&rows));
	json_object_set_new(d, "nevents", json_integer((json_int_t)shown));
	if (shown)
		json_object_set_new(d, "through", jtime(last_at));
	buf_free(&rows);

	buf_reset(out);
	int rc = render_to(g, "reports/task", d, out);
	json_decref(d);
	if (rc == 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%lld%s", dir, (long long)row->id, safe ? SHARE_TASK_SUFFIX : ".html");
		rc = write_page(g, path, out, atomic);
		g->pages++;
	}
	if (out->cap > (1 << 20))
		buf_free(out);
	return rc;
}

int render_task(Gen *g, const TaskRow *row, const TaskRec *t, Ev *const *evs, size_t n, const char *dir, int atomic,
		Buf *out)
{
	int rc = task_page(g, row, t, evs, n, dir, atomic, out, 0);
	return rc == 0 ? task_page(g, row, t, evs, n, dir, atomic, out, 1) : rc;
}

/* ---- shared sections of the client and overview reports ---- */

static void activity_charts(json_t *d, const DayCount *days, size_t ndays, int32_t end_day)
{
	int32_t start = end_day - CHART_DAYS + 1;
	int64_t in[CHART_DAYS] = {0}, out[CHART_DAYS] = {0}, opened[CHART_DAYS] = {0}, closed[CHART_DAYS] = {0};
	/* Weeks start on Monday; 1970-01-01 was a Thursday. */
	int32_t end_week = end_day - ((end_day + 3) % 7 + 7) % 7;
	int32_t wstart = end_week - 7 * (CHART_WEEKS - 1);
	int64_t win[CHART_WEEKS] = {0}, wout[CHART_WEEKS] = {0}, wopen[CHART_WEEKS] = {0}, wclosed[CHART_WEEKS] = {0};
	for (size_t i = 0; i < ndays; i++) {
		const DayCount *dc = &days[i];
		if (dc->day >= start && dc->day <= end_day) {
			int k = dc->day - start;
			in[k] += dc->in;
			out[k] += dc->out;
			opened[k] += dc->opened;
			closed[k] += dc->closed;
		}
		if (dc->day >= wstart && dc->day < end_week + 7) {
			int k = (dc->day - wstart) / 7;
			win[k] += dc->in;
			wout[k] += dc->out;
			wopen[k] += dc->opened;
			wclosed[k] += dc->closed;
		}
	}
	char dl[CHART_DAYS][16], wl[CHART_WEEKS][16];
	const char *dlp[CHART_DAYS], *wlp[CHART_WEEKS];
	for (int i = 0; i < CHART_DAYS; i++) {
		fmt_day(dl[i], start + i);
		dlp[i] = dl[i];
	}
	for (int i = 0; i < CHART_WEEKS; i++) {
		fmt_day(wl[i], wstart + 7 * i);
		wlp[i] = wl[i];
	}
	Buf b = {0};
	Series ms[2] = {{"received", "#0a5bd3", in}, {"replies sent", "#1a7f37", out}};
	chart_bars(&b, "c-md", "Messages per day, last 90 days", dlp, CHART_DAYS, ms, 2, 15);
	json_object_set_new(d, "chart_msgs_day", ours(&b));
	buf_reset(&b);
	Series ts[2] = {{"opened", "#9a6700", opened}, {"closed", "#57606a", closed}};
	chart_bars(&b, "c-td", "Tasks per day, last 90 days", dlp, CHART_DAYS, ts, 2, 15);
	json_object_set_new(d, "chart_tasks_day", ours(&b));
	buf_reset(&b);
	Series mw[2] = {{"received", "#0a5bd3", win}, {"replies sent", "#1a7f37", wout}};
	chart_bars(&b, "c-mw", "Messages per week (weeks start on Monday), last 52 weeks", wlp, CHART_WEEKS, mw, 2, 8);
	json_object_set_new(d, "chart_msgs_week", ours(&b));
	buf_reset(&b);
	Series tw[2] = {{"opened", "#9a6700", wopen}, {"closed", "#57606a", wclosed}};
	chart_bars(&b, "c-tw", "Tasks per week (weeks start on Monday), last 52 weeks", wlp, CHART_WEEKS, tw, 2, 8);
	json_object_set_new(d, "chart_tasks_week", ours(&b));
	buf_free(&b);
	char from[16], to[16];
	fmt_day(from, start);
	fmt_day(to, end_day);
	json_object_set_new(d, "chart_from", json_string(from));
	json_object_set_new(d, "chart_to", json_string(to));
}

static json_t *time_row(const char *label, I64Vec *frt, I64Vec *res)
{
	json_t *r = json_object();
	json_object_set_new(r, "label", json_string(label));
	json_object_set_new(r, "n_frt", json_integer((json_int_t)frt->n));
	json_object_set_new(r, "frt_med", jdur(i64_percentile(frt, 0.5)));
	json_object_set_new(r, "frt_p90", jdur(i64_percentile(frt, 0.9)));
	json_object_set_new(r, "n_res", json_integer((json_int_t)res->n));
	json_object_set_new(r, "res_med", jdur(i64_percentile(res, 0.5)));
	json_object_set_new(r, "res_p90", jdur(i64_percentile(res, 0.9)));
	return r;
}

/* Everything computed from an Agg, into d. */
static void agg_sections(Gen *g, Agg *a, json_t *d)
{
	json_object_set_new(d, "tasks", json_integer(a->tasks));
	json_object_set_new(d, "open", json_integer(a->open));
	json_object_set_new(d, "closed_count", json_integer(a->by_status[ST_CLOSED]));
	json_object_set_new(d, "msgs_in", json_integer(a->msgs_in));
	json_object_set_new(d, "replies", json_integer(a->replies));
	json_object_set_new(d, "median_frt", jdur(i64_percentile(&a->frt_all, 0.5)));
	json_object_set_new(d, "median_res", jdur(i64_percentile(&a->res_all, 0.5)));
	int64_t met = 0, missed = 0;
	for (int u = 0; u < NURG; u++) {
		met += a->sla_met[u];
		missed += a->sla_missed[u];
	}
	json_object_set_new(d, "sla_pct", jpct(met, met + missed));

	/* open tasks by urgency and age */
	json_t *ages = json_array(), *heads = json_array();
	for (int k = 0; k < NAGES; k++)
		json_array_append_new(heads, json_string(gen_age_labels[k]));
	for (int u = 0; u < NURG; u++) {
		json_t *cells = json_array();
		int64_t total = 0;
		for (int k = 0; k < NAGES; k++) {
			json_array_append_new(cells, json_integer(a->open_age[u][k]));
			total += a->open_age[u][k];
		}
		json_array_append_new(ages, json_pack("{s:s,s:s,s:o,s:I}", "label", gen_urg_labels[u], "urgency",
						      gen_urg_names[u], "cells", cells, "total", (json_int_t)total));
	}
	json_object_set_new(d, "age_heads", heads);
	json_object_set_new(d, "age_rows", ages);

	/* first response and resolution */
	json_t *urg_rows = json_array(), *type_rows = json_array();
	const char *labels[NURG];
	int64_t med[NURG], p90[NURG], target[NURG];
	for (int u = 0; u < NURG; u++) {
		json_array_append_new(urg_rows, time_row(gen_urg_labels[u], &a->frt_urg[u], &a->res_urg[u]));
		labels[u] = gen_urg_labels[u];
		med[u] = i64_percentile(&a->frt_urg[u], 0.5);
		p90[u] = i64_percentile(&a->frt_urg[u], 0.9);
		target[u] = g->set.sla_ms[u];
	}
	for (int t = 0; t < NTYPES; t++)
		json_array_append_new(type_rows, time_row(gen_type_labels[t], &a->frt_type[t], &a->res_type[t]));
	json_object_set_new(d, "time_urgency", urg_rows);
	json_object_set_new(d, "time_type", type_rows);
	Buf b = {0};
	chart_hbars_time(&b, "c-frt", "First response time by urgency, against the target", labels, NURG, med, p90,
			 target);
	json_object_set_new(d, "chart_frt", ours(&b));
	buf_reset(&b);

	/* SLA */
	json_t *sla = json_array();
	for (int u = 0; u < NURG; u++)
		json_array_append_new(sla, json_pack("{s:s,s:o,s:I,s:I,s:I,s:o}", "label", gen_urg_labels[u], "target",
						     jdur(g->set.sla_ms[u]), "met", (json_int_t)a->sla_met[u], "missed",
						     (json_int_t)a->sla_missed[u], "pending", (json_int_t)a->sla_pending[u],
						     "pct", jpct(a->sla_met[u], a->sla_met[u] + a->sla_missed[u])));
	json_object_set_new(d, "sla_rows", sla);
	json_object_set_new(d, "closed_no_reply", json_integer(a->closed_no_reply));

	/* AI and people */
	int64_t shares[3] = {a->ai, a->ai_edited, a->human};
	const char *share_labels[3] = {"AI, sent as written", "AI, edited by a person", "written by a person"};
	const char *share_colors[3] = {"#0a5bd3", "#8250df", "#1a7f37"};
	chart_share(&b, "c-share", "Replies sent: AI and people", share_labels, shares, share_colors, 3);
	json_object_set_new(d, "chart_share", ours(&b));
	buf_reset(&b);
	json_object_set_new(d, "share", json_pack("{s:I,s:o,s:I,s:o,s:I,s:o,s:I,s:o,s:I,s:I,s:I}", "ai",
						  (json_int_t)a->ai, "ai_pct", jpct(a->ai, a->replies), "ai_edited",
						  (json_int_t)a->ai_edited, "ai_edited_pct", jpct(a->ai_edited, a->replies),
						  "human", (json_int_t)a->human, "human_pct", jpct(a->human, a->replies),
						  "total", (json_int_t)a->replies, "ai_any_pct",
						  jpct(a->ai + a->ai_edited, a->replies), "first_ai", (json_int_t)a->first_ai,
						  "first_ai_edited", (json_int_t)a->first_ai_edited, "first_human",
						  (json_int_t)a->first_human));
	json_object_set_new(d, "ai_any_pct", jpct(a->ai + a->ai_edited, a->replies));

	/* review outcomes of AI drafts */
	int64_t reviewed = a->approved + a->edited + a->rejected;
	json_object_set_new(d, "review", json_pack("{s:I,s:o,s:I,s:o,s:I,s:o,s:I}", "approved", (json_int_t)a->approved,
						   "approved_pct", jpct(a->approved, reviewed), "edited",
						   (json_int_t)a->edited, "edited_pct", jpct(a->edited, reviewed),
						   "rejected", (json_int_t)a->rejected, "rejected_pct",
						   jpct(a->rejected, reviewed), "total", (json_int_t)reviewed));

	/* the classifier */
	json_object_set_new(d, "classifier",
			    json_pack("{s:I,s:I,s:o,s:I,s:o,s:o,s:I}", "classified", (json_int_t)a->classified, "ovr_type",
				      (json_int_t)a->ovr_type, "ovr_type_pct", jpct(a->ovr_type, a->classified),
				      "ovr_urgency", (json_int_t)a->ovr_urgency, "ovr_urgency_pct",
				      jpct(a->ovr_urgency, a->classified), "accuracy",
				      jpct(a->classified - a->ovr_any, a->classified), "ovr_any", (json_int_t)a->ovr_any));
	json_t *acc = json_array();
	size_t from = a->nmonths > ACCURACY_MONTHS ? a->nmonths - ACCURACY_MONTHS : 0;
	char ml[ACCURACY_MONTHS][16];
	const char *mlp[ACCURACY_MONTHS];
	double vals[ACCURACY_MONTHS];
	size_t nm = 0;
	int64_t cum_cls = 0, cum_any = 0;
	for (size_t i = 0; i < a->nmonths; i++) {
		MonthAcc *m = &a->months[i];
		cum_cls += m->classified;
		cum_any += m->ovr_any;
		if (i < from)
			continue;
		char mm[16];
		fmt_month(mm, m->month);
		json_array_append_new(acc, json_pack("{s:s,s:I,s:I,s:I,s:o,s:o}", "month", mm, "classified",
						     (json_int_t)m->classified, "ovr_type", (json_int_t)m->ovr_type,
						     "ovr_urgency", (json_int_t)m->ovr_urgency, "accuracy",
						     jpct(m->classified - m->ovr_any, m->classified), "running",
						     jpct(cum_cls - cum_any, cum_cls)));
		snprintf(ml[nm], sizeof ml[nm], "%s", mm);
		mlp[nm] = ml[nm];
		vals[nm] = m->classified ? (double)(m->classified - m->ovr_any) / (double)m->classified : -1;
		nm++;
	}
	json_object_set_new(d, "acc_rows", acc);
	if (nm) {
		chart_line_pct(&b, "c-acc", "Classifier accuracy by month (tasks whose type and urgency no person changed)",
			       mlp, nm, vals);
		json_object_set_new(d, "chart_accuracy", ours(&b));
	}
	buf_free(&b);
	json_object_set_new(d, "reopened", json_pack("{s:I,s:I,s:o}", "tasks", (json_int_t)a->reopened_tasks, "times",
						     (json_int_t)a->reopens,
						     "pct", jpct(a->reopened_tasks, a->ever_closed)));
	json_object_set_new(d, "failed", json_integer(a->failed));
	json_t *targets = json_array();
	for (int u = 0; u < NURG; u++)
		json_array_append_new(targets, json_pack("{s:s,s:o}", "label", gen_urg_labels[u], "target",
							 jdur(g->set.sla_ms[u])));
	json_object_set_new(d, "targets", targets);
}

/* Usage rows (month, model, calls, tokens, cost) and totals, into d; the
 * CSV lines into csv when non-NULL (prefix goes before each line). */
static double usage_rows(Gen *g, const UsageCount *u, size_t n, json_t *d, int64_t *tokens_out)
{
	json_t *rows = json_array();
	double total = 0;
	int64_t tokens = 0;
	for (size_t i = 0; i < n; i++) {
		char mm[16];
		fmt_month(mm, u[i].month);
		double cost = settings_cost(&g->set, u[i].model, u[i].prompt, u[i].completion);
		total += cost;
		tokens += u[i].prompt + u[i].completion;
		json_array_append_new(rows, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o}", "month", mm, "model",
						      gen_str(u[i].model), "calls", (json_int_t)u[i].calls, "prompt",
						      (json_int_t)u[i].prompt, "completion", (json_int_t)u[i].completion,
						      "tokens", (json_int_t)(u[i].prompt + u[i].completion), "cost",
						      jmoney(cost)));
	}
	if (d) {
		json_object_set_new(d, "usage_rows", rows);
		json_object_set_new(d, "usage_tokens", json_integer(tokens));
		json_object_set_new(d, "usage_cost", jmoney(total));
	} else {
		json_decref(rows);
	}
	if (tokens_out)
		*tokens_out = tokens;
	return total;
}

static void usage_csv_line(Gen *g, Buf *b, const UsageCount *u)
{
	char mm[16];
	fmt_month(mm, u->month);
	buf_puts(b, mm);
	buf_putc(b, ',');
	csv_cell(b, gen_str(u->model), 1);
	csv_int(b, u->calls);
	csv_int(b, u->prompt);
	csv_int(b, u->completion);
	csv_int(b, u->prompt + u->completion);
	buf_printf(b, ",%.6f\r\n", settings_cost(&g->set, u->model, u->prompt, u->completion));
}

static const char *sla_word(int s)
{
	switch (s) {
	case SLA_MET: return "met";
	case SLA_MISSED: return "missed";
	case SLA_PENDING: return "pending";
	default: return "none";
	}
}

static const char *by_word(int by)
{
	switch (by) {
	case BY_AI: return "ai";
	case BY_AI_EDITED: return "ai_edited";
	case BY_HUMAN: return "human";
	default: return "";
	}
}

/* The tasks' CSV rows under TASKS_CSV_HEADER, or with safe the
 * client-safe columns under SHARE_TASKS_CSV_HEADER (no route, classifier,
 * who replied, drafts or failed sends). */
static void tasks_csv(Gen *g, Buf *b, const size_t *tasks, size_t ntasks, int safe)
{
	buf_puts(b, safe ? SHARE_TASKS_CSV_HEADER : TASKS_CSV_HEADER);
	for (size_t i = 0; i < ntasks; i++) {
		const TaskRow *r = &g->rows[tasks[i]];
		const TaskRec *t = &g->recs[tasks[i]];
		buf_int(b, r->id);
		csv_cell(b, r->title, 0);
		const char *const cells[] = {gen_type_names[r->type], gen_urg_names[r->urgency], gen_status_names[r->status],
					     r->route == ROUTE_AI ? "AI" : "HUMAN",
					     t->cls_type >= 0 ? gen_type_names[t->cls_type] : "",
					     t->cls_urgency >= 0 ? gen_urg_names[t->cls_urgency] : "",
					     t->ovr_type ? "1" : "0", t->ovr_urgency ? "1" : "0"};
		for (size_t k = 0; k < (safe ? 3 : ARRAY_LEN(cells)); k++) {
			buf_putc(b, ',');
			buf_puts(b, cells[k]);
		}
		csv_time(b, t->opened_at);
		csv_time(b, t->start_at);
		csv_time(b, t->first_response_at);
		csv_secs(b, t->first_response_at - t->start_at, t->first_response_at > 0);
		if (!safe) {
			buf_putc(b, ',');
			buf_puts(b, by_word(t->first_by));
		}
		csv_int(b, g->set.sla_ms[r->urgency] / 1000);
		buf_putc(b, ',');
		buf_puts(b, sla_word(task_sla(t, &g->set, g->as_of)));
		csv_time(b, t->closed_at);
		csv_secs(b, t->closed_at - t->start_at < 0 ? 0 : t->closed_at - t->start_at, t->closed_at > 0);
		csv_int(b, t->reopens);
		csv_int(b, t->msgs_in);
		csv_int(b, t->replies);
		if (!safe) {
			csv_int(b, t->ai_replies);
			csv_int(b, t->ai_edited_replies);
			csv_int(b, t->human_replies);
			csv_int(b, t->drafts_approved);
			csv_int(b, t->drafts_edited);
			csv_int(b, t->drafts_rejected);
			csv_int(b, t->failed_sends);
		}
		buf_puts(b, ",tasks/");
		buf_int(b, r->id);
		buf_puts(b, ".html\r\n");
	}
}

/* Table rows for tasks (row indices), as escaped HTML: a client can have
 * thousands, and a JSON object per row costs more than the page. */
static void task_rows(Gen *g, Buf *b, const size_t *idx, size_t n, int with_res)
{
	for (size_t k = 0; k < n; k++) {
		const TaskRow *r = &g->rows[idx[k]];
		const TaskRec *t = &g->recs[idx[k]];
		char when[32], frt[32] = "", res[32] = "";
		fmt_time(when, t->opened_at);
		if (t->first_response_at)
			fmt_duration(frt, sizeof frt, t->first_response_at - t->start_at);
		if (t->closed_at)
			fmt_duration(res, sizeof res, t->closed_at - t->start_at < 0 ? 0 : t->closed_at - t->start_at);
		buf_puts(b, "<tr><td><a href=\"tasks/");
		buf_int(b, r->id);
		buf_puts(b, ".html\">#");
		buf_int(b, r->id);
		buf_putc(b, ' ');
		buf_html_escape(b, r->title, strlen(r->title));
		const char *const parts[] = {"</a></td><td><span class=\"r-badge r-", gen_urg_names[r->urgency], "\">",
					     gen_urg_labels[r->urgency], "</span></td><td>", gen_type_labels[r->type],
					     "</td><td>", gen_status_labels[r->status], "</td><td>", when,
					     "</td><td class=\"r-num\">", frt, "</td>"};
		for (size_t part = 0; part < ARRAY_LEN(parts); part++)
			buf_puts(b, parts[part]);
		if (with_res) {
			buf_puts(b, "<td class=\"r-num\">");
			buf_puts(b, res);
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>\n");
	}
}

static json_t *jbuf(Buf *b)
{
	json_t *v = ours(b);
	buf_reset(b);
	return v;
}

/* A deterministic urn:uuid naming (what, id) on this desk (for Atom ids,
 * which must never change). */
static void name_uuid(char out[64], const char *desk, const char *what, int64_t id)
{
	uint64_t h1 = hash_i64(hash_str(hash_str(HASH_SEED, desk), what), id);
	uint64_t h2 = hash_i64(hash_str(h1 ^ 0x9e3779b97f4a7c15ULL, "switchboard-report"), id);
	snprintf(out, 64, "urn:uuid:%08x-%04x-5%03x-%04x-%012llx", (unsigned)(h1 >> 32), (unsigned)((h1 >> 16) & 0xffff),
		 (unsigned)(h1 & 0xfff), (unsigned)(0x8000 | ((h2 >> 48) & 0x3fff)),
		 (unsigned long long)(h2 & 0xffffffffffffULL));
}

static const size_t *find_task(Gen *g, const size_t *tasks, size_t n, int64_t task_id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->rows[tasks[mid]].id < task_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && g->rows[tasks[lo]].id == task_id ? &tasks[lo] : NULL;
}

/* ---- a client's task list, by month ---- */

typedef struct {
	char **v;
	size_t n;
} Names;

static void names_add(Names *ns, const char *name)
{
	ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
	ns->v[ns->n++] = xstrdup(name);
}

static void names_free(Names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof *ns);
}

typedef struct {
	int32_t month;
	size_t row; /* index into g->rows and g->recs */
} MonthTask;

/* Newest month first, and newest task first within a month. */
static int cmp_month_task(const void *a, const void *b)
{
	const MonthTask *x = a, *y = b;
	if (x->month != y->month)
		return x->month > y->month ? -1 : 1;
	return x->row > y->row ? -1 : x->row < y->row;
}

static const MonthPage *find_month(const ClientState *cs, int32_t month)
{
	size_t lo = 0, hi = cs->nmonths;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cs->months[mid].month < month)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cs->nmonths && cs->months[lo].month == month ? &cs->months[lo] : NULL;
}

/* Link prev_dir/name into dir when the page's inputs are unchanged
 * (same != 0); 1 when linked, 0 when it must be written. */
static int reuse_month_file(Gen *g, const char *dir, const char *prev_dir, const char *name, int same)
{
	if (!same || !prev_dir)
		return 0;
	char from[4096], to[4096];
	snprintf(from, sizeof from, "%s/%s", prev_dir, name);
	snprintf(to, sizeof to, "%s/%s", dir, name);
	if (site_link_over(from, to) != 0)
		return 0;
	g->files++;
	return 1;
}

/* One month: tasks-YYYY-MM.html (newest first) and .csv (oldest first).
 * A page is written only when what it is made from changed: the client's
 * row, the month's tasks (rows and metrics) and, for the CSV, their SLA
 * states (which move with as_of). */
static int task_month(Gen *g, const ClientRow *c, const ClientState *cs, const MonthTask *mt, size_t n, const char *dir,
		      const char *prev_dir, MonthPage *page, Names *names, Buf *out)
{
	char mon[16], label[32], html[48], csv[48], share_csv[48];
	fmt_month(mon, mt[0].month);
	fmt_month_name(label, mt[0].month);
	snprintf(html, sizeof html, "tasks-%s.html", mon);
	snprintf(csv, sizeof csv, "tasks-%s.csv", mon);
	snprintf(share_csv, sizeof share_csv, SHARE_CSV_PREFIX "tasks-%s.csv", mon);
	names_add(names, html);
	names_add(names, csv);
	names_add(names, share_csv);
	uint64_t h = hash_i64(hash_i64(HASH_SEED, (int64_t)c->hash), mt[0].month);
	for (size_t k = 0; k < n; k++) {
		h = hash_i64(h, (int64_t)g->rows[mt[k].row].hash);
		h = hash_fast(h, &g->recs[mt[k].row], sizeof(TaskRec));
	}
	uint64_t hc = h;
	for (size_t k = 0; k < n; k++)
		hc = hash_i64(hc, task_sla(&g->recs[mt[k].row], &g->set, g->as_of));
	const MonthPage *old = find_month(cs, mt[0].month);
	page->month = mt[0].month;
	page->in_html = h;
	page->in_csv = hc;
	int rc = 0;
	size_t *idx = xmalloc((n + 1) * sizeof *idx);
	if (!reuse_month_file(g, dir, prev_dir, html, old && old->in_html == h)) {
		char nb[64];
		for (size_t k = 0; k < n; k++)
			idx[k] = mt[k].row;
		Buf rows = {0};
		task_rows(g, &rows, idx, n, 1);
		json_t *d = json_pack("{s:s,s:s,s:s,s:o,s:I}", "name", display_name(c, nb, sizeof nb), "month", label,
				      "csv", csv, "task_rows", ours(&rows), "tasks", (json_int_t)n);
		buf_free(&rows);
		buf_reset(out);
		rc = render_to(g, "reports/tasks_month", d, out);
		json_decref(d);
		if (rc == 0)
			rc = write_over(g, dir, html, out);
		g->pages++;
	}
	/* The month's CSV, then its client-safe twin made from the same inputs. */
	const char *csvs[2] = {csv, share_csv};
	for (int safe = 0; safe < 2; safe++) {
		if (rc != 0 || reuse_month_file(g, dir, prev_dir, csvs[safe], old && old->in_csv == hc))
			continue;
		for (size_t k = 0; k < n; k++)
			idx[k] = mt[n - 1 - k].row;
		buf_reset(out);
		tasks_csv(g, out, idx, n, safe);
		rc = write_over(g, dir, csvs[safe], out);
	}
	free(idx);
	return rc;
}

/* The task list: a page and a CSV per month the client's tasks were
 * opened in, and tasks.html, the index of those months.  cs->months
 * becomes this version's. */
static int task_months(Gen *g, const ClientRow *c, ClientState *cs, const size_t *tasks, size_t ntasks,
		       const char *dir, const char *prev_dir, Names *names, Buf *out)
{
	MonthTask *mt = xmalloc((ntasks + 1) * sizeof *mt);
	for (size_t i = 0; i < ntasks; i++)
		mt[i] = (MonthTask){month_of(g->recs[tasks[i]].opened_at), tasks[i]};
	qsort(mt, ntasks, sizeof *mt, cmp_month_task);
	size_t nmonths = 0;
	for (size_t i = 0; i < ntasks; i++)
		nmonths += i == 0 || mt[i].month != mt[i - 1].month;
	MonthPage *pages = xcalloc(nmonths + 1, sizeof *pages);
	json_t *list = json_array();
	int rc = 0;
	size_t m = nmonths;
	for (size_t i = 0; i < ntasks && rc == 0;) {
		size_t j = i;
		int64_t open = 0;
		while (j < ntasks && mt[j].month == mt[i].month)
			open += g->rows[mt[j++].row].status != ST_CLOSED;
		/* pages[] in ascending month order, as the state keeps them */
		rc = task_month(g, c, cs, mt + i, j - i, dir, prev_dir, &pages[--m], names, out);
		char mon[16], label[32];
		fmt_month(mon, mt[i].month);
		fmt_month_name(label, mt[i].month);
		json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:I,s:I}", "month", mon, "label", label, "tasks",
						      (json_int_t)(j - i), "open", (json_int_t)open, "closed",
						      (json_int_t)(j - i - (size_t)open)));
		i = j;
	}
	free(mt);
	free(cs->months);
	cs->months = pages;
	cs->nmonths = nmonths;
	if (rc == 0) {
		char nb[64];
		json_t *d = json_pack("{s:s,s:o,s:I,s:b}", "name", display_name(c, nb, sizeof nb), "months", list,
				      "tasks", (json_int_t)ntasks, "has_tasks", ntasks > 0);
		if (cs->last_at)
			json_object_set_new(d, "through", jtime(cs->last_at));
		buf_reset(out);
		rc = render_to(g, "reports/tasks", d, out);
		json_decref(d);
		if (rc == 0)
			rc = write_or_link(g, dir, prev_dir, "tasks.html", out, &cs->file_hash[1]);
		g->pages++;
	} else {
		json_decref(list);
	}
	return rc;
}

int render_client(Gen *g, const ClientRow *c, ClientState *cs, const size_t *tasks, size_t ntasks,
		  const Agg *agg_in, const char *dir, const char *prev_dir, int reused)
{
	Agg *agg = (Agg *)agg_in; /* percentiles sort its vectors in place */
	char nb[64];
	const char *name = display_name(c, nb, sizeof nb);
	json_t *d = json_object();
	json_object_set_new(d, "name", json_string(name));
	json_object_set_new(d, "phone", json_string(c->phone));
	json_object_set_new(d, "company", json_string(c->company));
	json_object_set_new(d, "client_id", json_integer(c->id));
	json_object_set_new(d, "since", jtime(c->created_at));
	if (cs->last_at)
		json_object_set_new(d, "through", jtime(cs->last_at));
	agg_sections(g, agg, d);
	int32_t end_day = (int32_t)((cs->last_at ? cs->last_at : c->created_at) / DAY_MS);
	activity_charts(d, cs->days, cs->ndays, end_day);
	usage_rows(g, cs->usage, cs->nusage, d, NULL);

	/* Open tasks (oldest first) and the newest tasks. */
	Buf rows = {0};
	buf_grow(&rows, (ntasks + 1) * 320);
	size_t *pick = xmalloc((ntasks + 1) * sizeof *pick), nopen = 0;
	for (size_t i = 0; i < ntasks; i++)
		if (g->rows[tasks[i]].status != ST_CLOSED && nopen < CLIENT_OPEN_SHOWN)
			pick[nopen++] = tasks[i];
	size_t open_total = 0;
	for (size_t i = 0; i < ntasks; i++)
		open_total += g->rows[tasks[i]].status != ST_CLOSED;
	task_rows(g, &rows, pick, nopen, 0);
	json_object_set_new(d, "open_rows", jbuf(&rows));
	size_t nrecent = 0;
	for (size_t i = ntasks; i > 0 && nrecent < CLIENT_TASKS_SHOWN; i--)
		pick[nrecent++] = tasks[i - 1];
	task_rows(g, &rows, pick, nrecent, 1);
	json_object_set_new(d, "recent_rows", jbuf(&rows));
	json_object_set_new(d, "has_open", json_boolean(nopen > 0));
	json_object_set_new(d, "has_recent", json_boolean(ntasks > 0));
	if (open_total > CLIENT_OPEN_SHOWN)
		json_object_set_new(d, "open_more", json_pack("{s:I,s:I}", "shown", (json_int_t)CLIENT_OPEN_SHOWN, "total",
								(json_int_t)open_total));
	json_object_set_new(d, "more_tasks", json_boolean(ntasks > CLIENT_TASKS_SHOWN));

	Buf out = {0};
	int rc = render_to(g, "reports/client", d, &out);
	if (rc == 0) {
		rc = write_or_link(g, dir, prev_dir, "index.html", &out, &cs->file_hash[0]);
		g->pages++;
	}
	/* The client-safe twin a share link shows (report_files.h). */
	if (rc == 0) {
		json_object_set_new(d, "client_safe", json_true());
		buf_reset(&out);
		rc = render_to(g, "reports/client", d, &out);
		json_object_del(d, "client_safe");
		if (rc == 0)
			rc = write_over(g, dir, SHARE_INDEX_FILE, &out);
		g->pages++;
	}

	free(pick);
	buf_free(&rows);

	/* The task list: a page and a CSV per month, and an index of months */
	Names names = {0};
	if (rc == 0)
		rc = task_months(g, c, cs, tasks, ntasks, dir, prev_dir, &names, &out);
	if (rc == 0) {
		buf_reset(&out);
		buf_puts(&out, "month,model,calls,prompt_tokens,completion_tokens,total_tokens,estimated_cost_usd\r\n");
		for (size_t i = 0; i < cs->nusage; i++)
			usage_csv_line(g, &out, &cs->usage[i]);
		rc = write_or_link(g, dir, prev_dir, "usage.csv", &out, &cs->file_hash[2]);
	}

	/* Atom feed: the notable events, newest first. */
	if (rc == 0) {
		json_t *f = json_object(), *entries = json_array();
		char id[64];
		name_uuid(id, g->set.public_url, "client", c->id);
		json_object_set_new(f, "feed_id", json_string(id));
		json_object_set_new(f, "name", json_string(name));
		json_object_set_new(f, "updated", jiso(cs->nfeed ? cs->feed[cs->nfeed - 1].at : c->created_at));
		for (size_t i = cs->nfeed; i > 0; i--) {
			const FeedEntry *fe = &cs->feed[i - 1];
			const size_t *ti = fe->task_id ? find_task(g, tasks, ntasks, fe->task_id) : NULL;
			const char *title = ti ? g->rows[*ti].title : "";
			static const char *const what[] = {"opened", "closed", "reopened", "issue created"};
			char head[64];
			snprintf(head, sizeof head, "Task #%lld %s", (long long)fe->task_id, what[fe->kind & 3]);
			json_t *e = json_object();
			name_uuid(id, g->set.public_url, "event", fe->event_id);
			json_object_set_new(e, "id", json_string(id));
			json_object_set_new(e, "head", json_string(fe->kind == FEED_ISSUE && !fe->task_id ? "Issue created" : head));
			json_object_set_new(e, "title", json_string(title));
			json_object_set_new(e, "updated", jiso(fe->at));
			if (ti) {
				json_object_set_new(e, "task_id", json_integer(fe->task_id));
				json_object_set_new(e, "summary",
						    json_pack("{s:s,s:s}", "type", gen_type_labels[g->rows[*ti].type], "urgency",
							      gen_urg_labels[g->rows[*ti].urgency]));
			}
			json_array_append_new(entries, e);
		}
		json_object_set_new(f, "entries", entries);
		buf_reset(&out);
		rc = render_to(g, "reports/feed", f, &out);
		json_decref(f);
		if (rc == 0)
			rc = write_or_link(g, dir, prev_dir, "feed.atom", &out, &cs->file_hash[3]);
	}
	buf_free(&out);
	json_decref(d);
	if (rc == 0 && reused) {
		static const char *const fixed[] = {"index.html", SHARE_INDEX_FILE, "tasks.html", "usage.csv", "feed.atom",
						    "tasks"};
		for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
			names_add(&names, fixed[i]);
		rc = site_prune(dir, (const char *const *)names.v, names.n);
	}
	names_free(&names);
	return rc;
}

/* ---- the overview ---- */

int render_overview(Gen *g, const size_t *first_task, const Agg *aggs_in, const Agg *total_in)
{
	(void)first_task;
	Agg *aggs = (Agg *)aggs_in, *total = (Agg *)total_in;
	json_t *d = json_object();
	json_object_set_new(d, "as_of", jtime(g->as_of));
	if (g->as_of)
		json_object_set_new(d, "through", jtime(g->as_of));
	json_object_set_new(d, "nclients", json_integer((json_int_t)g->nclients));
	agg_sections(g, total, d);

	/* All clients' day counts, summed. */
	int32_t end_day = (int32_t)(g->as_of / DAY_MS);
	int32_t start = end_day - 7 * (CHART_WEEKS + 1);
	size_t span = (size_t)(end_day - start + 1);
	DayCount *sum = xcalloc(span, sizeof *sum);
	for (size_t i = 0; i < span; i++)
		sum[i].day = start + (int32_t)i;
	UsageCount *usage = NULL;
	size_t nusage = 0, capusage = 0;
	Buf csv = {0};
	buf_puts(&csv, "client_id,client,month,model,calls,prompt_tokens,completion_tokens,total_tokens,"
		       "estimated_cost_usd\r\n");
	json_t *clients = json_array();
	for (size_t c = 0; c < g->nclients; c++) {
		const ClientState *cs = &g->cstates[c];
		for (size_t k = 0; k < cs->ndays; k++) {
			const DayCount *dc = &cs->days[k];
			if (dc->day < start || dc->day > end_day)
				continue;
			DayCount *s = &sum[dc->day - start];
			s->in += dc->in;
			s->out += dc->out;
			s->opened += dc->opened;
			s->closed += dc->closed;
		}
		char nb[64];
		const char *name = display_name(&g->clients[c], nb, sizeof nb);
		int64_t tokens = 0;
		double cost = usage_rows(g, cs->usage, cs->nusage, NULL, &tokens);
		for (size_t k = 0; k < cs->nusage; k++) {
			buf_printf(&csv, "%lld", (long long)g->clients[c].id);
			csv_cell(&csv, name, 0);
			buf_putc(&csv, ',');
			usage_csv_line(g, &csv, &cs->usage[k]);
			/* merge into the desk's totals (sorted by month, model) */
			const UsageCount *u = &cs->usage[k];
			size_t j = 0;
			while (j < nusage && (usage[j].month < u->month ||
					      (usage[j].month == u->month && strcmp(gen_str(usage[j].model), gen_str(u->model)) < 0)))
				j++;
			if (j == nusage || usage[j].month != u->month || usage[j].model != u->model) {
				if (nusage == capusage) {
					capusage = capusage ? capusage * 2 : 32;
					usage = xrealloc(usage, capusage * sizeof *usage);
				}
				memmove(&usage[j + 1], &usage[j], (nusage - j) * sizeof *usage);
				nusage++;
				usage[j] = (UsageCount){u->month, u->model, 0, 0, 0};
			}
			usage[j].calls += u->calls;
			usage[j].prompt += u->prompt;
			usage[j].completion += u->completion;
		}
		Agg *a = &aggs[c];
		int64_t met = 0, missed = 0;
		for (int u = 0; u < NURG; u++) {
			met += a->sla_met[u];
			missed += a->sla_missed[u];
		}
		json_t *row = json_pack("{s:I,s:s,s:I,s:I,s:o,s:o,s:o,s:I,s:o}", "id", (json_int_t)g->clients[c].id, "name",
					name, "tasks", (json_int_t)a->tasks, "open", (json_int_t)a->open, "median_frt",
					jdur(i64_percentile(&a->frt_all, 0.5)), "sla_pct", jpct(met, met + missed),
					"ai_pct", jpct(a->ai + a->ai_edited, a->replies), "tokens", (json_int_t)tokens,
					"cost", jmoney(cost));
		json_object_set_new(row, "last", jtime(cs->last_at));
		json_array_append_new(clients, row);
	}
	json_object_set_new(d, "clients", clients);
	activity_charts(d, sum, span, end_day);
	free(sum);
	usage_rows(g, usage, nusage, d, NULL);
	free(usage);

	Buf out = {0};
	int rc = render_to(g, "reports/overview", d, &out);
	json_decref(d);
	char path[4096];
	/* CSV first, the page that links to it last. */
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/usage.csv", g->out);
		rc = write_page(g, path, &csv, 1);
	}
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/index.html", g->out);
		rc = write_page(g, path, &out, 1);
		g->pages++;
	}
	buf_free(&out);
	buf_free(&csv);
	return rc;
}
