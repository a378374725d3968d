//! A failure of i2kit itself rather than of its input: a serializer that refuses a value, or
//! two of i2kit's own rules that disagree. It is never hidden behind a default (an empty
//! template written with exit 0 would be deployed as if it were the application): the run
//! writes nothing and exits 2 with the message, as an I/O error does.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalError {
    message: String,
}

impl InternalError {
    /// `what` (e.g. "the CloudFormation template") could not be serialized.
    #[must_use]
    pub fn serializing(what: &str, error: &dyn fmt::Display) -> InternalError {
        InternalError {
            message: format!(
                "internal error: cannot serialize {what}: {error}; please report this input to i2kit's maintainers"
            ),
        }
    }

    /// Two of i2kit's own rules disagree about the model (`what` says how).
    #[must_use]
    pub fn inconsistent(what: &str) -> InternalError {
        InternalError {
            message: format!(
                "internal error: {what}; please report this input to i2kit's maintainers"
            ),
        }
    }

    /// The emitter met a deployment whose group no pass planned.
    #[must_use]
    pub fn unplanned_group(deployment: &str) -> InternalError {
        InternalError {
            message: format!(
                "internal error: the Auto Scaling group of `{deployment}` was not planned before it was emitted; please report this input to i2kit's maintainers"
            ),
        }
    }

    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InternalError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}
