//! The portal's domain: procedures and their codes, dossiers, statuses and channels as the
//! national exchange uses them. No I/O here.

/// Defines a closed set of stored codes: `code()` to write, `parse()` to read (a row with an
/// unknown code is an error, never a default).
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$v),)+ _ => None }
            }
        }
    };
}

pub mod catalogue;
pub mod clock;
pub mod dossier;
pub mod form;
pub mod notice;
pub mod payment;
pub mod procedure;
pub mod rating;
pub mod sqi;
pub mod sync;
pub mod vntime;
pub mod workflow;
