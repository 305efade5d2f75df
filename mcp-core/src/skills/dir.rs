//! Skills read from disk: a skill directory (`SKILL.md` and its files), or
//! a directory of skill directories.
//!
//! Reading is bounded before any byte is read: at most [`MAX_FILES`] files
//! and [`MAX_TOTAL_SIZE`] bytes per skill. A symbolic link is followed only
//! when it points inside the skill's directory, and a directory reached
//! twice (a link loop) is an error. Hidden entries (`.git`, `.DS_Store`)
//! are skipped, and so is anything that is not a file or a directory.

use super::{MAX_FILES, MAX_TOTAL_SIZE, SKILL_MD, Skill, SkillError, Skills};
use std::collections::HashSet;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

impl Skill {
    /// The skill in the directory `path`: its `SKILL.md` and every other
    /// file under it. The directory's name is the skill's name and must
    /// equal the frontmatter's `name`.
    ///
    /// ```no_run
    /// use quickmcp::skills::{Skill, Skills};
    ///
    /// let skill = Skill::from_dir("skills/pdf-processing")?;
    /// let skills = Skills::new().skill(skill);
    /// # Ok::<(), quickmcp::skills::SkillError>(())
    /// ```
    pub fn from_dir(path: impl AsRef<Path>) -> Result<Self, SkillError> {
        let path = path.as_ref();
        let label = path.display().to_string();
        let fail = |message: String| SkillError::new(&label, message);
        let root = fs::canonicalize(path).map_err(|e| fail(format!("cannot open the directory: {e}")))?;
        let name = root
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| fail("the directory's name is not UTF-8".into()))?
            .to_owned();
        let mut walk = Walk { root: root.clone(), files: Vec::new(), total: 0, seen: HashSet::new() };
        walk.directory(&root, "").map_err(fail)?;
        let Some(at) = walk.files.iter().position(|(path, _)| path == SKILL_MD) else {
            return Err(fail(format!("no {SKILL_MD} at the directory's root")));
        };
        let (_, skill_md) = walk.files.remove(at);
        let mut skill = Skill::written(name, skill_md);
        skill.files = walk.files;
        Ok(skill)
    }
}

impl Skills {
    /// Every skill in the directory `path`: each subdirectory holding a
    /// `SKILL.md` is one (`path/pdf-processing/SKILL.md` is the skill
    /// `pdf-processing`), others are skipped. Fails on the first skill that
    /// cannot be read or breaks a rule, naming it.
    ///
    /// ```no_run
    /// use quickmcp::Server;
    /// use quickmcp::skills::Skills;
    ///
    /// let skills = Skills::from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/skills"))?;
    /// let server = Server::builder("docs", "1.0.0").skills(skills).build();
    /// # Ok::<(), quickmcp::skills::SkillError>(())
    /// ```
    pub fn from_dir(path: impl AsRef<Path>) -> Result<Self, SkillError> {
        let path = path.as_ref();
        let fail =
            |e: std::io::Error| SkillError::new(path.display().to_string(), format!("cannot read the directory: {e}"));
        let mut directories: Vec<PathBuf> = fs::read_dir(path)
            .map_err(fail)?
            .filter_map(Result::ok)
            .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
            .map(|entry| entry.path())
            .filter(|dir| dir.join(SKILL_MD).is_file())
            .collect();
        directories.sort();
        let mut skills = Skills::new();
        for directory in directories {
            skills = skills.skill(Skill::from_dir(&directory)?);
            if let Some(problem) = skills.problems().first() {
                return Err(problem.clone());
            }
        }
        Ok(skills)
    }
}

/// The files found so far under one skill's directory.
struct Walk {
    /// The skill's directory, resolved: links may not leave it.
    root: PathBuf,
    files: Vec<(String, Vec<u8>)>,
    total: u64,
    /// Directories entered, resolved (a second visit is a link loop).
    seen: HashSet<PathBuf>,
}

