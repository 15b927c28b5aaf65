"""The portal's tests: a package, so its one hub (conftest.portal) lives from its first test to its last only."""
