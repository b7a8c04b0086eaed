//! Closed sets of names (alert kinds, token scopes, roles, levels, vitals,
//! issue states): each is an enum whose stored and sent form is one fixed
//! string, and an unknown string is an error ([`UnknownName`]), never a
//! default. [`named!`] writes the conversions once: `as_str`, `FromStr`,
//! `Display` and, with the `sqlx` feature (the server's), the Postgres
//! mapping onto the TEXT (and TEXT[]) columns that hold them, so a row with
//! an unknown name fails to decode instead of turning into some other value.

use std::fmt;

/// A name outside its set: what was given, and what is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// The set, e.g. `alert kind`.
    pub set: &'static str,
    pub given: String,
    pub known: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}; known: {}", self.set, self.given, self.known.join(", "))
    }
}

impl std::error::Error for UnknownName {}

/// Writes the conversions of a closed set of names: `$ty` is an enum whose
/// serde names equal the strings given here (a test of each set checks).
macro_rules! named {
    ($ty:ident, $set:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every member of the set, in order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            /// Every name of the set, in order.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// Returns the name as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::names::UnknownName;

            /// Parses an exact name; anything else is an error naming the set.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::names::UnknownName { set: $set, given: s.to_string(), known: $ty::NAMES }),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::Type<sqlx::Postgres> for $ty {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::postgres::PgHasArrayType for $ty {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }

            fn array_compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::postgres::PgHasArrayType>::array_compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $ty {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&str as sqlx::Decode<'r, sqlx::Postgres>>::decode(value)?;
                Ok(s.parse::<$ty>()?)
            }
        }
    };
}

pub(crate) use named;

#[cfg(test)]
mod tests {
    use serde::{de::DeserializeOwned, Serialize};
    use std::{fmt::Debug, str::FromStr};

    /// Checks that every member's serde name is its stored name, that each
    /// name parses back, and that an unknown or differently cased name is
    /// an error both for `FromStr` and for serde.
    fn check_set<T>(all: &[T], names: &[&str], as_str: fn(T) -> &'static str)
    where
        T: Copy + Debug + PartialEq + Serialize + DeserializeOwned + FromStr<Err = super::UnknownName>,
    {
        assert_eq!(all.len(), names.len());
        for (&member, &name) in all.iter().zip(names) {
            assert_eq!(as_str(member), name);
            assert_eq!(serde_json::to_value(member).unwrap(), serde_json::json!(name), "{member:?}");
            assert_eq!(serde_json::from_value::<T>(serde_json::json!(name)).unwrap(), member);
            assert_eq!(name.parse::<T>().unwrap(), member);
        }
        for bad in ["", "unknown", &names[0].to_uppercase(), &format!(" {}", names[0])] {
            let err = bad.parse::<T>().unwrap_err();
            assert_eq!(err.given, bad);
            assert!(err.to_string().contains(names[0]), "the error lists the known names: {err}");
            assert!(serde_json::from_value::<T>(serde_json::json!(bad)).is_err(), "serde refuses {bad:?}");
        }
    }

    #[test]
    fn every_set_maps_its_names_both_ways_and_refuses_unknown_ones() {
        use crate::*;
        check_set(AlertKind::ALL, AlertKind::NAMES, AlertKind::as_str);
        check_set(Scope::ALL, Scope::NAMES, Scope::as_str);
        check_set(Role::ALL, Role::NAMES, Role::as_str);
        check_set(Level::ALL, Level::NAMES, Level::as_str);
        check_set(Vital::ALL, Vital::NAMES, Vital::as_str);
        check_set(IssueStatus::ALL, IssueStatus::NAMES, IssueStatus::as_str);
    }

    #[test]
    fn an_unknown_alert_kind_is_an_error_not_a_new_issue_rule() {
        let err = "digest".parse::<crate::AlertKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown alert kind \"digest\"; known: new_issue, regression, frequency, vital, feedback"
        );
        assert_eq!(crate::AlertKind::parse("digest"), None);
    }
}
