"""/v1/countries, /public/countries and computed adequacy on locations."""

from __future__ import annotations

from tests.factories import create_processor, location_payload


def by_code(body):
    return {row["code"]: row for row in body["countries"]}


def test_public_countries_in_dutch(client):
    response = client.get("/public/countries?regime=EU&lang=nl")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    rows = by_code(response.get_json())
    assert rows["US"]["name"] == "Verenigde Staten"
    assert rows["US"]["status"] == "adequate_conditional"
    assert rows["US"]["decision"] == "(EU) 2023/1795"
    assert rows["US"]["condition"] == "dpf_certified"
    assert rows["JP"]["status"] == "adequate_conditional"
    assert rows["JP"]["condition"] == "appi_private_sector"
    assert rows["DE"]["status"] == "eea" and rows["DE"]["name"] == "Duitsland"
    assert rows["IN"]["status"] == "not_adequate"
    assert len(rows) >= 249


def test_public_countries_are_cacheable(client):
    first = client.get("/public/countries?regime=UK&lang=sv")
    assert by_code(first.get_json())["US"]["name"] == "USA"
    again = client.get("/public/countries?regime=UK&lang=sv",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/public/countries?regime=UK&lang=de",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_countries_as_of_and_status_filter(reader):
    past = reader.get("/v1/countries?regime=EU&as_of=2021-01-01&status=not_adequate")
    assert past.status_code == 200
    assert "US" in by_code(past.get_json())
    brazil = reader.get("/v1/countries?as_of=2026-01-25").get_json()
    assert by_code(brazil)["BR"]["status"] == "not_adequate"
    assert reader.get("/v1/countries?regime=XX").status_code == 422
    assert reader.get("/v1/countries?lang=xx").status_code == 422


def test_us_history_under_eu_has_five_periods(reader):
    body = reader.get("/v1/countries/US?regime=EU").get_json()
    periods = [(p["status"], p["decision"], p["valid_from"], p["valid_to"])
               for p in body["periods"]]
    assert periods == [
        ("adequate_conditional", "2000/520/EC", "2000-07-26", "2015-10-06"),
        ("not_adequate", None, "2015-10-06", "2016-07-12"),
        ("adequate_conditional", "(EU) 2016/1250", "2016-07-12", "2020-07-16"),
        ("not_adequate", None, "2020-07-16", "2023-07-10"),
        ("adequate_conditional", "(EU) 2023/1795", "2023-07-10", None),
    ]
    assert body["current"]["decision"] == "(EU) 2023/1795"
    assert "under_litigation" in body["current"]["notes"]


def test_unknown_country_is_404(reader):
    assert reader.get("/v1/countries/XX").status_code == 404
    assert reader.get("/v1/countries/xx").status_code == 404


def test_locations_carry_computed_adequacy_for_the_requested_regime(editor):
    created = create_processor(editor, locations=[location_payload(country="US"),
                                                  location_payload(country="DE")]).get_json()
    eu = [loc["adequacy"] for loc in created["locations"]]
    assert eu[0] == {"regime": "EU", "status": "adequate_conditional",
                     "decision": "(EU) 2023/1795", "condition": "dpf_certified",
                     "notes": ["under_litigation"]}
    assert eu[1]["status"] == "eea"

    url = f"/v1/processors/{created['id']}"
    uk = editor.get(f"{url}?regime=UK")
    assert uk.get_json()["locations"][0]["adequacy"]["condition"] == "uk_extension_dpf"
    assert uk.get_json()["locations"][1]["adequacy"]["status"] == "adequate"
    # The ETag is the stored state's: computed adequacy does not change it.
    assert uk.headers["ETag"] == editor.get(url).headers["ETag"]
    assert editor.get(f"{url}?regime=XX").status_code == 422
    listed = editor.get("/v1/processors?regime=CH").get_json()
    assert listed[0]["locations"][0]["adequacy"]["condition"] == "swiss_us_dpf"


def test_adequacy_is_read_only(editor):
    response = editor.post("/v1/processors", json={
        "name": "X", "country": "IE", "purpose": {"en": "x"},
        "locations": [{"country": "US", "role": "hosting", "adequacy": {"status": "adequate"}}]})
    assert response.status_code == 422
    assert "locations.0.adequacy" in response.get_json()["errors"]
