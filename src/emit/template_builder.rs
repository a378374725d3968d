//! The template as one walk of the model builds it. Each parameter, condition, resource and
//! output is added together with the object of the input it belongs to and the way to make
//! its value, and the builder keeps that record. The quota rules (`emit::quotas`) and the
//! id-clash rule (`naming::id_clashes`) read the record, and the template is made from the
//! same entries, so what they check is what is written: there is no second walk that could
//! disagree with the first. Values are made only after the record passes, so an application
//! far over a quota is refused in the time of listing its ids.

use crate::emit::naming::{OwnedId, Owner, Section};
use crate::emit::quotas::TemplateCounts;
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

/// A value the builder makes only once the record is checked.
pub type Make<'a> = Box<dyn FnOnce() -> Value + 'a>;
/// A [`Make`] that can meet an inconsistent model.
pub type TryMake<'a> = Box<dyn FnOnce() -> Result<Value, InternalError> + 'a>;

/// Entries in the order they are added: each id with its owner now, its value later. An
/// application the quotas or the id rule refuse costs the walk over its ids, never the
/// building of a template that will not be written.
#[derive(Default)]
pub struct TemplateBuilder<'a> {
    record: Vec<OwnedId>,
    values: Vec<TryMake<'a>>,
}

impl<'a> TemplateBuilder<'a> {
    /// Adds `id` to `section`, owned by `owner`, with the value `make` makes.
    pub fn add(
        &mut self,
        section: Section,
        id: String,
        owner: &Owner,
        make: impl FnOnce() -> Value + 'a,
    ) {
        self.try_add(section, id, owner, move || Ok(make()));
    }

    /// [`TemplateBuilder::add`] of a value that can meet an inconsistent model.
    pub fn try_add(
        &mut self,
        section: Section,
        id: String,
        owner: &Owner,
        make: impl FnOnce() -> Result<Value, InternalError> + 'a,
    ) {
        self.record.push(OwnedId::new(section, id, owner));
        self.values.push(Box::new(make));
    }

    /// Each `(id, make)` of `entries`, in order, as [`TemplateBuilder::add`] does.
    pub fn add_all(
        &mut self,
        section: Section,
        entries: impl IntoIterator<Item = (String, Make<'a>)>,
        owner: &Owner,
    ) {
        for (id, make) in entries {
            self.add(section, id, owner, make);
        }
    }

    /// [`TemplateBuilder::add_all`] of values that can meet an inconsistent model.
    pub fn try_add_all(
        &mut self,
        section: Section,
        entries: impl IntoIterator<Item = (String, TryMake<'a>)>,
        owner: &Owner,
    ) {
        for (id, make) in entries {
            self.try_add(section, id, owner, make);
        }
    }

    /// The record, to be checked, and the values, not made yet.
    #[must_use]
    pub fn finish(self, description: String) -> PlannedTemplate<'a> {
        PlannedTemplate {
            description,
            record: TemplateRecord {
                entries: self.record,
            },
            values: self.values,
        }
    }
}

/// Every entry of a template with its owner, and the values still to make.
pub struct PlannedTemplate<'a> {
    description: String,
    pub record: TemplateRecord,
    values: Vec<TryMake<'a>>,
}

impl PlannedTemplate<'_> {
    /// Makes every value. The template keeps the first value of an id given twice: the record
    /// then holds an id clash, and a template with one is never written.
    ///
    /// # Errors
    /// The first value that meets an inconsistent model.
    pub fn build(self) -> Result<BuiltTemplate, InternalError> {
        let mut template = Template {
            format_version: "2010-09-09",
            description: self.description,
            parameters: IndexMap::new(),
            conditions: IndexMap::new(),
            resources: IndexMap::new(),
            outputs: IndexMap::new(),
        };
        for (entry, make) in self.record.entries.iter().zip(self.values) {
            let section = match entry.section {
                Section::Parameters => &mut template.parameters,
                Section::Conditions => &mut template.conditions,
                Section::Resources => &mut template.resources,
                Section::Outputs => &mut template.outputs,
            };
            if !section.contains_key(&entry.id) {
                section.insert(entry.id.clone(), make()?);
            }
        }
        Ok(BuiltTemplate {
            template,
            record: self.record,
        })
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
    use crate::emit::aws_quotas::MAX_RESOURCES;
    use serde_json::json;
    use std::cell::Cell;

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
        builder.add(Section::Resources, "B".into(), &owner, || json!({}));
        builder.add(Section::Parameters, "P".into(), &owner, || json!({}));
        builder.add(Section::Resources, "A".into(), &owner, || json!({}));
        builder.add(Section::Outputs, "O".into(), &owner, || json!({}));
        let built = builder.finish("test".into()).build().expect("builds");
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

    /// A template over a quota is refused from its record: none of its values is made.
    #[test]
    fn values_are_made_only_when_the_template_is_built() {
        let owner = Owner::shared();
        let made = Cell::new(0);
        let mut builder = TemplateBuilder::default();
        for index in 0..MAX_RESOURCES + 7 {
            builder.add(Section::Resources, format!("R{index}"), &owner, || {
                made.set(made.get() + 1);
                json!({})
            });
        }
        builder.add(
            Section::Resources,
            "R0".into(),
            &owner,
            || json!({"second": true}),
        );
        let planned = builder.finish("test".into());
        assert_eq!(planned.record.counts().resources, MAX_RESOURCES + 8);
        assert_eq!(made.get(), 0);
        let text = planned
            .build()
            .expect("builds")
            .to_text()
            .expect("serializes");
        assert_eq!(made.get(), MAX_RESOURCES + 7);
        assert!(!text.contains("second"));
    }
}
