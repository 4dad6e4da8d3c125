//! ISO 4217 currencies and their minor-unit exponents.

use crate::{Result, TenancyError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Active ISO 4217 codes whose minor unit is not 1/100 (exponent 2).
const EXPONENT_0: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF",
    "XPF",
];
const EXPONENT_3: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const EXPONENT_4: &[&str] = &["CLF", "UYW"];
/// Active ISO 4217 codes with exponent 2.
const EXPONENT_2: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BMD", "BND", "BOB",
    "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC",
    "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
    "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
    "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN",
    "UYU", "UZS", "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
];

/// An ISO 4217 currency with its minor-unit exponent (JPY 0, USD 2, KWD 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    /// The US dollar, the built-in plans' currency.
    pub const USD: Self = Self { code: *b"USD", exponent: 2 };

    /// The currency for an upper-case ISO 4217 code.
    ///
    /// # Errors
    /// [`TenancyError::InvalidField`] when `code` is not an active ISO 4217 code.
    pub fn new(code: &str) -> Result<Self> {
        let exponent = [(EXPONENT_0, 0), (EXPONENT_2, 2), (EXPONENT_3, 3), (EXPONENT_4, 4)]
            .iter()
            .find(|(codes, _)| codes.contains(&code))
            .map(|(_, e)| *e)
            .ok_or_else(|| TenancyError::InvalidField {
                field: "currency",
                value: code.to_owned(),
                expected: "an active upper-case ISO 4217 code such as USD, EUR, JPY or KWD",
            })?;
        let bytes = code.as_bytes();
        Ok(Self { code: [bytes[0], bytes[1], bytes[2]], exponent })
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Built only from entries of the ASCII tables above.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Digits after the decimal point of the minor unit (2 for USD: 1 USD = 100 cents).
    pub fn exponent(&self) -> u32 {
        u32::from(self.exponent)
    }

    /// `amount_minor` written in major units, e.g. `12.34 USD`, `1234 JPY`, `-0.005 KWD`.
    pub fn format_minor(&self, amount_minor: i64) -> String {
        let exp = self.exponent();
        if exp == 0 {
            return format!("{amount_minor} {}", self.code());
        }
        let scale = 10u64.pow(exp);
        let sign = if amount_minor < 0 { "-" } else { "" };
        let abs = amount_minor.unsigned_abs();
        format!("{sign}{}.{:0width$} {}", abs / scale, abs % scale, self.code(), width = exp as usize)
    }
}

impl TryFrom<String> for Currency {
    type Error = TenancyError;
    fn try_from(value: String) -> Result<Self> {
        Self::new(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::new("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::new("USD").unwrap().exponent(), 2);
        assert_eq!(Currency::new("KWD").unwrap().exponent(), 3);
        assert_eq!(Currency::new("CLF").unwrap().exponent(), 4);
        assert!(Currency::new("usd").is_err());
        assert!(Currency::new("XYZ").is_err());
    }

    #[test]
    fn formats_minor_units() {
        assert_eq!(Currency::new("USD").unwrap().format_minor(1234), "12.34 USD");
        assert_eq!(Currency::new("USD").unwrap().format_minor(-5), "-0.05 USD");
        assert_eq!(Currency::new("JPY").unwrap().format_minor(1234), "1234 JPY");
        assert_eq!(Currency::new("KWD").unwrap().format_minor(1005), "1.005 KWD");
    }
}
