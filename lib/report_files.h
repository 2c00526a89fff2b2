/*
 * report_files.h - what the report generator (gen/) writes and the program
 * that serves the reports (fcgi/page_reports.c) both need to know.
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

#endif
