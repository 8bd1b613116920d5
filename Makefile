# rosterpipe — see README.md.  `make`, `make check`, `make demo`, `make bench`,
# `make install PREFIX=/usr/local`.

VERSION  := $(shell cat VERSION)
PREFIX   ?= /usr/local
BUILD    ?= build
BIN      ?= bin
SAN      ?=

# Debian packages the build and the tests need.
DEB_PKGS := gcc make pkg-config libcsv-dev libcjson-dev zlib1g-dev \
            libsqlite3-dev sqlite3 bats bats-assert bats-support bats-file valgrind \
            curl python3 clang libclang-rt-14-dev parallel libpq-dev postgresql libssl-dev

# The libraries, through pkg-config; libcsv ships no .pc file.
PC_LIBS  := libcjson zlib sqlite3 libpq libcrypto
PC_CFLAGS := $(shell pkg-config --cflags $(PC_LIBS) 2>/dev/null)
PC_LDLIBS := $(shell pkg-config --libs $(PC_LIBS) 2>/dev/null)

CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Wpedantic -Werror \
            -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -DRP_VERSION='"$(VERSION)"' -Ilib $(PC_CFLAGS)
LDLIBS   := -lcsv $(PC_LDLIBS) -lm
ifneq ($(SAN),)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

LIB_SRC   := $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_OBJ   := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
LIB_A     := $(BUILD)/librosterpipe.a
FILTERS   := $(sort $(basename $(notdir $(wildcard filters/*.c))))
PIPELINES := $(sort $(notdir $(filter-out pipelines/lib,$(wildcard pipelines/*))))
PROGRAMS  := $(FILTERS:%=$(BIN)/%) $(PIPELINES:%=$(BIN)/%)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all libs deps check check-fast check-asan check-layers demo bench bench-scaling fuzz install clean
.SECONDARY:

# Plain `make` only builds: it installs nothing, and names what is missing.
all: libs $(PROGRAMS) $(BIN)/lib/sync.sh $(UNIT_BIN)

libs:
	@pkg-config --exists $(PC_LIBS) 2>/dev/null && [ -e /usr/include/csv.h ] || { \
	  echo "missing libraries (pkg-config: $(PC_LIBS); libcsv); install them with"; \
	  echo "  sudo apt-get install -y pkg-config libcsv-dev libcjson-dev zlib1g-dev libsqlite3-dev libpq-dev libssl-dev"; \
	  echo "or run 'make deps' as root, which installs every package the tests need too"; exit 1; }

# Installs missing Debian packages when run as root; otherwise names the
# one command to run. `make check` and `make demo` run it first.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages; run:"; \
	    echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/lib/%.o: lib/%.c | $(BUILD)/lib
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJ:.o=.d)

$(LIB_A): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BIN)/%: filters/%.c $(LIB_A) | $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

$(BIN)/%: pipelines/% | $(BIN)
	cp $< $@ && chmod +x $@

$(BIN)/lib/sync.sh: pipelines/lib/sync.sh | $(BIN)
	mkdir -p $(BIN)/lib && cp $< $@

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_A) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

$(BUILD)/lib $(BUILD)/tests $(BIN):
	mkdir -p $@

# Unit tests and bats suites against this build only.
check-fast: deps
	@$(MAKE) --no-print-directory all
	@tests/run-tests $(BIN) $(BUILD)/tests

check-asan:
	@$(MAKE) --no-print-directory SAN=1 BUILD=build-asan BIN=bin-asan all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  tests/run-tests bin-asan build-asan/tests

# Includes follow the layers (docs/design.md, "The map").
check-layers:
	@tests/check-layers

# The whole suite twice: the normal build, then the sanitizer build.
check: deps
	@$(MAKE) --no-print-directory all check-layers
	@$(MAKE) --no-print-directory SAN=1 BUILD=build-asan BIN=bin-asan all
	@tests/run-suites

# The bundled sample district: year 1 synced into demo.db, synced again
# (nothing changes), then year 2 (the guard stops the graduates' removal
# until a higher ratio is given), then what the store holds.
demo: deps
	@$(MAKE) --no-print-directory all
	@rm -f demo.db demo.db-wal demo.db-shm
	@echo "== year 1 (2025-2026) into an empty store"
	@bin/oneroster-sync --quiet --db demo.db testdata/district/y1-v1p1
	@echo "== year 1 again: nothing to change"
	@bin/oneroster-sync --quiet --db demo.db testdata/district/y1-v1p1
	@echo "== year 2 (2026-2027): graduates and leavers are a big share of Cedar Middle"
	@bin/oneroster-sync --quiet --db demo.db testdata/district/y2-v1p1 || \
	  echo "(refused by the delete guard, nothing changed: exit $$?)"
	@echo "== year 2 with --max-delete-ratio 0.5, as a summer rollover expects"
	@bin/oneroster-sync --quiet --db demo.db --max-delete-ratio 0.5 testdata/district/y2-v1p1
	@echo "== the store now (records per type; soft-deleted users)"
	@bin/snapshot --db demo.db | sed -n 's/^{"type":"\([a-z]*\)".*/\1/p' | sort | uniq -c
	@bin/snapshot --db demo.db --entity user | grep -c '"deleted_at"' | sed 's/$$/ users soft-deleted/' 

# The libFuzzer targets (tests/fuzz), FUZZ_SECONDS each (make check runs
# them briefly).
FUZZ_SECONDS ?= 10
fuzz: all
	@tests/fuzz/run-fuzz $(FUZZ_SECONDS)

# A synthetic district (BENCH_USERS, default 1,000,000) through every stage,
# timed; see docs/performance.md. Not part of make check.
bench: all
	@bench/run.sh

bench-scaling: all
	@bench/scaling.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	for m in man/*.1; do \
	  sed '1s/"rosterpipe"/"rosterpipe $(VERSION)"/' $$m > $(DESTDIR)$(PREFIX)/share/man/man1/$${m#man/} && \
	  chmod 0644 $(DESTDIR)$(PREFIX)/share/man/man1/$${m#man/} || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/lib/rosterpipe
	install -m 0644 pipelines/lib/sync.sh $(DESTDIR)$(PREFIX)/lib/rosterpipe/

clean:
	rm -rf build build-asan build-fuzz bin bin-asan bench/out bench/data bench/gen-district bench/parse-ndjson
