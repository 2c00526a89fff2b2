/*
 * metrics.h - counters and latency histograms shared by every process of
 * one data directory (the FastCGI processes, their threads and the
 * worker), exposed by GET /metrics in Prometheus's text format.
 *
 * The values live in a small file mapped into each process
 * ($SWITCHBOARD_DATA/metrics.shm), updated with atomic adds, so a scrape
 * sees the sum over all processes and a restart of one process loses
 * nothing.  Counting never blocks, never allocates and never fails: when
 * the file cannot be mapped (or metrics_open was not called) the calls do
 * nothing.  Gauges that the database knows (queue depth, database size)
 * are not kept here: the /metrics handler reads them at scrape time.
 *
 * Every family is declared once, in the table in metrics.c (name, type,
 * help); counting an undeclared name is a bug and aborts.  Label values
 * are our own words (route families, status codes, job kinds), never
 * outside input.
 */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include "core/util.h"

#include <stdint.h>

/* Map the shared file at path (created 0660 when missing).  0 ok, -1 with
 * a line on stderr (counting is then off in this process). */
int metrics_open(const char *path);
void metrics_close(void);
/* True once metrics_open succeeded. */
int metrics_on(void);

/* Add n to the counter family name with the labels given as text
 * ("route=\"tasks\",status=\"200\"", or "" for none). */
void metrics_count(const char *name, const char *labels, uint64_t n);
/* One observation of seconds in the histogram family name. */
void metrics_observe(const char *name, const char *labels, double seconds);

/* Append every family of the table that has a value, in the exposition
 * format (# HELP, # TYPE, then one line per label set; histograms with
 * their _bucket, _sum and _count lines). */
void metrics_write(Buf *out);
/* "# HELP name help\n# TYPE name type\n" for a family of the table: for
 * the gauges, which the caller writes itself after this line. */
void metrics_write_head(Buf *out, const char *name);

/* The value of one counter (tests and doctor); 0 when absent. */
uint64_t metrics_value(const char *name, const char *labels);

#endif
