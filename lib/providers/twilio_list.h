/*
 * twilio_list.h - find a message Twilio already accepted.
 *
 * A send attempt that timed out (or got a 500) after the request was
 * written may have created the message.  Before trying again the worker
 * asks Twilio's Messages list (filtered by To, From and DateSent) whether a
 * message with the same body exists, and adopts it instead of sending a
 * duplicate.  No database access here: the caller says which SIDs are
 * already recorded for other messages.
 */
#ifndef SB_TWILIO_LIST_H
#define SB_TWILIO_LIST_H

#include <stdint.h>

#include "providers/twilio.h"

/* Answers nonzero when `sid` already belongs to another message. */
typedef int (*TwilioSidTaken)(void *ctx, const char *sid);

/* Pages of 100 messages twilio_find_message reads at most. */
#define TWILIO_LIST_MAX_PAGES 20

/* Look for an outbound message to `to` with exactly `body`, created at or
 * after since_ms (unix ms), whose SID `taken` (when not NULL) does not
 * claim: the same text to the same number may have been sent before for
 * another message, and that SID is not this message's.  Returns 1 and
 * fills sid/status when found, 0 when Twilio has no such message, -1 when
 * the lookup failed or the list goes on past TWILIO_LIST_MAX_PAGES pages
 * (retry later; err filled).  The list is read newest first, following
 * next_page_uri. */
int twilio_find_message(const TwilioConf *conf, const char *to, const char *body, int64_t since_ms,
			TwilioSidTaken taken, void *ctx, char sid[64], char status[32], char *err, size_t errlen);

#endif
