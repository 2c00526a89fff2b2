/*
 * rule_admin.h - the routing rules as the admin's rules page
 * (fcgi/pages/page_rules.c) reads and saves them: the routing_rules rows
 * and the confidence_threshold setting.
 *
 * What the rules mean is lib/desk/desk.c's (route_decide,
 * route_threshold); this module only reads and writes the rows, with no
 * event (the page writes rules_updated in the same transaction).
 */
#ifndef SB_DESK_RULE_ADMIN_H
#define SB_DESK_RULE_ADMIN_H

#include "store/store.h"

#include <stdint.h>

/* Every stored rule.  Columns: 0 type, 1 urgency, 2 route ("AI" or
 * "HUMAN"), 3 auto_send.  Step it, then always call rows_done(). */
Rows *rule_admin_rows(Store *s);

/* 1 when the threshold is set in settings (else the default applies). */
int rule_admin_threshold_is_set(Store *s);

/* Insert or replace the rule for (type, urgency).  STORE_OK or the
 * store's error code (logged). */
int rule_admin_save(Store *s, const char *type, const char *urgency, const char *route, int auto_send,
		    int64_t now);

/* Store the confidence threshold (its text, e.g. "0.7").  STORE_OK or the
 * store's error code (logged). */
int rule_admin_save_threshold(Store *s, const char *value, int64_t now);

#endif
