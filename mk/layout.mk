# layout.mk - the layout check (tests/check-layout.sh, ARCHITECTURE.md).
# Included by the GNUmakefile.  `make test` runs it with the other TAP
# programs; `make check-layout` runs only it.  It reads the include lines
# of lib/, fcgi/, cli/ and gen/ and fails on a header named without its
# folder, on an include that points the wrong way, and on an include cycle.

.PHONY: check-layout
check-layout:
	@prove -e '' tests/check-layout.sh

TEST_PROGS += tests/check-layout.sh
