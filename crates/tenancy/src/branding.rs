//! White-label settings: how reports present a tenant, stored and validated as forecast-core's
//! [`Branding`] so forecast-xai's reports take it without depending on this crate.

use crate::scope::TenantScope;
use crate::tenant::check_locale;
use crate::{Result, TenancyError};
use forecast_core::AuditOutcome;
pub use forecast_core::branding::Branding;

/// The longest accepted inline logo, in bytes.
pub const MAX_LOGO_SVG_BYTES: usize = 64 * 1024;

/// Check every field of a tenant's [`Branding`] (forecast-core's type, which reports render):
///
/// | Field | Accepted |
/// |---|---|
/// | `display_name` | 1 to 100 bytes, no control characters |
/// | `logo_url` | an `https://` URL with a host, no credentials or spaces, at most 2,048 bytes |
/// | `logo_svg` | an SVG document (`<svg ...>...</svg>`, optionally after an XML declaration) of at most 64 KiB, with no scripts, event handlers, `<foreignObject>`, external or `javascript:`/`data:` references |
/// | `primary_colour`, `accent_colour` | `#RRGGBB` |
/// | `locale` | BCP 47, e.g. `en-NZ` |
///
/// # Errors
/// [`TenancyError::InvalidField`] naming the field and what it accepts.
pub fn validate(branding: &Branding) -> Result<()> {
    let name = &branding.display_name;
    if name.trim().is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(TenancyError::InvalidField {
            field: "display name",
            value: name.clone(),
            expected: "1 to 100 bytes of text without control characters",
        });
    }
    if let Some(url) = &branding.logo_url {
        check_https_url(url)?;
    }
    if let Some(svg) = &branding.logo_svg {
        check_svg(svg)?;
    }
    check_colour("primary colour", &branding.primary_colour)?;
    check_colour("accent colour", &branding.accent_colour)?;
    check_locale(&branding.locale)
}

/// Refuse an inline SVG that could run code or fetch anything when a report embeds it.
fn check_svg(svg: &str) -> Result<()> {
    let bad = |why: &str| TenancyError::InvalidField {
        field: "logo SVG",
        value: format!("{why} ({} bytes)", svg.len()),
        expected: "an SVG document of at most 64 KiB without scripts, event handlers, foreignObject or external references",
    };
    if svg.len() > MAX_LOGO_SVG_BYTES {
        return Err(bad("too long"));
    }
    let lower = svg.to_ascii_lowercase();
    let body = lower.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or("", |(_, after)| after).trim_start(),
        None => body,
    };
    if !body.starts_with("<svg") || !lower.trim_end().ends_with("</svg>") {
        return Err(bad("not an <svg> document"));
    }
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    for needle in
        ["<script", "<foreignobject", "javascript:", "data:", "<!entity", "<!doctype", "<iframe", "<embed", "<object"]
    {
        if compact.contains(needle) {
            return Err(bad(&format!("contains `{needle}`")));
        }
    }
    // Event handler attributes (onload=, onclick= ...) and references to anything outside the document.
    let bytes = lower.as_bytes();
    for (i, w) in bytes.windows(2).enumerate() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if w == b"on" && boundary {
            let rest = &lower[i + 2..];
            let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
            if name_len > 0 && rest[name_len..].trim_start().starts_with('=') {
                return Err(bad("has an event handler attribute"));
            }
        }
    }
    for attr in ["href", "src"] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(attr) {
            let start = from + at + attr.len();
            let value = lower[start..].trim_start().strip_prefix('=').map(str::trim_start);
            if let Some(v) = value {
                let v = v.trim_start_matches(['"', '\'']);
                if !v.starts_with('#') {
                    return Err(bad(&format!("{attr} points outside the document")));
                }
            }
            from = start;
        }
    }
    if compact.contains("url(") && !compact.contains("url(#") {
        return Err(bad("url() points outside the document"));
    }
    Ok(())
}

