# The two commands a fresh machine needs (as root): `make demo` and `make test`.
.PHONY: demo demo-clean test sanity units integration setup bench

demo:
	@scripts/demo.sh

demo-clean:
	@scripts/demo.sh clean

test:
	@tests/run.sh

sanity units integration:
	@tests/run.sh $@

setup:
	@scripts/setup.sh base test

bench:
	@bench/run.sh
