//! The case officer's pages. Handlers only translate: form fields to the same service calls as
//! the API (inside `state.db.run`), and the answers to templates under `templates/web/`.

pub mod calls;
pub mod checks;
pub mod design_form;
pub mod draft;
pub mod form;
pub mod monitor;
pub mod start;

use actix_web::web;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::domain::call::CallStatus;
use crate::http::AppState;
use crate::http::handlers::evaluations::evaluator;
use crate::locale::Language;
use crate::services::callchecks::CallChecker;

/// Every page route; `/calls/new` before `/calls/{id}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(start::start)
        .service(calls::new_form)
        .service(calls::create)
        .service(calls::show)
        .service(calls::edit_form)
        .service(calls::edit)
        .service(checks::run)
        .service(checks::show)
        .service(checks::publish)
        .service(checks::override_publish)
        .service(monitor::monitor)
        .service(draft::draft_form)
        .service(draft::draft_check);
}

/// A form that only carries the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// The call checker, as the API builds it.
pub(crate) fn checker(state: &AppState) -> CallChecker<'_> {
    CallChecker {
        settings: &state.settings.call_check,
        evaluator: evaluator(state),
    }
}

/// A call's status in words.
pub fn status_words(lang: Language, status: CallStatus) -> &'static str {
    match status {
        CallStatus::Draft => lang.pick("utkast", "draft"),
        CallStatus::Published => lang.pick("publicerad", "published"),
        CallStatus::Closed => lang.pick("stängd", "closed"),
    }
}

/// A moment as people read it, in UTC and saying so: "2026-12-03 18:59 UTC" (stored times are
/// UTC; showing Swedish time would need the time-zone rules).
pub fn when(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An amount of öre in kronor, grouped: "3 000 000 kr".
pub fn kronor(lang: Language, ore: i64) -> String {
    crate::locale::sek(lang, ore as f64 / 100.0)
}

/// A validation reason (the API's English) in the viewer's language, for the reasons the call
/// form meets; others stay as the API words them.
pub fn say(lang: Language, reason: &str) -> String {
    if lang == Language::En {
        return reason.to_owned();
    }
    let sv = match reason {
        "must not be empty" => "Fältet får inte vara tomt.",
        "must not be below minEmployees" => "Får inte vara lägre än det minsta antalet anställda.",
        "must be between 0 and 1" => "Måste vara mellan 0 och 100 procent.",
        "is not a county code" => "Är inte en länskod (två siffror, t.ex. 01).",
        "must be an SNI code or prefix: 1-5 digits, dots allowed" => {
            "Måste vara en SNI-kod eller början av en: 1–5 siffror, punkter tillåtna."
        }
        "must be a legal form code such as AB, EF or HB" => {
            "Måste vara en kod för juridisk form, t.ex. AB, EF eller HB."
        }
        "must not be negative" => "Får inte vara negativt.",
        "must not be before opensOn" => "Sista dagen får inte vara före första dagen.",
        "must be 1-64 characters of letters, digits and . _ : -" => {
            "Måste vara 1–64 tecken: bokstäver, siffror och . _ : -"
        }
        "must be 1 to 300 characters" => "Måste vara 1–300 tecken.",
        "must be a whole number, 0 or more" => "Ange ett heltal, 0 eller mer.",
        "must be a percentage, e.g. 50" => "Ange en procentsats, t.ex. 50.",
        "must be a date such as 2027-03-31" => "Ange ett datum som 2027-03-31.",
        "choose a programme" => "Välj ett program.",
        "no programme with this code in this organisation" => {
            "Det finns inget program med den koden i organisationen."
        }
        "must have at most two decimals" => "Högst två decimaler (ören).",
        "is too large" => "Beloppet är för stort.",
        "must say why, in 10 to 4,000 characters" => "Skriv varför, med 10–4 000 tecken.",
        other if other.starts_with("must be a non-negative decimal amount") => {
            "Ange ett belopp i kronor, t.ex. 250 000."
        }
        other if other.starts_with("longer than") => "Texten är för lång (högst 200 000 byte).",
        other => return other.to_owned(),
    };
    sv.to_owned()
}
