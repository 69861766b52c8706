"""Export, then import: for any catalogue, every row comes back `unchanged`, in every
format and with the headings of every language."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from registry.catalogue.vocabularies import DATA_CATEGORIES, DATA_SUBJECTS, LOCATION_ROLES
from tests.factories import delete_all_but_tokens

ROUND_TRIP = settings(
    max_examples=12, deadline=None, derandomize=True, database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text with the characters the cells use as separators, quotes and formula starts.
tricky = st.text(alphabet=st.sampled_from(list("Ab zé,;[]:@\"'=+-ü1")), min_size=1,
                 max_size=12).map(str.strip).filter(bool)
words = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,7}", fullmatch=True)
countries = st.sampled_from(["IE", "US", "NL", "IN", "JP", "CH", "GB"])


@st.composite
def safeguards(draw) -> list[dict]:
    chosen = []
    if draw(st.booleans()):
        chosen.append({"type": "scc", "version": "2021/914",
                       **({"module": draw(st.sampled_from([1, 2, 3, 4]))}
                          if draw(st.booleans()) else {})})
    if draw(st.booleans()):
        chosen.append({"type": "dpf", "certification_ref": draw(tricky),
                       "certified_on": "2024-01-01"})
    if draw(st.booleans()):
        chosen.append({"type": "bcr", "approval_ref": draw(tricky)})
    if draw(st.booleans()):
        chosen.append({"type": "derogation", "article": "49(1)(a)"})
    return chosen


@st.composite
def catalogues(draw) -> list[dict]:
    names = draw(st.lists(tricky, min_size=1, max_size=4, unique_by=str.casefold))
    processors = []
    for index, name in enumerate(names):
        locations = [{"country": draw(countries), "role": draw(st.sampled_from(LOCATION_ROLES)),
                      **({"region": draw(tricky)} if draw(st.booleans()) else {}),
                      "safeguards": draw(safeguards())}
                     for _ in range(draw(st.integers(0, 2)))]
        processor = {
            "name": name, "country": draw(countries),
            "legal_name": draw(st.none() | tricky), "notes": draw(st.none() | tricky),
            "purpose": {"en": draw(tricky), **({"nl": draw(tricky)} if draw(st.booleans())
                                              else {})},
            "services": draw(st.lists(words, max_size=3, unique=True)),
            "data_categories": draw(st.lists(st.sampled_from(DATA_CATEGORIES), max_size=3,
                                             unique=True)),
            "data_subjects": draw(st.lists(st.sampled_from(DATA_SUBJECTS), max_size=2,
                                           unique=True)),
            "status": draw(st.sampled_from(["active", "draft"])),
            "affiliate": draw(st.booleans()),
            "locations": locations,
            "dpas": ([{"version": draw(tricky), "signed_on": "2025-01-15"}]
                     if draw(st.booleans()) else []),
        }
        if index and draw(st.booleans()):
            processor["parent"] = draw(st.integers(0, index - 1))
        processors.append(processor)
    return processors


@ROUND_TRIP
@given(catalogue=catalogues(), fmt=st.sampled_from(["csv", "xlsx", "json"]),
       lang=st.sampled_from(["en", "nl", "sv", "de", "fr"]))
def test_export_then_import_changes_nothing(app, editor, catalogue, fmt, lang):
    delete_all_but_tokens(app)
    ids = []
    for processor in catalogue:
        body = dict(processor)
        if "parent" in body:
            body["parent_id"] = ids[body.pop("parent")]
        response = editor.post("/v1/processors", json=body)
        assert response.status_code == 201, (body, response.get_json())
        ids.append(response.get_json()["id"])
    exported = editor.get(f"/v1/export?format={fmt}&lang={lang}")
    assert exported.status_code == 200
    note(exported.data[:2000].decode("utf-8", "replace") if fmt != "xlsx" else "xlsx")
    report = editor.post("/v1/imports?dry_run=true", data={
        "file": (io.BytesIO(exported.data), f"export.{fmt}")},
        content_type="multipart/form-data").get_json()
    assert report["ok"], report["errors"]
    assert [r["action"] for r in report["rows"]] == ["unchanged"] * len(catalogue), [
        r.get("changes") for r in report["rows"]]
