//! Workspace-level integration and property tests live in `tests/tests/`.
