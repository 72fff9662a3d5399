"""Data sets: one module per kind (folder, arrays, keras, mnist, line), found through a registry.

Every loader returns a :class:`Dataset` of uint8 images and integer labels; images
are converted to float per batch, never held as float32 in full.
"""

from netviz.data.base import Dataset, DataFacts, data_kinds, describe_dataset, load_dataset

__all__ = ["DataFacts", "Dataset", "data_kinds", "describe_dataset", "load_dataset"]
