/*
 * routes.c - the one route table.  Order matters only for readability:
 * the dispatcher tries every entry and reports 405 when a path matches
 * with another method.
 */
#include "handlers.h"
#include "web.h"

const Route sb_routes[] = {
	{"GET", "/", h_home, R_LOGIN},
	{"GET", "/login", h_login_form, 0},
	{"POST", "/login", h_login, R_FORM | R_ANON_CSRF},
	{"POST", "/logout", h_logout, R_LOGIN | R_FORM | R_CSRF | R_PASSWORD_PAGE},
	{"GET", "/account/password", h_password_form, R_LOGIN | R_PASSWORD_PAGE},
	{"POST", "/account/password", h_password, R_LOGIN | R_FORM | R_CSRF | R_PASSWORD_PAGE},
	{"GET", "/health", h_health, R_API | R_NO_DB},
	{"POST", "/webhook/twilio", h_webhook_twilio, R_RAW_BODY},
	{"POST", "/webhook/twilio/status", h_webhook_twilio_status, R_RAW_BODY},
	/* JSON API (api_*.c): bearer token; write bodies are raw JSON. */
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
};
const size_t sb_routes_count = sizeof sb_routes / sizeof sb_routes[0];
