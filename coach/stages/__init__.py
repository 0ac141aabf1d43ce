"""The stages of starting over and a guess at which one a description is about.

``model`` is the stage model (data, read on first use); ``classify`` guesses a
stage from cue phrases plus ``semantic``, the trained stage head's reading.
Imports point one way: model <- semantic <- classify.
"""
