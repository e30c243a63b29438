//! CSV rows: UTF-8 with or without a byte-order mark, in the international dialect (`,` and
//! decimal points) or the Swedish spreadsheet dialect (`;` and decimal commas), told apart by the
//! header line. Columns are named in the header; docs/api.md lists them.

use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDate;

use super::{ImportError, RowError, SourceItem};
use crate::domain::applicant::{
    ApplicantDto, BackgroundGroup, FirmGender, LeaderDto, LegalForm, OwnerDto, ScbBackground, Sex,
    SuppliedCategoriesDto,
};
use crate::domain::application::{DecisionBody, DecisionReason, ImportRow, Outcome};
use crate::domain::money::{MoneyDto, Ore, SEK};
use crate::domain::validation::from_validator;

/// Every column, with the JSON pointer of the field it fills.
pub const COLUMNS: [(&str, &str); 24] = [
    ("externalId", "/externalId"),
    ("callCode", "/callCode"),
    ("receivedOn", "/receivedOn"),
    ("amountApplied", "/amountApplied"),
    ("currency", "/amountApplied/currency"),
    ("orgNumber", "/applicant/orgNumber"),
    ("legalForm", "/applicant/legalForm"),
    ("municipality", "/applicant/municipality"),
    ("employees", "/applicant/employees"),
    ("sector", "/applicant/sector"),
    ("leaderSex", "/applicant/leader/sex"),
    ("leaderBirthYear", "/applicant/leader/birthYear"),
    ("leaderBackground", "/applicant/leader/background"),
    ("owners", "/applicant/owners"),
    ("genderCategory", "/applicant/categories/gender"),
    ("genderDefinition", "/applicant/categories/genderDefinition"),
    ("backgroundCategory", "/applicant/categories/background"),
    (
        "backgroundDetailCategory",
        "/applicant/categories/backgroundDetail",
    ),
    ("ageBandCategory", "/applicant/categories/ageBand"),
    ("sizeBandCategory", "/applicant/categories/sizeBand"),
    ("decisionOutcome", "/decision/outcome"),
    ("amountGranted", "/decision/amountGranted"),
    ("decidedOn", "/decision/decidedOn"),
    ("decisionReason", "/decision/reason"),
];

const REQUIRED: [&str; 5] = [
    "externalId",
    "callCode",
    "receivedOn",
    "amountApplied",
    "orgNumber",
];

/// The CSV column a JSON pointer belongs to (the column whose pointer is its longest prefix).
pub fn column_of(pointer: &str) -> Option<String> {
    if pointer == "/decision" {
        return Some("decisionOutcome".into());
    }
    COLUMNS
        .iter()
        .filter(|(_, p)| pointer == *p || pointer.starts_with(&format!("{p}/")))
        .max_by_key(|(_, p)| p.len())
        .map(|(c, _)| (*c).to_owned())
}

fn column_index(name: &str) -> usize {
    COLUMNS
        .iter()
        .position(|(c, _)| *c == name)
        .expect("a column named in code exists")
}

