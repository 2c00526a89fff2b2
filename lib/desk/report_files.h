/*
 * report_files.h - what the report generator (gen/) writes and the program
 * that serves the reports (fcgi/pages/page_reports.c) both need to know.
 *
 * A client's task list is written per month, tasks-YYYY-MM.html and
 * tasks-YYYY-MM.csv (the month the task was opened, UTC), each CSV with
 * the header line below; tasks.csv, every task, is those CSV files in
 * month order under one header, put together when it is downloaded.
 */
#ifndef SB_REPORT_FILES_H
#define SB_REPORT_FILES_H

#define TASKS_CSV_HEADER                                                                                    \
	"task_id,title,type,urgency,status,route,classified_type,classified_urgency,type_overridden,"       \
	"urgency_overridden,opened_at,first_inbound_at,first_response_at,first_response_seconds,"          \
	"first_response_by,sla_target_seconds,sla,closed_at,resolution_seconds,reopened,messages_in,"      \
	"replies_sent,ai_replies,ai_edited_replies,human_replies,drafts_approved,drafts_edited,"             \
	"drafts_rejected,failed_sends,timeline\r\n"

/* A share link shows the client a client-safe report unless the admin who
 * made it chose to include internal figures: no AI share, no LLM usage or
 * cost, no routing, classifier or review decisions, no staff names, and a
 * timeline of client-meaningful events only (messages received, replies
 * sent, the task opened, closed, reopened).  The generator writes, next to
 * each file with internal figures, a client-safe twin, and the program
 * serves the twin under the original name to such a link:
 *   index.html          -> share.html
 *   tasks/ID.html       -> tasks/ID.share.html
 *   tasks-YYYY-MM.csv   -> share-tasks-YYYY-MM.csv (SHARE_TASKS_CSV_HEADER)
 * usage.csv and feed.atom have no twin (not served to such a link); the
 * task list pages have nothing internal and are served as they are. */
#define SHARE_INDEX_FILE "share.html"
#define SHARE_TASK_SUFFIX ".share.html"
#define SHARE_CSV_PREFIX "share-"
#define SHARE_TASKS_CSV_HEADER                                                                               \
	"task_id,title,type,urgency,status,opened_at,first_inbound_at,first_response_at,"                    \
	"first_response_seconds,sla_target_seconds,sla,closed_at,resolution_seconds,reopened,messages_in,"   \
	"replies_sent,timeline\r\n"

#endif
