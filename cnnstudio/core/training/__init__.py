"""The training loop, its events and callbacks, optimizers, metrics and devices."""
