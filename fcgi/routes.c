/*
 * routes.c - the one route table.  Order matters only for readability:
 * the dispatcher tries every entry and reports 405 when a path matches
 * with another method.
 */
#include "fcgi/handlers.h"
#include "fcgi/web.h"

const Route sb_routes[] = {
	{"GET", "/", h_home, R_LOGIN},
	{"GET", "/login", h_login_form, 0},
	{"POST", "/login", h_login, R_FORM | R_ANON_CSRF},
	{"POST", "/logout", h_logout, R_LOGIN | R_FORM | R_CSRF | R_PASSWORD_PAGE},
	{"GET", "/account/password", h_password_form, R_LOGIN | R_PASSWORD_PAGE},
	{"POST", "/account/password", h_password, R_LOGIN | R_FORM | R_CSRF | R_PASSWORD_PAGE},
	{"GET", "/health", h_health, R_API | R_NO_DB},
	{"GET", "/health/url", h_health_url, R_API | R_NO_DB},
	{"POST", "/webhook/twilio", h_webhook_twilio, R_RAW_BODY},
	{"POST", "/webhook/twilio/status", h_webhook_twilio_status, R_RAW_BODY},
	/* JSON API (fcgi/api/api_*.c): bearer token; write bodies are raw JSON. */
	{"GET", "/api/messages", h_api_messages_list, R_API | R_TOKEN},
	{"POST", "/api/messages/send", h_api_messages_send, R_API | R_TOKEN | R_RAW_BODY},
	{"GET", "/api/tasks", h_api_tasks_list, R_API | R_TOKEN},
	{"POST", "/api/tasks", h_api_tasks_create, R_API | R_TOKEN | R_RAW_BODY},
	{"GET", "/api/tasks/:id", h_api_task_get, R_API | R_TOKEN},
	{"PATCH", "/api/tasks/:id", h_api_task_patch, R_API | R_TOKEN | R_RAW_BODY},
	{"GET", "/api/events", h_api_events_list, R_API | R_TOKEN},
	{"GET", "/api/clients", h_api_clients_list, R_API | R_TOKEN},
	{"POST", "/api/clients", h_api_clients_create, R_API | R_TOKEN | R_RAW_BODY},
	{"GET", "/api/clients/:id", h_api_client_get, R_API | R_TOKEN},
	{"PATCH", "/api/clients/:id", h_api_client_patch, R_API | R_TOKEN | R_RAW_BODY},
	/* Manage pages (page_clients.c, page_rules.c, page_jobs.c,
	 * page_inbound.c, page_simulator.c, page_users.c, page_login_locks.c).  /new before /:id. */
	{"GET", "/clients", h_clients, R_LOGIN},
	{"GET", "/clients/new", h_client_new_form, R_LOGIN},
	{"POST", "/clients", h_client_create, R_LOGIN | R_FORM | R_CSRF},
	{"GET", "/clients/:id", h_client, R_LOGIN},
	{"POST", "/clients/:id", h_client_update, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/clients/:id/summary", h_client_summary, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/clients/:id/message", h_client_message, R_LOGIN | R_FORM | R_CSRF},
	{"GET", "/rules", h_rules, R_ADMIN},
	{"POST", "/rules", h_rules_save, R_ADMIN | R_FORM | R_CSRF},
	{"GET", "/jobs", h_jobs, R_ADMIN},
	{"POST", "/jobs/:id/retry", h_job_retry, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/jobs/:id/cancel", h_job_cancel, R_ADMIN | R_FORM | R_CSRF},
	{"GET", "/inbound/rejected", h_inbound_rejected, R_ADMIN},
	{"GET", "/simulator", h_simulator_form, R_ADMIN},
	{"POST", "/simulator", h_simulator, R_ADMIN | R_FORM | R_CSRF},
	{"GET", "/users", h_users, R_ADMIN},
	{"GET", "/users/new", h_user_new_form, R_ADMIN},
	{"POST", "/users/new", h_user_create, R_ADMIN | R_FORM | R_CSRF},
	{"GET", "/users/:id", h_user, R_ADMIN},
	{"POST", "/users/:id/disable", h_user_disable, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/users/:id/enable", h_user_enable, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/users/:id/password", h_user_reset, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/users/:id/locks/clear", h_user_locks_clear, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/users/locks/clear", h_addr_lock_clear, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/users/:id/clients", h_user_attach, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/users/:id/clients/:client/detach", h_user_detach, R_ADMIN | R_FORM | R_CSRF},
	/* end manage pages */
	/* Task pages (page_tasks.c, page_review.c, page_activity.c). */
	{"GET", "/tasks", h_tasks, R_LOGIN},
	{"GET", "/tasks/:id", h_task, R_LOGIN},
	{"POST", "/tasks/:id/reply", h_task_reply, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/tasks/:id/status", h_task_status, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/tasks/:id/classify", h_task_classify, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/tasks/:id/assign", h_task_assign, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/messages/:id/approve", h_message_approve, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/messages/:id/reject", h_message_reject, R_LOGIN | R_FORM | R_CSRF},
	{"GET", "/review", h_review, R_LOGIN},
	{"POST", "/review/batch", h_review_batch, R_LOGIN | R_FORM | R_CSRF},
	{"GET", "/activity", h_activity, R_LOGIN},
	/* end task pages */
	/* Reports (page_reports.c): the static site switchboard-gen writes,
	 * each file to who may see it, and share links.  /reports/shares
	 * before /reports/:file. */
	{"GET", "/reports", h_reports_root, R_LOGIN},
	{"GET", "/reports/", h_reports_index, R_LOGIN},
	{"GET", "/reports/shares", h_report_shares, R_ADMIN},
	{"POST", "/reports/shares", h_report_share_create, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/reports/shares/:id/revoke", h_report_share_revoke, R_ADMIN | R_FORM | R_CSRF},
	{"GET", "/reports/:file", h_reports_file, R_ADMIN},
	{"GET", "/reports/clients/:client", h_reports_client_slash, R_LOGIN},
	{"GET", "/reports/clients/:client/", h_reports_client, R_LOGIN},
	{"GET", "/reports/clients/:client/:file", h_reports_client, R_LOGIN},
	{"GET", "/reports/clients/:client/tasks/:file", h_reports_client_task, R_LOGIN},
	{"GET", "/reports/share/:token", h_reports_share_slash, 0},
	{"GET", "/reports/share/:token/", h_reports_shared, 0},
	{"GET", "/reports/share/:token/:file", h_reports_shared, 0},
	{"GET", "/reports/share/:token/tasks/:file", h_reports_shared_task, 0},
	/* end reports */
	/* Documents (api_documents.c, page_documents.c, git_artifacts.c):
	 * uploads are multipart, parsed by the handlers (R_RAW_BODY), which
	 * check the admin form's _csrf themselves.  /documents/new before
	 * /documents/:id.  The git endpoints authenticate with HTTP Basic
	 * themselves (git clients do not send bearer tokens or cookies). */
	{"POST", "/api/documents/upload", h_api_documents_upload, R_API | R_TOKEN | R_RAW_BODY},
	{"POST", "/api/documents", h_api_documents_upload, R_API | R_TOKEN | R_RAW_BODY},
	{"GET", "/api/documents", h_api_documents_list, R_API | R_TOKEN},
	{"GET", "/api/documents/:id", h_api_document_get, R_API | R_TOKEN},
	{"DELETE", "/api/documents/:id", h_api_document_delete, R_API | R_TOKEN},
	{"GET", "/api/documents/:id/download", h_api_document_download, R_API | R_TOKEN},
	{"GET", "/documents", h_documents, R_LOGIN},
	{"POST", "/documents", h_document_upload, R_LOGIN | R_RAW_BODY},
	{"GET", "/documents/new", h_document_new_form, R_LOGIN},
	{"GET", "/documents/:id", h_document, R_LOGIN},
	{"GET", "/documents/:id/download", h_document_download, R_LOGIN},
	{"POST", "/documents/:id/delete", h_document_delete, R_LOGIN | R_FORM | R_CSRF},
	{"GET", "/git/artifacts.git/info/refs", h_git_info_refs, 0},
	{"POST", "/git/artifacts.git/git-upload-pack", h_git_upload_pack, R_RAW_BODY},
	{"POST", "/git/artifacts.git/git-receive-pack", h_git_receive_pack, R_RAW_BODY},
	/* end documents */
	/* GitHub (webhook_github.c, page_github.c): the signed webhook, the
	 * issues kept or opened for bug tasks, and the owner rules. */
	{"POST", "/webhook/github", h_webhook_github, R_RAW_BODY},
	{"GET", "/github", h_github, R_ADMIN},
	{"POST", "/github/issues/:task/retry", h_github_retry, R_ADMIN | R_FORM | R_CSRF},
	{"GET", "/github/owners", h_github_owners, R_ADMIN},
	{"POST", "/github/owners", h_github_owner_add, R_ADMIN | R_FORM | R_CSRF},
	{"POST", "/github/owners/:id/delete", h_github_owner_delete, R_ADMIN | R_FORM | R_CSRF},
	/* end GitHub */
	/* Proposals (api_artifacts.c, page_proposals.c): AI output waiting
	 * for a person's decision; the PRD review page. */
	{"GET", "/api/customers/:id/artifacts", h_api_customer_artifacts, R_API | R_TOKEN},
	{"GET", "/api/artifacts/:id", h_api_artifact_get, R_API | R_TOKEN},
	{"PATCH", "/api/artifacts/:id", h_api_artifact_patch, R_API | R_TOKEN | R_RAW_BODY},
	{"POST", "/clients/:id/proposals", h_client_proposals, R_LOGIN | R_FORM | R_CSRF},
	{"GET", "/proposals/:id", h_proposal, R_LOGIN},
	{"POST", "/proposals/:id/edit", h_prd_edit, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/proposals/:id/revise", h_prd_revise, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/proposals/:id/sms", h_prd_sms, R_LOGIN | R_FORM | R_CSRF},
	{"POST", "/proposals/:id/decide", h_proposal_decide, R_LOGIN | R_FORM | R_CSRF},
	/* end proposals */
};
const size_t sb_routes_count = sizeof sb_routes / sizeof sb_routes[0];
