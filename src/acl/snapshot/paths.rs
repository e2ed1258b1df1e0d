//! Windows paths as snapshots write them, normalised for matching:
//! case-insensitive, `/` as `\`, trailing `\` dropped, `.` and `..`
//! resolved, `\\?\` dropped.

use super::FolderMatch;
use crate::registry::names_equal;

/// Where a path is anchored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowsRoot {
    /// `C:\...` (upper-cased letter).
    Drive(char),
    /// `\\server\share\...`.
    Unc { server: String, share: String },
    /// `\...` without a drive.
    Rooted,
    /// `imcdata\Pickup`, as icacls /save writes names.
    Relative,
}

/// A path split into its root and components.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowsPath {
    pub root: WindowsRoot,
    pub components: Vec<String>,
}

impl WindowsPath {
    pub fn parse(text: &str) -> WindowsPath {
        let unified = text.trim().replace('/', "\\");
        let mut rest = unified.as_str();
        // `\\?\C:\x` and `\\?\UNC\server\share`: the long-path prefix.
        let mut unc_from_prefix = false;
        for prefix in ["\\\\?\\", "\\\\.\\", "\\??\\"] {
            if let Some(tail) = rest.strip_prefix(prefix) {
                rest = tail;
                if let Some(unc) = rest
                    .get(..4)
                    .filter(|head| head.eq_ignore_ascii_case("UNC\\"))
                {
                    rest = &rest[unc.len()..];
                    unc_from_prefix = true;
                }
                break;
            }
        }
        let (root, body) = if unc_from_prefix || rest.starts_with("\\\\") {
            let mut parts = rest.trim_start_matches('\\').splitn(3, '\\');
            let server = parts.next().unwrap_or("").to_string();
            let share = parts.next().unwrap_or("").to_string();
            (
                WindowsRoot::Unc { server, share },
                parts.next().unwrap_or(""),
            )
        } else if rest.len() >= 2
            && rest.as_bytes()[1] == b':'
            && rest.as_bytes()[0].is_ascii_alphabetic()
        {
            (
                WindowsRoot::Drive(char::from(rest.as_bytes()[0].to_ascii_uppercase())),
                &rest[2..],
            )
        } else if rest.starts_with('\\') {
            (WindowsRoot::Rooted, rest)
        } else {
            (WindowsRoot::Relative, rest)
        };
        let mut components: Vec<String> = Vec::new();
        for part in body.split('\\') {
            match part {
                "" | "." => {}
                ".." => {
                    if components.last().is_some_and(|last| last != "..") {
                        components.pop();
                    } else if root == WindowsRoot::Relative {
                        // Above where icacls ran: cannot be resolved, kept so it matches nothing.
                        components.push("..".into());
                    }
                }
                name => components.push(name.to_string()),
            }
        }
        WindowsPath { root, components }
    }

    pub fn is_absolute(&self) -> bool {
        matches!(self.root, WindowsRoot::Drive(_) | WindowsRoot::Unc { .. })
    }
}

/// The normalised path, e.g. `C:\WINNT\..\exchsrvr\.\imcdata\` as
/// `C:\exchsrvr\imcdata`: what a report shows for the folder it matched.
impl std::fmt::Display for WindowsPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.root {
            WindowsRoot::Drive(letter) => write!(f, "{letter}:\\")?,
            WindowsRoot::Unc { server, share } => {
                write!(f, "\\\\{server}\\{share}")?;
                if !self.components.is_empty() {
                    f.write_str("\\")?;
                }
            }
            WindowsRoot::Rooted => f.write_str("\\")?,
            WindowsRoot::Relative => {}
        }
        f.write_str(&self.components.join("\\"))
    }
}

fn same_components(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| names_equal(x, y))
}

