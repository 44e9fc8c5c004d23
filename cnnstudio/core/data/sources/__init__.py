"""Dataset sources: the built-in set, benchmark sets in their published formats, folders."""
