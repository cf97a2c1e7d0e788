"""tools/analysis_tools/rank_arms.py: the sweep's ranking and its paired
differences, on a hand-made results.json."""
import json

import pytest
from tests_support import load_tool


def rows(values):
    return [
        dict(
            arm=run.split(' ')[0],
            run=run.replace(' @', '/v'),
            task=task,
            values={
                str(s): v
                for s, v in enumerate(seeds)
            }) for run, by_task in values.items()
        for task, seeds in by_task.items()
    ]


def test_ranking_and_paired_differences(tmp_path, capsys):
    results = tmp_path / 'results.json'
    results.write_text(
        json.dumps(
            dict(
                rows=rows(
                    {
                        'a @32': dict(t1=[1.0, 2.0, 3.0], t2=[3.0, 3.0, 3.0]),
                        'b @32': dict(t1=[2.0, 4.0, 6.0], t2=[3.0, 3.0, 3.0]),
                    }))))
    load_tool('tools/analysis_tools/rank_arms.py').main(
        [str(results), '--tasks', 't1', 't2', '--against', 'a @32'])
    out = capsys.readouterr().out
    assert out.index('| b @32 | 3.50 ± 1.00 | 3 |') < out.index(
        '| a @32 | 2.50 ± 0.50 | 3 |')
    # b - a per seed: t1 1, 2, 3 (mean 2, std 1); t2 0; average 0.5, 1, 1.5.
    line = next(x for x in out.splitlines() if x.startswith('| b @32 | +'))
    cells = [c.strip() for c in line.split('|')[2:-1]]
    assert cells[0].startswith('+2.00 ± 1.00 (p=')
    assert cells[2].startswith('+1.00 ± 0.50 (p=')
    with pytest.raises(SystemExit, match="no such run"):
        load_tool('tools/analysis_tools/rank_arms.py').main(
            [str(results), '--tasks', 't1', '--against', 'c @32'])
