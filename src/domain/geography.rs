//! Swedish counties (län) and municipality codes. A municipality code is four digits whose first
//! two are the county code (SCB's regional division).

/// County code and name, for the 21 counties.
pub const COUNTIES: [(&str, &str); 21] = [
    ("01", "Stockholm"),
    ("03", "Uppsala"),
    ("04", "Södermanland"),
    ("05", "Östergötland"),
    ("06", "Jönköping"),
    ("07", "Kronoberg"),
    ("08", "Kalmar"),
    ("09", "Gotland"),
    ("10", "Blekinge"),
    ("12", "Skåne"),
    ("13", "Halland"),
    ("14", "Västra Götaland"),
    ("17", "Värmland"),
    ("18", "Örebro"),
    ("19", "Västmanland"),
    ("20", "Dalarna"),
    ("21", "Gävleborg"),
    ("22", "Västernorrland"),
    ("23", "Jämtland"),
    ("24", "Västerbotten"),
    ("25", "Norrbotten"),
];

/// Stockholm county's 26 municipalities, used by the demo data and for readable labels.
pub const STOCKHOLM_MUNICIPALITIES: [(&str, &str); 26] = [
    ("0114", "Upplands Väsby"),
    ("0115", "Vallentuna"),
    ("0117", "Österåker"),
    ("0120", "Värmdö"),
    ("0123", "Järfälla"),
    ("0125", "Ekerö"),
    ("0126", "Huddinge"),
    ("0127", "Botkyrka"),
    ("0128", "Salem"),
    ("0136", "Haninge"),
    ("0138", "Tyresö"),
    ("0139", "Upplands-Bro"),
    ("0140", "Nykvarn"),
    ("0160", "Täby"),
    ("0162", "Danderyd"),
    ("0163", "Sollentuna"),
    ("0180", "Stockholm"),
    ("0181", "Södertälje"),
    ("0182", "Nacka"),
    ("0183", "Sundbyberg"),
    ("0184", "Solna"),
    ("0186", "Lidingö"),
    ("0187", "Vaxholm"),
    ("0188", "Norrtälje"),
    ("0191", "Sigtuna"),
    ("0192", "Nynäshamn"),
];

pub fn county_name(code: &str) -> Option<&'static str> {
    COUNTIES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

pub fn municipality_name(code: &str) -> Option<&'static str> {
    STOCKHOLM_MUNICIPALITIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// Checks a municipality code: four digits and a real county prefix. Returns the county code.
pub fn county_of_municipality(code: &str) -> Result<&'static str, String> {
    if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "must be a four-digit municipality code, got {code:?}"
        ));
    }
    COUNTIES
        .iter()
        .find(|(c, _)| *c == &code[..2])
        .map(|(c, _)| *c)
        .ok_or_else(|| format!("{code:?} does not start with a Swedish county code"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn county_prefix_is_checked() {
        assert_eq!(county_of_municipality("0180"), Ok("01"));
        assert_eq!(county_of_municipality("2580"), Ok("25"));
        assert!(county_of_municipality("0280").is_err()); // no county 02
        assert!(county_of_municipality("180").is_err());
        assert!(county_of_municipality("01a0").is_err());
    }

    #[test]
    fn stockholm_municipalities_belong_to_stockholm() {
        for (code, _) in STOCKHOLM_MUNICIPALITIES {
            assert_eq!(county_of_municipality(code), Ok("01"));
        }
    }
}
