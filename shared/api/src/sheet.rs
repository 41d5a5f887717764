//! Every CSV the API writes (the members export, the reports): one writer, so no export can
//! forget that spreadsheets run formulas.
//!
//! A cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, tab
//! or carriage return) is written with a leading `'`, OWASP's rule against CSV injection
//! (security review, issue 31: `=HYPERLINK(...)` in a member's e-mail ran when the owner
//! opened members.csv). Numbers stay numbers: `-12.50` is an amount, not a formula. The
//! import takes the `'` off again (`unescape`), so an export imports back unchanged.

use std::borrow::Cow;

use crate::error::ApiError;
use crate::reply::Reply;

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A plain decimal number (`-12.50`, `+3`, `120`): safe as it is, and a spreadsheet's
/// number.
fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// The cell as written: text a spreadsheet would evaluate gets a leading `'`.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(TRIGGERS) && !is_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell as read back by the import: `'` before a trigger is the export's, not the data's.
pub fn unescape(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) && !is_number(rest) => rest,
        _ => text,
    }
}

/// A CSV document under construction.
pub struct Sheet {
    out: csv::Writer<Vec<u8>>,
}

fn failed(e: csv::Error) -> ApiError {
    ApiError::Internal(e.to_string())
}

impl Sheet {
    pub fn new(header: &[&str]) -> Result<Self, ApiError> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(header).map_err(failed)?;
        Ok(Sheet { out })
    }

    /// One row; every cell passes `cell`.
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), ApiError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<S> = cells.into_iter().collect();
        self.out
            .write_record(cells.iter().map(|c| cell(c.as_ref()).into_owned()))
            .map_err(failed)
    }

    /// The document as a `text/csv` answer.
    pub fn reply(self) -> Result<Reply, ApiError> {
        let bytes = self
            .out
            .into_inner()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Reply::csv(String::from_utf8_lossy(&bytes).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_stay_numbers() {
        for (raw, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-12.50", "-12.50"),
            ("+3", "+3"),
            ("120", "120"),
            ("ann@example.com", "ann@example.com"),
            ("", ""),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(cell(raw), written, "{raw:?}");
            assert_eq!(unescape(&cell(raw)), raw, "round trip of {raw:?}");
        }
    }

    #[test]
    fn a_sheet_writes_every_cell_through_the_rule() {
        let mut s = Sheet::new(&["email", "amount"]).unwrap();
        s.row(["=1+1", "-5.00"]).unwrap();
        let reply = s.reply().unwrap();
        assert_eq!(reply.body, "email,amount\n'=1+1,-5.00\n");
        assert_eq!(reply.content_type, "text/csv; charset=utf-8");
    }
}
