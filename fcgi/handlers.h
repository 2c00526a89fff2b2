/*
 * handlers.h - every request handler, grouped by the file that defines it.
 */
#ifndef SB_HANDLERS_H
#define SB_HANDLERS_H

#include "web.h"

/* page_home.c */
void h_home(Ctx *c);
void h_health(Ctx *c);

/* webhook_twilio.c */
void h_webhook_twilio(Ctx *c);
void h_webhook_twilio_status(Ctx *c);





#endif
