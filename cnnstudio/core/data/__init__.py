"""Images decoded once into uint8 tensors, batched and augmented with tensor ops, or streamed."""
