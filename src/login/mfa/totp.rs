//! TOTP authenticators (RFC 6238): 6 digits, 30-second steps, HMAC-SHA-1
//! (what authenticator apps expect), one step of clock skew either way.
//! Enrolment shows an `otpauth://` QR code (as an SVG data URL) and the
//! base32 secret.

use base64::Engine;
use totp_rs::{Builder, Secret, Totp};

/// The secret of a new authenticator: 160 random bits (RFC 4226 §4), base32.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes).to_base32()
}

/// The authenticator for a base32 secret; `issuer` and `account` label it in
/// the user's app (a colon would split the label, so it is replaced).
pub fn authenticator(secret: &str, issuer: &str, account: &str) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_secret(bytes)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .ok()
}

/// The time step whose code `code` is, within one step of `now` (Unix
/// seconds); the caller accepts each step once (RFC 6238 §5.2).
pub fn matching_step(totp: &Totp, code: &str, now: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    totp.check(&code, now)
        .and_then(|step| i64::try_from(step).ok())
}

/// Now, in Unix seconds.
pub fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default()
}

/// The `otpauth://totp/…` URL an authenticator app scans.
pub fn otpauth_url(totp: &Totp) -> String {
    totp.to_url().unwrap_or_default()
}

/// `text` as a QR code: an SVG image in a `data:` URL.
pub fn qr_data_url(text: &str) -> Option<String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let (size, border) = (qr.size(), 4);
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let full = size + 2 * border;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" \
         shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(svg);
    Some(format!("data:image/svg+xml;base64,{encoded}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vector_and_skew() {
        // RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890";
        // at T=59 the 8-digit code is 94287082, so the 6-digit one is 287082.
        let secret = Secret::from(*b"12345678901234567890").to_base32();
        let totp = authenticator(&secret, "Contoso", "a@b.example").unwrap();
        assert_eq!(matching_step(&totp, "287082", 59), Some(1));
        assert_eq!(matching_step(&totp, "287082", 59 + 30), Some(1));
        assert_eq!(matching_step(&totp, "287082", 59 + 60), None);
        assert_eq!(matching_step(&totp, "28708", 59), None);
        assert_eq!(matching_step(&totp, "abcdef", 59), None);
    }

    #[test]
    fn enrolment_shows_an_otpauth_url_and_a_qr_code() {
        let totp = authenticator(&new_secret(), "Contoso: Ltd", "a@b.example").unwrap();
        let url = otpauth_url(&totp);
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(
            qr_data_url(&url)
                .unwrap()
                .starts_with("data:image/svg+xml;base64,")
        );
    }
}
