# classify.mk - the built-in classifier's accuracy benchmark.
# Included by the GNUmakefile.  `make bench-classify` (or `make bench`)
# trains on data/corpus/train.tsv and reports accuracy, confusion matrices,
# calibration and timings on data/corpus/heldout.tsv, plus a 10-fold
# cross-validation on the training set.  Pass CLASSIFY_BENCH_FLAGS=-v to list
# the held-out mistakes.

CLASSIFY_BENCH := $(O)/bench/classify_accuracy
CLASSIFY_BENCH_FLAGS ?=

$(CLASSIFY_BENCH): bench/classify_accuracy.c $(O)/libsb.a lib/ai/classify_builtin.h lib/core/util.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libsb.a $(LDLIBS)

.PHONY: bench-classify
bench-classify: $(CLASSIFY_BENCH)
	$(CLASSIFY_BENCH) -k 10 $(CLASSIFY_BENCH_FLAGS) data/corpus/train.tsv data/corpus/heldout.tsv

BENCH_TARGETS += bench-classify
