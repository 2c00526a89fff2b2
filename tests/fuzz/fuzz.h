/*
 * fuzz.h - shared pieces of the fuzz harnesses in tests/fuzz/.
 *
 * Each harness defines LLVMFuzzerTestOneInput and is linked either with
 * libFuzzer (`make fuzz`) or with replay.c (`make test` replays the corpora).
 * Invariant checks use their own small UTF-8 decoder on purpose: a second,
 * differently written implementation is what catches a bug in lib/web/form.c's.
 * Nothing here may depend on libFuzzer.
 */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with the failed condition: libFuzzer and replay both treat the
 * abort as a finding. */
#define FUZZ_CHECK(cond)                                                          \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
				__LINE__, #cond);                                 \
			abort();                                                  \
		}                                                                 \
	} while (0)

/* 1 when s[0..n) is valid UTF-8 with no NUL byte, decoding each scalar value
 * and checking it against the shortest form and the Unicode range. */
static inline int fuzz_utf8_no_nul(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned long cp, min;
		size_t k;
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xE0) == 0xC0) {
			k = 2, cp = p[i] & 0x1F, min = 0x80;
		} else if ((p[i] & 0xF0) == 0xE0) {
			k = 3, cp = p[i] & 0x0F, min = 0x800;
		} else if ((p[i] & 0xF8) == 0xF0) {
			k = 4, cp = p[i] & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i < k)
			return 0;
		for (size_t j = 1; j < k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k;
	}
	return 1;
}

#endif
