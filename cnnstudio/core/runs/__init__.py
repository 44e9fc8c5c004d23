"""A run's record on disk: checkpoints, run folder, history, reports and prediction."""
