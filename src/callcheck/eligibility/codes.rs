//! The firm codes that eligibility rules and firm populations share: SNI sectors, legal forms,
//! counties and municipalities, checked and normalised the same way for both.

use crate::domain::geography;

/// An SNI code: digits, dots allowed ("47", "62.010").
pub(super) fn parse_sector(code: &str) -> Result<String, String> {
    let code = code.trim();
    let digits = sni_digits(code);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !code.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return Err(format!(
            "must be an SNI code of digits such as \"47\" or \"62.010\", got {code:?}"
        ));
    }
    Ok(code.to_owned())
}

/// A legal form code, kept in capitals ("AB", "EF").
pub(super) fn parse_legal_form(code: &str) -> Result<String, String> {
    let code = code.trim();
    if code.is_empty() || code.len() > 16 {
        return Err("must be a legal form code such as \"AB\" or \"EF\"".into());
    }
    Ok(code.to_uppercase())
}

/// A county code inside the population's region.
pub(super) fn parse_county(code: &str, region: &str) -> Result<String, String> {
    let code = code.trim();
    if geography::county_name(code).is_none() {
        return Err(format!("must be a two-digit county code, got {code:?}"));
    }
    if region != "SE" && code != region {
        return Err(format!("lies outside the population's region {region}"));
    }
    Ok(code.to_owned())
}

/// A municipality code inside the population's region.
pub(super) fn parse_municipality(code: &str, region: &str) -> Result<String, String> {
    let code = code.trim();
    let county = geography::county_of_municipality(code)?;
    if region != "SE" && county != region {
        return Err(format!("lies outside the population's region {region}"));
    }
    Ok(code.to_owned())
}

/// The digits of an SNI code, without the dots (and spaces) some tables print.
pub(super) fn sni_digits(code: &str) -> String {
    code.chars().filter(|c| !matches!(c, '.' | ' ')).collect()
}
