"""The text part of the suggest pipeline: tokens, sentences, sections and ConText.

Components are added by name, so the pipeline can be listed (``nlp.pipe_names``),
saved and reloaded (``nlp.to_disk`` / ``spacy.load``) and changed by config.
Importing this module registers the tokenizer and every component it names.
"""

from __future__ import annotations

from typing import Any

import spacy
from spacy.language import Language

# imported for their registrations: the tokenizer and the @Language.factory components
import suggest.context
import suggest.sections
import suggest.sentences
import suggest.tokenizer  # noqa: F401

TOKENIZER = "codesuggest.clinical_tokenizer.v1"


def build_text_pipeline(context_config: dict[str, Any] | None = None) -> Language:
    """A blank English pipeline with the clinical tokenizer, sentences, sections and ConText.

    The mention matcher goes between sections and ConText, because ConText reads
    the mentions it finds: ``nlp.add_pipe("codesuggest_mentions", before="codesuggest_context")``.
    """
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe("codesuggest_sentences")
    nlp.add_pipe("codesuggest_sections")
    # <- the mention matcher is inserted here, before "codesuggest_context"
    nlp.add_pipe("codesuggest_context", config=context_config or {})
    return nlp
