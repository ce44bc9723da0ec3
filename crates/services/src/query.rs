//! Read models of the portal for its pages, its API and other crates.
