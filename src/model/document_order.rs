//! Where an object stands in the input, so objects keep the order in which `kubectl apply`
//! would meet them: by file as given, then document within the file, then place within the
//! document (a `List`'s items, one after another).

/// Sorts by file, then document, then position, as the derived `Ord` compares fields in order.
/// Position 0 is the document itself (a short manifest); the objects of a Kubernetes document
/// take 1, 2, … by [`DocumentOrder::next`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocumentOrder {
    file: usize,
    document: usize,
    position: usize,
}

impl DocumentOrder {
    /// The document at `document` (counted within its file) of the file at `file`.
    #[must_use]
    pub fn document(file: usize, document: usize) -> Self {
        Self {
            file,
            document,
            position: 0,
        }
    }

    /// The place after this one in the same document.
    #[must_use]
    pub fn next(self) -> Self {
        Self {
            position: self.position.saturating_add(1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_then_documents_then_positions() {
        let first_file = DocumentOrder::document(0, 7);
        let second_file = DocumentOrder::document(1, 0);
        assert!(first_file < second_file);
        assert!(first_file.next().next() < second_file);
        assert!(first_file < first_file.next());
        assert!(first_file.next() < first_file.next().next());
        assert!(DocumentOrder::document(1, 0).next() < DocumentOrder::document(1, 1));
        // An item of a List far down a document stays before the next document.
        let mut late = DocumentOrder::document(0, 0);
        for _ in 0..2_000_000 {
            late = late.next();
        }
        assert!(late < DocumentOrder::document(0, 1));
        assert_eq!(DocumentOrder::document(2, 3), DocumentOrder::document(2, 3));
    }
}
