//! `cacls <folder>` and `icacls <folder>` display output: the layout both
//! share, and each tool's way of writing rights.
//!
//! Layout (see `shared/formats/acl-snapshots.md`): the first line is the
//! path as given, a space, then the first ACE; further ACEs are on lines
//! indented to line up under the first; cacls lists the rights of a mask
//! that is not one letter on the lines after `(special access:)`, one name
//! each; icacls ends with `Successfully processed N files; ...`. An ACE is
//! `<principal>:<markers><rights>`: principals contain spaces but never a
//! colon, so the separator is the first colon followed by a rights
//! expression. cacls writes rights as a bare letter (`F`, `C`, `R`, `W`,
//! `N`), icacls in parentheses (`(F)`, `(RX)`, `(AD,WD,X)`), and which one
//! an ACE uses tells the two apart.
//!
//! Variants accepted because published copies show them (reflowed pages,
//! pasted mail): a principal line ending in `:` whose markers and rights
//! are on the next line, `(special` and `access:)` split over two lines,
//! and continuation lines that lost their indentation.

use super::{FolderAcl, SnapshotForm, SnapshotProblem};
use crate::acl::rights::{self, FILE_ALL_ACCESS};
use crate::acl::{
    Ace, Dacl, Principals, SecurityDescriptor, Sid, Trustee, ace_flags, ace_type, well_known_sid,
};

/// How an ACE's rights were written, which says which tool wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    /// A bare letter or `(special access:)`: cacls.
    Cacls,
    /// Rights in parentheses: icacls.
    Icacls,
}

/// The part of an ACE after the principal's colon, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rights {
    flags: u8,
    deny: bool,
    mask: u32,
    /// Rights named in a way not known here (an unknown name or letter).
    unknown_names: Vec<String>,
    /// `(special access:)`: the rights follow on the next lines.
    special: bool,
    /// An integrity label (`(NW)`...), which icacls lists with the DACL
    /// but which is no part of it.
    label: bool,
    syntax: Syntax,
}

/// Why a rights column cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum RightsError {
    #[error("{0:?} after the rights")]
    AfterRights(String),
    #[error("unclosed parenthesis in {0:?}")]
    Unclosed(String),
    #[error("unknown marker ({0})")]
    UnknownMarker(String),
    #[error("{0:?} is not a right")]
    NotARight(String),
    #[error("no rights in {0:?}")]
    NoRights(String),
}

/// Parses `(OI)(CI)(IO)F`, `(I)(OI)(CI)(RX,W)`, `(CI)(special access:)`,
/// `(DENY)(W)` and the like; `Err` says what is wrong.
fn parse_rights(text: &str) -> Result<Rights, RightsError> {
    let mut rights = Rights {
        flags: 0,
        deny: false,
        mask: 0,
        unknown_names: Vec::new(),
        special: false,
        label: false,
        syntax: Syntax::Icacls,
    };
    let mut rest = text.trim();
    let mut rights_seen = false;
    while !rest.is_empty() {
        if rights_seen {
            return Err(RightsError::AfterRights(rest.to_string()));
        }
        if let Some(inner) = rest.strip_prefix('(') {
            let close = inner
                .find(')')
                .ok_or_else(|| RightsError::Unclosed(text.to_string()))?;
            let group = inner[..close].trim();
            rest = inner[close + 1..].trim_start();
            let upper = group.to_ascii_uppercase();
            match upper.as_str() {
                "OI" => rights.flags |= ace_flags::OBJECT_INHERIT,
                "CI" => rights.flags |= ace_flags::CONTAINER_INHERIT,
                "IO" => rights.flags |= ace_flags::INHERIT_ONLY,
                "NP" => rights.flags |= ace_flags::NO_PROPAGATE_INHERIT,
                "I" | "ID" => rights.flags |= ace_flags::INHERITED,
                "DENY" => rights.deny = true,
                "NW" | "NR" | "NX" => {
                    rights.label = true;
                    rights_seen = true;
                }
                "SPECIAL ACCESS:" | "SPECIAL ACCESS" => {
                    rights.special = true;
                    rights.syntax = Syntax::Cacls;
                    rights_seen = true;
                }
                _ => {
                    let items: Vec<&str> = group.split(',').map(str::trim).collect();
                    let known: Vec<Option<u32>> = items
                        .iter()
                        .map(|item| rights::icacls_right(item))
                        .collect();
                    // A group of only unknown words before more groups is an
                    // unknown marker, not rights: the ACE cannot be read.
                    if known.iter().all(Option::is_none) && rest.starts_with('(') {
                        return Err(RightsError::UnknownMarker(group.to_string()));
                    }
                    for (item, mask) in items.iter().zip(known) {
                        match mask {
                            Some(mask) => rights.mask |= mask,
                            None => rights.unknown_names.push((*item).to_string()),
                        }
                    }
                    rights.syntax = Syntax::Icacls;
                    rights_seen = true;
                }
            }
        } else {
            // A bare word: cacls' one-letter rights.
            let word = rest.trim();
            // cacls prints one letter; a short word of letters may be a
            // right letter not known here, anything else is not rights.
            if word.is_empty() || word.len() > 4 || !word.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(RightsError::NotARight(word.to_string()));
            }
            rights.syntax = Syntax::Cacls;
            match word.to_ascii_uppercase().as_str() {
                // cacls' N is "no access": a deny of everything.
                "N" => {
                    rights.deny = true;
                    rights.mask = FILE_ALL_ACCESS;
                }
                letter => match rights::CACLS_LETTERS.iter().find(|(l, _)| *l == letter) {
                    Some((_, mask)) => rights.mask = *mask,
                    None => rights.unknown_names.push(word.to_string()),
                },
            }
            rights_seen = true;
            rest = "";
        }
    }
    if !rights_seen {
        return Err(RightsError::NoRights(text.to_string()));
    }
    Ok(rights)
}

