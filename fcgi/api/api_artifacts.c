/*
 * api_artifacts.c - the JSON API for proposals (the seed's "artifacts"):
 * a client's list, one proposal, and the decision on one.
 *
 * The rules live in lib/desk/proposals.c, shared with the admin pages: this
 * file reads JSON and the query, maps a ProposalError to a status and
 * writes the response.  Isolation is in the library's SQL: a proposal of a
 * client the token's user is not attached to is 404, like an unknown id.
 * Authentication (bearer token) is the dispatcher's job.
 */
#include "fcgi/api/api.h"
#include "desk/desk_tasks.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/proposals.h"

#include <stdlib.h>
#include <string.h>

#define ARTIFACT_EDIT_MAX 20000 /* characters in editedValue (a PRD fits) */

/* A proposal from lib/desk/proposals.c with its times as ISO 8601. */
static json_t *artifact_json(json_t *o)
{
	static const char *const times[] = {"decided_at", "created_at", "updated_at"};
	for (size_t i = 0; i < ARRAY_LEN(times); i++) {
		json_t *t = json_object_get(o, times[i]);
		if (json_is_integer(t)) {
			char iso[32];
			api_fmt_time(iso, json_integer_value(t));
			json_object_set_new(o, times[i], json_string(iso));
		}
	}
	return o;
}

/* Answer 400 for a status that is not one of values, listing them. */
static void bad_status(Ctx *c, const char *const *values)
{
	Buf b = {0};
	for (const char *const *v = values; *v; v++)
		buf_printf(&b, "%s%s", v == values ? "" : ", ", *v);
	respond_error(c, 400, "invalid_status",
		      arena_printf(c->arena, "status must be one of: %s.", buf_cstr(&b)), "status");
	buf_free(&b);
}

/* A non-negative integer query parameter (at most max); 1 set, 0 absent,
 * -1 after answering 422. */
static int query_count(Ctx *c, const char *name, int64_t max, int64_t *out)
{
	const char *v = params_get(&c->query, name);
	if (!v || !*v)
		return 0;
	int64_t n = 0;
	const char *p = v;
	for (; *p >= '0' && *p <= '9' && n <= max; p++)
		n = n * 10 + (*p - '0');
	if (*p || n > max) {
		respond_error(c, 422, "invalid_value",
			      arena_printf(c->arena, "%s must be an integer from 0 to %lld.", name, (long long)max), name);
		return -1;
	}
	*out = n;
	return 1;
}

/* GET /api/customers/:id/artifacts - API token; the client must be one it
 * may see (else 404).  Query: status (pending, accepted, rejected, edited,
 * superseded; anything else is 400 listing them), kind, limit (1..200,
 * default 50), offset (default 0).  Newest first.  200 {"data":[proposal...], "total",
 * "limit", "offset"}. */
