# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sphinx configuration of the linuxnet.netns documentation site.

Started from what `antsibull-docs sphinx-init --use-current linuxnet.netns` writes, with two changes:
- no intersphinx downloads: the few labels of the Ansible documentation that generated pages link to
  come from a local inventory that scripts/docs.sh writes from docs/sphinx/ansible-labels.txt;
- MyST and the markdown-include directive (linuxnet_docs_ext.py), only to include the Markdown
  benchmark table that bench/bench.py writes.
Build it with scripts/docs.sh, which generates the reference pages first.
"""

import os
import sys

# the site's own extension (markdown-include), next to this file
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

project = 'linuxnet.netns'
copyright = 'linuxnet.netns contributors'

title = 'linuxnet.netns documentation'
html_short_title = 'linuxnet.netns'
html_title = 'linuxnet.netns documentation'

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext', 'myst_parser', 'linuxnet_docs_ext']

# Markdown is parsed only where a page includes it explicitly; every page is reStructuredText.
source_suffix = {'.rst': 'restructuredtext'}
myst_enable_extensions = []
# scripts/docs.sh links these next to the generated pages only so that the guides' relative include paths
# resolve; they hold no pages.
exclude_patterns = ['collections/bench', 'collections/tests', 'collections/examples', 'collections/linuxnet/netns/examples',
                    'collections/linuxnet/netns/images']

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
html_theme_options = {
    'collapse_navigation': False,
    'show_extranav': False,
    'show_rtd_ethical_ads': False,
    'topbar_links': {
        'Repository': 'https://github.com/linuxnet/netns',
        'Issues': 'https://github.com/linuxnet/netns/issues',
        'Ansible documentation': 'https://docs.ansible.com/',
    },
}
html_context = {
    'display_github': False,
}
display_version = False

html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

# scripts/docs.sh writes this inventory (docs/sphinx/ansible-labels.txt) before it runs sphinx-build;
# a local file is read from disk, so the build never needs the network.
intersphinx_mapping = {
    'ansible_devel': (
        'https://docs.ansible.com/projects/ansible/devel/',
        os.environ.get('LINUXNET_DOCS_ANSIBLE_INVENTORY', 'ansible-labels.inv'),
    ),
}
intersphinx_timeout = 1

default_role = 'any'
nitpicky = True
