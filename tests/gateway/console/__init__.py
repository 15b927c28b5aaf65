"""The console's tests: a package, so its one hub (conftest.world) lives from its first test to its last only."""
