//! Field-level validation errors, each naming its field as a JSON pointer (RFC 6901), so that an
//! integrator can find the exact field of the exact row that was refused.

use serde::Serialize;
use utoipa::ToSchema;

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON pointer to the field, e.g. `/applicant/owners/0/share`.
    pub pointer: String,
    /// What is wrong, in plain English.
    pub reason: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }
}

/// Collects field errors under a pointer prefix while a nested value is checked.
#[derive(Debug, Default)]
pub struct Errors {
    errors: Vec<FieldError>,
}

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, pointer: impl Into<String>, reason: impl Into<String>) {
        self.errors.push(FieldError::new(pointer, reason));
    }

    /// Keeps the value of `result`, or records its error at `pointer` and gives `None`.
    pub fn check<T>(&mut self, pointer: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(reason) => {
                self.add(pointer, reason);
                None
            }
        }
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = FieldError>) {
        self.errors.extend(other);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// `Ok(value)` when nothing was recorded, else every recorded error.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value())
        } else {
            Err(self.errors)
        }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.errors
    }
}

/// Turns the `validator` crate's nested errors into JSON-pointer field errors. Field names are
/// converted to the API's camelCase, which is how serde renames every request field.
pub fn from_validator(errors: &validator::ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect_validator(errors, String::new(), &mut out);
    out.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    out
}

fn collect_validator(
    errors: &validator::ValidationErrors,
    prefix: String,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind as Kind;
    for (field, kind) in errors.errors() {
        let pointer = if field == "__all__" {
            prefix.clone()
        } else {
            format!("{prefix}/{}", camel_case(field))
        };
        match kind {
            Kind::Field(list) => {
                for e in list {
                    let reason = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe_code(e));
                    out.push(FieldError::new(pointer.clone(), reason));
                }
            }
            Kind::Struct(inner) => collect_validator(inner, pointer, out),
            Kind::List(items) => {
                for (index, inner) in items {
                    collect_validator(inner, format!("{pointer}/{index}"), out);
                }
            }
        }
    }
}

fn describe_code(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters"),
            (Some(min), None) => format!("must be at least {min} characters"),
            (None, Some(max)) => format!("must be at most {max} characters"),
            _ => "has the wrong length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        other => format!("is invalid ({other})"),
    }
}

/// `birth_year` -> `birthYear`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// One segment of a JSON pointer (RFC 6901): `~` becomes `~0` and `/` becomes `~1`.
pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointer of a serde path such as `applicant.owners[0].share`.
pub fn pointer_from_serde_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape_pointer_segment(key));
            }
            Segment::Enum { variant } => {
                out.push('/');
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Deserialises JSON into `T`, reporting a type error at the JSON pointer of the offending field.
pub fn from_json_slice<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, FieldError> {
    // Tracking the path costs on every field, so only a document that fails is parsed again
    // with tracking, to find where.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let pointer = pointer_from_serde_path(e.path());
        FieldError::new(pointer, clean_serde_message(&e.into_inner()))
    })?;
    // The document parsed with tracking, so what failed is trailing text after it.
    de.end()
        .map_err(|e| FieldError::new("", clean_serde_message(&e)))?;
    Ok(value)
}

/// serde_json messages end with "at line L column C"; the pointer already says where.
fn clean_serde_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) if error.line() > 0 => text[..cut].to_owned(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Vec<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        birth_year: u16,
    }

    #[test]
    fn type_errors_name_the_field() {
        let err = from_json_slice::<Outer>(br#"{"inner":[{"birthYear":1980},{"birthYear":"x"}]}"#)
            .unwrap_err();
        assert_eq!(err.pointer, "/inner/1/birthYear");
        assert!(err.reason.contains("invalid type"), "{}", err.reason);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = from_json_slice::<Outer>(br#"{"inner":[],"extra":1}"#).unwrap_err();
        assert!(
            err.reason.contains("unknown field `extra`"),
            "{}",
            err.reason
        );
    }

    #[test]
    fn trailing_garbage_is_refused() {
        assert!(from_json_slice::<Outer>(br#"{"inner":[]} x"#).is_err());
    }

    #[test]
    fn camel_case_converts() {
        assert_eq!(camel_case("amount_applied"), "amountApplied");
        assert_eq!(camel_case("x"), "x");
    }
}