/// How a snapshot's path matches the folder, if it does.
pub(super) fn match_folder(snapshot: &WindowsPath, folder: &WindowsPath) -> Option<FolderMatch> {
    match &snapshot.root {
        WindowsRoot::Drive(_) | WindowsRoot::Unc { .. } => {
            let same_root = match (&snapshot.root, &folder.root) {
                (WindowsRoot::Drive(a), WindowsRoot::Drive(b)) => a == b,
                (
                    WindowsRoot::Unc {
                        server: s1,
                        share: h1,
                    },
                    WindowsRoot::Unc {
                        server: s2,
                        share: h2,
                    },
                ) => names_equal(s1, s2) && names_equal(h1, h2),
                _ => false,
            };
            (same_root && same_components(&snapshot.components, &folder.components))
                .then_some(FolderMatch::ExactPath)
        }
        WindowsRoot::Rooted => {
            // A path from the root without a drive: all components must agree.
            same_components(&snapshot.components, &folder.components).then_some(
                FolderMatch::TrailingComponents {
                    components: snapshot.components.len(),
                },
            )
        }
        WindowsRoot::Relative => {
            let count = snapshot.components.len();
            if count == 0
                || count > folder.components.len()
                || snapshot.components.iter().any(|c| c == "..")
            {
                return None;
            }
            same_components(
                &snapshot.components,
                &folder.components[folder.components.len() - count..],
            )
            .then_some(FolderMatch::TrailingComponents { components: count })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(snapshot: &str, folder: &str) -> Option<FolderMatch> {
        match_folder(&WindowsPath::parse(snapshot), &WindowsPath::parse(folder))
    }

    #[test]
    fn normalisation() {
        let p = WindowsPath::parse("\\\\?\\c:/Exchsrvr/./imcdata/x/../Pickup\\");
        assert_eq!(p.root, WindowsRoot::Drive('C'));
        assert_eq!(p.components, ["Exchsrvr", "imcdata", "Pickup"]);
        let unc = WindowsPath::parse("\\\\?\\UNC\\srv\\share\\a");
        assert_eq!(
            unc.root,
            WindowsRoot::Unc {
                server: "srv".into(),
                share: "share".into()
            }
        );
        assert_eq!(unc.components, ["a"]);
        assert_eq!(
            WindowsPath::parse("..\\Pickup").components,
            ["..", "Pickup"]
        );
        assert_eq!(WindowsPath::parse("C:\\..\\x").components, ["x"]);
    }

    #[test]
    fn exact_and_trailing_matches() {
        let folder = "C:\\exchsrvr\\imcdata\\Pickup";
        assert_eq!(
            matches("c:\\EXCHSRVR\\imcdata\\pickup\\", folder),
            Some(FolderMatch::ExactPath)
        );
        assert_eq!(matches("D:\\exchsrvr\\imcdata\\Pickup", folder), None);
        assert_eq!(matches("C:\\exchsrvr\\imcdata", folder), None);
        assert_eq!(
            matches("Pickup", folder),
            Some(FolderMatch::TrailingComponents { components: 1 })
        );
        assert_eq!(
            matches("imcdata\\PICKUP", folder),
            Some(FolderMatch::TrailingComponents { components: 2 })
        );
        assert_eq!(matches("Pickup\\old", folder), None);
        assert_eq!(matches("other\\Pickup", folder), None);
        assert_eq!(matches("..\\Pickup", folder), None);
        assert_eq!(matches("a\\b\\c\\exchsrvr\\imcdata\\Pickup", folder), None);
        assert_eq!(
            matches("\\exchsrvr\\imcdata\\Pickup", folder),
            Some(FolderMatch::TrailingComponents { components: 3 })
        );
        assert_eq!(
            matches("\\\\srv\\c$\\exchsrvr", "\\\\SRV\\C$\\exchsrvr\\"),
            Some(FolderMatch::ExactPath)
        );
    }

    #[test]
    fn displayed_paths_are_normalised() {
        let normalised = |text: &str| WindowsPath::parse(text).to_string();
        assert_eq!(
            normalised(r"C:\WINNT\..\exchsrvr\imcdata\.\Pickup\"),
            r"C:\exchsrvr\imcdata\Pickup"
        );
        assert_eq!(normalised("d:/x//y"), r"D:\x\y");
        assert_eq!(normalised(r"C:\..\.."), r"C:\");
        assert_eq!(normalised(r"\\srv\share\a\..\b"), r"\\srv\share\b");
        assert_eq!(normalised(r"\\?\C:\exchsrvr"), r"C:\exchsrvr");
        assert_eq!(normalised(r"imcdata\Pickup"), r"imcdata\Pickup");
    }
}