impl Walk {
    /// Reads the files under `dir`, whose path within the skill is `prefix`.
    fn directory(&mut self, dir: &Path, prefix: &str) -> Result<(), String> {
        let resolved = fs::canonicalize(dir).map_err(|e| format!("cannot open {prefix:?}: {e}"))?;
        if !self.seen.insert(resolved) {
            return Err(format!("{prefix:?} leads back to a directory already read (a link loop)"));
        }
        let mut entries: Vec<fs::DirEntry> =
            fs::read_dir(dir).and_then(Iterator::collect).map_err(|e| format!("cannot read {prefix:?}: {e}"))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().into_string().map_err(|n| format!("the name {n:?} is not UTF-8"))?;
            if name.starts_with('.') {
                continue;
            }
            let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            let mut kind = entry.file_type().map_err(|e| format!("cannot inspect {path:?}: {e}"))?;
            if kind.is_symlink() {
                let target = fs::canonicalize(entry.path()).map_err(|e| format!("the link {path:?} is broken: {e}"))?;
                if !target.starts_with(&self.root) {
                    return Err(format!("the link {path:?} points outside the skill's directory"));
                }
                kind = fs::metadata(&target).map_err(|e| format!("cannot inspect {path:?}: {e}"))?.file_type();
            }
            if kind.is_dir() {
                self.directory(&entry.path(), &path)?;
            } else if kind.is_file() {
                self.file(&entry.path(), path)?;
            }
        }
        Ok(())
    }

    /// Reads one file, refusing it when it would break a limit.
    fn file(&mut self, file: &Path, path: String) -> Result<(), String> {
        if self.files.len() == MAX_FILES {
            return Err(format!("more than {MAX_FILES} files, the most a skill may hold"));
        }
        let room = MAX_TOTAL_SIZE - self.total;
        let mut bytes = Vec::new();
        fs::File::open(file)
            .and_then(|f| f.take(room + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("cannot read {path:?}: {e}"))?;
        if bytes.len() as u64 > room {
            return Err(format!("more than {MAX_TOTAL_SIZE} bytes, the most a skill may hold"));
        }
        self.total += bytes.len() as u64;
        self.files.push((path, bytes));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary one.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mcp-skills-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn a_directory_of_skills_is_read_whole() {
        let dir = scratch("read");
        write(&dir.join("pdf/SKILL.md"), "---\nname: pdf\ndescription: Reads PDFs\n---\n# PDF\n");
        write(&dir.join("pdf/references/FORMS.md"), "# Forms\n");
        write(&dir.join("pdf/.hidden"), "skipped");
        write(&dir.join("git/SKILL.md"), "---\nname: git\ndescription: Git conventions\n---\n");
        write(&dir.join("notes/README.md"), "not a skill");
        let skills = Skills::from_dir(&dir).unwrap();
        assert_eq!(skills.uris(), ["skill://git/SKILL.md", "skill://pdf/SKILL.md"]);
        let skill = Skill::from_dir(dir.join("pdf")).unwrap();
        assert_eq!(skill.files, [("references/FORMS.md".to_owned(), b"# Forms\n".to_vec())]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_must_agree_and_skill_md_must_exist() {
        let dir = scratch("names");
        write(&dir.join("pdf/SKILL.md"), "---\nname: other\ndescription: d\n---\n");
        let error = Skills::from_dir(&dir).unwrap_err();
        assert_eq!(error.skill(), "pdf");
        assert!(error.message().contains("\"other\""), "{error}");
        write(&dir.join("empty/x.md"), "x");
        assert!(Skill::from_dir(dir.join("empty")).unwrap_err().message().contains("no SKILL.md"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_stay_inside_the_skill() {
        use std::os::unix::fs::symlink;
        let dir = scratch("links");
        write(&dir.join("secret.txt"), "outside");
        write(&dir.join("s/SKILL.md"), "---\nname: s\ndescription: d\n---\n");
        write(&dir.join("s/real/a.md"), "a");
        symlink(dir.join("s/real/a.md"), dir.join("s/alias.md")).unwrap();
        let skill = Skill::from_dir(dir.join("s")).unwrap();
        let paths: Vec<&str> = skill.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["alias.md", "real/a.md"]);
        symlink(dir.join("s"), dir.join("s/real/loop")).unwrap();
        assert!(Skill::from_dir(dir.join("s")).unwrap_err().message().contains("link loop"));
        fs::remove_file(dir.join("s/real/loop")).unwrap();
        symlink(dir.join("secret.txt"), dir.join("s/escape.txt")).unwrap();
        assert!(Skill::from_dir(dir.join("s")).unwrap_err().message().contains("outside the skill"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reading_stops_at_the_limits() {
        let dir = scratch("limits");
        write(&dir.join("big/SKILL.md"), "---\nname: big\ndescription: d\n---\n");
        fs::write(dir.join("big/blob.bin"), vec![0u8; MAX_TOTAL_SIZE as usize]).unwrap();
        assert!(Skill::from_dir(dir.join("big")).unwrap_err().message().contains("bytes, the most"));
        write(&dir.join("many/SKILL.md"), "---\nname: many\ndescription: d\n---\n");
        for i in 0..MAX_FILES {
            fs::write(dir.join(format!("many/f{i:03}")), "").unwrap();
        }
        assert!(Skill::from_dir(dir.join("many")).unwrap_err().message().contains("files, the most"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
