//! One table per scenario section: each key is defined once, with its type,
//! default, valid range and meaning, and the section's struct, its
//! defaults, the range checks (`limits`), the commented template and
//! docs/ranges.md are all generated from that table by [`section!`].

use super::limits::Limit;

/// One numeric key of a scenario section, as its table defines it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Key {
    /// The key as written in the section (`ticks`, `need_rate`).
    pub name: &'static str,
    /// Its valid values.
    pub limit: Limit,
    /// What it means, in one line: the comment beside it in scenario files.
    pub meaning: &'static str,
}

/// Defines a section's struct and its table of [`Key`]s from one list.
///
/// `defaults` sections (`[run]`, `[city]`, `[behaviour]`) give every key a
/// default, so the struct gets `Default` and a missing key takes it.
/// `required` sections (each `[[domains]]` entry) have a leading unchecked
/// field (the domain's name) and keys that must be written unless a field
/// attribute gives a serde default.
macro_rules! section {
    (
        $(#[$meta:meta])*
        defaults $Struct:ident, $KEYS:ident {
            $( $(#[doc = $doc:literal])* $name:ident : $ty:ty = $default:expr, $limit:expr, $meaning:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $Struct {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Default for $Struct {
            fn default() -> Self {
                $Struct { $( $name: $default, )* }
            }
        }

        #[doc = concat!("Every key of [`", stringify!($Struct), "`], in the order scenario files list them.")]
        pub const $KEYS: &[$crate::scenario::keys::Key] = &[
            $( $crate::scenario::keys::Key { name: stringify!($name), limit: $limit, meaning: $meaning }, )*
        ];
    };
    (
        $(#[$meta:meta])*
        required $Struct:ident, $KEYS:ident {
            $(#[doc = $first_doc:literal])* $first:ident : $first_ty:ty;
            $( $(#[$field_meta:meta])* $name:ident : $ty:ty, $limit:expr, $meaning:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $Struct {
            $(#[doc = $first_doc])* pub $first: $first_ty,
            $( $(#[$field_meta])* pub $name: $ty, )*
        }

        #[doc = concat!("Every numeric key of [`", stringify!($Struct), "`], in the order scenario files list them.")]
        pub const $KEYS: &[$crate::scenario::keys::Key] = &[
            $( $crate::scenario::keys::Key { name: stringify!($name), limit: $limit, meaning: $meaning }, )*
        ];
    };
}

pub(crate) use section;
