/*
 * proposal_admin.c - the lookups of the proposal pages (see
 * proposal_admin.h).  Read-only.
 */
#include "desk/proposal_admin.h"

char *proposal_admin_document_path(Store *s, int64_t document_id)
{
	return store_text(s, "SELECT path FROM documents WHERE id = :id", SQL_INT(":id", document_id), SQL_END);
}

char *proposal_admin_document_commit(Store *s, int64_t id)
{
	return store_text(s, "SELECT document_commit FROM proposals WHERE id = :id", SQL_INT(":id", id), SQL_END);
}
