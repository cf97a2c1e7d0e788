"""Generated Markdown sections: written between their markers, reported
when stale, refused where the markers are missing."""
import pytest

from mimae.utils.generated_markdown import (main, markers, replace_section,
                                            update_files)

TOOL = 'tools/misc/x.py'


def page(body: str) -> str:
    start, end = markers('table', TOOL)
    return f'# Title\n\n{start}\n{body}\n{end}\n\nafter\n'


def test_the_section_is_replaced_and_nothing_else():
    assert replace_section(page('old'), 'table', TOOL, 'new\n') == page('new')


def test_missing_markers_are_refused():
    with pytest.raises(ValueError, match='no <!-- table: start'):
        replace_section('# Title\n', 'table', TOOL, 'new')


def test_check_reports_a_stale_file_and_update_fixes_it(tmp_path, capsys):
    path = tmp_path / 'page.md'
    path.write_text(page('old'))
    assert update_files([str(path)], 'table', TOOL, 'new', check=True) == 1
    assert f'run {TOOL} --update {path}' in capsys.readouterr().err
    assert path.read_text() == page('old')  # a check writes nothing
    assert main('d', 'table', TOOL, lambda: 'new',
                ['--update', str(path)]) == 0
    assert path.read_text() == page('new')
    assert main('d', 'table', TOOL, lambda: 'new', ['--check', str(path)]) == 0


def test_a_file_without_the_section_fails_the_check(tmp_path):
    path = tmp_path / 'page.md'
    path.write_text('# Title\n')
    assert update_files([str(path)], 'table', TOOL, 'new', check=True) == 1
