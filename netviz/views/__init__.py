"""The explain stage: what a trained network computes, as arrays and scores, never as pictures.

``views`` runs the three views of one model (activations, filters, class-activation maps with
their trust scores); ``methods/`` holds one file per heatmap method, found through
:data:`netviz.registry.HEATMAP_METHODS`. The figures stage draws what this stage returns.
"""
