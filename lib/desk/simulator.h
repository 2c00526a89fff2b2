/*
 * simulator.h - what the SMS simulator page (fcgi/pages/page_simulator.c)
 * reads: the latest inbound messages and the client a simulated message
 * went to.  Read-only; the message itself goes in through the Twilio
 * webhook like a real one.
 */
#ifndef SB_DESK_SIMULATOR_H
#define SB_DESK_SIMULATOR_H

#include "store/store.h"

#include <stdint.h>

/* The 5 newest inbound messages, newest first.  Columns: 0 id,
 * 1 client_id, 2 from_addr, 3 body, 4 type, 5 urgency, 6 task_id,
 * 7 created_at, 8 client name.  Step it, then always call rows_done(). */
Rows *simulator_recent(Store *s);

/* The client of message id, or 0 when there is no such message. */
int64_t simulator_message_client(Store *s, int64_t message_id);

#endif
