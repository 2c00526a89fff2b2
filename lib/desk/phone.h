/*
 * phone.h - phone number normalisation to E.164.
 */
#ifndef SB_PHONE_H
#define SB_PHONE_H

#include <stddef.h>

/* Normalise a phone number written by a person or sent by a carrier
 * ("+1 (415) 555-0100", "0044 20 7946 0018", "4155550100") into E.164
 * ("+14155550100").  Ten-digit numbers without a country code are taken as
 * North American (+1).  Returns 0 and fills out (at least 17 bytes), or -1
 * when the text is not a phone number (letters, too few or too many
 * digits). */
int phone_e164(const char *in, char *out, size_t outlen);

#endif
