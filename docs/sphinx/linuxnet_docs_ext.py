# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sphinx extension of this site: the markdown-include directive.

``.. markdown-include:: PATH`` includes a Markdown file (the benchmark table bench/bench.py writes) parsed
by MyST, with the options of ``include`` (``:start-line:`` ...). It is ``include`` with a fixed parser, under
a name of its own so that ``antsibull-docs lint-collection-docs`` can be told to skip it
(``.. rstcheck: ignore-directives=markdown-include``): its rstcheck parses a guide on its own, where neither
the relative path nor MyST resolve.
"""

from docutils.parsers import get_parser_class
from sphinx.directives.other import Include


class MarkdownInclude(Include):
    option_spec = {key: value for key, value in Include.option_spec.items() if key != 'parser'}

    def run(self):
        self.options['parser'] = get_parser_class('myst_parser.sphinx_')
        return super().run()


def setup(app):
    app.setup_extension('myst_parser')
    app.add_directive('markdown-include', MarkdownInclude)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
