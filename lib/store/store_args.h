/*
 * store_args.h - a query whose parameters come as an array that may name
 * more parameters than the SQL uses.
 *
 * The task list and the event feed pick one SQL text among several
 * variants (by the index that drives them) and fill one argument list
 * for all of them; each variant uses only some of the parameters.
 * store_query() refuses a parameter its SQL does not name (a bug
 * elsewhere), so this helper passes on only the ones the SQL names.
 */
#ifndef SB_STORE_ARGS_H
#define SB_STORE_ARGS_H

#include "store/store.h"

/* Most parameters one store_query_some call passes on. */
#define STORE_SOME_MAX 16

/* As store_query(s, sql, ...) with those of args (ending with an entry of
 * kind 0, SQL_END) whose name the SQL text uses as a parameter; the
 * others are skipped.  sql follows store_query's rule (a string literal,
 * or text that lives as long as the store).  Aborts when more than
 * STORE_SOME_MAX parameters are left (a bug).  Read the rows with
 * rows_step/rows_next, then call rows_done(). */
Rows *store_query_some(Store *s, const char *sql, const SqlArg *args);

/* 1 when the SQL text uses the parameter name (":name", as written in the
 * SQL) outside its quoted strings, quoted identifiers and comments, else
 * 0. */
int store_sql_names(const char *sql, const char *name);

#endif
