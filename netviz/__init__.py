"""netviz: a YAML experiment spec in, trained Keras CNNs and an assignment-style report out.

Importing the package must stay instant: TensorFlow is imported only inside the
functions that train or visualize, never at module level.
"""

__version__ = "0.1.0"
