//! Readable names of groups, in Swedish and English, for explanations and reports.

use crate::domain::geography::{county_name, municipality_name};
use crate::domain::tagging::{Dimension, UNKNOWN};

use crate::locale::Language;

/// The name of a dimension.
pub fn dimension(lang: Language, d: Dimension) -> &'static str {
    let (sv, en) = match d {
        Dimension::Gender => ("kön (företagets)", "gender (of the firm)"),
        Dimension::Background => ("bakgrund", "background"),
        Dimension::BackgroundDetail => {
            ("bakgrund (SCB:s kategorier)", "background (SCB categories)")
        }
        Dimension::AgeBand => ("ålder", "age"),
        Dimension::County => ("län", "county"),
        Dimension::Municipality => ("kommun", "municipality"),
        Dimension::SizeBand => ("storlek", "size"),
    };
    lang.pick(sv, en)
}

/// The name of one value of a dimension.
pub fn value(lang: Language, d: Dimension, v: &str) -> String {
    if v == UNKNOWN {
        return format!("{} {}", dimension(lang, d), lang.pick("okänd", "unknown"));
    }
    let fixed = |sv: &str, en: &str| lang.pick(sv, en).to_owned();
    match (d, v) {
        (Dimension::Gender, "women") => fixed("kvinnor", "women"),
        (Dimension::Gender, "men") => fixed("män", "men"),
        (Dimension::Gender, "mixed") => fixed("blandat kön", "mixed gender"),
        (Dimension::Background, "swedish") => fixed("svensk bakgrund", "Swedish background"),
        (Dimension::Background, "foreign") => fixed("utländsk bakgrund", "foreign background"),
        (Dimension::BackgroundDetail, "born_in_sweden_swedish_parents") => fixed(
            "född i Sverige av svenskfödda föräldrar",
            "born in Sweden to Swedish-born parents",
        ),
        (Dimension::BackgroundDetail, "born_in_sweden_one_parent_abroad") => fixed(
            "född i Sverige, en förälder utrikes född",
            "born in Sweden, one parent born abroad",
        ),
        (Dimension::BackgroundDetail, "born_in_sweden_two_parents_abroad") => fixed(
            "född i Sverige, två utrikes födda föräldrar",
            "born in Sweden, two parents born abroad",
        ),
        (Dimension::BackgroundDetail, "born_abroad") => fixed("utrikes född", "born abroad"),
        (Dimension::AgeBand, band) => format!("{band} {}", lang.pick("år", "years")),
        (Dimension::SizeBand, band) => format!("{band} {}", lang.pick("anställda", "employees")),
        (Dimension::County, code) => match county_name(code) {
            Some(name) => format!("{name}s {}", lang.pick("län", "county")),
            None => format!("{} {code}", lang.pick("län", "county")),
        },
        (Dimension::Municipality, code) => municipality_name(code)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{} {code}", lang.pick("kommun", "municipality"))),
        (_, other) => other.to_owned(),
    }
}

/// A group such as "kvinnor, utländsk bakgrund, Botkyrka".
pub fn group(lang: Language, values: &[(Dimension, String)]) -> String {
    values
        .iter()
        .map(|(d, v)| value(lang, *d, v))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_read_naturally() {
        let g = vec![
            (Dimension::Gender, "women".to_owned()),
            (Dimension::Background, "foreign".to_owned()),
            (Dimension::Municipality, "0127".to_owned()),
        ];
        assert_eq!(
            group(Language::Sv, &g),
            "kvinnor, utländsk bakgrund, Botkyrka"
        );
        assert_eq!(
            group(Language::En, &g),
            "women, foreign background, Botkyrka"
        );
        assert_eq!(
            value(Language::En, Dimension::AgeBand, "unknown"),
            "age unknown"
        );
        assert_eq!(
            value(Language::Sv, Dimension::County, "01"),
            "Stockholms län"
        );
    }
}
