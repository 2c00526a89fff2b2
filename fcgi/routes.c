/*
 * routes.c - the one route table.  Order matters only for readability:
 * the dispatcher tries every entry and reports 405 when a path matches
 * with another method.
 */
#include "handlers.h"
#include "web.h"

const Route sb_routes[] = {
	{"GET", "/", h_home, R_NO_DB},
	{"GET", "/health", h_health, R_API | R_NO_DB},
	{"POST", "/webhook/twilio", h_webhook_twilio, R_RAW_BODY},
	{"POST", "/webhook/twilio/status", h_webhook_twilio_status, R_RAW_BODY},
};
const size_t sb_routes_count = sizeof sb_routes / sizeof sb_routes[0];
