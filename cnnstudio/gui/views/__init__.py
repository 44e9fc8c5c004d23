"""Live views of a run: curves, confusion matrix, per-class table, mistakes."""
