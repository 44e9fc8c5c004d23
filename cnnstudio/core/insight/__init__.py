"""Looking inside a network: what each layer makes of an image, its filters, where it looks when it
decides (Grad-CAM, occlusion), receptive fields, and the validation set's embedding.

Built on forward hooks and tensor gradients alone (no extra dependencies). Layer facts come from
the layer catalogue by formula (layers.py, no torch); the rest takes a built `nn.Sequential` and a
normalised batch and returns numpy copies.
"""
