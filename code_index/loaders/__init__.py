"""Readers for the code-set files codesuggest understands, one module per
source format. Each returns plain records; ``code_index.build`` merges them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from code_index.records import CodeRecord, CodeSetVersion


class SourceFileError(ValueError):
    """A code-set file that cannot be read; the message names the file and why."""


@dataclass
class LoadedCodeSet:
    """What one source file contributes to the index."""

    version: CodeSetVersion
    records: list[CodeRecord]
    # chapter/block ids -> titles, e.g. {"4": "Endocrine, ...", "E08-E13": "Diabetes mellitus"}
    groups: dict[str, str] = field(default_factory=dict)
    # modifiers kept apart from codes, e.g. {"LT": "Left side ..."}
    modifiers: dict[str, str] = field(default_factory=dict)
    # instructions stated for a whole chapter or block, by group id and record attribute:
    # {"I10-I1A": {"excludes1": ("neonatal hypertension (P29.2)", ...)}}
    group_notes: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexTerm:
    """One Alphabetic Index entry: the words a coder looks up and the code they lead to,
    e.g. ``IndexTerm("Pneumonia, aspiration", "J69.0")``."""

    term: str
    code: str


def parse_cdc_xml(xml_path: Path, root_tag: str, kind: str, what: str) -> ET.Element:
    """The root of a CDC ICD-10-CM XML file (``kind``: "tabular" or "index"), or a
    SourceFileError naming the file and what is wrong with it."""
    try:
        root = ET.parse(xml_path).getroot()
    except OSError as error:
        reason = error.strerror or str(error)
        raise SourceFileError(
            f"Cannot read the ICD-10-CM {kind} file {xml_path}: {reason}."
        ) from error
    except ET.ParseError as error:
        raise SourceFileError(
            f"{xml_path} is not a readable ICD-10-CM {kind} XML file ({error})."
        ) from error
    if root.tag != root_tag:
        raise SourceFileError(
            f"{xml_path} is not a CDC ICD-10-CM {what}: its root element is "
            f"<{root.tag}>, not <{root_tag}>."
        )
    return root