/// Rows of a CSV body. Fails at once when the header is unusable.
pub fn rows(
    body: impl Read,
) -> Result<impl Iterator<Item = Result<SourceItem, ImportError>>, ImportError> {
    let mut reader = BufReader::with_capacity(256 * 1024, body);
    let head = reader.fill_buf()?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let first_line = &head[if bom { 3 } else { 0 }..];
    let first_line = &first_line[..first_line
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(first_line.len())];
    let swedish = first_line.contains(&b';');
    if bom {
        reader.consume(3);
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(if swedish { b';' } else { b',' })
        .flexible(true)
        .has_headers(true)
        // Lines end at \n (a \r before it is trimmed with the field): the reader's own CRLF
        // handling would miscount line numbers.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(reader);
    let header = csv
        .byte_headers()
        .map_err(|e| bad_file("", format!("the header line cannot be read: {e}")))?
        .clone();
    let mut positions: Vec<Option<usize>> = vec![None; COLUMNS.len()];
    for (index, name) in header.iter().enumerate() {
        let name = std::str::from_utf8(name)
            .map_err(|_| bad_file("", "the header line is not UTF-8"))?
            .trim();
        let column = COLUMNS
            .iter()
            .position(|(c, _)| *c == name)
            .ok_or_else(|| {
                bad_file(
                    "",
                    format!("unknown column {name:?} (see docs/api.md for the columns)"),
                )
            })?;
        if positions[column].replace(index).is_some() {
            return Err(bad_file("", format!("column {name:?} appears twice")));
        }
    }
    for required in REQUIRED {
        if positions[column_index(required)].is_none() {
            return Err(bad_file(
                "",
                format!("required column {required:?} is missing"),
            ));
        }
    }
    let width = header.len();
    let mut record = csv::ByteRecord::new();
    Ok(std::iter::from_fn(move || {
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        let csv::ErrorKind::Io(io) = e.into_kind() else {
                            unreachable!()
                        };
                        return Some(Err(io.into()));
                    }
                    return Some(Ok(SourceItem::Bad(vec![RowError {
                        line,
                        pointer: String::new(),
                        column: None,
                        reason: format!("not a valid CSV line: {e}"),
                    }])));
                }
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue; // blank line
            }
            if record.len() != width {
                return Some(Ok(SourceItem::Bad(vec![RowError {
                    line,
                    pointer: String::new(),
                    column: None,
                    reason: format!("has {} fields, the header has {width}", record.len()),
                }])));
            }
            let fields = Fields {
                record: &record,
                positions: &positions,
                decimal_comma: swedish,
                line,
                errors: Vec::new(),
            };
            return Some(Ok(fields.into_item()));
        }
    }))
}

fn bad_file(pointer: &str, reason: impl Into<String>) -> ImportError {
    ImportError::BadFile {
        pointer: pointer.to_owned(),
        reason: reason.into(),
    }
}

/// One record being turned into an [`ImportRow`], collecting every field error.
struct Fields<'a> {
    record: &'a csv::ByteRecord,
    positions: &'a [Option<usize>],
    decimal_comma: bool,
    line: u64,
    errors: Vec<RowError>,
}