/// `principal:rights` -> (principal, rights), splitting at the first colon
/// whose remainder is a rights expression.
fn split_ace(text: &str) -> Option<(&str, Rights)> {
    text.match_indices(':').find_map(|(at, _)| {
        let rights = parse_rights(&text[at + 1..]).ok()?;
        let principal = text[..at].trim_end();
        (!principal.is_empty()).then_some((principal, rights))
    })
}

/// The ACE part of a line, even if its rights cannot be read: splits at the
/// first colon that is not a drive letter's.
fn split_ace_loosely(text: &str) -> Option<(&str, &str)> {
    text.match_indices(':').find_map(|(at, _)| {
        let after = &text[at + 1..];
        (!after.starts_with(['\\', '/']) && at > 0).then(|| (text[..at].trim_end(), after))
    })
}

/// How much a text looks like a principal name: 3 a SID or well-known
/// name, 2 `DOMAIN\name` with a one-word domain (or an authority), 1 a
/// bare word, 0 anything else (a path fragment and a name run together).
fn principal_score(name: &str) -> u8 {
    let name = name.trim();
    if name.is_empty() {
        return 0;
    }
    if name.parse::<Sid>().is_ok() || well_known_sid(name).is_some() {
        return 3;
    }
    if name.matches('\\').count() > 1 || name.contains(['/', ':']) {
        return 0;
    }
    match name.split_once('\\') {
        Some((domain, bare)) => {
            let domain_ok = !domain.contains(' ') || crate::acl::names::is_authority_name(name);
            u8::from(domain_ok && !domain.is_empty() && !bare.trim().is_empty()) * 2
        }
        None => u8::from(!name.contains(' ')),
    }
}

/// Splits `<path> <principal>` when the indentation does not say where:
/// the split whose principal looks most like one, the leftmost on a tie.
fn split_path_heuristically(head: &str) -> Option<(&str, &str)> {
    let mut best: Option<(u8, &str, &str)> = None;
    for (at, _) in head.match_indices(' ') {
        let (path, principal) = (head[..at].trim_end(), head[at + 1..].trim());
        if path.is_empty() || principal.is_empty() {
            continue;
        }
        let score = principal_score(principal);
        if best.is_none_or(|(known, _, _)| score > known) {
            best = Some((score, path, principal));
        }
    }
    best.filter(|(score, _, _)| *score > 0)
        .map(|(_, path, principal)| (path, principal))
}

/// `FILE_WRITE_DATA`, `GENERIC_READ`: a line under `(special access:)`.
fn is_right_name_line(line: &str) -> bool {
    let word = line.trim();
    word.len() > 1
        && word
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && word.bytes().any(|b| b.is_ascii_uppercase())
}

/// `Successfully processed 1 files; Failed processing 0 files`.
fn summary_line(line: &str) -> Option<(u64, u64)> {
    let line = line.trim();
    let rest = line.strip_prefix("Successfully processed ")?;
    let (done, rest) = rest.split_once(" files; Failed processing ")?;
    let failed = rest.strip_suffix(" files")?;
    Some((done.trim().parse().ok()?, failed.trim().parse().ok()?))
}

