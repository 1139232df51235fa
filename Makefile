# dicom-gw developer commands. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: all build release test check-deploy fuzz bench-postgres bench-network bench-queue bench-ingest run migrate db-start db-stop deps clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## test: install what is missing, start a throwaway PostgreSQL, run every test
test:
	scripts/test.sh

## check-deploy: shellcheck, SELinux policy compile, systemd unit verification
check-deploy: deps
	scripts/check-deploy.sh

## rpm: the RPM package (release build) with rpmbuild, into .build/rpm/RPMS/
.PHONY: rpm
rpm: deps
	scripts/build-rpm.sh

## fuzz: libFuzzer over the DICOM parser for FUZZ_SECONDS (default 60)
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

## benchmarks (not tests): each prints our figure beside a peer measured in the same run
bench-postgres: deps
	scripts/bench-postgres.sh
bench-network: deps
	scripts/bench-network.sh
bench-queue: deps
	scripts/bench-queue.sh all
bench-ingest: deps
	scripts/bench-ingest.sh

## bench: the whole suite, three runs each, medians, docs/performance.md (BENCH_QUICK=1: a smoke test)
.PHONY: bench
bench: deps
	scripts/bench-all.sh

## run: local PostgreSQL under .data/, migrations, then the gateway
run: deps
	scripts/run-dev.sh

db-start:
	scripts/dev-db.sh start

db-stop:
	scripts/dev-db.sh stop

clean:
	-scripts/dev-db.sh stop
	rm -rf .build .data
