"""Event schemas of every topic: the contract between a producing service and the read models fed by it.

They live in libs/ because consumers must parse them without importing the producing service.
"""
