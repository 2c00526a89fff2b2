/*
 * arena.h - a region allocator for per-request memory.
 *
 * Everything a request allocates through its arena is released at once by
 * arena_reset() when the request ends, so a long-lived FastCGI process does
 * not grow.  Allocation never fails (aborts on exhaustion, like xmalloc).
 */
#ifndef SB_ARENA_H
#define SB_ARENA_H

#include <stddef.h>

typedef struct ArenaChunk ArenaChunk;
typedef struct {
	ArenaChunk *head;
	size_t total; /* bytes currently held, for leak checks in tests */
} Arena;

void *arena_alloc(Arena *a, size_t n);             /* 16-byte aligned, zeroed */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free every chunk except the first (kept for reuse) and start over. */
void arena_reset(Arena *a);
void arena_free(Arena *a);

#endif
