"""The training stage: fit a network on its data (``fit``), with fused training ops where Keras
allows (``fused_ops``) and a TensorFlow distribution strategy when the spec asks (``distribute``)."""
