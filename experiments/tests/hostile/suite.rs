//! Running cases: each from fresh copies of the world's directories it touches, its outcome
//! classified and checked, the case directory compared byte for byte around a failing
//! command, and a table of outcomes by class.

use super::harness::{copy_dir, run_guarded, snapshot, tempdir, Outcome, World};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A case's directories: its copies, and the world for the rest.
pub struct Ctx {
    dir: PathBuf,
    world: PathBuf,
    copied: Vec<String>,
}

impl Ctx {
    /// The path of `name`: the case's copy if there is one, else a new path in the case
    /// directory for a name the world does not have, else the world's (read only).
    pub fn path(&self, name: &str) -> PathBuf {
        let top = name.split('/').next().unwrap_or(name);
        if self.copied.iter().any(|c| c == top) || !self.world.join(top).exists() {
            self.dir.join(name)
        } else {
            self.world.join(name)
        }
    }

    /// [`Ctx::path`] as a string.
    pub fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// The case directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

/// One case's result.
pub struct Row {
    /// Its class.
    pub class: &'static str,
    /// Its name.
    pub name: String,
    /// What the command did.
    pub outcome: Outcome,
    /// Whether it did what it must.
    pub passed: bool,
    /// The error's first line (a typed error's).
    pub error: String,
}

/// The cases run so far.
pub struct Suite<'w> {
    world: &'w World,
    /// The results.
    pub rows: Vec<Row>,
    failures: Vec<String>,
}

impl<'w> Suite<'w> {
    /// A suite over `world`.
    pub fn new(world: &'w World) -> Self {
        Self { world, rows: Vec::new(), failures: Vec::new() }
    }

    fn prepare(&self, copy: &[&str], setup: impl FnOnce(&Ctx)) -> Ctx {
        let dir = tempdir("case");
        for name in copy {
            copy_dir(&self.world.at(name), &dir.join(name));
        }
        let ctx = Ctx {
            dir,
            world: self.world.root.clone(),
            copied: copy.iter().map(|s| s.to_string()).collect(),
        };
        setup(&ctx);
        ctx
    }

    fn record(
        &mut self,
        (class, name): (&'static str, &str),
        outcome: Outcome,
        log: &str,
        problem: Option<String>,
    ) {
        if let Some(p) = &problem {
            self.failures.push(format!("[{class}] {name}: {p}"));
        }
        let error = log.lines().find(|l| l.starts_with("error: ")).unwrap_or("").to_string();
        self.rows.push(Row { class, name: name.into(), outcome, passed: problem.is_none(), error });
    }

    /// A command that must fail with a typed error whose text contains `expect`, and leave the
    /// case directory (the copies, and any earlier output) byte-identical.
    pub fn fails(
        &mut self,
        class: &'static str,
        name: &str,
        copy: &[&str],
        setup: impl FnOnce(&Ctx),
        command: impl FnOnce(&Ctx) -> Vec<String>,
        expect: &str,
    ) {
        let ctx = self.prepare(copy, setup);
        let before = snapshot(&ctx.dir);
        let (outcome, log) = run_guarded(&command(&ctx));
        let after = snapshot(&ctx.dir);
        let problem = if outcome != Outcome::Typed {
            Some(format!("{outcome:?} instead of a typed error: {log}"))
        } else if !log.contains(expect) {
            Some(format!("the error does not say {expect:?}: {log}"))
        } else if before != after {
            let changed: Vec<_> = before
                .keys()
                .chain(after.keys())
                .filter(|k| before.get(*k) != after.get(*k))
                .collect();
            Some(format!("the failing command changed {changed:?}"))
        } else {
            None
        };
        let _ = std::fs::remove_dir_all(&ctx.dir);
        self.record((class, name), outcome, &log, problem);
    }

    /// A command that must succeed, and then pass `check` (given the output).
    pub fn succeeds(
        &mut self,
        class: &'static str,
        name: &str,
        copy: &[&str],
        setup: impl FnOnce(&Ctx),
        command: impl FnOnce(&Ctx) -> Vec<String>,
        check: impl FnOnce(&Ctx, &str) -> Result<(), String>,
    ) {
        let ctx = self.prepare(copy, setup);
        let (outcome, log) = run_guarded(&command(&ctx));
        let problem = if outcome != Outcome::Success {
            Some(format!("{outcome:?}: {log}"))
        } else {
            check(&ctx, &log).err()
        };
        let _ = std::fs::remove_dir_all(&ctx.dir);
        self.record((class, name), outcome, &log, problem);
    }

    /// The outcomes by class, as a Markdown table.
    pub fn table(&self) -> String {
        let mut by: BTreeMap<&str, BTreeMap<Outcome, usize>> = BTreeMap::new();
        for r in &self.rows {
            *by.entry(r.class).or_default().entry(r.outcome).or_default() += 1;
        }
        let mut t = String::from("| class | cases | typed error | success (as required) | other |\n|---|---|---|---|---|\n");
        for (class, counts) in &by {
            let total: usize = counts.values().sum();
            let typed = counts.get(&Outcome::Typed).copied().unwrap_or(0);
            let ok = counts.get(&Outcome::Success).copied().unwrap_or(0);
            t += &format!("| {class} | {total} | {typed} | {ok} | {} |\n", total - typed - ok);
        }
        t
    }

    /// Panics with every failed case.
    pub fn finish(self) {
        eprintln!("{}", self.table());
        for r in &self.rows {
            eprintln!(
                "{:>9} {:?} {}{}\n          {}",
                r.class,
                r.outcome,
                r.name,
                if r.passed { "" } else { "  FAILED" },
                r.error
            );
        }
        assert!(
            self.failures.is_empty(),
            "{} cases failed:\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
    }
}
