//! The call form as the templates lay it out (`templates/web/fields.html`): fieldsets of
//! labelled fields with hints and errors, built from the posted or prefilled values. The same
//! fields serve the new-call form, the edit form and the draft check.

use std::collections::BTreeMap;

use super::design_form::{FormValues, RowMap, field_id};
use super::say;
use crate::analysis::labels;
use crate::domain::tagging::{Band, Dimension};
use crate::domain::validation::FieldError;
use crate::locale::Language;

pub enum FieldKind {
    /// An `<input>` of this type, with this `inputmode` ("" for none).
    Input {
        kind: &'static str,
        inputmode: &'static str,
    },
    Textarea {
        rows: u8,
    },
    Select {
        options: Vec<Opt>,
    },
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Field {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub error: Option<String>,
    pub value: String,
    pub kind: FieldKind,
}

impl Field {
    /// The ids of the hint and the error, for `aria-describedby`.
    pub fn describedby(&self) -> Option<String> {
        describedby(&self.id, &self.hint, self.error.is_some())
    }
}

pub struct CheckBox {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// Checkboxes sharing a name, in a fieldset of their own.
pub struct Checkboxes {
    /// The id of the fieldset (errors link to it).
    pub id: String,
    pub name: String,
    pub legend: String,
    pub hint: String,
    pub error: Option<String>,
    pub boxes: Vec<CheckBox>,
}

impl Checkboxes {
    pub fn describedby(&self) -> Option<String> {
        describedby(&self.id, &self.hint, self.error.is_some())
    }
}

/// The ids of a control's hint and error, as `aria-describedby` lists them.
fn describedby(id: &str, hint: &str, has_error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if !hint.is_empty() {
        ids.push(format!("{id}-hint"));
    }
    if has_error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A fieldset.
pub struct Section {
    pub legend: String,
    pub hint: String,
    pub fields: Vec<Field>,
    pub checkboxes: Vec<Checkboxes>,
}

/// One entry of the error summary: a link to the field.
pub struct ErrorLink {
    pub id: String,
    pub text: String,
}

/// Field errors by field id, in the viewer's language.
pub struct Errors {
    lang: Language,
    by_id: BTreeMap<String, String>,
    order: Vec<String>,
}

impl Errors {
    pub fn new(lang: Language, errors: &[FieldError], rows: &RowMap) -> Self {
        let mut by_id: BTreeMap<String, String> = BTreeMap::new();
        let mut order = Vec::new();
        for e in errors {
            let id = field_id(&e.pointer, rows);
            let text = say(lang, &e.reason);
            match by_id.get_mut(&id) {
                Some(existing) if !existing.contains(&text) => {
                    existing.push(' ');
                    existing.push_str(&text);
                }
                Some(_) => {}
                None => {
                    order.push(id.clone());
                    by_id.insert(id, text);
                }
            }
        }
        Self { lang, by_id, order }
    }

    pub fn none(lang: Language) -> Self {
        Self::new(lang, &[], &RowMap::default())
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn at(&self, id: &str) -> Option<String> {
        self.by_id.get(id).cloned()
    }

    /// The summary's links, labelled by the fields' labels, in the order of the form.
    pub fn summary(&self, sections: &[Section]) -> Vec<ErrorLink> {
        let mut labels: Vec<(String, String)> = Vec::new();
        for s in sections {
            for f in &s.fields {
                labels.push((f.id.clone(), f.label.clone()));
            }
            for c in &s.checkboxes {
                labels.push((c.id.clone(), c.legend.clone()));
            }
        }
        let mut links: Vec<(usize, ErrorLink)> = self
            .order
            .iter()
            .map(|id| {
                let (position, label) = labels
                    .iter()
                    .position(|(l, _)| l == id)
                    .map_or((usize::MAX, id.clone()), |i| (i, labels[i].1.clone()));
                let text = format!("{label}: {}", self.by_id[id]);
                (
                    position,
                    ErrorLink {
                        id: id.clone(),
                        text,
                    },
                )
            })
            .collect();
        links.sort_by_key(|(p, _)| *p);
        let _ = self.lang;
        links.into_iter().map(|(_, l)| l).collect()
    }
}

fn text_input() -> FieldKind {
    FieldKind::Input {
        kind: "text",
        inputmode: "",
    }
}

fn numeric() -> FieldKind {
    FieldKind::Input {
        kind: "text",
        inputmode: "numeric",
    }
}

fn decimal() -> FieldKind {
    FieldKind::Input {
        kind: "text",
        inputmode: "decimal",
    }
}

fn field(
    values: &FormValues,
    errors: &Errors,
    id: &str,
    label: &str,
    hint: &str,
    kind: FieldKind,
) -> Field {
    Field {
        id: id.to_owned(),
        label: label.to_owned(),
        hint: hint.to_owned(),
        error: errors.at(id),
        value: values.get(id).to_owned(),
        kind,
    }
}

/// The programmes to choose from: (code, name).
pub type Programmes = Vec<(String, String)>;

/// The call's own fields: programme and code only for a new call.
pub fn call_section(
    lang: Language,
    values: &FormValues,
    errors: &Errors,
    programmes: Option<&Programmes>,
) -> Section {
    let l = |sv: &str, en: &str| lang.pick(sv, en).to_owned();
    let mut fields = Vec::new();
    if let Some(programmes) = programmes {
        let chosen = values.get("programmeCode");
        let mut options = vec![Opt {
            value: String::new(),
            label: l("Välj program", "Choose a programme"),
            selected: chosen.is_empty(),
        }];
        options.extend(programmes.iter().map(|(code, name)| Opt {
            value: code.clone(),
            label: format!("{name} ({code})"),
            selected: chosen == code,
        }));
        fields.push(field(
            values,
            errors,
            "programmeCode",
            &l("Program", "Programme"),
            "",
            FieldKind::Select { options },
        ));
        fields.push(field(
            values,
            errors,
            "code",
            &l("Kod", "Code"),
            &l(
                "Utlysningens kod, t.ex. AFF-CHECK-2028-1: bokstäver, siffror och . _ : -",
                "The call's code, e.g. AFF-CHECK-2028-1: letters, digits and . _ : -",
            ),
            text_input(),
        ));
    }
    fields.push(field(
        values,
        errors,
        "title",
        &l("Rubrik", "Title"),
        "",
        text_input(),
    ));
    let date = || FieldKind::Input {
        kind: "date",
        inputmode: "",
    };
    fields.push(field(
        values,
        errors,
        "opensOn",
        &l("Öppnar", "Opens"),
        &l("ÅÅÅÅ-MM-DD", "YYYY-MM-DD"),
        date(),
    ));
    fields.push(field(
        values,
        errors,
        "closesOn",
        &l("Stänger", "Closes"),
        &l("ÅÅÅÅ-MM-DD", "YYYY-MM-DD"),
        date(),
    ));
    fields.push(field(
        values,
        errors,
        "budget",
        &l("Budget (kr)", "Budget (SEK)"),
        &l("T.ex. 10 000 000", "E.g. 10 000 000"),
        decimal(),
    ));
    Section {
        legend: l("Utlysningen", "The call"),
        hint: String::new(),
        fields,
        checkboxes: Vec::new(),
    }
}

/// The groups a call can name: gender, background and the organisation's age bands, as
/// (checkbox value, label).
pub fn group_options(lang: Language, age_bands: &[[u32; 2]]) -> Vec<(String, String)> {
    let mut groups: Vec<(Dimension, String)> = vec![
        (Dimension::Gender, "women".into()),
        (Dimension::Gender, "men".into()),
        (Dimension::Background, "foreign".into()),
        (Dimension::Background, "swedish".into()),
    ];
    for [from, to] in age_bands {
        let band = Band {
            from: *from,
            to: (*to != 0).then_some(*to),
        };
        groups.push((Dimension::AgeBand, band.label()));
    }
    groups
        .into_iter()
        .map(|(d, v)| {
            let label = labels::value(lang, d, &v);
            (format!("{}:{v}", d.code()), label)
        })
        .collect()
}

fn checkboxes(
    values: &FormValues,
    errors: &Errors,
    name: &str,
    legend: String,
    hint: String,
    options: &[(String, String)],
) -> Checkboxes {
    Checkboxes {
        id: name.to_owned(),
        name: name.to_owned(),
        legend,
        hint,
        error: errors.at(name),
        boxes: options
            .iter()
            .enumerate()
            .map(|(i, (value, label))| CheckBox {
                id: if i == 0 {
                    format!("{name}-box")
                } else {
                    format!("{name}-box-{i}")
                },
                value: value.clone(),
                label: label.clone(),
                checked: values.has(name, value),
            })
            .collect(),
    }
}

/// What to include of the design: everything (a call) or text and eligibility (a draft check).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everything,
    TextAndEligibility,
}

/// The design's fieldsets.
pub fn design_sections(
    lang: Language,
    values: &FormValues,
    errors: &Errors,
    groups: &[(String, String)],
    scope: Scope,
) -> Vec<Section> {
    let l = |sv: &str, en: &str| lang.pick(sv, en).to_owned();
    let f = |id: &str, label: String, hint: String, kind: FieldKind| {
        field(values, errors, id, &label, &hint, kind)
    };
    let area = |rows| FieldKind::Textarea { rows };
    let mut sections = vec![
        Section {
            legend: l("Utlysningstexten", "The call's text"),
            hint: l(
                "Texten som sökande läser. Kontrollen markerar könskodade ord, långa meningar och myndighetsord och räknar LIX på den svenska texten.",
                "The text applicants read. The check marks gender-coded words, long sentences and officialese, and computes LIX on the Swedish text.",
            ),
            fields: vec![
                f(
                    "design-text-sv",
                    l("Text på svenska", "Text in Swedish"),
                    String::new(),
                    area(12),
                ),
                f(
                    "design-text-en",
                    l("Text på engelska", "Text in English"),
                    String::new(),
                    area(8),
                ),
            ],
            checkboxes: Vec::new(),
        },
        Section {
            legend: l("Vem får söka", "Who may apply"),
            hint: l(
                "Tomma fält begränsar inte. Kontrollen mäter villkoren mot företagspopulationen.",
                "Empty fields do not restrict. The check measures the rules against the firm population.",
            ),
            fields: vec![
                f(
                    "design-eligibility-sectors",
                    l(
                        "Branscher (SNI) som får söka",
                        "Sectors (SNI) that may apply",
                    ),
                    l(
                        "SNI-koder eller början av koder, åtskilda med komma eller radbrytning, t.ex. 62, 63.1. Tomt: alla branscher.",
                        "SNI codes or prefixes, separated by commas or line breaks, e.g. 62, 63.1. Empty: every sector.",
                    ),
                    area(2),
                ),
                f(
                    "design-eligibility-excludedSectors",
                    l(
                        "Branscher (SNI) som inte får söka",
                        "Sectors (SNI) that may not apply",
                    ),
                    l(
                        "SNI-koder eller början av koder, åtskilda med komma.",
                        "SNI codes or prefixes, separated by commas.",
                    ),
                    area(2),
                ),
                f(
                    "design-eligibility-legalForms",
                    l(
                        "Juridiska former som får söka",
                        "Legal forms that may apply",
                    ),
                    l(
                        "T.ex. AB, EF, HB. Tomt: alla former.",
                        "E.g. AB, EF, HB. Empty: every form.",
                    ),
                    text_input(),
                ),
                f(
                    "design-eligibility-minEmployees",
                    l("Minsta antal anställda", "Fewest employees"),
                    String::new(),
                    numeric(),
                ),
                f(
                    "design-eligibility-maxEmployees",
                    l("Högsta antal anställda", "Most employees"),
                    String::new(),
                    numeric(),
                ),
                f(
                    "design-eligibility-minTurnover",
                    l("Lägsta årsomsättning (kr)", "Lowest yearly turnover (SEK)"),
                    l(
                        "T.ex. 3 000 000. Ett omsättningsgolv kan stänga ute många små företag.",
                        "E.g. 3 000 000. A turnover floor can keep many small firms out.",
                    ),
                    decimal(),
                ),
                f(
                    "design-eligibility-coFinancingShare",
                    l("Egen medfinansiering (%)", "Co-financing share (%)"),
                    l(
                        "Den andel av projektet som den sökande själv betalar, 0–100.",
                        "The share of the project the applicant pays, 0-100.",
                    ),
                    decimal(),
                ),
                f(
                    "design-eligibility-counties",
                    l("Län", "Counties"),
                    l(
                        "Länskoder med två siffror, t.ex. 01 för Stockholms län.",
                        "County codes of two digits, e.g. 01 for Stockholm.",
                    ),
                    text_input(),
                ),
                f(
                    "design-eligibility-municipalities",
                    l("Kommuner", "Municipalities"),
                    l(
                        "Kommunkoder med fyra siffror, t.ex. 0180.",
                        "Municipality codes of four digits, e.g. 0180.",
                    ),
                    text_input(),
                ),
            ],
            checkboxes: Vec::new(),
        },
    ];
    if scope == Scope::TextAndEligibility {
        return sections;
    }
    for row in 0..values.rows("design-targetGroups") {
        let id = format!("design-targetGroups-{row}-description");
        sections.push(Section {
            legend: format!("{} {}", l("Målgrupp", "Target group"), row + 1),
            hint: if row == 0 {
                l(
                    "Vem utlysningen är till för, med utlysningens ord, och vilka grupper det betyder. Lämna tomma rader tomma.",
                    "Whom the call is for, in its own words, and which groups that means. Leave empty rows empty.",
                )
            } else {
                String::new()
            },
            fields: vec![f(&id, l("Beskrivning", "Description"), String::new(), text_input())],
            checkboxes: vec![checkboxes(
                values,
                errors,
                &format!("design-targetGroups-{row}-groups"),
                l("Grupper som beskrivningen avser", "Groups the description means"),
                String::new(),
                groups,
            )],
        });
    }
    sections.push(Section {
        legend: l(
            "Programmets jämställdhetsmål",
            "The programme's equality goals",
        ),
        hint: String::new(),
        fields: Vec::new(),
        checkboxes: vec![checkboxes(
            values,
            errors,
            "design-equalityGoals",
            l(
                "Grupper som programmets mål säger ska nås",
                "Groups the programme's goals say must be reached",
            ),
            l(
                "Kontrollen underkänner utlysningen om en sådan grupp inte nämns som målgrupp.",
                "The check fails the call if such a group is not named as a target group.",
            ),
            groups,
        )],
    });
    sections.push(Section {
        legend: l(
            "Målgruppsanalys (JämKAS Bas)",
            "Target-group analysis (JämKAS Bas)",
        ),
        hint: String::new(),
        fields: vec![
            f(
                "design-targetGroupAnalysis-targetGroup",
                l("Vem är målgruppen?", "Who is the target group?"),
                String::new(),
                area(3),
            ),
            f(
                "design-targetGroupAnalysis-patterns",
                l(
                    "Vilka mönster av kön och bakgrund finns?",
                    "Which patterns of gender and background exist?",
                ),
                String::new(),
                area(3),
            ),
            f(
                "design-targetGroupAnalysis-desiredOutcome",
                l("Vilket utfall vill ni ha?", "What outcome is wanted?"),
                String::new(),
                area(3),
            ),
        ],
        checkboxes: Vec::new(),
    });
    sections.push(Section {
        legend: l("Spridning", "Outreach"),
        hint: String::new(),
        fields: vec![
            f("design-outreach-channels", l("Kanaler", "Channels"),
                l("Åtskilda med komma, t.ex. website, newsletter, womens-business-network, sfi, local-radio.", "Separated by commas, e.g. website, newsletter, womens-business-network, sfi, local-radio."), text_input()),
            f("design-outreach-languages", l("Språk för materialet", "Languages of the material"),
                l("Språkkoder åtskilda med komma, t.ex. sv, en, ar.", "Language codes separated by commas, e.g. sv, en, ar."), text_input()),
        ],
        checkboxes: Vec::new(),
    });
    sections.push(Section {
        legend: l("Bedömargruppen", "The assessment panel"),
        hint: l(
            "Antal ledamöter efter kön. Lämna alla tomma om gruppen inte är utsedd.",
            "Members by sex. Leave all empty if the panel is not appointed.",
        ),
        fields: vec![
            f(
                "design-panel-women",
                l("Kvinnor", "Women"),
                String::new(),
                numeric(),
            ),
            f(
                "design-panel-men",
                l("Män", "Men"),
                String::new(),
                numeric(),
            ),
            f(
                "design-panel-other",
                l("Annat eller inte registrerat", "Other or not recorded"),
                String::new(),
                numeric(),
            ),
        ],
        checkboxes: Vec::new(),
    });
    let dimensions: Vec<(String, String)> = Dimension::ALL
        .iter()
        .map(|d| (d.code().to_owned(), labels::dimension(lang, *d).to_owned()))
        .collect();
    for row in 0..values.rows("design-indicators") {
        sections.push(Section {
            legend: format!("{} {}", l("Uppföljningsindikator", "Follow-up indicator"), row + 1),
            hint: if row == 0 {
                l(
                    "Vad utlysningen lovar att följa upp, t.ex. sökande, beviljade, beviljat belopp, och hur det bryts ned.",
                    "What the call promises to follow up, e.g. applicants, approvals, SEK granted, and how it is broken down.",
                )
            } else {
                String::new()
            },
            fields: vec![f(&format!("design-indicators-{row}-name"), l("Namn", "Name"), String::new(), text_input())],
            checkboxes: vec![checkboxes(
                values,
                errors,
                &format!("design-indicators-{row}-breakdowns"),
                l("Nedbrytning", "Broken down by"),
                String::new(),
                &dimensions,
            )],
        });
    }
    sections
}
