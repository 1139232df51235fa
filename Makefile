# dicom-gw developer commands. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: all build release test check-deploy run migrate db-start db-stop deps clean

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
