"""Data sets: MNIST (Keras download or local files) and the synthetic LINE set.

Every loader returns a :class:`Dataset` of uint8 images and integer labels; images
are converted to float per batch, never held as float32 in full.
"""

from netviz.data.base import Dataset, load_dataset

__all__ = ["Dataset", "load_dataset"]
