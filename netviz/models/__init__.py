"""Keras models built from the spec's layer lists."""
