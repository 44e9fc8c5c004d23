"""The Inside tab: the network's layers, feature maps, filters and where it looks."""
