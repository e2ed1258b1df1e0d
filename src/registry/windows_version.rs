//! Which Windows the bundle's server runs, from
//! `SOFTWARE\Microsoft\Windows NT\CurrentVersion`: fixes and collection
//! scripts depend on it (icacls exists only from Windows Server 2003 SP2 on,
//! NT 4.0's cacls knows fewer rights than Windows 2000's).

use super::{HiveKind, RegistryView};
use serde::Serialize;

const CURRENT_VERSION_KEY: &str = r"Microsoft\Windows NT\CurrentVersion";

/// The version values as the server's registry holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WindowsVersion {
    /// `CurrentVersion`, e.g. `4.0`, `5.2`, `6.1` (Windows 8.1 and later
    /// all say `6.3`).
    pub current_version: Option<String>,
    /// `CurrentBuildNumber`, e.g. `1381`.
    pub build: Option<String>,
    /// `CSDVersion`, e.g. `Service Pack 6`.
    pub service_pack: Option<String>,
    /// `ProductName`, which NT 4.0 does not record.
    pub product_name: Option<String>,
}

impl WindowsVersion {
    /// Reads the version values; `None` when the bundle has no SOFTWARE
    /// data or none of the values.
    pub fn from_registry(registry: &RegistryView) -> Option<WindowsVersion> {
        let read = |name: &str| {
            let found = registry
                .read_value(HiveKind::Software, CURRENT_VERSION_KEY, name)
                .found()?;
            let text = found.value.as_string()?;
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_string())
        };
        let version = WindowsVersion {
            current_version: read("CurrentVersion"),
            build: read("CurrentBuildNumber"),
            service_pack: read("CSDVersion"),
            product_name: read("ProductName"),
        };
        (version != WindowsVersion::default()).then_some(version)
    }

    /// `CurrentVersion` as (major, minor), e.g. `4.0` -> (4, 0).
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        let text = self.current_version.as_deref()?;
        let (major, minor) = text.split_once('.').unwrap_or((text, "0"));
        Some((major.trim().parse().ok()?, minor.trim().parse().ok()?))
    }

    /// The service pack number from `CSDVersion` (`Service Pack 6a` -> 6);
    /// 0 when there is none.
    pub fn service_pack_number(&self) -> u32 {
        self.service_pack
            .as_deref()
            .and_then(|text| {
                let digits: String = text
                    .chars()
                    .skip_while(|c| !c.is_ascii_digit())
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.parse().ok()
            })
            .unwrap_or(0)
    }

    /// The usual name of the version, e.g. `Windows NT 4.0`,
    /// `Windows Server 2003 / XP x64`; `ProductName` when the registry has it.
    pub fn name(&self) -> String {
        if let Some(product) = &self.product_name {
            return product.clone();
        }
        match self.major_minor() {
            Some((major, minor)) if major < 5 => format!("Windows NT {major}.{minor}"),
            Some((5, 0)) => "Windows 2000".to_string(),
            Some((5, 1)) => "Windows XP".to_string(),
            Some((5, 2)) => "Windows Server 2003 / XP x64".to_string(),
            Some((major, minor)) => format!("Windows {major}.{minor}"),
            None => "Windows (version unknown)".to_string(),
        }
    }

    /// `Windows NT 4.0 (version 4.0, build 1381, Service Pack 6)`.
    pub fn describe(&self) -> String {
        let mut details = Vec::new();
        if let Some(version) = &self.current_version {
            details.push(format!("version {version}"));
        }
        if let Some(build) = &self.build {
            details.push(format!("build {build}"));
        }
        if let Some(service_pack) = &self.service_pack {
            details.push(service_pack.clone());
        }
        if details.is_empty() {
            self.name()
        } else {
            format!("{} ({})", self.name(), details.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WindowsVersion;

    fn version(current: &str, service_pack: Option<&str>) -> WindowsVersion {
        WindowsVersion {
            current_version: Some(current.to_string()),
            build: None,
            service_pack: service_pack.map(str::to_string),
            product_name: None,
        }
    }

    #[test]
    fn versions_and_service_packs_are_read_from_their_text() {
        assert_eq!(version("4.0", None).major_minor(), Some((4, 0)));
        assert_eq!(version(" 6.1 ", None).major_minor(), Some((6, 1)));
        assert_eq!(version("10", None).major_minor(), Some((10, 0)));
        assert_eq!(version("x.y", None).major_minor(), None);
        assert_eq!(
            version("4.0", Some("Service Pack 6a")).service_pack_number(),
            6
        );
        assert_eq!(
            version("5.2", Some("Service Pack 2")).service_pack_number(),
            2
        );
        assert_eq!(version("5.2", None).service_pack_number(), 0);
        assert_eq!(
            version("4.0", Some("Service Pack 6")).describe(),
            "Windows NT 4.0 (version 4.0, Service Pack 6)"
        );
        assert_eq!(version("5.0", None).name(), "Windows 2000");
    }
}
