"""The JSON form of a code and of a search hit, shared by ``codesuggest codes`` and
GET /v1/codes so the command line and the API describe a code the same way."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from code_index.index import CodeIndex, SearchHit
from code_index.records import CodeRecord
from code_index.validity import check_code


def record_json(record: CodeRecord) -> dict[str, Any]:
    """A record as plain JSON."""
    data = asdict(record)
    data["system"] = record.system.value
    data["seventh_characters"] = dict(record.seventh_characters)
    return data


def describe(index: CodeIndex, record: CodeRecord) -> dict[str, Any]:
    """A record with its validity, parents and children: what ``codes show`` prints."""
    check = check_code(index, record.code, record.system)
    return {
        **record_json(record),
        "status": {
            "billable": check.billable,
            "active": check.active,
            "missing": check.missing,
            "message": check.message,
        },
        "parents": [{"code": p.code, "title": p.title} for p in index.ancestors(record)],
        "children": [{"code": c.code, "title": c.title} for c in index.children(record)],
        "groups": {k: index.groups[k] for k in (record.chapter, record.block) if k in index.groups},
        # what the block and chapter state for every code in them
        "group_instructions": {
            k: index.group_notes[k]
            for k in (record.chapter, record.block)
            if k in index.group_notes
        },
    }


def hit_json(hit: SearchHit) -> dict[str, Any]:
    """A search hit: the code, its title and how well it matched."""
    return {
        "code": hit.record.code,
        "system": hit.record.system.value,
        "title": hit.record.title,
        "billable": hit.record.billable,
        "score": hit.score,
    }
