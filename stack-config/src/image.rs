//! Image references, pinned to a tag.

use serde::{Deserialize, Serialize};

/// An image reference pinned to a tag (never `latest` by omission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub repository: String,
    pub tag: String,
}

impl Image {
    pub fn new(repository: &str, tag: &str) -> Self {
        Image {
            repository: repository.into(),
            tag: tag.into(),
        }
    }

    /// Parses `repository:tag`; the tag is required.
    pub fn parse(reference: &str) -> Result<Self, String> {
        let slash = reference.rfind('/').map_or(0, |i| i + 1);
        match reference[slash..].rfind(':') {
            Some(colon) if colon > 0 && slash + colon + 1 < reference.len() => Ok(Image::new(
                &reference[..slash + colon],
                &reference[slash + colon + 1..],
            )),
            _ => Err(format!(
                "image reference {reference:?} must be REPOSITORY:TAG with a pinned tag"
            )),
        }
    }

    pub fn reference(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }
}
