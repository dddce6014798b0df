# The two commands a fresh machine needs (as root): `make demo` and `make test`.
.PHONY: demo demo-clean test sanity units lint docs build integration reliability matrix reliability-full setup bench reboot

demo:
	@scripts/demo.sh

demo-clean:
	@scripts/demo.sh clean

test:
	@tests/run.sh

sanity units lint docs build integration reliability matrix:
	@tests/run.sh $@

reliability-full:
	@scripts/setup.sh base test && tests/reliability/run.sh --full

setup:
	@scripts/setup.sh base test

bench:
	@bench/run.sh

# booted Debian hosts (systemd-nspawn) set up over SSH, rebooted and checked without Ansible (tests/reboot)
reboot:
	@tests/reboot/run.sh
