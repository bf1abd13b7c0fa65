# Extra targets of the generated Makefile (phpize && ./configure).
#   make test            the phpt suite (PHP's own target) with private servers:
#                        see tests/harness/make-test-php
#   make unit-test       Check suites of src/
#   make valgrind-test   phpt suite and Check suites under valgrind
#   make asan-test       phpt suite and Check suites with ASan+UBSan
#   make fuzz            libFuzzer targets, FUZZ_SECONDS each (default 30)
FUZZ_SECONDS ?= 30

# make test runs $(PHP_EXECUTABLE) on run-tests.php: through a wrapper that
# starts the servers the tests need, loads posix and pcntl, and lists what
# skipped; every other use of it is the real PHP.
MOODLECACHE_PHP := $(PHP_EXECUTABLE)
export MOODLECACHE_PHP
PHP_EXECUTABLE = $(srcdir)/tests/harness/make-test-php

unit-test:
	$(MAKE) -C $(srcdir)/tests/unit check

valgrind-test: all
	$(srcdir)/scripts/run-phpt --valgrind
	$(MAKE) -C $(srcdir)/tests/unit check VALGRIND=1

asan-test:
	$(srcdir)/scripts/run-phpt --asan
	$(MAKE) -C $(srcdir)/tests/unit check SAN=1

fuzz:
	$(MAKE) -C $(srcdir)/tests/fuzz run SECONDS=$(FUZZ_SECONDS)

.PHONY: unit-test valgrind-test asan-test fuzz
