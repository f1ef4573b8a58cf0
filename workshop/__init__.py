"""Tooling for the Face Auth Workshop: the two-target test plugin, learner tools and instructor tools.

Learners: ``python -m workshop progress | hint EX | watch EX``.
Instructors: ``python -m workshop diff EX | solutions | check | stubs``.
"""