fn check_colour(field: &'static str, value: &str) -> Result<()> {
    let ok = value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(TenancyError::InvalidField { field, value: value.to_owned(), expected: "`#RRGGBB` hex, e.g. `#2563EB`" })
    }
}

fn check_https_url(url: &str) -> Result<()> {
    let bad = || TenancyError::InvalidField {
        field: "logo URL",
        value: url.to_owned(),
        expected: "an https:// URL with a host name, no credentials or spaces, at most 2048 bytes",
    };
    let rest = url.strip_prefix("https://").ok_or_else(bad)?;
    if url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control() || "\"<>\\^`{|}".contains(c)) {
        return Err(bad());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    if host.len() > 253 || !host.split('.').all(label_ok) || !port_ok {
        return Err(bad());
    }
    Ok(())
}

impl TenantScope<'_> {
    /// Store the tenant's white-label settings.
    ///
    /// # Errors
    /// [`TenancyError::InvalidField`] from [`validate`]; the tenant-state errors.
    pub fn set_branding(&self, branding: &Branding) -> Result<()> {
        validate(branding)?;
        self.backend().set_branding(self.tenant_id(), branding, &|_, _| {
            Ok(vec![self.event("branding.set", "branding", AuditOutcome::Success)])
        })
    }

    /// The tenant's white-label settings, or defaults from its name and locale.
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn branding(&self) -> Result<Branding> {
        self.read(|view| {
            let tenant = view.tenant();
            Ok(view.branding()?.unwrap_or_else(|| Branding::new(tenant.name.clone(), tenant.locale.clone())))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_urls_must_be_https_with_a_host() {
        for good in ["https://cdn.example.com/logo.png", "https://example.com", "https://a-b.example:8443/x?y=1#z"] {
            assert!(check_https_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://example.com/logo.png",
            "https://",
            "https:///logo.png",
            "https://user:pw@example.com/",
            "https://exa mple.com/",
            "https://example..com/",
            "https://-x.com/",
            "https://example.com:port/",
            "javascript:alert(1)",
            "https://example.com/<script>",
        ] {
            assert!(check_https_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn colours_must_be_six_hex_digits() {
        assert!(check_colour("c", "#A1b2C3").is_ok());
        for bad in ["A1B2C3", "#A1B2C", "#A1B2C3D", "#GGGGGG", "red", "#fff"] {
            assert!(check_colour("c", bad).is_err(), "{bad}");
        }
        let blue = Branding { accent_colour: "blue".into(), ..Branding::new("Acme", "en") };
        let err = validate(&blue).unwrap_err();
        assert!(err.to_string().contains("accent colour"), "{err}");
        assert!(validate(&Branding::new("", "en")).is_err());
        assert!(validate(&Branding::new("Acme", "english")).is_err());
        assert!(validate(&Branding::new("Acme", "en")).is_ok());
    }

    #[test]
    fn inline_logos_cannot_run_or_fetch_anything() {
        let logo = |svg: &str| validate(&Branding { logo_svg: Some(svg.into()), ..Branding::new("Acme", "en") });
        let good = r##"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="10" height="10"/><use href="#g"/></svg>"##;
        assert!(logo(good).is_ok(), "{:?}", logo(good));
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=\"alert(1)\"></svg>",
            "<svg><rect ONCLICK = 'x'/></svg>",
            "<svg><foreignObject><div/></foreignObject></svg>",
            "<svg><a href=\"javascript:alert(1)\"/></svg>",
            "<svg><image href=\"https://tracker.example/p.png\"/></svg>",
            "<svg><image xlink:href='data:image/png;base64,AAAA'/></svg>",
            "<svg><rect style=\"fill:url(https://x.example/a)\"/></svg>",
            "<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg>&x;</svg>",
            "<html><svg></svg></html>",
            "not svg at all",
        ] {
            assert!(logo(bad).is_err(), "{bad}");
        }
        assert!(logo(&format!("<svg>{}</svg>", " ".repeat(MAX_LOGO_SVG_BYTES))).is_err());
    }
}
