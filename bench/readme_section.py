"""Writes one generated section of bench/README.md: the text between
<!-- NAME:begin --> and <!-- NAME:end -->, markers kept, the rest untouched."""
import pathlib


def replace_section(readme: pathlib.Path, name: str, text: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    current = readme.read_text()
    if begin not in current or end not in current:
        raise SystemExit(f"{readme}: no {begin} ... {end} markers")
    head, _, rest = current.partition(begin)
    _, _, tail = rest.partition(end)
    readme.write_text(f"{head}{begin}\n{text}\n{end}{tail}")
