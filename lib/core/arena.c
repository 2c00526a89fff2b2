/*
 * arena.c - region allocator (see arena.h).  Chunks are 16 KiB or the size
 * of a larger request; the first chunk survives arena_reset so a typical
 * request allocates nothing from malloc after warm-up.
 */
#include "core/arena.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ArenaChunk {
	ArenaChunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

#define CHUNK 16384

void *arena_alloc(Arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->head->size - a->head->used < n) {
		size_t size = n > CHUNK ? n : CHUNK;
		ArenaChunk *c = xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->total += size;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
	if (n > 0)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void arena_reset(Arena *a)
{
	ArenaChunk *keep = NULL;
	ArenaChunk *c = a->head;
	while (c) {
		ArenaChunk *n = c->next;
		if (!n && c->size == CHUNK) {
			keep = c;
		} else {
			free(c);
		}
		c = n;
	}
	a->head = keep;
	a->total = keep ? keep->size : 0;
	if (keep)
		keep->used = 0;
}

void arena_free(Arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
	a->total = 0;
}
