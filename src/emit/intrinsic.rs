//! CloudFormation intrinsic functions as a type, so template values are built by the
//! serializer and never spliced into strings.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Text(String),
    Ref(String),
    GetAtt(String, &'static str),
    /// `Fn::Join` with an empty delimiter.
    Concat(Vec<Expr>),
    /// `Fn::If`: the first value when the named condition holds, else the second.
    If(String, Box<Expr>, Box<Expr>),
    /// `Ref AWS::NoValue`: the property is left out.
    NoValue,
    /// A JSON structure that may itself hold expressions (built with `json!`).
    Json(serde_json::Value),
}

impl Expr {
    #[must_use]
    pub fn text(text: impl Into<String>) -> Expr {
        Expr::Text(text.into())
    }

    #[must_use]
    pub fn reference(name: impl Into<String>) -> Expr {
        Expr::Ref(name.into())
    }

    #[must_use]
    pub fn get_att(resource: impl Into<String>, attribute: &'static str) -> Expr {
        Expr::GetAtt(resource.into(), attribute)
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::Text(text) => serializer.serialize_str(text),
            Expr::Ref(name) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Ref", name)?;
                map.end()
            }
            Expr::GetAtt(resource, attribute) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Fn::GetAtt", &[resource.as_str(), attribute])?;
                map.end()
            }
            Expr::Concat(parts) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Fn::Join", &(String::new(), parts))?;
                map.end()
            }
            Expr::If(condition, then, otherwise) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Fn::If", &(condition, then, otherwise))?;
                map.end()
            }
            Expr::NoValue => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Ref", "AWS::NoValue")?;
                map.end()
            }
            Expr::Json(value) => value.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_cloudformation_syntax() {
        let value = serde_json::to_value(Expr::Concat(vec![
            Expr::text("web."),
            Expr::reference("HostedZoneName"),
            Expr::get_att("WebLoadBalancer", "DNSName"),
        ]))
        .expect("serialisable");
        assert_eq!(
            value,
            serde_json::json!({"Fn::Join": ["", ["web.", {"Ref": "HostedZoneName"}, {"Fn::GetAtt": ["WebLoadBalancer", "DNSName"]}]]})
        );
    }

    #[test]
    fn conditions_serialise() {
        let value = serde_json::to_value(Expr::If(
            "HasBucket".into(),
            Box::new(Expr::reference("Bucket")),
            Box::new(Expr::NoValue),
        ))
        .expect("serialisable");
        assert_eq!(
            value,
            serde_json::json!({"Fn::If": ["HasBucket", {"Ref": "Bucket"}, {"Ref": "AWS::NoValue"}]})
        );
    }

    #[test]
    fn text_that_looks_like_an_intrinsic_stays_text() {
        let value = serde_json::to_value(Expr::text("!Ref ${AWS::Region}")).expect("serialisable");
        assert_eq!(value, serde_json::json!("!Ref ${AWS::Region}"));
    }
}
