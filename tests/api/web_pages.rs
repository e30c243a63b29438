//! The case officer's pages over HTTP: create a call through the form (with a validation error
//! shown at the field and in the summary), change it, check it, be refused publication for a
//! failed check, override with a reason, follow the running call, check a draft, and what an
//! auditor may not do.

use equal_terms::http::auth::Role;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use crate::helpers::{TestApp, spawn_web};

/// A client signed in to the workspace as `role` of the test organisation.
// At merge: sign in through the development sign-in and keep the session cookie instead.
/// A client signed in through the development sign-in as `role` of the test organisation: it
/// sends the session cookie with every request and follows redirects.
async fn web_client(app: &TestApp, role: Role) -> reqwest::Client {
    let cookie = app.dev_sign_in(role).await;
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(&cookie).expect("cookie"));
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

/// The CSRF token of the first form on the page.
fn csrf(page: &str) -> String {
    let at = page
        .find(r#"name="csrf" value=""#)
        .expect("a form with a csrf field")
        + r#"name="csrf" value=""#.len();
    page[at..].split('"').next().unwrap().to_owned()
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String, String) {
    let response = client.get(app.url(path)).send().await.expect("request");
    let status = response.status().as_u16();
    let url = response.url().path().to_owned();
    (status, url, response.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let url = response.url().path().to_owned();
    (status, url, response.text().await.unwrap())
}

const TEXT: &str = "Nu kan små företag söka stöd. Vi söker dig som är en driven ledare \
    med stark analytisk förmåga. Bifoga erforderliga intyg.";

/// The fields of a call that fails the target-group check: the goals name women, the call does
/// not.
fn call_form<'a>(
    token: &'a str,
    title: &'a str,
    max_employees: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("programmeCode", "AFF-CHECK"),
        ("code", "AFF-CHECK-2028-1"),
        ("title", title),
        ("opensOn", "2028-01-01"),
        ("closesOn", "2028-03-31"),
        ("budget", "5 000 000"),
        ("design-text-sv", TEXT),
        ("design-text-en", ""),
        ("design-eligibility-minEmployees", "2"),
        ("design-eligibility-maxEmployees", max_employees),
        ("design-eligibility-minTurnover", "3 000 000"),
        ("design-eligibility-coFinancingShare", "50"),
        ("design-eligibility-counties", "01"),
        (
            "design-targetGroups-0-description",
            "Små företag som vill växa",
        ),
        ("design-targetGroups-1-description", ""),
        ("design-equalityGoals", "gender:women"),
        (
            "design-targetGroupAnalysis-targetGroup",
            "Företag med 2-49 anställda",
        ),
        ("design-outreach-channels", "website, newsletter"),
        ("design-outreach-languages", "sv"),
        ("design-panel-women", "1"),
        ("design-panel-men", "4"),
        ("design-panel-other", ""),
        ("design-indicators-0-name", "Antal beviljade checkar"),
        ("design-indicators-0-breakdowns", "gender"),
    ]
}

