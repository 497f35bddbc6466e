"""Name keys for entity resolution (the vocabulary lives in :mod:`ontology.names`, shared
with screening in the store layer)."""

from ontology.names import (
    LEGAL_FORMS,
    NameKey,
    all_keys,
    core_key,
    full_form,
    name_keys,
    token_set,
)

__all__ = ["LEGAL_FORMS", "NameKey", "all_keys", "core_key", "full_form", "name_keys", "token_set"]
