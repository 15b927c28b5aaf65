"""Fault drills (A29.1): a hub of the drills' own is started with two replicas of every service, one piece of it is
killed with SIGKILL under load, and what the databases hold afterwards is counted against what was sent.

`make drill` (tools/drill.py) runs them all and prints the table; tests/drills/ runs each at a smaller volume.
"""