void h_api_customer_artifacts(Ctx *c)
{
	int64_t client = path_id(c, "id");
	if (!api_client_visible(c, client)) {
		api_not_found(c, "client", client, NULL);
		return;
	}
	const char *status = params_get(&c->query, "status");
	if (status && !*status)
		status = NULL;
	if (status && !desk_one_of(status, proposal_statuses)) {
		bad_status(c, proposal_statuses);
		return;
	}
	const char *kind = NULL;
	int64_t limit = 50, offset = 0;
	if (api_query_enum(c, "kind", proposal_kinds, &kind) < 0 || query_count(c, "offset", 1000000000, &offset) < 0 ||
	    query_count(c, "limit", 200, &limit) < 0)
		return;
	if (limit < 1) {
		respond_error(c, 422, "invalid_value", "limit must be an integer from 1 to 200.", "limit");
		return;
	}
	int64_t total = 0;
	json_t *rows = proposal_list(c->store, API_VIEWER(c), client, status, kind, (int)limit, (int)offset, &total);
	if (!rows) {
		api_store_failed(c, "listing proposals");
		return;
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		artifact_json(r);
	respond_json(c, 200, json_pack("{s:o,s:I,s:I,s:I}", "data", rows, "total", (json_int_t)total, "limit",
				       (json_int_t)limit, "offset", (json_int_t)offset));
}

/* GET /api/artifacts/:id - API token.  200 the proposal; 404 when there is
 * none or it belongs to a client the token may not see. */
void h_api_artifact_get(Ctx *c)
{
	json_t *o = proposal_get(c->store, API_VIEWER(c), path_id(c, "id"));
	if (!o) {
		api_not_found(c, "artifact", 0, NULL);
		return;
	}
	respond_json(c, 200, artifact_json(o));
}

/* PATCH /api/artifacts/:id - API token, a proposal it may see (else 404).
 * JSON {"status": "accepted" | "rejected" | "edited" (anything else is 400
 * listing them), "editedValue": required with "edited" (the SMS text, the
 * client field's value, or the whole PRD Markdown)}.  Applies the
 * decision (a draft is sent or rejected, a client field changes, an
 * approved PRD moves its task to approved and queues its GitHub issue).
 * 200 the proposal; 409 when it was decided already; 422 when the edited
 * value is refused.  Events proposal_decided (and the decision's own)
 * naming the token. */
void h_api_artifact_patch(Ctx *c)
{
	static const char *const fields[] = {"status", "editedValue", NULL};
	static const char *const decisions[] = {"accepted", "rejected", "edited", NULL};
	int64_t id = path_id(c, "id");
	json_t *cur = proposal_get(c->store, API_VIEWER(c), id);
	if (!cur) {
		api_not_found(c, "artifact", id, NULL);
		return;
	}
	json_t *body = api_body(c);
	if (!body) {
		json_decref(cur);
		return;
	}
	const char *edited = NULL;
	json_t *st = json_object_get(body, "status");
	const char *status = json_string_value(st);
	if (api_known_fields(c, body, fields) < 0)
		goto out;
	if (!status || !desk_one_of(status, decisions)) {
		bad_status(c, decisions);
		goto out;
	}
	if (api_field_str(c, body, "editedValue", F_NULLABLE, ARTIFACT_EDIT_MAX, &edited) < 0)
		goto out;
	ProposalError e;
	char commit[41] = "";
	int is_prd = strcmp(json_string_value(json_object_get(cur, "kind")), "prd_review") == 0;
	if (strcmp(status, "edited") == 0 && (!edited || !*edited)) {
		respond_error(c, 422, "missing_field", "editedValue is required with status edited.", "editedValue");
		goto out;
	}
	if (is_prd && strcmp(status, "edited") == 0) {
		/* The edited PRD is a new version by this token's user first. */
		DocAuthor a;
		docs_author(c, &a);
		char *msg = arena_printf(c->arena, "Edit the PRD of task %lld and approve it (API)",
					 (long long)json_integer_value(json_object_get(cur, "task_id")));
		if (proposal_prd_commit(c->store, API_VIEWER(c), id, edited, c->actor, &a, "API", msg, commit, &e) != 0) {
			respond_error(c, proposal_err_status(e.kind), e.code, e.message, e.field);
			goto out;
		}
	}
	if (api_begin(c) < 0)
		goto out;
	if (proposal_decide(c->store, API_VIEWER(c), id, status, edited, *commit ? commit : NULL, c->actor, &e) != 0) {
		if (e.kind == PR_STORE) {
			api_store_failed(c, "deciding a proposal");
			goto out;
		}
		store_rollback(c->store);
		respond_error(c, proposal_err_status(e.kind), e.code, e.message, e.field);
		goto out;
	}
	if (api_commit(c) < 0)
		goto out;
	ctx_log(c, "proposal=%lld %s by %s", (long long)id, status, c->actor);
	json_t *o = proposal_get(c->store, API_VIEWER(c), id);
	if (o)
		respond_json(c, 200, artifact_json(o));
	else
		api_not_found(c, "artifact", id, NULL);
out:
	json_decref(cur);
	json_decref(body);
}
