/*
 * stats.c - aggregates over task metrics: counts, medians and 90th
 * percentiles, SLA attainment, AI/human shares, review outcomes and the
 * classifier's override rate.
 *
 * Percentiles use the nearest-rank method: the p-th percentile of n sorted
 * values is the value at rank ceil(p * n) (so the median of 4 values is
 * the 2nd).  Figures that depend on "now" use as_of, the time of the newest
 * event in the log, never the clock, so a report is a function of the
 * database alone.
 */
#include "gen/gen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void i64_push(I64Vec *v, int64_t x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
	v->v[v->n++] = x;
}

void i64_free(I64Vec *v)
{
	free(v->v);
	memset(v, 0, sizeof *v);
}

/* The k-th smallest (0-based) of v[0..n), moving elements (quickselect,
 * median of three; expected linear time). */
static int64_t select_k(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t a = v[lo], b = v[mid], c = v[hi];
		int64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

int64_t i64_percentile(I64Vec *v, double p)
{
	if (v->n == 0)
		return -1;
	size_t rank = (size_t)ceil(p * (double)v->n - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > v->n)
		rank = v->n;
	return select_k(v->v, v->n, rank - 1);
}

void i64_reserve(I64Vec *v, size_t n)
{
	if (n > v->cap) {
		v->cap = n;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
}

/*
 * A task with a reply: met when the first reply came within the target
 * for its urgency, missed otherwise.  Without a reply: missed once the
 * target has passed (at as_of), pending before that; a task closed
 * without any reply counts in neither (nothing needed answering).
 */
int task_sla(const TaskRec *t, const Settings *s, int64_t as_of)
{
	int64_t target = s->sla_ms[t->urgency];
	if (t->first_response_at)
		return t->first_response_at - t->start_at <= target ? SLA_MET : SLA_MISSED;
	if (t->status == ST_CLOSED)
		return SLA_NONE;
	return as_of - t->start_at > target ? SLA_MISSED : SLA_PENDING;
}

int age_bucket(int64_t age)
{
	if (age < DAY_MS)
		return 0;
	if (age < 3 * DAY_MS)
		return 1;
	if (age < 7 * DAY_MS)
		return 2;
	if (age < 30 * DAY_MS)
		return 3;
	return 4;
}

static MonthAcc *month_slot(Agg *a, int32_t month)
{
	size_t lo = 0, hi = a->nmonths;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a->months[mid].month < month)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < a->nmonths && a->months[lo].month == month)
		return &a->months[lo];
	if (a->nmonths == a->capmonths) {
		a->capmonths = a->capmonths ? a->capmonths * 2 : 16;
		a->months = xrealloc(a->months, a->capmonths * sizeof *a->months);
	}
	memmove(&a->months[lo + 1], &a->months[lo], (a->nmonths - lo) * sizeof *a->months);
	a->nmonths++;
	memset(&a->months[lo], 0, sizeof a->months[lo]);
	a->months[lo].month = month;
	return &a->months[lo];
}

void agg_reserve(Agg *a, const TaskRec *recs, const size_t *idx, size_t n)
{
	size_t fu[NURG] = {0}, ft[NTYPES] = {0}, ru[NURG] = {0}, rt[NTYPES] = {0}, f = 0, r = 0;
	for (size_t k = 0; k < n; k++) {
		const TaskRec *t = &recs[idx[k]];
		if (t->first_response_at) {
			fu[t->urgency]++;
			ft[t->type]++;
			f++;
		}
		if (t->status == ST_CLOSED && t->closed_at) {
			ru[t->urgency]++;
			rt[t->type]++;
			r++;
		}
	}
	for (int u = 0; u < NURG; u++) {
		i64_reserve(&a->frt_urg[u], a->frt_urg[u].n + fu[u]);
		i64_reserve(&a->res_urg[u], a->res_urg[u].n + ru[u]);
	}
	for (int t = 0; t < NTYPES; t++) {
		i64_reserve(&a->frt_type[t], a->frt_type[t].n + ft[t]);
		i64_reserve(&a->res_type[t], a->res_type[t].n + rt[t]);
	}
	i64_reserve(&a->frt_all, a->frt_all.n + f);
	i64_reserve(&a->res_all, a->res_all.n + r);
}

