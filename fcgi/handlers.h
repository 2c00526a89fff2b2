/*
 * handlers.h - every request handler, grouped by the file that defines it.
 */
#ifndef SB_HANDLERS_H
#define SB_HANDLERS_H

#include "web.h"

/* page_home.c */
void h_home(Ctx *c);
void h_health(Ctx *c);

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
#endif
