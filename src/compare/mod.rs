//! `portico compare`: B2B guests and a federated tenant side by side.

pub mod gate;
