"""Every document label, data category, data subject and outcome has a text in every
language."""

from __future__ import annotations

from registry.catalogue.vocabularies import DATA_CATEGORIES, DATA_SUBJECTS, TIA_OUTCOMES
from registry.compliance.rules import SEVERITIES
from registry.i18n import LANGUAGES
from registry.i18n.documents import (
    DATA_CATEGORY_LABELS,
    DATA_SUBJECT_LABELS,
    DOCUMENT_LABELS,
    LANGUAGE_TAGS,
    SEVERITY_LABELS,
    TIA_OUTCOME_LABELS,
)


def test_every_language_has_every_document_label():
    for lang in LANGUAGES:
        assert set(DOCUMENT_LABELS[lang]) == set(DOCUMENT_LABELS["en"]), lang
        assert "{page}" in DOCUMENT_LABELS[lang]["page"] and "{pages}" in (
            DOCUMENT_LABELS[lang]["page"])
        assert lang in LANGUAGE_TAGS


def test_every_vocabulary_word_has_a_label_in_every_language():
    for lang in LANGUAGES:
        assert set(DATA_CATEGORY_LABELS[lang]) == set(DATA_CATEGORIES), lang
        assert set(DATA_SUBJECT_LABELS[lang]) == set(DATA_SUBJECTS), lang
        assert set(TIA_OUTCOME_LABELS[lang]) == set(TIA_OUTCOMES), lang
        assert set(SEVERITY_LABELS[lang]) == set(SEVERITIES), lang
