"""Sections of Markdown files that a tool writes, never a person.

A generated section sits between two HTML comments that name the tool that
writes it, so a reader sees where it comes from and a test can tell when it
is stale::

    <!-- model-zoo-table: start (tools/misc/model_zoo_table.py) -->
    ...
    <!-- model-zoo-table: end -->
"""
import argparse
import sys
from typing import Callable, Iterable, Optional, Sequence, Tuple


def markers(name: str, tool: str) -> Tuple[str, str]:
    """The start and end comments of section ``name`` written by ``tool``."""
    return f'<!-- {name}: start ({tool}) -->', f'<!-- {name}: end -->'


def replace_section(document: str, name: str, tool: str, body: str) -> str:
    """``document`` with section ``name`` holding ``body``.

    Raises:
        ValueError: if the document does not have both markers.
    """
    start, end = markers(name, tool)
    if start not in document or end not in document:
        raise ValueError(f'no {start} ... {end} section')
    head, rest = document.split(start, 1)
    return head + start + '\n' + body.rstrip('\n') + '\n' + end + rest.split(
        end, 1)[1]


def update_files(paths: Iterable[str], name: str, tool: str, body: str,
                 check: bool) -> int:
    """Write ``body`` into section ``name`` of every file in ``paths``, or
    with ``check`` only report the files whose section differs.

    Returns:
        int: the process exit status: 1 if a file lacks the section or
        (with ``check``) is stale, else 0.
    """
    status = 0
    for path in paths:
        with open(path, encoding='utf-8') as f:
            document = f.read()
        try:
            new = replace_section(document, name, tool, body)
        except ValueError as error:
            print(f'{path}: {error}', file=sys.stderr)
            status = 1
            continue
        if new == document:
            continue
        if check:
            print(
                f'{path}: the {name} section is stale; run {tool} '
                f'--update {path}',
                file=sys.stderr)
            status = 1
        else:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(new)
    return status


def main(description: str,
         name: str,
         tool: str,
         render: Callable[[], str],
         argv: Optional[Sequence[str]] = None) -> int:
    """The command line of a tool that writes section ``name``: print it,
    ``--update FILE...`` or ``--check FILE...`` (exit 1 if stale)."""
    parser = argparse.ArgumentParser(description=description)
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--update', nargs='+', metavar='MARKDOWN')
    group.add_argument('--check', nargs='+', metavar='MARKDOWN')
    args = parser.parse_args(argv)
    text = render()
    if not (args.update or args.check):
        print(text)
        return 0
    return update_files(
        args.update or args.check, name, tool, text, check=bool(args.check))