fn call_id(url: &str) -> i64 {
    url.trim_start_matches("/calls/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("not a call page: {url}"))
}

#[actix_web::test]
async fn a_case_officer_creates_checks_and_publishes_a_call_through_the_pages() {
    let app = spawn_web().await;
    let response = app
        .post_json(
            "/api/v1/programmes",
            &app.integrator(),
            &json!({"code": "AFF-CHECK", "name": "Affärsutvecklingscheckar"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let officer = web_client(&app, Role::CaseOfficer).await;

    // The form, and a validation error at the field and in the summary, input kept.
    let (status, _, page) = get(&officer, &app, "/calls/new").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#"<option value="AFF-CHECK">"#), "{page}");
    let token = csrf(&page);
    let mut fields = call_form(&token, "Checkar 2028", "1");
    for field in fields
        .iter_mut()
        .filter(|(k, _)| *k == "design-panel-other")
    {
        field.1 = "två";
    }
    let (status, url, page) = post(&officer, &app, "/calls/new", &fields).await;
    assert_eq!((status, url.as_str()), (200, "/calls/new"), "{page}");
    assert!(
        page.contains(r#"<div class="error-summary" role="alert" tabindex="-1""#),
        "{page}"
    );
    assert!(
        page.contains(r##"href="#design-eligibility-maxEmployees""##),
        "{page}"
    );
    assert!(page.contains(r#"id="design-eligibility-maxEmployees-error""#));
    assert!(page.contains("Får inte vara lägre än det minsta antalet anställda."));
    assert!(page.contains(r#"aria-describedby="design-eligibility-maxEmployees-error""#));
    assert!(
        page.contains(r##"href="#design-panel-other""##),
        "a parse error too"
    );
    assert!(
        page.contains(r#"value="Checkar 2028""#),
        "the input is kept"
    );
    assert!(page.contains("driven ledare"), "the text is kept");

    // Created.
    let (status, url, page) = post(
        &officer,
        &app,
        "/calls/new",
        &call_form(&token, "Checkar 2028", "49"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let id = call_id(&url);
    assert!(
        page.contains(r#"<dd id="call-status">utkast</dd>"#),
        "{page}"
    );
    assert!(page.contains(r#"<dd id="call-version">1</dd>"#));
    assert!(
        page.contains("Kontrollera först"),
        "not checked yet: {page}"
    );

    // Changed: a new version.
    let (status, _, page) = get(&officer, &app, &format!("/calls/{id}/edit")).await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"value="Checkar 2028""#), "prefilled");
    assert!(page.contains(">Spara</button>"));
    assert!(page.contains("blir det version 2"));
    let mut changed = call_form(&token, "Affärsutvecklingscheckar 2028", "49");
    changed.retain(|(k, _)| !matches!(*k, "programmeCode" | "code"));
    let (status, url, page) = post(&officer, &app, &format!("/calls/{id}/edit"), &changed).await;
    assert_eq!((status, url), (200, format!("/calls/{id}")), "{page}");
    assert!(page.contains(r#"<dd id="call-version">2</dd>"#), "{page}");
    assert!(page.contains("<h1>Affärsutvecklingscheckar 2028</h1>"));

    // Checked: eight verdicts, the coded words marked, the goal group missing.
    let (status, url, page) = post(
        &officer,
        &app,
        &format!("/calls/{id}/check"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(url.starts_with(&format!("/calls/{id}/checks/")), "{url}");
    let verdicts = &page[page.find(r#"<section id="verdicts""#).expect("verdicts")..];
    let verdicts = &verdicts[..verdicts.find("</section>").unwrap()];
    assert_eq!(verdicts.matches("<tr class=").count(), 8, "{verdicts}");
    assert!(verdicts.contains(r#"<tr class="fail">"#));
    assert!(verdicts.contains("underkänd"), "the verdict in words");
    assert!(
        page.contains(r#"<mark class="m" title="maskulint kodat">driven</mark>"#),
        "{page}"
    );
    assert!(page.contains(r#"id="missing-goals""#) && page.contains("kvinnor"));
    assert!(page.contains("LIX"));

    // Publishing is refused for the failed check, with the reason and the override form.
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/calls/{id}/publish"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Kontrollen av version 2 underkändes"),
        "{page}"
    );
    assert!(page.contains(r#"<textarea id="override-reason" name="reason""#));
    assert!(page.contains("Publicera ändå"));
    assert!(page.contains(r#"<dd id="call-status">utkast</dd>"#));

    // Too short a reason is refused at the field; a real one publishes.
    let (_, _, page) = post(
        &officer,
        &app,
        &format!("/calls/{id}/override"),
        &[("csrf", &token), ("reason", "kort")],
    )
    .await;
    assert!(page.contains(r#"id="override-reason-error""#), "{page}");
    assert!(page.contains(r##"href="#override-reason""##));
    assert!(page.contains(">kort</textarea>"), "the reason is kept");
    let reason = "Målgruppen beskrivs i den riktade spridningen till kvinnors företagarnätverk.";
    let (status, url, page) = post(
        &officer,
        &app,
        &format!("/calls/{id}/override"),
        &[("csrf", &token), ("reason", reason)],
    )
    .await;
    assert_eq!((status, url), (200, format!("/calls/{id}")), "{page}");
    assert!(page.contains("Utlysningen är publicerad."), "{page}");
    assert!(page.contains(r#"<dd id="call-status">publicerad</dd>"#));
    let overrides = &page[page.find(r#"<table id="overrides">"#).expect("overrides")..];
    assert!(overrides.contains(reason) && overrides.contains("demo-case_officer"));

    // The start page lists it, published, with the monitor's state.
    let (status, _, page) = get(&officer, &app, "/").await;
    assert_eq!(status, 200);
    let calls = &page[page.find(r#"<table id="calls">"#).expect("calls table")..];
    assert!(calls.contains(&format!(
        r#"<a href="/calls/{id}">Affärsutvecklingscheckar 2028</a>"#
    )));
    assert!(
        calls.contains("publicerad") && calls.contains("inga flaggor"),
        "{calls}"
    );
    assert!(page.contains(r#"href="/calls/new""#));

    // The monitor.
    let (status, _, page) = get(&officer, &app, &format!("/calls/{id}/monitor")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Inga flaggor så här långt."), "{page}");
    assert!(page.contains(&format!(r#"<a href="/calls/{id}/monitor">"#)));

    // A published call is not changed through the edit form, even when posted to directly.
    let (status, url, page) = post(
        &officer,
        &app,
        &format!("/calls/{id}/edit"),
        &[("csrf", &token), ("title", "Ändrad efter publicering")],
    )
    .await;
    assert_eq!(
        (status, url.as_str()),
        (200, format!("/calls/{id}").as_str())
    );
    assert!(page.contains(r#"<dd id="call-version">2</dd>"#), "{page}");
    assert!(!page.contains("Ändrad efter publicering"));

    // An administrator reads the catalogue, but not the checks and overrides, which the API
    // shows under `Evaluate` only, and is not offered the check without saving.
    let admin = web_client(&app, Role::Admin).await;
    let (status, _, page) = get(&admin, &app, &format!("/calls/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Affärsutvecklingscheckar 2028") && !page.contains(reason));
    let (status, _, page) = get(&admin, &app, "/").await;
    assert_eq!(status, 200);
    assert!(!page.contains(r#"href="/draft-check""#) && !page.contains("inga flaggor"));
    let (status, _, _) = get(&admin, &app, "/draft-check").await;
    assert_eq!(status, 403);

    // An auditor reads but may not check.
    let auditor = web_client(&app, Role::Auditor).await;
    let (status, _, _) = post(
        &auditor,
        &app,
        &format!("/calls/{id}/check"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, page) = get(&auditor, &app, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("kommer i en senare version") && !page.contains(r#"href="/calls/new""#));
    let (status, _, page) = get(&auditor, &app, &format!("/calls/{id}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Kontrollera utlysningen"));
}

#[actix_web::test]
async fn a_draft_is_checked_without_being_saved() {
    let app = spawn_web().await;
    let officer = web_client(&app, Role::CaseOfficer).await;
    let (status, _, page) = get(&officer, &app, "/draft-check").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#"<label for="design-text-sv">"#));
    let token = csrf(&page);
    let (status, _, page) = post(
        &officer,
        &app,
        "/draft-check",
        &[
            ("csrf", &token),
            ("programmeCode", ""),
            ("design-text-sv", TEXT),
            ("design-eligibility-minTurnover", "3 000 000"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#"<section id="verdicts""#), "{page}");
    assert!(page.contains(r#"<mark class="m" title="maskulint kodat">ledare</mark>"#));
    assert!(
        page.contains(r#"<mark class="jargon">"#),
        "officialese listed"
    );
    assert!(page.contains(r#"value="3000000,00""#) || page.contains(r#"value="3 000 000""#));
    let (_, _, start) = get(&officer, &app, "/").await;
    assert!(
        start.contains("inga utlysningar"),
        "nothing was saved: {start}"
    );
}
