/*
 * proposal_admin.h - two lookups of the proposal pages
 * (fcgi/pages/page_proposals.c): a document's path, and the document
 * commit a proposal currently points at.  Read-only; proposals change
 * through lib/desk/proposals.h.
 */
#ifndef SB_DESK_PROPOSAL_ADMIN_H
#define SB_DESK_PROPOSAL_ADMIN_H

#include "store/store.h"

#include <stdint.h>

/* Document id's path, malloc'd, or NULL when there is no such document. */
char *proposal_admin_document_path(Store *s, int64_t document_id);

/* Proposal id's document_commit, malloc'd, or NULL when there is no such
 * proposal (or it has none). */
char *proposal_admin_document_commit(Store *s, int64_t id);

#endif