void agg_add(Agg *a, const TaskRec *t, const Settings *s, int64_t as_of)
{
	agg_add_light(a, t, s, as_of);
	if (t->first_response_at) {
		int64_t frt = t->first_response_at - t->start_at;
		i64_push(&a->frt_urg[t->urgency], frt);
		i64_push(&a->frt_type[t->type], frt);
	}
	if (t->status == ST_CLOSED && t->closed_at) {
		int64_t res = t->closed_at - t->start_at;
		if (res < 0)
			res = 0;
		i64_push(&a->res_urg[t->urgency], res);
		i64_push(&a->res_type[t->type], res);
		i64_push(&a->res_all, res);
	}
	if (t->cls_type >= 0) {
		int any = t->ovr_type || t->ovr_urgency;
		MonthAcc *m = month_slot(a, month_of(t->opened_at));
		m->classified++;
		m->ovr_type += t->ovr_type;
		m->ovr_urgency += t->ovr_urgency;
		m->ovr_any += any;
	}
}

void agg_add_light(Agg *a, const TaskRec *t, const Settings *s, int64_t as_of)
{
	a->tasks++;
	a->by_status[t->status]++;
	a->by_urgency[t->urgency]++;
	a->by_type[t->type]++;
	a->msgs_in += t->msgs_in;
	if (t->status != ST_CLOSED) {
		a->open++;
		int64_t age = as_of - t->start_at;
		a->open_age[t->urgency][age_bucket(age < 0 ? 0 : age)]++;
	}
	if (t->first_response_at)
		i64_push(&a->frt_all, t->first_response_at - t->start_at);
	switch (task_sla(t, s, as_of)) {
	case SLA_MET: a->sla_met[t->urgency]++; break;
	case SLA_MISSED: a->sla_missed[t->urgency]++; break;
	case SLA_PENDING: a->sla_pending[t->urgency]++; break;
	default: a->closed_no_reply++; break;
	}
	a->replies += t->replies;
	a->ai += t->ai_replies;
	a->ai_edited += t->ai_edited_replies;
	a->human += t->human_replies;
	if (t->first_by == BY_AI)
		a->first_ai++;
	else if (t->first_by == BY_AI_EDITED)
		a->first_ai_edited++;
	else if (t->first_by == BY_HUMAN)
		a->first_human++;
	a->approved += t->drafts_approved;
	a->edited += t->drafts_edited;
	a->rejected += t->drafts_rejected;
	a->failed += t->failed_sends;
	if (t->cls_type >= 0) {
		a->classified++;
		a->ovr_type += t->ovr_type;
		a->ovr_urgency += t->ovr_urgency;
		a->ovr_any += t->ovr_type || t->ovr_urgency;
	}
	if (t->reopens > 0)
		a->reopened_tasks++;
	a->reopens += t->reopens;
	if (t->status == ST_CLOSED || t->reopens > 0)
		a->ever_closed++;
}

void agg_free(Agg *a)
{
	for (int i = 0; i < NURG; i++) {
		i64_free(&a->frt_urg[i]);
		i64_free(&a->res_urg[i]);
	}
	for (int i = 0; i < NTYPES; i++) {
		i64_free(&a->frt_type[i]);
		i64_free(&a->res_type[i]);
	}
	i64_free(&a->frt_all);
	i64_free(&a->res_all);
	free(a->months);
	memset(a, 0, sizeof *a);
}

uint64_t agg_time_hash(const Agg *a)
{
	uint64_t h = hash_bytes(HASH_SEED, a->open_age, sizeof a->open_age);
	h = hash_bytes(h, a->sla_pending, sizeof a->sla_pending);
	h = hash_bytes(h, a->sla_missed, sizeof a->sla_missed);
	return h;
}

double settings_cost(const Settings *s, uint32_t model, int64_t prompt, int64_t completion)
{
	for (size_t i = 0; i < s->nprices; i++)
		if (s->prices[i].model == model)
			return (double)prompt / 1e6 * s->prices[i].in_per_m + (double)completion / 1e6 * s->prices[i].out_per_m;
	return 0;
}
