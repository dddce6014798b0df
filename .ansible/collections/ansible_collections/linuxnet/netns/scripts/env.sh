# shellcheck shell=bash
# Environment for running ansible against this machine with the collection from this checkout.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export PATH=$ROOT/.venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.build/collections
# with an explicit inventory Ansible would otherwise pick whatever python3 is first on PATH
export ANSIBLE_PYTHON_INTERPRETER=$ROOT/.venv/bin/python
export ANSIBLE_INVENTORY=$ROOT/demo/inventory.ini
export ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_STDOUT_CALLBACK=${ANSIBLE_STDOUT_CALLBACK:-default}
export ANSIBLE_CALLBACK_RESULT_FORMAT=${ANSIBLE_CALLBACK_RESULT_FORMAT:-yaml}
