//! Synthetic grant data: realistic enough to demonstrate and benchmark Equal Terms, with an
//! optional planted skew so tests can check that the rules find it. Deterministic per seed.
//!
//! Shapes follow the domain notes: about 30 % of firms led by women, 15-18 % of leaders with
//! foreign background, Stockholm county municipalities, calls of different strictness (so that
//! pooling across calls would mislead), a few unknowns on every dimension.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::applicant::{ApplicantDto, LeaderDto, LegalForm, OwnerDto, ScbBackground, Sex};
use crate::domain::application::{DecisionBody, ImportRow, Outcome};
use crate::domain::geography::STOCKHOLM_MUNICIPALITIES;
use crate::domain::money::{MoneyDto, Ore};

/// SNI codes the synthetic firms work in (IT, retail, farming, restaurants, dentists,
/// electricians, design, hotels).
const SECTORS: [&str; 8] = [
    "62.010", "47.110", "01.110", "56.101", "86.230", "43.210", "74.100", "55.101",
];

/// Indexes into `STOCKHOLM_MUNICIPALITIES`, roughly largest population first.
const BY_SIZE: [usize; 26] = [
    16, 18, 6, 7, 17, 24, 19, 15, 4, 8, 0, 2, 9, 3, 1, 13, 20, 25, 23, 5, 21, 10, 14, 22, 11, 12,
];

/// A group treated differently: applications whose leader matches are approved at
/// `approval_factor` times the call's rate.
#[derive(Debug, Clone)]
pub struct Skew {
    pub leader_sex: Option<Sex>,
    pub foreign_background: Option<bool>,
    /// Only in these municipalities (empty: everywhere).
    pub municipalities: Vec<String>,
    pub approval_factor: f64,
}

#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub seed: u64,
    pub applications: usize,
    pub first_year: i32,
    pub years: i32,
    /// Programme codes and names.
    pub programmes: Vec<(String, String)>,
    pub calls_per_programme_per_year: u32,
    pub skew: Option<Skew>,
    /// Share of applications without a decision yet (the newest ones).
    pub pending_share: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 2016,
            applications: 5_000,
            first_year: 2016,
            years: 3,
            programmes: vec![
                ("REG-FS".into(), "Regionalt företagsstöd".into()),
                ("AFF-CHECK".into(), "Affärsutvecklingscheckar".into()),
                ("PROJ".into(), "Projektstöd".into()),
            ],
            calls_per_programme_per_year: 2,
            skew: None,
            pending_share: 0.02,
        }
    }
}

/// A call of the synthetic data.
#[derive(Debug, Clone)]
pub struct SynthCall {
    pub programme_code: String,
    pub code: String,
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub budget: Ore,
    /// Base approval rate of the call (calls differ in strictness).
    pub approval_rate: f64,
}

