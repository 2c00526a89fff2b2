/*
 * handlers.h - every request handler, grouped by the file that defines it.
 */
#ifndef SB_HANDLERS_H
#define SB_HANDLERS_H

#include "fcgi/web.h"

/* page_home.c */
void h_home(Ctx *c);
void h_health(Ctx *c);

/* health_url.c */
void h_health_url(Ctx *c);

/* page_auth.c */
void h_login_form(Ctx *c);
void h_login(Ctx *c);
void h_logout(Ctx *c);
void h_password_form(Ctx *c);
void h_password(Ctx *c);

/* webhook_twilio.c */
void h_webhook_twilio(Ctx *c);
void h_webhook_twilio_status(Ctx *c);

/* api_messages.c */
void h_api_messages_list(Ctx *c);
void h_api_messages_send(Ctx *c);

/* api_tasks.c */
void h_api_tasks_list(Ctx *c);
void h_api_tasks_create(Ctx *c);
void h_api_task_get(Ctx *c);
void h_api_task_patch(Ctx *c);

/* api_events.c */
void h_api_events_list(Ctx *c);

/* api_clients.c */
void h_api_clients_list(Ctx *c);
void h_api_clients_create(Ctx *c);
void h_api_client_get(Ctx *c);
void h_api_client_patch(Ctx *c);

/* ---- manage pages: page_clients.c, page_rules.c, page_jobs.c,
 * page_simulator.c, page_users.c, and the webhook core the simulator uses */

/* webhook_twilio.c: the inbound webhook's verify-and-store core, callable
 * in-process (the simulator).  status is what the webhook answers: 200
 * (stored, or a duplicate MessageSid), 400 (missing field), 403 (signature
 * missing, wrong, or no TWILIO_AUTH_TOKEN), 503 (not committed). */
typedef struct {
	int status;
	const char *code;    /* NULL on 200 */
	const char *message; /* static or in c's arena */
	const char *field;
	int64_t message_id;  /* 200: the stored (or earlier) message; when rejected, its inbound_rejected event */
	int duplicate;
	int rejected;        /* 200, but the sender is not a valid address: kept for audit only */
} TwilioInbound;
/* Verify signature over url for form (or, when json is non-NULL, for that
 * raw JSON body) with TWILIO_AUTH_TOKEN, then store the message, its event
 * and its classify job in one transaction.  Logs through c. */
void twilio_inbound_accept(Ctx *c, const char *url, const char *signature, const Params *form, const char *json,
			   size_t json_len, TwilioInbound *out);

/* page_clients.c */
void h_clients(Ctx *c);
void h_client_new_form(Ctx *c);
void h_client_create(Ctx *c);
void h_client(Ctx *c);
void h_client_update(Ctx *c);
void h_client_summary(Ctx *c);
void h_client_message(Ctx *c);

/* page_rules.c */
void h_rules(Ctx *c);
void h_rules_save(Ctx *c);

/* page_jobs.c */
void h_jobs(Ctx *c);
void h_job_retry(Ctx *c);
void h_job_cancel(Ctx *c);
/* page_inbound.c */
void h_inbound_rejected(Ctx *c);

/* page_simulator.c */
void h_simulator_form(Ctx *c);
void h_simulator(Ctx *c);

/* page_users.c */
void h_users(Ctx *c);
void h_user_new_form(Ctx *c);
void h_user_create(Ctx *c);
void h_user(Ctx *c);
void h_user_disable(Ctx *c);
void h_user_enable(Ctx *c);
void h_user_reset(Ctx *c);
void h_user_attach(Ctx *c);
void h_user_detach(Ctx *c);
/* page_login_locks.c: sign-in locks, seen and cleared by admins */
/* The current locks of login, for a page: [{addr, failures, until}]. */
json_t *login_locks_json(Ctx *c, const char *login);
/* The addresses locked for every login, the same way. */
json_t *addr_locks_json(Ctx *c);
void h_user_locks_clear(Ctx *c);
void h_addr_lock_clear(Ctx *c);
/* ---- end manage pages ---- */

