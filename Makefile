# ocibox - one static binary for Docker's image and container workflow
CC      := musl-gcc
CFLAGS  ?= -Os -pipe
CFLAGS  += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation \
           -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
           -I. -I$(B) -Ibuild/deps/include
LDFLAGS += -static -Wl,--gc-sections -s
VERSION := 0.1.0
PREFIX  ?= /usr/local
B       := build

include config/default.mk
-include config/local.mk

APPLETS := $(sort images tag rmi inspect history save load import prune run ps rm exec stop start logs commit export diff pause unpause pull push login logout search version restart container-prune kill wait)
ON      := $(foreach a,$(APPLETS),$(if $(filter y,$(APPLET_$(a))),$(a)))
OFF     := $(filter-out $(ON),$(APPLETS))
UPPER    = $(shell echo $(1) | tr a-z- A-Z_)

DEPLIBS := build/deps/lib/libbearssl.a build/deps/lib/liblibtar.a \
           build/deps/lib/libcjson.a build/deps/lib/libzlib.a \
           build/deps/lib/libzstd.a
CORE    := $(filter-out core/main.c,$(wildcard core/*.c))
CORE_O  := $(CORE:%.c=$(B)/%.o)
APP_O   := $(ON:%=$(B)/applets/%.o)
HDRS    := $(wildcard core/*.h) $(B)/config.h
UNITS   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/*_test.c))

.PHONY: all deps test unit install size clean distclean demo setup setup-test
all: $(B)/ocibox

# What building and testing need, from Debian's packages (a no-op once there).
setup:
	@sh scripts/setup.sh build
setup-test:
	@sh scripts/setup.sh test

# Third-party sources: fetched (never committed), built with musl-gcc.
build/src/%/.ocibox-fetched:
	@sh scripts/setup.sh build
	sh scripts/deps.sh
build/deps/lib/lib%.a: build/src/%/.ocibox-fetched scripts/build-dep.sh scripts/libtar-config.h
	CC=$(CC) sh scripts/build-dep.sh $*
deps: $(DEPLIBS)
.PRECIOUS: build/src/%/.ocibox-fetched

# The applet table and feature switches follow config/.
$(B)/config.stamp: FORCE
	@mkdir -p $(B)
	@echo "$(ON)" | cmp -s - $@ || echo "$(ON)" > $@
$(B)/applets.h: $(B)/config.stamp
	@for a in $(subst -,_,$(ON)); do echo "APPLET_ENTRY($$a)"; done > $@
$(B)/config.h: $(B)/config.stamp Makefile
	@{ echo '#define OCIBOX_VERSION "$(VERSION)"'; \
	  $(foreach a,$(ON),echo '#define CFG_$(call UPPER,$(a)) 1';) \
	  $(foreach a,$(OFF),echo '#define CFG_$(call UPPER,$(a)) 0';) } > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
FORCE:
# certificates are checked as of this time when the clock is obviously
# wrong: the last commit's time (reproducible), SOURCE_DATE_EPOCH if set
$(B)/buildtime.h: FORCE
	@mkdir -p $(B)
	@t=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || echo 0)}; \
	  echo "#define OCIBOX_BUILD_TIME $${t:-0}LL" > $@.tmp; \
	  cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
$(B)/core/tls.o $(B)/applets/version.o: $(B)/buildtime.h

$(B)/%.o: %.c $(HDRS) | $(DEPLIBS)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC $<";)$(CC) $(CFLAGS) -c $< -o $@
$(B)/core/main.o: $(B)/applets.h

$(B)/ocibox: $(B)/core/main.o $(CORE_O) $(APP_O) $(DEPLIBS)
	$(if $(V),,@echo "  LD $@";)$(CC) $(LDFLAGS) -o $@ $(B)/core/main.o $(CORE_O) $(APP_O) $(DEPLIBS)

# Unit tests link core (not main.c, not applets).
$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(CORE_O) $(DEPLIBS)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC $<";)$(CC) $(CFLAGS) -static -o $@ $< $(CORE_O) $(DEPLIBS)

unit: $(UNITS)
test: setup-test
	@$(MAKE) --no-print-directory $(B)/ocibox $(UNITS)
	@sh tests/run.sh $(UNITS)

# names that would shadow the system's own commands get no symlink unless
# NOLINK is emptied; they stay reachable as "docker rm", "ocibox ps"
NOLINK ?= rm ps export diff kill wait container-prune
install: $(B)/ocibox
	install -D -m 0755 $(B)/ocibox $(DESTDIR)$(PREFIX)/bin/ocibox
	for a in $(filter-out $(NOLINK),$(ON)) docker; do \
	  ln -sf ocibox $(DESTDIR)$(PREFIX)/bin/$$a; done

size: $(B)/ocibox
	@ls -l $(B)/ocibox | awk '{print "build/ocibox: " $$5 " bytes"}'
	@size -t $(B)/core/*.o $(B)/applets/*.o 2>/dev/null | sort -k4 -n -r | head -15

# Build, then show the main job on a small image made from busybox-static.
demo: setup
	@$(MAKE) --no-print-directory $(B)/ocibox
	@sh scripts/demo.sh

clean:
	rm -rf $(B)/core $(B)/applets $(B)/tests $(B)/ocibox $(B)/*.h $(B)/config.stamp
distclean:
	rm -rf $(B)
