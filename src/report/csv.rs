//! The `csv` format: one row per check (RFC 4180 quoting). A bundle that
//! could not be read gets one row with empty check fields so it is not lost.

use super::BundleReport;
use std::io::{self, Write};

const HEADER: [&str; 9] = [
    "bundle",
    "bundle_verdict",
    "computer_name",
    "control_set",
    "check_id",
    "verdict",
    "summary",
    "remediation",
    "errors",
];

pub fn write_csv_header(out: &mut dyn Write) -> io::Result<()> {
    write_row(out, &HEADER.map(String::from))
}

/// Writes the rows of one report (no header).
pub fn write_csv_rows(out: &mut dyn Write, report: &BundleReport) -> io::Result<()> {
    let common = [
        report.bundle.clone(),
        report.verdict.to_string(),
        report.computer_name.clone().unwrap_or_default(),
        report.control_set.clone().unwrap_or_default(),
    ];
    let errors = report.errors.join("; ");
    if report.checks.is_empty() {
        let mut row = common.to_vec();
        row.extend([
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            errors,
        ]);
        return write_row(out, &row);
    }
    for check in &report.checks {
        let mut row = common.to_vec();
        row.extend([
            check.id.clone(),
            check.verdict.to_string(),
            check.summary.clone(),
            check.remediation.clone().unwrap_or_default(),
            errors.clone(),
        ]);
        write_row(out, &row)?;
    }
    Ok(())
}

/// Header and rows of every report.
pub fn write_csv(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    write_csv_header(out)?;
    for report in reports {
        write_csv_rows(out, report)?;
    }
    Ok(())
}

fn write_row(out: &mut dyn Write, fields: &[String]) -> io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn fields_with_commas_quotes_or_newlines_are_quoted() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
    }
}
