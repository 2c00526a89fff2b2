/*
 * clients.h - creating, editing and listing clients, for the admin pages
 * and the JSON API alike.
 *
 * The rules live here once: a name is one line of at most 200 characters,
 * a phone number is stored in E.164 and belongs to one client only, an
 * email address must look like one, and every change writes its event
 * (client_created, client_updated, summary_edited, member_added) naming the
 * actor.  Nothing here knows HTTP: errors come back as a ClientError that
 * names the field, a code and a sentence a person can act on, and the
 * caller maps it to a status with client_err_status().
 *
 * Functions marked "in the caller's transaction" expect store_begin() to
 * have been called; on failure they leave the rollback to the caller.
 */
#ifndef SB_CLIENTS_H
#define SB_CLIENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define CLIENT_NAME_MAX 200     /* characters (code points) */
#define CLIENT_EMAIL_MAX 254
#define CLIENT_COMPANY_MAX 200
#define CLIENT_PHONE_MAX 32
#define CLIENT_SUMMARY_MAX 1000 /* the worker bounds its rolling summary the same way */

/* Input for a create or an update.  NULL means "not given": absent on
 * create (name and phone are required), unchanged on update.  For email
 * and company "" clears the value; for name "" is blank (refused) and for
 * phone "" is not a number (refused).  Surrounding spaces are trimmed. */
typedef struct {
	const char *name, *phone, *email, *company, *summary;
} ClientInput;

typedef enum {
	CLIENT_OK = 0,
	CLIENT_MISSING,   /* a required field is absent        422 missing_field */
	CLIENT_BLANK,     /* only spaces                        422 blank */
	CLIENT_TOO_LONG,  /* over its limit                     422 too_long */
	CLIENT_INVALID,   /* not a phone, not an email, control characters  422 invalid_value */
	CLIENT_DUPLICATE, /* the phone belongs to another client            409 duplicate */
	CLIENT_NOT_FOUND, /* no such client                     404 not_found */
	CLIENT_STORE,     /* the database failed                500 store_failed */
} ClientErr;

#define CLIENT_MAX_ERRORS 5

typedef struct {
	ClientErr kind;
	const char *field;  /* "name", "phone", "email", "company", "summary", or NULL */
	char message[256];  /* a sentence for a person; names the field's subject */
	int64_t other_id;   /* CLIENT_DUPLICATE: the client that has the number */
	/* Validation checks every field: all of its errors, the first of
	 * which is also in kind/field/message above (what the API reports). */
	int count;
	struct {
		ClientErr kind;
		const char *field;
		char message[256];
	} all[CLIENT_MAX_ERRORS];
} ClientError;

/* The error's code for a JSON body ("missing_field", "duplicate", ...) and
 * the HTTP status it maps to (422, 409, 404, 500). */
const char *client_err_code(ClientErr kind);
int client_err_status(ClientErr kind);

/* Check every given field without touching the database (required fields
 * when creating).  Returns 0, or -1 with *err naming every bad field (the
 * first one in err->kind/field/message).  client_create and client_update
 * check again themselves. */
int client_validate(const ClientInput *in, int creating, ClientError *err);

/* 1 when e looks like an email address (one @, a dot in the domain, no
 * spaces); deliverability is not our business. */
int client_email_plausible(const char *e);

/* Create a client, in the caller's transaction, with a client_created
 * event {name, phone, email, company, source} by actor.  source says where
 * it came from ("admin", "api").  Returns the id, or -1 with *err (invalid
 * input, a phone that belongs to another client, a database failure). */
int64_t client_create(Store *s, const ClientInput *in, const char *actor, const char *source, ClientError *err);

/* Apply the given fields to client id, in the caller's transaction.
 * Unchanged values write nothing; otherwise one client_updated event
 * {"fields":[...], "changes":{field:{from,to}}} (a changed summary is
 * listed in fields, its text is not copied).  Returns 1 when something
 * changed, 0 when nothing did, -1 with *err. */
int client_update(Store *s, int64_t id, const ClientInput *in, const char *actor, ClientError *err);

/* Replace the rolling summary by a person's edit (at most
 * CLIENT_SUMMARY_MAX characters, several lines allowed), in the caller's
 * transaction, with a summary_edited event {length, previous_length}.
 * Returns 1 changed, 0 same text, -1 with *err. */
int client_set_summary(Store *s, int64_t id, const char *summary, const char *actor, ClientError *err);

/* Attach user to client, in the caller's transaction, with a member_added
 * event.  Returns 1 when attached now, 0 when already attached, -1 on a
 * database error. */
int client_add_member(Store *s, int64_t client_id, int64_t user_id, const char *actor);

/* Who is looking: admins see every client, agents those they are attached
 * to (client_members).  The rule is in the SQL of every query below. */
typedef struct {
	int64_t user_id;
	int is_admin;
} ClientViewer;

/* One page of clients a viewer may see, ordered by name (case-insensitive)
 * then id.  q (NULL or "" for all) matches a substring of name, phone,
 * company or email, and a phone number written any way matches its E.164
 * form.  after_id: the last client of the previous page (0 for the
 * first).  Returns a new JSON array of {id, name, phone, email, company,
 * open_tasks, created_at} with at most limit entries, and sets *more when
 * another page follows.  NULL when the query failed. */
json_t *client_list(Store *s, const ClientViewer *v, const char *q, int64_t after_id, int limit, int *more);

/* The client as a JSON object {id, name, phone, email, company, summary,
 * summary_updated_at, created_at, updated_at} when the viewer may see it,
 * else NULL (unknown and not visible look the same: 404). */
json_t *client_get(Store *s, const ClientViewer *v, int64_t id);

#endif
