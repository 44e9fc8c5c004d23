"""Networks from declarative layer stacks: the layer catalogue, shape rules, building, presets."""
