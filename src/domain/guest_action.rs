//! What an administrator may do to a guest (or user) from the API, the
//! portal and the CLI: one set of actions, one rule each (`b2b::removal`).

use super::text_enum::text_enum;

text_enum! {
    /// Block, unblock or remove; the portal's URLs use the text.
    pub enum GuestAction as "guest action" {
        Block = "block",
        Unblock = "unblock",
        Remove = "remove",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_back_from_its_text() {
        for a in GuestAction::ALL {
            assert_eq!(a.as_str().parse::<GuestAction>(), Ok(*a));
        }
        assert!("reset".parse::<GuestAction>().is_err());
    }
}
