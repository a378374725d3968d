//! The template as one walk of the model builds it. Each parameter, condition, resource and
//! output is added together with the object of the input it belongs to, and the builder keeps
//! that record beside the template. The quota rules (`emit::quotas`) and the id-clash rule
//! (`naming::id_clashes`) read the record, so what they check is what is written: there is no
//! second walk that could disagree with the first.

use crate::emit::naming::{OwnedId, Owner, Section};
use crate::emit::quotas::{MAX_OUTPUTS, MAX_PARAMETERS, MAX_RESOURCES, TemplateCounts};
use crate::internal_error::InternalError;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize)]
struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "Parameters")]
    parameters: IndexMap<String, Value>,
    #[serde(rename = "Conditions", skip_serializing_if = "IndexMap::is_empty")]
    conditions: IndexMap<String, Value>,
    #[serde(rename = "Resources")]
    resources: IndexMap<String, Value>,
    #[serde(rename = "Outputs", skip_serializing_if = "IndexMap::is_empty")]
    outputs: IndexMap<String, Value>,
}

/// Sections filled in the order entries are added, and the record of every entry.
#[derive(Debug, Default)]
pub struct TemplateBuilder {
    parameters: IndexMap<String, Value>,
    conditions: IndexMap<String, Value>,
    resources: IndexMap<String, Value>,
    outputs: IndexMap<String, Value>,
    record: Vec<OwnedId>,
}

impl TemplateBuilder {
    /// Adds `value` as `id` of `section`, owned by `owner`. Every call is recorded. The
    /// template keeps the first value of an id given twice: the record then holds an id
    /// clash, and a template with one is never written. Past a section's quota values are
    /// recorded but not kept, for the same reason: an application far over a quota costs
    /// the memory of a template at the quota, not of everything it asks for.
    pub fn add(&mut self, section: Section, id: String, owner: &Owner, value: Value) {
        let (entries, quota) = match section {
            Section::Parameters => (&mut self.parameters, MAX_PARAMETERS),
            Section::Conditions => (&mut self.conditions, usize::MAX),
            Section::Resources => (&mut self.resources, MAX_RESOURCES),
            Section::Outputs => (&mut self.outputs, MAX_OUTPUTS),
        };
        if entries.len() < quota && !entries.contains_key(&id) {
            entries.insert(id.clone(), value);
        }
        self.record.push(OwnedId::new(section, id, owner));
    }

    /// Each `(id, value)` of `entries`, in order, as [`TemplateBuilder::add`] does.
    pub fn add_all(
        &mut self,
        section: Section,
        entries: impl IntoIterator<Item = (String, Value)>,
        owner: &Owner,
    ) {
        for (id, value) in entries {
            self.add(section, id, owner, value);
        }
    }

    #[must_use]
    pub fn finish(self, description: String) -> BuiltTemplate {
        BuiltTemplate {
            template: Template {
                format_version: "2010-09-09",
                description,
                parameters: self.parameters,
                conditions: self.conditions,
                resources: self.resources,
                outputs: self.outputs,
            },
            record: TemplateRecord {
                entries: self.record,
            },
        }
    }
}

/// A template and the record of how it was built.
#[derive(Debug)]
pub struct BuiltTemplate {
    template: Template,
    pub record: TemplateRecord,
}

const WHAT: &str = "the CloudFormation template";

impl BuiltTemplate {
    /// The template's text: pretty JSON with a final newline.
    ///
    /// # Errors
    /// When the template does not serialize.
    pub fn to_text(&self) -> Result<String, InternalError> {
        let mut text = serde_json::to_string_pretty(&self.template)
            .map_err(|error| InternalError::serializing(WHAT, &error))?;
        text.push('\n');
        Ok(text)
    }

    /// The length of [`BuiltTemplate::to_text`], counted as it is written and not kept.
    ///
    /// # Errors
    /// As [`BuiltTemplate::to_text`].
    pub fn text_len(&self) -> Result<usize, InternalError> {
        let mut counter = ByteCounter(0);
        serde_json::to_writer_pretty(&mut counter, &self.template)
            .map_err(|error| InternalError::serializing(WHAT, &error))?;
        // The final newline.
        Ok(counter.0 + 1)
    }
}

/// Every id the builder was given, with its section and owner, in the order given.
#[derive(Debug)]
pub struct TemplateRecord {
    entries: Vec<OwnedId>,
}

impl TemplateRecord {
    #[must_use]
    pub fn entries(&self) -> &[OwnedId] {
        &self.entries
    }

    /// The ids given to `section`, in order (an id given twice appears twice).
    #[must_use]
    pub fn ids(&self, section: Section) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|entry| entry.section == section)
            .map(|entry| entry.id.as_str())
            .collect()
    }

    /// How many entries each quota'd section was given (an id given twice counts twice: it
    /// is an error of its own).
    #[must_use]
    pub fn counts(&self) -> TemplateCounts {
        let mut counts = TemplateCounts::default();
        for entry in &self.entries {
            match entry.section {
                Section::Parameters => counts.parameters += 1,
                Section::Conditions => {}
                Section::Resources => counts.resources += 1,
                Section::Outputs => counts.outputs += 1,
            }
        }
        counts
    }
}

/// Counts the bytes written to it and keeps none.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.0 += buffer.len();
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(text: &str, section: &str) -> Vec<String> {
        let json: Value = serde_json::from_str(text).expect("JSON");
        json[section]
            .as_object()
            .map(|entries| entries.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_record_holds_what_the_template_holds_in_order() {
        let owner = Owner::shared();
        let mut builder = TemplateBuilder::default();
        builder.add(Section::Resources, "B".into(), &owner, json!({}));
        builder.add(Section::Parameters, "P".into(), &owner, json!({}));
        builder.add(Section::Resources, "A".into(), &owner, json!({}));
        builder.add(Section::Outputs, "O".into(), &owner, json!({}));
        let built = builder.finish("test".into());
        let text = built.to_text().expect("serializes");
        assert_eq!(
            built.record.ids(Section::Resources),
            keys(&text, "Resources")
        );
        assert_eq!(built.record.ids(Section::Parameters), ["P"]);
        assert!(keys(&text, "Conditions").is_empty());
        assert_eq!(built.text_len().expect("serializes"), text.len());
        assert_eq!(
            built.record.counts(),
            TemplateCounts {
                parameters: 1,
                resources: 2,
                outputs: 1
            }
        );
    }

    /// Over a quota the record keeps counting, so the error states how many were asked for,
    /// while the template holds no more than the quota.
    #[test]
    fn past_a_quota_ids_are_recorded_and_values_dropped() {
        let owner = Owner::shared();
        let mut builder = TemplateBuilder::default();
        for index in 0..MAX_RESOURCES + 7 {
            builder.add(Section::Resources, format!("R{index}"), &owner, json!({}));
        }
        builder.add(
            Section::Resources,
            "R0".into(),
            &owner,
            json!({"second": true}),
        );
        let built = builder.finish("test".into());
        assert_eq!(built.record.counts().resources, MAX_RESOURCES + 8);
        let text = built.to_text().expect("serializes");
        assert_eq!(keys(&text, "Resources").len(), MAX_RESOURCES);
        assert!(!text.contains("second"));
    }
}
