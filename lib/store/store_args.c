/*
 * store_args.c - queries with an argument array of which the SQL uses
 * only some (see store_args.h).  Backend-neutral: it reads the SQL text
 * and calls store_query(), never the database library.
 */
#include "store/store_args.h"
#include "core/util.h"

#include <string.h>

/* A character that continues a parameter name (SQLite's identifier
 * characters: letters, digits, '_', '$' and every non-ASCII byte). */
static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
	       c >= 0x80;
}

int store_sql_names(const char *sql, const char *name)
{
	size_t n = strlen(name);
	char quote = 0;
	if (n == 0)
		return 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0; /* a doubled quote closes and opens again */
		} else if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p;
		} else if (*p == '[') {
			quote = ']';
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
			if (!*p)
				break;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			if (!end)
				break;
			p = end + 1;
		} else if (strncmp(p, name, n) == 0 && !name_char((unsigned char)p[n])) {
			return 1;
		}
	}
	return 0;
}

_Static_assert(STORE_SOME_MAX == 16, "store_query_some passes a[0] to a[15]");

Rows *store_query_some(Store *s, const char *sql, const SqlArg *args)
{
	SqlArg a[STORE_SOME_MAX];
	size_t n = 0;
	for (; args->kind; args++) {
		if (!store_sql_names(sql, args->name))
			continue;
		if (n == STORE_SOME_MAX)
			sb_die("store_query_some: more than %d parameters for: %s", STORE_SOME_MAX, sql);
		a[n++] = *args;
	}
	while (n < STORE_SOME_MAX)
		a[n++] = SQL_END;
	/* store_query reads its arguments up to the first SQL_END; those
	 * after it are never read. */
	return store_query(s, sql, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12],
			   a[13], a[14], a[15], SQL_END);
}
