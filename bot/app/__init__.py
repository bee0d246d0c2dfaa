"""Composition: the Service, runtime wiring, feed administration, evaluation, the lock."""
