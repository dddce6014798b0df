#!/usr/bin/env bash
pwd; env | sort | grep -i -E 'ansible|python|path' ; command -v python python3 ansible-playbook; head -1 "$(command -v ansible-playbook)"; python -c 'import sys; print(sys.executable); import pyroute2'
