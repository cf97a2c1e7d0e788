"""The docs: generated sections are fresh, and every link points at
something that exists."""
import glob
import os.path as osp
import re

import pytest
from tests_support import REPO_ROOT, run_tool

PAGES = [osp.join(REPO_ROOT, 'README.md')] + sorted(
    glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')))
# [text](target) and ![alt](target), outside code.
LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)\)')
FENCE = re.compile(r'^```.*?^```', re.S | re.M)
CODE = re.compile(r'`[^`\n]*`')


def anchors(path: str) -> set:
    """GitHub's heading anchors of a Markdown file."""
    with open(path, encoding='utf-8') as f:
        text = FENCE.sub('', f.read())
    slugs = set()
    for heading in re.findall(r'^#+\s+(.*)$', text, re.M):
        slug = re.sub(r'[^\w\- ]', '', heading.strip().lower())
        slugs.add(slug.replace(' ', '-'))
    return slugs


def links(path: str) -> list:
    with open(path, encoding='utf-8') as f:
        text = CODE.sub('', FENCE.sub('', f.read()))
    return [t for t in LINK.findall(text) if '://' not in t]


def test_generated_sections_are_fresh():
    run_tool([
        'tools/misc/model_zoo_table.py', '--check', 'README.md',
        'docs/model_zoo.md'
    ])
    run_tool(['tools/misc/results_page.py', '--check', 'docs/model_zoo.md'])


@pytest.mark.parametrize(
    'page', PAGES, ids=[osp.relpath(p, REPO_ROOT) for p in PAGES])
def test_links_resolve(page):
    broken = []
    for target in links(page):
        path, _, anchor = target.partition('#')
        resolved = osp.normpath(osp.join(osp.dirname(page), path)) \
            if path else page
        if not osp.exists(resolved):
            broken.append(target)
        elif anchor and resolved.endswith('.md') and anchor not in anchors(
                resolved):
            broken.append(target)
    assert not broken, broken


def test_the_readme_links_every_docs_page():
    with open(osp.join(REPO_ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    assert '(docs/README.md)' in readme
    with open(osp.join(REPO_ROOT, 'docs', 'README.md'), encoding='utf-8') as f:
        index = f.read()
    for page in glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')):
        name = osp.basename(page)
        if name != 'README.md':
            assert f'({name})' in index, name
