"""A notice says where the data goes and on what ground: each location with its basis."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from tests.factories import (
    add_email_subscriber,
    create_processor,
    location_payload,
    run_worker,
)


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "MAILBOX_DIR": str(tmp_path / "mailbox")}


def _notices(app, tmp_path) -> list:
    run_worker(app)
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in sorted((tmp_path / "mailbox").glob("*.eml"))]
    return [mail for mail in mails if "List-Unsubscribe" in mail]


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "United States — hosting — Standard contractual clauses (module 3)"),
    ("nl", "Verenigde Staten — hosting — Standaardcontractbepalingen (module 3)"),
])
def test_an_addition_notice_names_each_location_with_its_basis(app, editor, tmp_path, lang,
                                                               line):
    add_email_subscriber(app, "dpo@customer.example", lang)
    create_processor(editor, name="Acme Cloud", locations=[location_payload()])

    (notice,) = _notices(app, tmp_path)

    text = notice.get_body(preferencelist=("plain",)).get_content()
    html = notice.get_body(preferencelist=("html",)).get_content()
    assert line in text
    assert line in html


def test_the_change_log_and_webhook_data_carry_the_locations(editor, client):
    create_processor(editor, name="Acme Cloud", locations=[
        location_payload(), location_payload(country="DE", role="storage", safeguards=[],
                                             tia=None)])

    (change,) = client.get("/public/changes?lang=de").get_json()["changes"]

    assert sorted(change["locations"], key=lambda location: location["country"]) == [
        {"country": "DE", "country_name": "Deutschland", "role": "storage",
         "role_label": "Speicherung", "change": "added", "transfer_basis": "eea",
         "transfer_basis_label": "Keine Übermittlung"},
        {"country": "US", "country_name": "Vereinigte Staaten", "role": "hosting",
         "role_label": "Hosting", "change": "added", "transfer_basis": "scc",
         "transfer_basis_label": "Standardvertragsklauseln (Modul 3)"},
    ]
