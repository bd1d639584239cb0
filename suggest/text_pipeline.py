"""The suggest pipeline: tokens, sentences, sections, mentions and ConText.

Built from the checked-in config (``suggest/pipeline.cfg``), so the pipeline can be
listed (``nlp.pipe_names``), saved and reloaded (``nlp.to_disk`` / ``spacy.load``) and
changed by config overrides. Importing this module registers the tokenizer and every
component the config names (a fresh process finds them through the package's
``spacy_factories`` and ``spacy_tokenizers`` entry points too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

# imported for their registrations: the tokenizer and the @Language.factory components
import suggest.budget
import suggest.context
import suggest.mentions
import suggest.sections
import suggest.sentences
import suggest.tokenizer  # noqa: F401

PIPELINE_CONFIG = Path(__file__).with_name("pipeline.cfg")
MENTIONS_PIPE = "codesuggest_mentions"
CONTEXT_PIPE = "codesuggest_context"


def build_pipeline(
    overrides: Mapping[str, Any] | None = None, exclude: Iterable[str] = ()
) -> Language:
    """The pipeline of ``suggest/pipeline.cfg`` with dotted config ``overrides``
    (``{"components.codesuggest_context.max_scope": 8}``), leaving out ``exclude``. The
    mention matcher still needs its data: ``nlp.get_pipe(MENTIONS_PIPE).initialize(...)``."""
    config = spacy.util.load_config(PIPELINE_CONFIG, overrides=dict(overrides or {}))
    return spacy.util.load_model_from_config(config, auto_fill=True, exclude=list(exclude))


def build_text_pipeline(context_config: Mapping[str, Any] | None = None) -> Language:
    """The pipeline without the mention matcher, with ConText settings from
    ``context_config``: what reads a note's structure and context around any mentions
    (another component may fill them: ``nlp.add_pipe(name, before=CONTEXT_PIPE)``)."""
    overrides = {f"components.{CONTEXT_PIPE}.{key}": v for key, v in (context_config or {}).items()}
    return build_pipeline(overrides, exclude=[MENTIONS_PIPE])
