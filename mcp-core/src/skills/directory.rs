//! Directory resources of a skill (`resources/directory/read`): its root
//! `skill://<name>` and every subdirectory, listed as their direct
//! children, files with their resource metadata and subdirectories as
//! `inode/directory`.

use super::Manifest;
use crate::protocol::Resource;
use percent_encoding::percent_decode_str;

/// The media type of a directory resource.
pub(crate) const DIRECTORY_MIME: &str = "inode/directory";

impl Manifest {
    /// The direct children of the directory at `uri`, subdirectories and
    /// files in path order; `None` when `uri` is not a directory of this
    /// skill (a file, or nothing).
    pub(crate) fn directory(&self, uri: &str) -> Option<Vec<Resource>> {
        let prefix = if uri == self.root {
            String::new()
        } else {
            format!("{}/", uri.strip_prefix(&self.root)?.strip_prefix('/')?)
        };
        let mut children = Vec::new();
        let mut last_directory: Option<&str> = None;
        let mut found = prefix.is_empty();
        for file in &self.files {
            let Some(rest) = file.path.strip_prefix(&prefix) else { continue };
            found = true;
            match rest.split_once('/') {
                None => children.push((rest, self.describe(file))),
                // Files are in path order, so a directory's files are together.
                Some((directory, _)) if last_directory != Some(directory) => {
                    last_directory = Some(directory);
                    children.push((directory, self.directory_resource(&format!("{prefix}{directory}"), directory)));
                }
                Some(_) => {}
            }
        }
        // `SKILL.md` comes first in `files`; the listing is by name.
        children.sort_by(|a, b| a.0.cmp(b.0));
        found.then(|| children.into_iter().map(|(_, resource)| resource).collect())
    }

    fn directory_resource(&self, path: &str, segment: &str) -> Resource {
        Resource {
            uri: format!("{}/{path}", self.root),
            name: percent_decode_str(segment).decode_utf8_lossy().into_owned(),
            title: None,
            description: None,
            mime_type: Some(DIRECTORY_MIME.to_owned()),
            size: None,
            annotations: None,
            icons: None,
            meta: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::skills::{Manifest, Skill};

    fn listing(manifest: &Manifest, uri: &str) -> Option<Vec<(String, String)>> {
        let children = manifest.directory(uri)?;
        Some(children.into_iter().map(|r| (r.uri, r.mime_type.unwrap_or_default())).collect())
    }

    #[test]
    fn directories_list_their_direct_children() {
        let skill = Skill::new("pdf", "Reads PDFs")
            .file("templates/invoice.md", "i")
            .file("templates/regional/eu invoice.md", "e")
            .file("scripts/extract.py", "x")
            .file("LICENSE", "MIT");
        let manifest = Manifest::compile(&skill).unwrap();
        let pairs = |items: &[(&str, &str)]| {
            Some(items.iter().map(|(u, m)| (format!("skill://pdf/{u}"), m.to_string())).collect::<Vec<_>>())
        };
        assert_eq!(
            listing(&manifest, "skill://pdf"),
            pairs(&[
                ("LICENSE", "text/plain"),
                ("SKILL.md", "text/markdown"),
                ("scripts", "inode/directory"),
                ("templates", "inode/directory"),
            ])
        );
        assert_eq!(
            listing(&manifest, "skill://pdf/templates"),
            pairs(&[("templates/invoice.md", "text/markdown"), ("templates/regional", "inode/directory")])
        );
        assert_eq!(
            listing(&manifest, "skill://pdf/templates/regional"),
            pairs(&[("templates/regional/eu%20invoice.md", "text/markdown")])
        );
        assert_eq!(
            manifest.directory("skill://pdf/templates").unwrap().last().map(|r| r.name.clone()),
            Some("regional".into())
        );
        for not_a_directory in [
            "skill://pdf/SKILL.md",
            "skill://pdf/templates/invoice.md",
            "skill://pdf/nope",
            "skill://pdfx",
            "skill://pdf/",
        ] {
            assert_eq!(listing(&manifest, not_a_directory), None, "{not_a_directory}");
        }
    }
}