/// Messages Windows tools print instead of an ACL (English).
const KNOWN_ERRORS: &[&str] = &[
    "The system cannot find the file specified.",
    "The system cannot find the path specified.",
    "Access is denied.",
    "The filename, directory name, or volume label syntax is incorrect.",
    "The network path was not found.",
    "The network name cannot be found.",
    "The device is not ready.",
    "The parameter is incorrect.",
    "No mapping between account names and security IDs was done.",
    "The process cannot access the file because it is being used by another process.",
];

/// A line that is a tool's error message, with the path it names when it
/// names one (`C:\x: The system cannot find the file specified.`).
fn error_line(line: &str) -> Option<(Option<&str>, &str)> {
    let line = line.trim();
    if let Some(known) = KNOWN_ERRORS.iter().find(|m| line.ends_with(*m)) {
        let before = line[..line.len() - known.len()].trim_end();
        let path = before.strip_suffix(':').map(str::trim_end);
        return match path {
            Some(path) if !path.is_empty() => Some((Some(path), &line[line.len() - known.len()..])),
            _ if before.is_empty() => Some((None, line)),
            _ => None,
        };
    }
    // An unknown message after `path: `, as icacls prints one per folder.
    let (path, message) = line.split_once(": ")?;
    let looks_like_path = path.len() >= 2
        && (path.as_bytes()[1] == b':' || path.starts_with("\\\\"))
        && !path.contains("  ");
    let sentence = message.ends_with('.') && message.contains(' ');
    (looks_like_path && sentence && split_ace(line).is_none()).then_some((Some(path), message))
}

/// A command prompt echoed into the file (`C:\>cacls C:\x`), or a banner.
fn is_noise(line: &str) -> bool {
    let line = line.trim();
    let lower = line.to_ascii_lowercase();
    (line.contains(":\\") && line.contains('>') && (lower.contains("cacls")))
        || lower.starts_with("microsoft windows")
        || lower.starts_with("(c) ")
}

/// Whether a file starts like cacls or icacls display output; which one.
pub(super) fn sniff(sample: &[&str]) -> Option<SnapshotForm> {
    let mut errors_only = false;
    let filled: Vec<&str> = sample
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    for (position, line) in filled.iter().enumerate() {
        if summary_line(line).is_some() {
            return Some(SnapshotForm::IcaclsDisplay);
        }
        if is_noise(line) {
            continue;
        }
        if error_line(line).is_some() {
            errors_only = true;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        // The first record: a path, a principal, rights this tool knows.
        // Other text files ("Server name: EXCH") must not look like one, so
        // the path must look like a path or have ACE lines indented under it.
        let (head, rights) = split_ace(line)?;
        let (path, _) = split_path_heuristically(head)?;
        let indented_next = filled
            .get(position + 1)
            .is_some_and(|next| next.starts_with(' ') && split_ace(next.trim()).is_some());
        let path_like = path.contains(['\\', '/']) || looks_like_path_start(path);
        // An unknown right on the first ACE is still cacls output when the
        // path is plainly one (the reader then reports that ACE).
        let plausible = path_like || (indented_next && rights.unknown_names.is_empty());
        return plausible.then_some(form_of(rights.syntax));
    }
    errors_only.then_some(SnapshotForm::Cacls)
}

fn form_of(syntax: Syntax) -> SnapshotForm {
    match syntax {
        Syntax::Cacls => SnapshotForm::Cacls,
        Syntax::Icacls => SnapshotForm::IcaclsDisplay,
    }
}

fn tool(form: SnapshotForm) -> &'static str {
    match form {
        SnapshotForm::IcaclsDisplay => "icacls",
        _ => "cacls",
    }
}