impl SynthConfig {
    /// The calls, spread over the years, alternating strict and generous.
    pub fn calls(&self) -> Vec<SynthCall> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0xCA11);
        let mut calls = Vec::new();
        for (p, (code, name)) in self.programmes.iter().enumerate() {
            for year in self.first_year..self.first_year + self.years {
                for n in 0..self.calls_per_programme_per_year {
                    let month = 1 + n * 12 / self.calls_per_programme_per_year.max(1);
                    let opens_on = NaiveDate::from_ymd_opt(year, month, 1).expect("valid date");
                    let strict = (p as u32 + n).is_multiple_of(2);
                    calls.push(SynthCall {
                        programme_code: code.clone(),
                        code: format!("{code}-{year}-{}", n + 1),
                        title: format!("{name} {year}, omgång {}", n + 1),
                        opens_on,
                        closes_on: opens_on + Duration::days(75),
                        budget: Ore(rng.random_range(5_000_000..40_000_000) * 100),
                        approval_rate: if strict {
                            rng.random_range(0.30..0.45)
                        } else {
                            rng.random_range(0.60..0.80)
                        },
                    });
                }
            }
        }
        calls
    }

    /// The applications, in order of receipt within each call.
    pub fn applications(&self) -> impl Iterator<Item = ImportRow> + '_ {
        let calls = self.calls();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let pending_from = ((1.0 - self.pending_share) * self.applications as f64) as usize;
        (0..self.applications).map(move |i| {
            let call = &calls[i * calls.len() / self.applications.max(1)];
            self.application(&mut rng, i, call, i >= pending_from)
        })
    }

    fn application(
        &self,
        rng: &mut StdRng,
        i: usize,
        call: &SynthCall,
        pending: bool,
    ) -> ImportRow {
        let received_on = call.opens_on + Duration::days(rng.random_range(0..75));
        let sex = match rng.random::<f64>() {
            x if x < 0.03 => None,
            x if x < 0.33 => Some(Sex::Female),
            _ => Some(Sex::Male),
        };
        let background = match rng.random::<f64>() {
            x if x < 0.03 => None,
            x if x < 0.72 => Some(ScbBackground::BornInSwedenSwedishParents),
            x if x < 0.80 => Some(ScbBackground::BornInSwedenOneParentAbroad),
            x if x < 0.83 => Some(ScbBackground::BornInSwedenTwoParentsAbroad),
            _ => Some(ScbBackground::BornAbroad),
        };
        let birth_year = (rng.random::<f64>() > 0.02)
            .then(|| (received_on.year() - rng.random_range(22..72)) as u16);
        let municipality = if rng.random::<f64>() < 0.03 {
            "1480".to_owned() // Göteborg: applicants from outside the county
        } else {
            // Larger municipalities get more applicants.
            let k = (rng.random::<f64>().powf(1.6) * BY_SIZE.len() as f64) as usize;
            STOCKHOLM_MUNICIPALITIES[BY_SIZE[k.min(BY_SIZE.len() - 1)]]
                .0
                .to_owned()
        };
        let employees =
            (rng.random::<f64>() > 0.03).then(|| (rng.random::<f64>().powi(3) * 120.0) as u32);
        let legal_form = match rng.random::<f64>() {
            x if x < 0.60 => LegalForm::AB,
            x if x < 0.85 => LegalForm::EF,
            x if x < 0.90 => LegalForm::HB,
            x if x < 0.95 => LegalForm::EK,
            _ => LegalForm::IF,
        };
        let owners = (legal_form != LegalForm::IF).then(|| {
            let mut owners = vec![OwnerDto {
                share: "1".into(),
                sex,
                background,
            }];
            if legal_form != LegalForm::EF && rng.random::<f64>() < 0.35 {
                let partner = if rng.random::<f64>() < 0.5 {
                    Sex::Female
                } else {
                    Sex::Male
                };
                owners[0].share = "0.60".into();
                owners.push(OwnerDto {
                    share: "0.40".into(),
                    sex: Some(partner),
                    background: Some(ScbBackground::BornInSwedenSwedishParents),
                });
            }
            owners
        });
        let applied_sek = (rng.random_range(10.5f64..14.5).exp() / 1000.0).round() * 1000.0;
        let applied = Ore((applied_sek as i64).max(10_000) * 100);
        let decision = (!pending).then(|| {
            let mut rate = call.approval_rate;
            if let Some(skew) = &self.skew
                && skew_applies(skew, sex, background, &municipality)
            {
                rate *= skew.approval_factor;
            }
            let decided_on = received_on + Duration::days(rng.random_range(20..100));
            let roll = rng.random::<f64>();
            if roll < 0.03 {
                DecisionBody {
                    outcome: Outcome::Withdrawn,
                    amount_granted: None,
                    decided_on,
                    reason: None,
                }
            } else if rng.random::<f64>() < rate {
                let cut = if rng.random::<f64>() < 0.6 {
                    1.0
                } else {
                    rng.random_range(0.4..0.95)
                };
                // Grants are whole thousands of kronor, never more than applied for.
                let thousands = (applied.as_sek() * cut / 1000.0).round().max(1.0) as i64;
                let granted = Ore(thousands * 1000 * 100).min(applied);
                DecisionBody {
                    outcome: if granted < applied {
                        Outcome::PartlyApproved
                    } else {
                        Outcome::Approved
                    },
                    amount_granted: Some(MoneyDto::sek(granted)),
                    decided_on,
                    reason: None,
                }
            } else {
                DecisionBody {
                    outcome: Outcome::Rejected,
                    amount_granted: None,
                    decided_on,
                    reason: None,
                }
            }
        });
        ImportRow {
            external_id: format!("{}-{:07}", call.code, i),
            call_code: call.code.clone(),
            received_on,
            amount_applied: MoneyDto::sek(applied),
            applicant: ApplicantDto {
                org_number: org_number(self.seed, i),
                legal_form: Some(legal_form),
                municipality: Some(municipality),
                employees,
                sector: Some(SECTORS[rng.random_range(0..SECTORS.len())].to_owned()),
                leader: Some(LeaderDto {
                    sex,
                    birth_year,
                    background,
                }),
                owners,
                categories: None,
            },
            decision,
        }
    }
}

fn skew_applies(
    skew: &Skew,
    sex: Option<Sex>,
    background: Option<ScbBackground>,
    municipality: &str,
) -> bool {
    skew.leader_sex.is_none_or(|s| sex == Some(s))
        && skew
            .foreign_background
            .is_none_or(|f| background.is_some_and(|b| b.is_foreign() == f))
        && (skew.municipalities.is_empty() || skew.municipalities.iter().any(|m| m == municipality))
}

/// A Luhn-valid organisation number, distinct per (seed, index) for up to 10^7 applicants
/// (one in five applicants reapplies with an earlier applicant's number).
pub fn org_number(seed: u64, index: usize) -> String {
    let applicant = if index % 5 == 4 { index / 2 } else { index };
    let body = format!("55{:07}", (applicant as u64 + seed * 7919) % 10_000_000);
    let check = luhn_check_digit(&body);
    format!("{body}{check}")
}

fn luhn_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::applicant::{OrgNumber, Pseudonymiser};

    #[test]
    fn org_numbers_are_valid() {
        for i in 0..1000 {
            OrgNumber::parse(&org_number(7, i)).unwrap();
        }
    }

    #[test]
    fn every_generated_row_is_valid() {
        let config = SynthConfig {
            applications: 2_000,
            ..Default::default()
        };
        let keys = Pseudonymiser::new(b"synth");
        for row in config.applications() {
            let (_, body) = row.into_parts();
            if let Err(e) = body.parse(&keys) {
                panic!("{e:?}");
            }
        }
    }

    #[test]
    fn same_seed_same_data() {
        let config = SynthConfig::default();
        let a: Vec<_> = config.applications().take(50).collect();
        let b: Vec<_> = config.applications().take(50).collect();
        assert_eq!(a, b);
    }
}
