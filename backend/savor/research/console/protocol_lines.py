"""Every problem of a protocol put on the line of the YAML it is about."""

import re
from typing import Any

import yaml

from savor import content_loader
from savor.content_loader import ContentError, Loc
from savor.ema.study_instruments import checked_protocol
from savor.research.console.models import ProtocolProblem
from savor.studies.protocol import MAX_DOCUMENT_BYTES, ProtocolDocument, ProtocolError

AT_LINE = re.compile(r"at line (\d+)")
PART = re.compile(r"\[\d+\]|[^.\[\]]+")


def _node_line(root: Any, loc: Loc) -> int | None:
    """The line of the deepest node on `loc` that the YAML has (a missing key: its parent)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(part)), None)
            key = next((k for k, _ in node.value if k.value == str(part)), None)
            if found is None or key is None:
                break
            node, line = found, key.start_mark.line + 1
            if isinstance(found, yaml.ScalarNode):
                line = found.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _loc(place: str) -> Loc:
    """`schedules[0].per_day` as ("schedules", 0, "per_day")."""
    return tuple(int(p[1:-1]) if p.startswith("[") else p for p in PART.findall(place))


def problems(source: str, *, slug: str) -> list[ProtocolProblem]:
    """Nothing when the protocol would be applied; else every problem with its line."""
    try:
        data = content_loader.read_yaml(source)
    except ContentError as exc:
        return [
            ProtocolProblem(
                line=int(m.group(1)) if (m := AT_LINE.search(p.message)) else None,
                place="",
                message=p.message,
            )
            for p in exc.found
        ]
    if not isinstance(data, dict):
        return [ProtocolProblem(line=1, place="", message="must be a YAML mapping (key: value)")]
    if len(str(data)) > MAX_DOCUMENT_BYTES:
        return [ProtocolProblem(line=None, place="", message="is more than 256 KB once read")]
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    try:
        document = content_loader.validate(ProtocolDocument, data)
    except ContentError as exc:
        return [
            ProtocolProblem(line=_node_line(root, p.loc), place=p.place, message=p.message)
            for p in exc.found
        ]
    # The shape is right: what remains is what applying checks across sections (the program's
    # practices, the offers' practices). Asked of the very check applying makes, so a
    # protocol this calls valid is one applying accepts.
    found = []
    try:
        checked_protocol(source)
    except ProtocolError as exc:
        for problem in exc.problems:
            place, _, message = problem.partition(": ")
            if place == "protocol":  # the program's problems: "protocol: program.x: ..."
                place, _, message = message.partition(": ")
            found.append(
                ProtocolProblem(line=_node_line(root, _loc(place)), place=place, message=message)
            )
    if document.study != slug:
        message = f"says study '{document.study}', but this is study '{slug}'"
        found.append(
            ProtocolProblem(line=_node_line(root, ("study",)), place="study", message=message)
        )
    return sorted(found, key=lambda p: p.line or 0)
