"""The run spec: one validated document for everything a run needs, and project files."""
