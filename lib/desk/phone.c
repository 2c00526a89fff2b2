/*
 * phone.c - E.164 normalisation (see phone.h).  Pure; no locale tables:
 * numbers are expected with a country code, except bare ten-digit North
 * American numbers, the common case for our users.
 */
#include "desk/phone.h"

#include <string.h>

int phone_e164(const char *in, char *out, size_t outlen)
{
	char digits[32];
	size_t n = 0;
	int plus = 0;
	const char *p = in;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "tel:", 4) == 0)
		p += 4;
	if (*p == '+') {
		plus = 1;
		p++;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n >= sizeof digits - 1)
				return -1;
			digits[n++] = *p;
		} else if (*p == ' ' || *p == '-' || *p == '(' || *p == ')' || *p == '.' || *p == '\t') {
			continue;
		} else {
			return -1;
		}
	}
	digits[n] = '\0';
	const char *d = digits;
	if (!plus) {
		if (n > 2 && d[0] == '0' && d[1] == '0') {
			d += 2; /* international prefix 00 */
			n -= 2;
		} else if (n == 10 && d[0] != '0' && d[0] != '1') {
			if (outlen < 13)
				return -1;
			out[0] = '+';
			out[1] = '1';
			memcpy(out + 2, d, 11);
			return 0;
		} else if (n == 11 && d[0] == '1') {
			/* 1 415 555 0100 */
		} else {
			return -1;
		}
	}
	if (n < 8 || n > 15 || d[0] == '0')
		return -1;
	if (outlen < n + 2)
		return -1;
	out[0] = '+';
	memcpy(out + 1, d, n + 1);
	return 0;
}
