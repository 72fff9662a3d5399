"""Layer types a spec may declare: one class each, a :data:`netviz.registry.LAYER_TYPES` entry.

A layer type is a spec section (``type: <KerasClassName>`` plus the Keras arguments it
accepts) that also knows its output shape and parameter count, so validation refuses
impossible networks before TensorFlow starts, and carries the traits the views need
(:class:`~netviz.spec.layers.base.LayerSpec`). Nothing here names a type.
"""