/* ---- task pages: page_tasks.c, page_review.c, page_activity.c ---- */
/* page_tasks.c */
void h_tasks(Ctx *c);
void h_task(Ctx *c);
void h_task_reply(Ctx *c);
void h_task_status(Ctx *c);
void h_task_classify(Ctx *c);
void h_task_assign(Ctx *c);
/* page_review.c */
void h_review(Ctx *c);
void h_review_batch(Ctx *c);
void h_message_approve(Ctx *c);
void h_message_reject(Ctx *c);
/* page_activity.c */
void h_activity(Ctx *c);

/* page_tasks.c: the task page, also re-rendered by page_review.c with a
 * draft form's error. */
typedef struct {
	const char *form;   /* which form failed: "reply", "status", "classify", "assign", "draft" */
	int64_t draft_id;   /* with "draft": the draft whose form failed */
	const char *field;  /* the field to mark */
	const char *message;
	const char *value;  /* the text to put back in the field */
} TpFormError;
/* Render the task page (GET /tasks/:id), with a form's error when e is
 * non-NULL; 404 when the viewer may not see the task. */
void tp_task_page(Ctx *c, int64_t task_id, int status, const TpFormError *e);
/* ---- end task pages ---- */

/* ---- reports: page_reports.c (static site of gen/, share links) ---- */
void h_reports_root(Ctx *c);
void h_reports_index(Ctx *c);
void h_reports_file(Ctx *c);
void h_reports_client_slash(Ctx *c);
void h_reports_client(Ctx *c);
void h_reports_client_task(Ctx *c);
void h_reports_share_slash(Ctx *c);
void h_reports_shared(Ctx *c);
void h_reports_shared_task(Ctx *c);
void h_report_shares(Ctx *c);
void h_report_share_create(Ctx *c);
void h_report_share_revoke(Ctx *c);
/* ---- end reports ---- */

/* ---- documents: api_documents.c, page_documents.c, git_artifacts.c ---- */
/* api_documents.c: the JSON API */
void h_api_documents_upload(Ctx *c);
void h_api_documents_list(Ctx *c);
void h_api_document_get(Ctx *c);
void h_api_document_download(Ctx *c);
void h_api_document_delete(Ctx *c);
/* page_documents.c: the admin pages */
void h_documents(Ctx *c);
void h_document_new_form(Ctx *c);
void h_document_upload(Ctx *c);
void h_document(Ctx *c);
void h_document_download(Ctx *c);
void h_document_delete(Ctx *c);
/* git_artifacts.c: read-only smart HTTP for `git clone` of the artifact
 * repository (git-http-backend run by the program, Basic authentication) */
void h_git_info_refs(Ctx *c);
void h_git_upload_pack(Ctx *c);
void h_git_receive_pack(Ctx *c);

/* ---- end documents ---- */

/* ---- GitHub: webhook_github.c, page_github.c ---- */
/* webhook_github.c */
void h_webhook_github(Ctx *c);
/* page_github.c */
void h_github(Ctx *c);
void h_github_retry(Ctx *c);
void h_github_owners(Ctx *c);
void h_github_owner_add(Ctx *c);
void h_github_owner_delete(Ctx *c);
/* ---- end GitHub ---- */

/* ---- proposals: api_artifacts.c, page_proposals.c ---- */
/* api_artifacts.c */
void h_api_customer_artifacts(Ctx *c);
void h_api_artifact_get(Ctx *c);
void h_api_artifact_patch(Ctx *c);
/* page_proposals.c */
void h_client_proposals(Ctx *c);
void h_proposal(Ctx *c);
void h_prd_edit(Ctx *c);
void h_prd_revise(Ctx *c);
void h_prd_sms(Ctx *c);
void h_proposal_decide(Ctx *c);
/* The client page's "Proposed profile changes" (pending profile_edit
 * proposals by batch) for client_id, as template data. */
json_t *proposals_profile_view(Ctx *c, int64_t client_id);
/* The task page's PRD review link: {id, status} of the task's prd_review
 * proposal, or NULL when it has none. */
json_t *proposals_task_prd(Ctx *c, int64_t task_id);
/* ---- end proposals ---- */

#endif
