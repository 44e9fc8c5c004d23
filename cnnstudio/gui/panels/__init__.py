"""The editing side of the window: dataset, model and training settings."""
