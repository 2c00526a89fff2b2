/*
 * main.c - entry point of bin/switchboard.
 */
#include "util.h"
#include <stdio.h>
int main(void) { puts("switchboard"); return 0; }
