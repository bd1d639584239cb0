"""A code's category and subcategory: where a code no training note carried can still
borrow the evidence of its siblings (the note model's priors, the candidates that read
them). Apart from ``suggest.note_model`` so that the candidate step reads them without
importing scikit-learn, which the default model never needs."""

from __future__ import annotations

from code_index.records import System

CodeKey = tuple[System, str]

CATEGORY_LENGTH = (
    3  # a category's characters (ICD-10-CM E11; ICD-10-PCS section, system, operation)
)
SUBCATEGORY_LENGTH = 4  # a subcategory's (E11.6; an ICD-10-PCS operation's body part)


def code_category(key: CodeKey, length: int = CATEGORY_LENGTH) -> CodeKey:
    """A code's category (its first ``length`` characters, in its system): where a code
    no training note carried can still borrow the evidence of its siblings."""
    return (key[0], key[1][:length])
