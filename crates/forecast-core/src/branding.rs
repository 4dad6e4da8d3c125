//! `Branding`: how a report presents a tenant, as plain data.
//!
//! forecast-tenancy stores and validates it (white-label settings); forecast-xai renders it
//! in reports. Neither depends on the other.

use serde::{Deserialize, Serialize};

/// A tenant's white-label look.
///
/// | Field | Default | Accepted |
/// |---|---|---|
/// | `display_name` | `"forecast"` | 1 to 100 bytes |
/// | `logo_url` | none | an `https://` URL (shown as a link; reports never download it) |
/// | `logo_svg` | none | an inline SVG document drawn in the report header |
/// | `primary_colour` | `#1F2937` | `#RRGGBB` |
/// | `accent_colour` | `#2563EB` | `#RRGGBB` |
/// | `locale` | `en-US` | BCP 47, e.g. `en-NZ` |
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    /// The name reports show.
    pub display_name: String,
    /// Where the logo lives.
    pub logo_url: Option<String>,
    /// The logo itself, as an SVG document, when the report should draw it.
    pub logo_svg: Option<String>,
    /// Main colour, `#RRGGBB`.
    pub primary_colour: String,
    /// Highlight colour, `#RRGGBB`.
    pub accent_colour: String,
    /// Report language and number format.
    pub locale: String,
}

impl Default for Branding {
    fn default() -> Self {
        Self::new("forecast", "en-US")
    }
}

impl Branding {
    /// Default colours and no logo, for `display_name` in `locale`.
    pub fn new(display_name: impl Into<String>, locale: impl Into<String>) -> Self {
        Self {
            display_name: display_name.into(),
            logo_url: None,
            logo_svg: None,
            primary_colour: "#1F2937".into(),
            accent_colour: "#2563EB".into(),
            locale: locale.into(),
        }
    }
}
