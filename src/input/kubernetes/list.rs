//! Lists of objects: `kind: List`, and the typed lists the API server and `kubectl get -o yaml`
//! print (`DeploymentList`, `ServiceList`, `ConfigMapList`). kubectl flattens any object with an
//! `items` list into its items (cli-runtime `FlattenListVisitor`, apimachinery
//! `meta.IsListType`), and each item names its own `kind`, so i2kit does the same.

use super::objects::Objects;
use super::reader::{Object, Sink};
use crate::yaml::{Node, Value};

/// Whether an object of `kind` is a list to flatten: `List`, or a kind ending in `List` that
/// holds `items` (so a custom kind such as `AllowList` without items stays an unknown kind).
#[must_use]
pub fn is_list(kind: &str, root: &Node) -> bool {
    kind == "List"
        || (kind.len() > "List".len()
            && kind.ends_with("List")
            && matches!(
                root.get("items").map(|items| &items.value),
                Some(Value::Sequence(_))
            ))
}

/// Reads every item of a list with `collect`, as if it were a document of its own, in order.
pub fn collect_items(
    mut list: Object<'_>,
    objects: &mut Objects,
    sink: &mut Sink,
    collect: fn(&Node, &mut Objects, &mut Sink),
) {
    for item in list.list("items", sink) {
        collect(item, objects, sink);
    }
    // A typed list's metadata holds only the server's resourceVersion and continue token.
    list.accept(&["metadata"]);
    list.finish(sink, |_| None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn root(text: &str) -> Node {
        parse_documents(text).expect("valid").remove(0).root
    }

    #[test]
    fn lists_are_list_and_typed_lists_with_items() {
        assert!(is_list("List", &root("kind: List\n")));
        assert!(is_list(
            "DeploymentList",
            &root("kind: DeploymentList\nitems: []\n")
        ));
        assert!(is_list(
            "ConfigMapList",
            &root("kind: ConfigMapList\nitems: [{}]\n")
        ));
        assert!(!is_list("AllowList", &root("kind: AllowList\nspec: {}\n")));
        assert!(!is_list(
            "Deployment",
            &root("kind: Deployment\nitems: []\n")
        ));
    }
}
