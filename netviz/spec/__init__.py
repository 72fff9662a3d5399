"""The experiment spec: its schema (``schema``), loading with located errors (``loader``), the
layer graph of a declared network (``graph``) and the layer types (``layers/``).

Kept free of imports so that a data kind can read :mod:`netviz.spec.facts` while the schema
is being assembled from the registries.
"""
