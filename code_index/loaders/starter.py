"""codesuggest's own starter sets of common CPT and HCPCS Level II codes, so both
systems work out of the box. CPT descriptors are AMA copyright, so the starter
descriptions are codesuggest's own plain-language wording; a user's licensed CPT
file or CMS's HCPCS file replaces them when given."""

from __future__ import annotations

import re
from importlib import resources

from code_index.loaders import LoadedCodeSet
from code_index.loaders.cpt import CPT_CODE, read_code_table
from code_index.records import CodeSetVersion, System

SOURCE = "starter"
VERSION = "codesuggest starter set 2026"

HCPCS_CODE = re.compile(r"[A-V]\d{4}")


def load_cpt_starter() -> LoadedCodeSet:
    """About 300 CPT codes most billed in outpatient practice, in plain words."""
    return _load("cpt_starter.tsv", System.CPT, CPT_CODE)


def load_hcpcs_starter() -> LoadedCodeSet:
    """About 200 common HCPCS Level II codes (drugs, DME, supplies, G/Q codes, ambulance)."""
    return _load("hcpcs_starter.tsv", System.HCPCS, HCPCS_CODE)


def _load(name: str, system: System, code_pattern: re.Pattern[str]) -> LoadedCodeSet:
    text = resources.files("code_index.data").joinpath(name).read_text(encoding="utf-8")
    records = read_code_table(
        text.splitlines(),
        where=f"code_index/data/{name}",
        system=system,
        source=SOURCE,
        code_pattern=code_pattern,
    )
    version = CodeSetVersion(system=system, version=VERSION, source=SOURCE, file=name)
    return LoadedCodeSet(version=version, records=records)