impl Fields<'_> {
    fn fail(&mut self, name: &str, reason: impl Into<String>) {
        let (column, pointer) = COLUMNS[column_index(name)];
        self.errors.push(RowError {
            line: self.line,
            pointer: pointer.to_owned(),
            column: Some(column.to_owned()),
            reason: reason.into(),
        });
    }

    /// The trimmed text of a column, `None` when the column is absent or empty.
    fn text(&mut self, name: &str) -> Option<String> {
        let raw = self.record.get(self.positions[column_index(name)]?)?;
        match std::str::from_utf8(raw) {
            Ok(s) if s.trim().is_empty() => None,
            Ok(s) => Some(s.trim().to_owned()),
            Err(_) => {
                self.fail(name, "is not valid UTF-8 (save the file as \"CSV UTF-8\")");
                None
            }
        }
    }

    /// Parses a column with `parse`, recording `expected` on failure.
    fn parsed<T>(
        &mut self,
        name: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let text = self.text(name)?;
        let value = parse(&text);
        if value.is_none() {
            self.fail(name, format!("must be {expected}, got {text:?}"));
        }
        value
    }

    fn required(&mut self, name: &str) -> String {
        let value = self.text(name);
        if value.is_none() {
            self.fail(name, "is required");
        }
        value.unwrap_or_default()
    }

    fn money(&mut self, name: &str) -> Option<MoneyDto> {
        let decimal_comma = self.decimal_comma;
        let ore = self.parsed(name, "an amount such as 250000.00", |t| {
            Ore::parse(t, decimal_comma).ok()
        })?;
        Some(MoneyDto {
            amount: ore.to_decimal_string(),
            currency: SEK.to_owned(),
        })
    }

    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        self.parsed(name, "a date YYYY-MM-DD", |t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
        })
    }

    fn owners(&mut self) -> Option<Vec<OwnerDto>> {
        let decimal_comma = self.decimal_comma;
        self.parsed(
            "owners",
            "owners as share:sex:background separated by |",
            |text| {
                text.split('|')
                    .map(|owner| {
                        let mut parts = owner.split(':').map(str::trim);
                        let share = parts.next().filter(|s| !s.is_empty())?;
                        let share = if decimal_comma {
                            share.replace(',', ".")
                        } else {
                            share.to_owned()
                        };
                        let sex = match parts.next().filter(|s| !s.is_empty()) {
                            Some(s) => Some(Sex::from_code(s)?),
                            None => None,
                        };
                        let background = match parts.next().filter(|s| !s.is_empty()) {
                            Some(b) => Some(ScbBackground::from_code(b)?),
                            None => None,
                        };
                        parts.next().is_none().then_some(OwnerDto {
                            share,
                            sex,
                            background,
                        })
                    })
                    .collect()
            },
        )
    }

    fn into_item(mut self) -> SourceItem {
        let external_id = self.required("externalId");
        let call_code = self.required("callCode");
        let received_on = self.date("receivedOn");
        if received_on.is_none() && self.text("receivedOn").is_none() {
            self.fail("receivedOn", "is required");
        }
        let amount_applied = self.money("amountApplied");
        if let Some(currency) = self.text("currency")
            && currency != SEK
        {
            self.fail(
                "currency",
                format!("only SEK is supported, got {currency:?}"),
            );
        }
        let org_number = self.required("orgNumber");
        let legal_form = self.parsed(
            "legalForm",
            "a legal form such as AB or EF",
            LegalForm::from_code,
        );
        let municipality = self.text("municipality");
        let employees = self.parsed("employees", "a whole number", |t| t.parse().ok());
        let sector = self.text("sector");
        let leader = LeaderDto {
            sex: self.parsed("leaderSex", "female or male", Sex::from_code),
            birth_year: self.parsed("leaderBirthYear", "a year", |t| t.parse().ok()),
            background: self.parsed(
                "leaderBackground",
                "one of SCB's background categories",
                ScbBackground::from_code,
            ),
        };
        let owners = self.owners();
        let categories = SuppliedCategoriesDto {
            gender: self.parsed(
                "genderCategory",
                "women, men or mixed",
                FirmGender::from_code,
            ),
            gender_definition: self.text("genderDefinition"),
            background: self.parsed(
                "backgroundCategory",
                "swedish or foreign",
                BackgroundGroup::from_code,
            ),
            background_detail: self.parsed(
                "backgroundDetailCategory",
                "one of SCB's background categories",
                ScbBackground::from_code,
            ),
            age_band: self.text("ageBandCategory"),
            size_band: self.text("sizeBandCategory"),
        };
        let outcome = self.parsed(
            "decisionOutcome",
            "approved, partly_approved, rejected or withdrawn",
            Outcome::from_code,
        );
        let amount_granted = self.money("amountGranted");
        let decided_on = self.date("decidedOn");
        let reason = self.parsed(
            "decisionReason",
            "initial, reconsidered, appealed or corrected",
            DecisionReason::from_code,
        );
        let decision = match (outcome, decided_on) {
            (Some(outcome), Some(decided_on)) => Some(DecisionBody {
                outcome,
                amount_granted,
                decided_on,
                reason,
            }),
            (Some(_), None) => {
                if self.text("decidedOn").is_none() {
                    self.fail("decidedOn", "is required when decisionOutcome is given");
                }
                None
            }
            (None, _) => {
                if self.text("decidedOn").is_some() || self.text("amountGranted").is_some() {
                    self.fail("decisionOutcome", "is required when a decision is given");
                }
                None
            }
        };
        let has_leader = leader
            != LeaderDto {
                sex: None,
                birth_year: None,
                background: None,
            };
        let has_categories = categories
            != SuppliedCategoriesDto {
                gender: None,
                gender_definition: None,
                background: None,
                background_detail: None,
                age_band: None,
                size_band: None,
            };
        let applicant = ApplicantDto {
            org_number,
            legal_form,
            municipality,
            employees,
            sector,
            leader: has_leader.then_some(leader),
            owners,
            categories: has_categories.then_some(categories),
        };
        let (Some(received_on), Some(amount_applied), true) =
            (received_on, amount_applied, self.errors.is_empty())
        else {
            // Report the applicant's own field errors too, so one round of fixes is enough.
            if let Err(e) = validator::Validate::validate(&applicant) {
                for error in from_validator(&e) {
                    let pointer = format!("/applicant{}", error.pointer);
                    self.errors.push(RowError {
                        line: self.line,
                        column: column_of(&pointer),
                        pointer,
                        reason: error.reason,
                    });
                }
            }
            return SourceItem::Bad(self.errors);
        };
        SourceItem::Row {
            line: self.line,
            row: Box::new(ImportRow {
                external_id,
                call_code,
                received_on,
                amount_applied,
                applicant,
                decision,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(body: &str) -> Vec<SourceItem> {
        rows(body.as_bytes())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn reads_the_swedish_dialect_with_bom() {
        let body = "\u{feff}externalId;callCode;receivedOn;amountApplied;orgNumber;owners;decisionOutcome;amountGranted;decidedOn\n\
                    A-1;C-1;2017-03-01;250 000,50;5566778899;0,60:female:born_abroad|0,40:male;approved;200000;2017-04-15\n";
        let items = items(body);
        let SourceItem::Row { line, row } = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(*line, 2);
        assert_eq!(row.amount_applied.amount, "250000.50");
        let owners = row.applicant.owners.as_ref().unwrap();
        assert_eq!(owners[0].share, "0.60");
        assert_eq!(owners[1].sex, Some(Sex::Male));
        assert_eq!(
            row.decision
                .as_ref()
                .unwrap()
                .amount_granted
                .as_ref()
                .unwrap()
                .amount,
            "200000.00"
        );
    }

    #[test]
    fn reads_the_international_dialect() {
        let body = "externalId,callCode,receivedOn,amountApplied,orgNumber\nA-1,C-1,2017-03-01,1000.50,5566778899\n";
        let SourceItem::Row { row, .. } = &items(body)[0] else {
            panic!()
        };
        assert_eq!(row.amount_applied.amount, "1000.50");
    }

    #[test]
    fn every_bad_field_of_a_row_is_named() {
        let body = "externalId;callCode;receivedOn;amountApplied;orgNumber;leaderSex\nA-1;C-1;2017-13-01;abc;5566778899;x\n";
        let SourceItem::Bad(errors) = &items(body)[0] else {
            panic!()
        };
        let columns: Vec<_> = errors.iter().filter_map(|e| e.column.as_deref()).collect();
        assert_eq!(columns, ["receivedOn", "amountApplied", "leaderSex"]);
        assert!(errors.iter().all(|e| e.line == 2));
    }

    #[test]
    fn an_unknown_column_refuses_the_file() {
        let body = "externalId,callCode,receivedOn,amountApplied,orgNumber,shoeSize\n";
        let Err(ImportError::BadFile { reason, .. }) = rows(body.as_bytes()).map(|_| ()) else {
            panic!()
        };
        assert!(reason.contains("shoeSize"));
    }

    #[test]
    fn a_missing_required_column_refuses_the_file() {
        let Err(ImportError::BadFile { reason, .. }) =
            rows("externalId,callCode\n".as_bytes()).map(|_| ())
        else {
            panic!()
        };
        assert!(reason.contains("receivedOn"));
    }

    #[test]
    fn crlf_line_numbers_count_from_the_header() {
        let body = "externalId;callCode;receivedOn;amountApplied;orgNumber\r\nA;B;2017-01-01;1;5566778899\r\nA;B;x;1;5566778899\r\n";
        let items = items(body);
        assert!(matches!(items[0], SourceItem::Row { line: 2, .. }));
        let SourceItem::Bad(errors) = &items[1] else {
            panic!()
        };
        assert_eq!(errors[0].line, 3);
    }

    #[test]
    fn ragged_rows_are_refused_alone() {
        let body = "externalId,callCode,receivedOn,amountApplied,orgNumber\nA,B\nA-1,C-1,2017-03-01,1,5566778899\n";
        let items = items(body);
        assert!(matches!(items[0], SourceItem::Bad(_)));
        assert!(matches!(items[1], SourceItem::Row { line: 3, .. }));
    }

    #[test]
    fn pointers_map_to_columns() {
        assert_eq!(
            column_of("/applicant/owners/1/share").as_deref(),
            Some("owners")
        );
        assert_eq!(
            column_of("/amountApplied/amount").as_deref(),
            Some("amountApplied")
        );
        assert_eq!(
            column_of("/amountApplied/currency").as_deref(),
            Some("currency")
        );
        assert_eq!(column_of("/decision").as_deref(), Some("decisionOutcome"));
    }
}
