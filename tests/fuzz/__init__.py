"""The fuzzing suite (issue 9): a package, so its one hub lives from its first test to its last."""
