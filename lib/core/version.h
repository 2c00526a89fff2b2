/* version.h - the program version, reported by /health and --version. */
#ifndef SB_VERSION_H
#define SB_VERSION_H
#define SB_VERSION "0.1.0"
#endif
