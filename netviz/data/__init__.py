"""The data stage: one module per data kind (line, mnist, keras, arrays, folder, images, csv),
each a :data:`netviz.registry.DATA_KINDS` entry. Every kind returns a :class:`Dataset` of uint8
images and integer labels; images become float per batch, never held as float32 in full.
"""

from netviz.data.base import Dataset, ExtraTest, describe_dataset, load_dataset

__all__ = ["Dataset", "ExtraTest", "describe_dataset", "load_dataset"]