/// One folder's lines: the first (path and first ACE) and those under it.
struct Record<'t> {
    first: (usize, &'t str),
    rest: Vec<(usize, &'t str)>,
}

pub(super) fn read(
    origin: &str,
    lines: &[&str],
    file_form: SnapshotForm,
) -> (Vec<FolderAcl>, Vec<SnapshotProblem>) {
    let mut folders = super::Records::default();
    let mut problems = Vec::new();
    let problem = |line: usize, message: String, folder: Option<&str>| SnapshotProblem {
        origin: origin.to_string(),
        line: Some(line),
        message,
        folder: folder.map(str::to_string),
    };
    let joined = join_wrapped(lines);
    let mut records: Vec<Record> = Vec::new();
    let mut special_open = false;
    // Whether the current record may go on with lines that lost their
    // indentation: not after a blank line (cacls ends each folder with
    // one), nor in a record whose lines are indented.
    let mut flat_record = false;
    for (number, line) in joined.iter().map(|(n, l)| (*n, l.as_str())) {
        if line.trim().is_empty() {
            special_open = false;
            flat_record = false;
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if !indented {
            if summary_line(line).is_some() || is_noise(line) {
                special_open = false;
                continue;
            }
            if let Some((path, message)) = error_line(line) {
                special_open = false;
                let words = match path {
                    Some(path) => format!(
                        "{} could not read the ACL of {path}: {message}",
                        tool(file_form)
                    ),
                    None => format!(
                        "{} could not read the ACL of a folder it does not name: {message}",
                        tool(file_form)
                    ),
                };
                problems.push(problem(number, words, path));
                continue;
            }
        }
        let continues = match records.last() {
            None => false,
            Some(_) if indented => {
                flat_record = false;
                true
            }
            // Lines that lost their indentation: right names, or a lone ACE
            // whose principal is plainly a name (no path before it).
            Some(_) if !flat_record => false,
            Some(_) if special_open && is_right_name_line(line) => true,
            Some(_) => split_ace(line).is_some_and(|(head, _)| {
                principal_score(head) >= 2 && !looks_like_path_start(head)
            }),
        };
        if continues {
            if let Some(record) = records.last_mut() {
                record.rest.push((number, line));
            }
        } else {
            records.push(Record {
                first: (number, line),
                rest: Vec::new(),
            });
            flat_record = true;
        }
        special_open = if is_right_name_line(line) {
            special_open
        } else {
            split_ace(line.trim()).is_some_and(|(_, r)| r.special)
        };
    }
    for record in &records {
        match read_record(origin, record, file_form, &mut problems) {
            Ok(folder) => folders.push(folder),
            Err(bad) => problems.push(bad),
        }
    }
    (folders.into_vec(), problems)
}

/// A drive letter, UNC or rooted path at the start of a text.
fn looks_like_path_start(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.starts_with('\\') || (bytes.len() >= 2 && bytes[1] == b':')
}

/// Joins the wrapped variants into single lines, keeping each one's first
/// line number: `principal:` + `(markers)rights` and `(special` +
/// `access:)`.
fn join_wrapped(lines: &[&str]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let mut line = lines[index].to_string();
        let number = index + 1;
        index += 1;
        loop {
            let trimmed = line.trim_end();
            let next = lines.get(index).map(|l| l.trim());
            let joins = match next {
                Some(next) if trimmed.ends_with("(special") => next.starts_with("access:)"),
                Some(next) if trimmed.ends_with(':') && !trimmed.ends_with("access:)") => {
                    next.starts_with('(') && split_ace(&format!("x:{next}")).is_some()
                }
                _ => false,
            };
            if !joins {
                break;
            }
            let separator = if trimmed.ends_with("(special") {
                " "
            } else {
                ""
            };
            line = format!("{trimmed}{separator}{}", next.unwrap_or_default());
            index += 1;
        }
        out.push((number, line));
    }
    out
}

fn read_record(
    origin: &str,
    record: &Record,
    file_form: SnapshotForm,
    problems: &mut Vec<SnapshotProblem>,
) -> Result<FolderAcl, SnapshotProblem> {
    let (first_number, first_line) = record.first;
    let fail = |line: usize, message: String, folder: Option<&str>| SnapshotProblem {
        origin: origin.to_string(),
        line: Some(line),
        message,
        folder: folder.map(str::to_string),
    };
    // Where ACEs start: the indentation of the lines under the first.
    let column = record
        .rest
        .iter()
        .filter(|(_, line)| !is_right_name_line(line))
        .map(|(_, line)| line.chars().take_while(|c| *c == ' ').count())
        .min()
        .filter(|column| *column > 0);
    let by_column = column.and_then(|column| {
        let start = first_line.char_indices().nth(column)?.0;
        let before = &first_line[..start];
        before.ends_with(' ').then_some(())?;
        let (principal, rights) = split_ace(&first_line[start..])?;
        (principal_score(principal) > 0).then(|| (before.trim_end(), principal, rights))
    });
    let split = by_column.or_else(|| {
        let (head, rights) = split_ace(first_line)?;
        let (path, principal) = split_path_heuristically(head)?;
        Some((path, principal, rights))
    });
    let Some((path, principal, rights)) = split else {
        let path = first_line.trim();
        return Err(fail(
            first_number,
            format!(
                "{path:?} is not followed by an ACE ({} prints `<path> <principal>:<rights>`); \
                 an empty ACL is not assumed",
                tool(file_form)
            ),
            Some(path),
        ));
    };
    let path = path.trim().trim_matches('"').trim();
    if path.is_empty() {
        return Err(fail(
            first_number,
            "no folder path before the first ACE".to_string(),
            None,
        ));
    }
    let mut aces: Vec<Ace> = Vec::new();
    let mut syntaxes: Vec<Syntax> = Vec::new();
    let mut open_special: Option<(usize, usize)> = None; // (ACE index, line)
    let mut push_ace = |number: usize,
                        principal: &str,
                        rights: Rights,
                        aces: &mut Vec<Ace>,
                        problems: &mut Vec<SnapshotProblem>|
     -> Option<usize> {
        if rights.label {
            return None;
        }
        syntaxes.push(rights.syntax);
        let unknown_rights = if rights.unknown_names.is_empty() {
            0
        } else {
            problems.push(fail(
                number,
                format!(
                    "unknown right(s) {} for {principal} on {path}: that entry's rights are \
                     partly unknown",
                    rights.unknown_names.join(", ")
                ),
                Some(path),
            ));
            FILE_ALL_ACCESS & !rights::map_generic(rights.mask)
        };
        aces.push(make_ace(principal, &rights, unknown_rights));
        Some(aces.len() - 1)
    };
    if let Some(index) = push_ace(first_number, principal, rights.clone(), &mut aces, problems) {
        if rights.special {
            open_special = Some((index, first_number));
        }
    }
    for (number, line) in &record.rest {
        let text = line.trim();
        if let Some((index, _)) = open_special {
            if is_right_name_line(text) {
                match rights::win32_right(text) {
                    Some(mask) => aces[index].mask |= mask,
                    None => {
                        problems.push(fail(
                            *number,
                            format!(
                                "unknown right name {text} under (special access:) on {path}: \
                                 that entry's rights are partly unknown"
                            ),
                            Some(path),
                        ));
                        aces[index].unknown_rights |= FILE_ALL_ACCESS;
                    }
                }
                continue;
            }
        }
        close_special(&mut open_special, &mut aces, origin, path, problems);
        match split_ace(text) {
            Some((principal, rights)) => {
                let special = rights.special;
                if let Some(index) = push_ace(*number, principal, rights, &mut aces, problems) {
                    if special {
                        open_special = Some((index, *number));
                    }
                }
            }
            None => {
                let what = match split_ace_loosely(text) {
                    Some((principal, rights)) => {
                        format!("the rights {rights:?} of {principal} cannot be read")
                    }
                    None => format!("{text:?} is not an ACE (<principal>:<rights>)"),
                };
                return Err(fail(
                    *number,
                    format!("{what}; the ACL of {path} is not used"),
                    Some(path),
                ));
            }
        }
    }
    close_special(&mut open_special, &mut aces, origin, path, problems);
    if aces.is_empty() {
        // Only an integrity label: no DACL entry was printed.
        return Err(fail(
            first_number,
            format!(
                "no ACE of {path} is listed, only an integrity label; an empty ACL is not assumed"
            ),
            Some(path),
        ));
    }
    // Strip the masks of unknown rights' ACEs down to what is known.
    for ace in &mut aces {
        ace.unknown_rights &= !rights::map_generic(ace.mask);
    }
    let form = match syntaxes.first() {
        Some(first) if syntaxes.iter().all(|s| s == first) => form_of(*first),
        _ => file_form,
    };
    Ok(FolderAcl {
        origin: origin.to_string(),
        line: Some(first_number),
        path: path.to_string(),
        form,
        sddl: None,
        descriptor: SecurityDescriptor {
            control: None,
            owner: None,
            group: None,
            dacl: Dacl::Entries(aces),
        },
        records: 1,
    })
}

/// Ends a `(special access:)` block; one with no right names under it has
/// rights that are wholly unknown.
fn close_special(
    open: &mut Option<(usize, usize)>,
    aces: &mut [Ace],
    origin: &str,
    path: &str,
    problems: &mut Vec<SnapshotProblem>,
) {
    if let Some((index, line)) = open.take() {
        if aces[index].mask == 0 && aces[index].unknown_rights == 0 {
            problems.push(SnapshotProblem {
                origin: origin.to_string(),
                line: Some(line),
                message: format!(
                    "no right names follow (special access:) on {path}: that entry's rights \
                     are unknown"
                ),
                folder: Some(path.to_string()),
            });
            aces[index].unknown_rights = FILE_ALL_ACCESS;
        }
    }
}

/// An ACE from a printed principal and its rights. Names that are SIDs or
/// well-known principals become SIDs here; other names are mapped later,
/// when the bundle's accounts are known (see `Principals`).
fn make_ace(principal: &str, rights: &Rights, unknown_rights: u32) -> Ace {
    let principal = principal.trim();
    let trustee = match Principals::default().sid_of(principal) {
        Some(sid) => Trustee::Sid(sid),
        None => Trustee::Name(principal.to_string()),
    };
    Ace {
        ace_type: if rights.deny {
            ace_type::ACCESS_DENIED
        } else {
            ace_type::ACCESS_ALLOWED
        },
        flags: rights.flags,
        mask: rights.mask,
        trustee,
        display_name: Some(principal.to_string()),
        unknown_rights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_expressions_of_both_tools() {
        let r = parse_rights("(OI)(CI)(IO)F").unwrap();
        assert_eq!(
            (r.flags, r.mask, r.deny, r.syntax),
            (0x0B, 0x1F01FF, false, Syntax::Cacls)
        );
        let r = parse_rights("(I)(OI)(CI)(RX,W)").unwrap();
        assert_eq!(
            (r.flags, r.mask, r.syntax),
            (0x13, 0x1201BF, Syntax::Icacls)
        );
        let r = parse_rights("(AD,WD,X)").unwrap();
        assert_eq!(r.mask, 0x26, "icacls WD is FILE_WRITE_DATA");
        let r = parse_rights("(S,RD)").unwrap();
        assert_eq!(r.mask, 0x100001);
        let r = parse_rights("(DENY)(W)").unwrap();
        assert!(r.deny);
        let r = parse_rights("N").unwrap();
        assert!(r.deny && r.mask == 0x1F01FF);
        let r = parse_rights("(CI)(special access:)").unwrap();
        assert!(r.special && r.flags == 0x02);
        let r = parse_rights("(OI)(NP)(IO)(NW)").unwrap();
        assert!(r.label);
        let r = parse_rights("(RD,ZZ)").unwrap();
        assert_eq!(r.unknown_names, ["ZZ"]);
        assert!(parse_rights("(XX)(F)").is_err());
        assert!(parse_rights("(OI)").is_err());
        assert!(parse_rights("\\x").is_err());
        assert!(parse_rights(")").is_err());
    }

    #[test]
    fn principals_split_at_the_right_colon_and_space() {
        let (head, _) =
            split_ace("C:\\Program Files BUILTIN\\Users:(CI)(special access:)").unwrap();
        assert_eq!(head, "C:\\Program Files BUILTIN\\Users");
        assert_eq!(
            split_path_heuristically(head),
            Some(("C:\\Program Files", "BUILTIN\\Users"))
        );
        assert_eq!(
            split_path_heuristically("D:\\Users\\Andy FALCON\\Andy"),
            Some(("D:\\Users\\Andy", "FALCON\\Andy"))
        );
        assert_eq!(
            split_path_heuristically("C:\\WINDOWS NT AUTHORITY\\Authenticated Users"),
            Some(("C:\\WINDOWS", "NT AUTHORITY\\Authenticated Users"))
        );
        assert_eq!(
            split_path_heuristically("C:\\x CREATOR OWNER"),
            Some(("C:\\x", "CREATOR OWNER"))
        );
    }

    #[test]
    fn error_lines_name_their_folder() {
        assert_eq!(
            error_line("C:\\missing: The system cannot find the file specified."),
            Some((
                Some("C:\\missing"),
                "The system cannot find the file specified."
            ))
        );
        assert_eq!(
            error_line("The system cannot find the file specified."),
            Some((None, "The system cannot find the file specified."))
        );
        assert_eq!(error_line("C:\\x BUILTIN\\Users:R"), None);
        assert_eq!(
            summary_line("Successfully processed 1 files; Failed processing 0 files"),
            Some((1, 0))
        );
    }
}
