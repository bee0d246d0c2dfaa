"""Plain data and helpers: models, config, time, logging, the worker pool.

Imports nothing else of bot.
"""
