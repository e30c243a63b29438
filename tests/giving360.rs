//! 360Giving export and import against the standard's own schemas (local copies in
//! `tests/fixtures/360giving/`, CC-BY-4.0, see its NOTICE.md; nothing is fetched): the exported
//! package validates against the package schema, each grant against the grant schema and, with
//! DEI, against the DEI extension schema and its code lists; grants to individuals never carry
//! DEI; an import of an exported package (with real recipient ids put in) gives back the amounts,
//! dates and programme; refused grants are named by index and pointer.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

use equal_terms::codec::giving360::{AwardedGrant, Funder, applications, package};
use equal_terms::domain::applicant::Pseudonymiser;
use equal_terms::domain::application::ImportRow;
use equal_terms::domain::validation::from_json_slice;

/// The package schema refers to the grant schema by its 1.4.2 address although the copy is
/// 1.4.3 (so it is upstream); the grant schema names itself 1.4.3. Both resolve to the local copy.
const GRANT_SCHEMA_URLS: [&str; 2] = [
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
];

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/360giving")
        .join(path)
}

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(fixture(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The 360Giving schemas name their draft as `http://json-schema.org/draft/2020-12/schema`;
/// jsonschema knows 2020-12 only by its canonical `https` address and would try to fetch the
/// other one. So the files on disk stay as published and the copy in memory gets the canonical
/// address.
fn load_2020(path: &str) -> Value {
    let mut schema = load(path);
    assert_eq!(
        schema["$schema"],
        "http://json-schema.org/draft/2020-12/schema"
    );
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema
}

/// With `formats`, formats are asserted, as 360Giving's Data Quality Tool does; without, they
/// are annotations only, as 2020-12 validators do by default. The export must pass both: the
/// schema's `oneOf` of "date-time format" and "date pattern" rejects a plain date where formats
/// are not checked (it matches both branches).
fn validator_2020(schema: &Value, formats: bool) -> Validator {
    let mut options = jsonschema::draft202012::options().should_validate_formats(formats);
    for url in GRANT_SCHEMA_URLS {
        options = options.with_resource(
            url,
            Draft::Draft202012.create_resource(load_2020("360-giving-schema.json")),
        );
    }
    options.build(schema).unwrap()
}

fn package_validator() -> Validator {
    validator_2020(&load_2020("360-giving-package-schema.json"), true)
}

fn grant_validator() -> Validator {
    validator_2020(&load_2020("360-giving-schema.json"), true)
}

/// The same, with formats as annotations only.
fn lax_validators() -> [Validator; 2] {
    [
        validator_2020(&load_2020("360-giving-package-schema.json"), false),
        validator_2020(&load_2020("360-giving-schema.json"), false),
    ]
}

fn dei_validator() -> Validator {
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&load("dei/dei-extension-schema.json"))
        .unwrap()
}

fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

/// The first column of a DEI code list (quotes and header dropped).
fn code_list(name: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(fixture(&format!("dei/{name}"))).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(|code| code.trim().trim_matches('"').to_owned())
        .filter(|code| !code.is_empty())
        .collect()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn funder() -> Funder {
    Funder {
        id: "SE-BLV-2021002346".into(),
        name: "Länsstyrelsen i Stockholms län".into(),
    }
}

fn published() -> NaiveDateTime {
    day("2018-01-31").and_hms_opt(12, 0, 0).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn grant(
    id: &str,
    key: &str,
    legal_form: Option<&str>,
    municipality: Option<&str>,
    applied: i64,
    granted: i64,
    gender: &str,
    background: &str,
) -> AwardedGrant {
    AwardedGrant {
        external_id: id.into(),
        call_code: "RF-2017-1".into(),
        call_title: "Regionalt företagsstöd 2017".into(),
        programme_code: "RF".into(),
        programme_name: "Regionalt företagsstöd".into(),
        applicant_key: key.repeat(64 / key.len()),
        legal_form: legal_form.map(str::to_owned),
        municipality: municipality.map(str::to_owned),
        amount_applied_ore: applied,
        amount_granted_ore: granted,
        received_on: day("2017-03-01"),
        decided_on: day("2017-04-15"),
        gender: gender.into(),
        background: background.into(),
        updated_at: day("2017-04-16").and_hms_milli_opt(8, 30, 0, 125).unwrap(),
    }
}

/// Every gender × background combination, organisations and individuals, with and without a
/// municipality, whole kronor and öre.
fn grants() -> Vec<AwardedGrant> {
    let mut out = Vec::new();
    let forms = [Some("AB"), Some("HB"), Some("EK"), Some("EF"), None];
    let places = [Some("0180"), Some("1280"), None];
    let mut n = 0;
    for gender in ["women", "men", "mixed", "unknown"] {
        for background in ["swedish", "foreign", "unknown"] {
            n += 1;
            out.push(grant(
                &format!("E-{n:03}"),
                &format!("{:x}", n % 16),
                forms[n % forms.len()],
                places[n % places.len()],
                10_000_000 + n as i64 * 12_345,
                9_000_000 + n as i64 * 100,
                gender,
                background,
            ));
        }
    }
    out
}

#[test]
fn the_validators_are_not_vacuous() {
    let dei = dei_validator();
    assert!(dei.is_valid(&load("dei/simple.json")));
    assert!(!dei.is_valid(&json!({ "deiDetails": { "leadership": { "askedStatus": "AS200" } } })));
    let grant = grant_validator();
    let mut simple = load("dei/simple.json");
    assert!(grant.is_valid(&simple), "{:?}", errors(&grant, &simple));
    simple["currency"] = json!("XYZ");
    assert!(!grant.is_valid(&simple));
    simple["currency"] = json!("GBP");
    simple["awardDate"] = json!("2021-13-01");
    assert!(!grant.is_valid(&simple));
    // A plain date passes only where formats are checked (see `validator_2020`).
    simple["awardDate"] = json!("2021-01-01");
    assert!(grant.is_valid(&simple));
    assert!(!lax_validators()[1].is_valid(&simple));
    let package = package_validator();
    assert!(!package.is_valid(&json!({ "grants": [] })));
    assert!(!package.is_valid(&json!({ "grants": [{ "id": "x" }] })));
}

#[test]
fn the_export_validates_against_the_360giving_schemas() {
    let package_schema = package_validator();
    let grant_schema = grant_validator();
    for with_dei in [false, true] {
        let p = package(&funder(), "360G-lst-ab", &grants(), with_dei, published());
        assert_eq!(
            errors(&package_schema, &p),
            Vec::<String>::new(),
            "dei {with_dei}"
        );
        for (i, g) in p["grants"].as_array().unwrap().iter().enumerate() {
            assert_eq!(errors(&grant_schema, g), Vec::<String>::new(), "grant {i}");
            assert!(g["id"].as_str().unwrap().starts_with("360G-lst-ab-"));
            assert_eq!(g["currency"], "SEK");
        }
        assert_eq!(p["version"], "1.4");
        assert_eq!(p["license"], "https://creativecommons.org/licenses/by/4.0/");
        assert_eq!(p["publisher"]["name"], "Länsstyrelsen i Stockholms län");
        assert_eq!(p.get("extensions").is_some(), with_dei);
        let [lax_package, lax_grant] = lax_validators();
        assert_eq!(errors(&lax_package, &p), Vec::<String>::new());
        for g in p["grants"].as_array().unwrap() {
            assert_eq!(errors(&lax_grant, g), Vec::<String>::new());
        }
    }
}

#[test]
fn dei_details_validate_and_use_the_code_lists() {
    let dei = dei_validator();
    let asked = code_list("askedStatus.csv");
    let reply = code_list("replyStatus.csv");
    let options = code_list("availableOptions.csv");
    let taxonomy = code_list("taxonomyCodes.csv");
    assert!(taxonomy.contains("DEI090000") && reply.contains("RS201"));
    let p = package(&funder(), "360G-lst-ab", &grants(), true, published());
    assert_eq!(p["extensions"], json!(["dei"]));
    let mut with_details = 0;
    for g in p["grants"].as_array().unwrap() {
        assert_eq!(errors(&dei, g), Vec::<String>::new(), "{}", g["id"]);
        let Some(details) = g.get("deiDetails") else {
            continue;
        };
        with_details += 1;
        for area in ["leadership", "mission", "project"] {
            let a = &details[area];
            assert!(asked.contains(a["askedStatus"].as_str().unwrap()), "{a}");
            if let Some(status) = a.get("replyStatus") {
                assert!(reply.contains(status.as_str().unwrap()), "{a}");
            }
            for o in a
                .get("availableOptions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                assert!(options.contains(o.as_str().unwrap()), "{a}");
            }
            let codes = a
                .pointer("/response/taxonomyCodes")
                .and_then(Value::as_array);
            for c in codes.into_iter().flatten() {
                assert!(taxonomy.contains(c.as_str().unwrap()), "{a}");
            }
        }
    }
    // AB, HB and EK grants carry details (8 of the 12); EF and unknown legal forms do not.
    assert_eq!(with_details, 8);
}

#[test]
fn no_dei_for_a_sole_trader_even_with_dei() {
    let ef = grant(
        "EF-1",
        "ab",
        Some("EF"),
        Some("0180"),
        100_000,
        50_000,
        "women",
        "foreign",
    );
    let p = package(&funder(), "360G-lst-ab", &[ef], true, published());
    let g = &p["grants"][0];
    assert!(g.get("deiDetails").is_none(), "{g}");
    assert!(g.get("recipientOrganization").is_none());
    assert_eq!(g["recipientIndividual"]["name"], "Individual recipient");
    assert!(g.to_string().find("DEI0").is_none());
    assert_eq!(errors(&grant_validator(), g), Vec::<String>::new());
    assert_eq!(errors(&package_validator(), &p), Vec::<String>::new());
}

#[test]
fn the_export_is_deterministic() {
    let mut reversed = grants();
    reversed.reverse();
    let a = package(&funder(), "360G-lst-ab", &grants(), true, published());
    let b = package(&funder(), "360G-lst-ab", &reversed, true, published());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

/// Organisation numbers with valid check digits, one per grant.
const ORG_NUMBERS: [&str; 4] = ["5566778899", "5560360793", "2021002346", "5592221054"];

#[test]
fn an_exported_package_round_trips_once_recipients_are_real() {
    let source: Vec<AwardedGrant> = grants()
        .into_iter()
        .filter(|g| g.legal_form.as_deref() != Some("EF"))
        .take(ORG_NUMBERS.len())
        .collect();
    let mut p = package(&funder(), "360G-lst-ab", &source, true, published());
    // As exported, recipients are pseudonymised: nothing can be keyed.
    for (i, result) in applications(&p).into_iter().enumerate() {
        let (index, pointer, reason) = result.unwrap_err();
        assert_eq!(
            (index, pointer),
            (i, format!("/grants/{i}/recipientOrganization/0/id"))
        );
        assert!(reason.contains("pseudonymised"), "{reason}");
    }
    for (g, org) in p["grants"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(ORG_NUMBERS)
    {
        g["recipientOrganization"][0]["id"] = json!(format!("SE-BLV-{org}"));
    }
    let rows: Vec<Value> = applications(&p).into_iter().map(Result::unwrap).collect();
    let keys = Pseudonymiser::new(b"round-trip");
    for (row, g) in rows.iter().zip(&p["grants"].as_array().unwrap()[..]) {
        let original = source
            .iter()
            .find(|s| g["id"] == format!("360G-lst-ab-{}", s.external_id))
            .unwrap();
        assert_eq!(row["externalId"], g["id"]);
        assert_eq!(row["callCode"], original.call_code.as_str());
        assert_eq!(
            row["decision"]["decidedOn"],
            original.decided_on.to_string()
        );
        assert_eq!(row["receivedOn"], original.decided_on.to_string());
        // Less than applied for is a partial approval.
        let partly = original.amount_granted_ore < original.amount_applied_ore;
        let expected = if partly {
            "partly_approved"
        } else {
            "approved"
        };
        assert_eq!(row["decision"]["outcome"], expected);
        let parsed: ImportRow = from_json_slice(row.to_string().as_bytes()).unwrap();
        let (_, body) = parsed.into_parts();
        let app = body.parse(&keys).unwrap();
        assert_eq!(app.amount_applied.0, original.amount_applied_ore);
        assert_eq!(
            app.decision.unwrap().amount_granted.0,
            original.amount_granted_ore
        );
        assert_eq!(app.facts.municipality, original.municipality);
        let categories = app.facts.categories.clone();
        assert_eq!(
            categories.as_ref().and_then(|c| c.gender).map(|g| g.code()),
            (original.gender == "women").then_some("women")
        );
        assert_eq!(
            categories
                .as_ref()
                .and_then(|c| c.background)
                .map(|b| b.code()),
            (original.background == "foreign").then_some("foreign")
        );
    }
}

#[test]
fn a_hand_built_package_imports() {
    let p = json!({
        "version": "1.4",
        "extensions": ["dei"],
        "grants": [
            {
                "id": "360G-kulturradet-2019-17", "title": "Projektstöd", "description": "x",
                "currency": "SEK", "amountAppliedFor": 120000, "amountAwarded": 99999.99,
                "awardDate": "2019-11-30T14:00:00+01:00",
                "fundingOrganization": [{ "id": "SE-BLV-2021003484", "name": "Funder" }],
                "recipientOrganization": [{ "id": "SE-BLV-5560360793", "name": "Firm AB" }],
                "grantProgramme": [{ "code": "PS-2019", "title": "Projektstöd 2019" }],
                "beneficiaryLocation": [{ "name": "Solna", "geoCode": "0184", "countryCode": "SE" }]
            },
            {
                "id": "360G-kulturradet-2019-18", "title": "Projektstöd", "description": "x",
                "currency": "SEK", "amountAppliedFor": 50000, "amountAwarded": 50000,
                "awardDate": "2019-12-02",
                "fundingOrganization": [{ "id": "SE-BLV-2021003484", "name": "Funder" }],
                "recipientOrganization": [{ "id": "SE-BLV-5566778899", "name": "Other AB" }],
                "grantProgramme": [{ "code": "PS-2019" }]
            }
        ]
    });
    assert_eq!(errors(&package_validator(), &p), Vec::<String>::new());
    let rows: Vec<Value> = applications(&p).into_iter().map(Result::unwrap).collect();
    assert_eq!(rows[0]["callCode"], "PS-2019");
    assert_eq!(rows[0]["amountApplied"]["amount"], "120000.00");
    assert_eq!(rows[0]["decision"]["amountGranted"]["amount"], "99999.99");
    assert_eq!(rows[0]["decision"]["decidedOn"], "2019-11-30");
    assert_eq!(rows[0]["receivedOn"], "2019-11-30");
    assert_eq!(rows[0]["applicant"]["orgNumber"], "5560360793");
    assert_eq!(rows[0]["applicant"]["municipality"], "0184");
    assert!(rows[1]["applicant"].get("municipality").is_none());
    assert!(rows[1]["applicant"].get("categories").is_none());
    for row in &rows {
        let parsed: ImportRow = from_json_slice(row.to_string().as_bytes()).unwrap();
        parsed
            .into_parts()
            .1
            .parse(&Pseudonymiser::new(b"k"))
            .unwrap();
    }
}

#[test]
fn refused_grants_are_named_by_index_and_pointer() {
    let good = json!({
        "id": "360G-x-1", "title": "t", "description": "d", "currency": "SEK",
        "amountAppliedFor": 1000, "amountAwarded": 900, "awardDate": "2020-01-02",
        "fundingOrganization": [{ "id": "SE-BLV-2021002346", "name": "F" }],
        "recipientOrganization": [{ "id": "SE-BLV-5566778899", "name": "R" }],
        "grantProgramme": [{ "code": "C-1" }]
    });
    let mut no_applied = good.clone();
    no_applied
        .as_object_mut()
        .unwrap()
        .remove("amountAppliedFor");
    let mut individual = good.clone();
    individual
        .as_object_mut()
        .unwrap()
        .remove("recipientOrganization");
    individual["recipientIndividual"] = json!({ "id": "360G-x-IND-1", "name": "Individual" });
    let mut charity = good.clone();
    charity["recipientOrganization"][0]["id"] = json!("GB-CHC-1164883");
    let mut euros = good.clone();
    euros["currency"] = json!("EUR");
    let mut no_programme = good.clone();
    no_programme
        .as_object_mut()
        .unwrap()
        .remove("grantProgramme");
    let p = json!({ "grants": [good, no_applied, individual, charity, euros, no_programme] });
    let out = applications(&p);
    assert!(out[0].is_ok());
    let refused: Vec<(usize, String)> = out[1..]
        .iter()
        .map(|r| {
            let (i, pointer, reason) = r.clone().unwrap_err();
            assert!(!reason.is_empty());
            (i, pointer)
        })
        .collect();
    assert_eq!(
        refused,
        vec![
            (1, "/grants/1/amountAppliedFor".to_owned()),
            (2, "/grants/2/recipientOrganization/0/id".to_owned()),
            (3, "/grants/3/recipientOrganization/0/id".to_owned()),
            (4, "/grants/4/currency".to_owned()),
            (5, "/grants/5/grantProgramme/0/code".to_owned()),
        ]
    );
    // Every pointer (but the missing fields') points into the package.
    assert!(p.pointer("/grants/3/recipientOrganization/0/id").is_some());
    assert!(p.pointer("/grants/4/currency").is_some());
}
